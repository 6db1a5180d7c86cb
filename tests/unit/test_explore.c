/* Explore's browse statement (lib/explore_sql.c): the URL parameters read
 * into a request, the SQL built from it with every value a parameter and
 * every name quoted, keyset and position cursors, and what is refused. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "explore.h"
#include "tap.h"

static struct ayb_schema_column cols[] = {
	{ "id", "INTEGER", 1, 0 }, { "we\"ird", "TEXT", 0, 0 }, { "a__b", "", 0, 0 },
};
static struct ayb_schema_table table = { "t\"x", 0, 0, cols, 3, NULL, 0, -1, 0 };

/* The SQL for the parameters given as name, value pairs, or "" with the
 * error's message in msg. */
static const char *build(const struct ayb_schema_table *t, const char *const *kv, size_t n,
			 size_t *nparams, char *msg, size_t msgsize)
{
	static struct ayb_buf sql;
	static struct ayb_browse b;
	static struct ayb_param params[AYB_BROWSE_FILTERS_MAX + 1];
	struct ayb_err err = { 0 };

	ayb_buf_free(&sql);
	memset(&sql, 0, sizeof(sql));
	memset(&b, 0, sizeof(b));
	b.table = t->name;
	b.size = AYB_BROWSE_SIZE;
	*msg = '\0';
	for (size_t i = 0; i + 1 < n; i += 2)
		if (ayb_browse_param(&b, kv[i], kv[i + 1], &err) < 0)
			goto fail;
	if (ayb_browse_sql(&ayb_explore_sqlite, t, &b, &sql, params, nparams, &err) < 0)
		goto fail;
	return sql.data;
fail:
	snprintf(msg, msgsize, "%s", err.message ? err.message : "");
	ayb_err_clear(&err);
	return "";
}

int main(void)
{
	char msg[256];
	size_t np = 0;

	{
		const char *kv[] = { "we\"ird__contains", "x' OR 1=1 --", "id__gte", "3" };
		is_str(build(&table, kv, 4, &np, msg, sizeof(msg)),
		       "SELECT rowid, * FROM \"t\"\"x\" WHERE instr(\"we\"\"ird\", $f0) > 0"
		       " AND \"id\" >= $f1 ORDER BY rowid LIMIT 51",
		       "names quoted, values parameters");
		is_int((int)np, 2, "two parameters bound");
	}
	{
		const char *kv[] = { "a__b", "1", "_sort_desc", "a__b", "_after", "7",
				     "_size", "5" };
		is_str(build(&table, kv, 8, &np, msg, sizeof(msg)),
		       "SELECT rowid, * FROM \"t\"\"x\" WHERE \"a__b\" = $f0 AND (\"a__b\" < "
		       "(SELECT \"a__b\" FROM \"t\"\"x\" WHERE rowid = $after) OR (\"a__b\" IS NOT DISTINCT FROM "
		       "(SELECT \"a__b\" FROM \"t\"\"x\" WHERE rowid = $after) AND rowid < $after) OR "
		       "((SELECT \"a__b\" FROM \"t\"\"x\" WHERE rowid = $after) IS NOT NULL AND "
		       "\"a__b\" IS NULL)) ORDER BY \"a__b\" DESC, rowid DESC LIMIT 6",
		       "a column with __ in its name, keyset after a descending sort");
		is_int((int)np, 2, "the filter and the cursor");
	}
	{
		struct ayb_schema_table view = table;
		const char *kv[] = { "_after", "100", "id__isnull", "" };

		view.view = 1;
		is_str(build(&view, kv, 4, &np, msg, sizeof(msg)),
		       "SELECT NULL, * FROM \"t\"\"x\" WHERE \"id\" IS NULL ORDER BY 2, 3, 4"
		       " LIMIT 51 OFFSET $after", "a view pages by position, in a total order");
		is_int((int)np, 1, "isnull binds nothing but the cursor");
	}
	{
		struct ayb_schema_column shadow[] = { { "rowid", "", 0, 0 } };
		struct ayb_schema_table t2 = { "s", 0, 0, shadow, 1, NULL, 0, -1, 0 };

		is_str(build(&t2, NULL, 0, &np, msg, sizeof(msg)),
		       "SELECT _rowid_, * FROM \"s\" ORDER BY _rowid_ LIMIT 51",
		       "a column named rowid: another alias");
	}
	{
		const char *kv[] = { "nope", "1" };
		is_str(build(&table, kv, 2, &np, msg, sizeof(msg)), "", "an unknown column");
		ok(strstr(msg, "Cannot filter on nope") != NULL, "is refused by name");
	}
	{
		const char *kv[] = { "_sort", "id\" DESC --" };
		is_str(build(&table, kv, 2, &np, msg, sizeof(msg)), "",
		       "a sort that is not a column");
	}
	{
		const char *kv[] = { "_size", "1001" };
		is_str(build(&table, kv, 2, &np, msg, sizeof(msg)), "", "a page over the maximum");
	}
	{
		const char *kv[] = { "_after", "9223372036854775808" };
		is_str(build(&table, kv, 2, &np, msg, sizeof(msg)), "", "a cursor out of range");
	}
	{
		const char *kv[AYB_BROWSE_FILTERS_MAX * 2 + 2];
		for (size_t i = 0; i < AYB_BROWSE_FILTERS_MAX + 1; i++) {
			kv[2 * i] = "id";
			kv[2 * i + 1] = "1";
		}
		is_str(build(&table, kv, AYB_BROWSE_FILTERS_MAX * 2 + 2, &np, msg, sizeof(msg)), "",
		       "more filters than allowed");
		ok(strstr(msg, "Too many filters") != NULL, "says so");
	}
	is_int(ayb_browse_op_parse("startswith"), AYB_OP_STARTSWITH, "an operator by name");
	is_int(ayb_browse_op_parse("drop"), -1, "an unknown one");
	return tap_done();
}
