/* Explore's use cases (README "Explore"): the directory of public
 * databases, a database's description, its schema and the rows of one of
 * its tables for a reader.  Schema and rows are read by the database's
 * sandboxed worker under the caller's query slots, always read-only, with
 * statements built by lib/explore_sql.c. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "slots.h"
#include "utf8.h"
#include "worker.h"

/* Schema facts (tables, columns, indexes) taken at most: a database with
 * more is shown in part (README "Explore"). */
#define SCHEMA_FACTS_MAX 20000

static int utf8_ok(const char *s, size_t n)
{
	size_t valid, bad;

	return ayb_utf8_check((const unsigned char *)s, n, &valid, &bad) == 1;
}

int ayb_app_explore(struct ayb_app_ctx *ctx, const char *q, int64_t page,
		    struct ayb_explore_entry **out, size_t *n, int *more, struct ayb_err *err)
{
	struct ayb_buf pat = { 0 };
	size_t len = q ? strlen(q) : 0;
	int rc;

	*out = NULL;
	*n = 0;
	*more = 0;
	if (len > AYB_EXPLORE_Q_MAX || !utf8_ok(q ? q : "", len))
		return ayb_err_set(err, AYB_E_INVALID,
				   "Invalid search: at most %d bytes of UTF-8", AYB_EXPLORE_Q_MAX);
	if (page < 1 || page > AYB_EXPLORE_PAGE_MAX)
		return ayb_err_set(err, AYB_E_INVALID, "Invalid page: 1 to %d",
				   AYB_EXPLORE_PAGE_MAX);
	/* A substring match (the store folds case): the search's own % and _
	 * are literal. */
	ayb_buf_addc(&pat, '%');
	for (size_t i = 0; i < len; i++) {
		if (q[i] == '%' || q[i] == '_' || q[i] == '\\')
			ayb_buf_addc(&pat, '\\');
		ayb_buf_addc(&pat, q[i]);
	}
	ayb_buf_addc(&pat, '%');
	if (pat.oom) {
		ayb_buf_free(&pat);
		return ayb_err_oom(err);
	}
	rc = ayb_store_explore(ctx->store, pat.data, AYB_EXPLORE_PAGE_SIZE + 1,
			       (page - 1) * AYB_EXPLORE_PAGE_SIZE, out, n, err);
	ayb_buf_free(&pat);
	if (rc == 0 && *n > AYB_EXPLORE_PAGE_SIZE) {
		*more = 1;
		free((*out)[AYB_EXPLORE_PAGE_SIZE].entity_slug);
		free((*out)[AYB_EXPLORE_PAGE_SIZE].database_slug);
		free((*out)[AYB_EXPLORE_PAGE_SIZE].description);
		*n = AYB_EXPLORE_PAGE_SIZE;
	}
	return rc;
}

int ayb_app_database_update_meta(struct ayb_app_ctx *ctx, const struct ayb_app_caller *a,
				 const struct ayb_app_target *t, const char *public_level,
				 const struct ayb_field_update *description, struct ayb_err *err)
{
	int level = -1;
	const char *d = description && description->present ? description->value : NULL;

	if (!ayb_perm_can_manage(&t->caller, &t->db))
		return ayb_err_set(err, AYB_E_FORBIDDEN,
				   "Authenticated entity %s can't update database %s",
				   a->entity.slug, t->name);
	if (!public_level && !(description && description->present))
		return ayb_err_set(err, AYB_E_EMPTY_UPDATE,
				   "No fields provided to update. Please specify at least one field to update.");
	if (public_level && (level = ayb_app_public_level_parse(public_level, err)) < 0)
		return -1;
	if (d && (strlen(d) > AYB_DESCRIPTION_MAX || !utf8_ok(d, strlen(d))))
		return ayb_err_set(err, AYB_E_INVALID,
				   "Invalid description: at most %d bytes of UTF-8",
				   AYB_DESCRIPTION_MAX);
	/* An empty description is none. */
	if (d && !*d)
		d = NULL;
	if (description && description->present &&
	    ayb_store_database_set_description(ctx->store, t->db.id, d, err) < 0)
		return -1;
	if (level < 0)
		return 0;
	return ayb_store_database_set_public_level(ctx->store, t->db.id, level, err);
}

int ayb_app_database_description(struct ayb_app_ctx *ctx, const struct ayb_app_target *t,
				 char **out, struct ayb_err *err)
{
	return ayb_store_database_description(ctx->store, t->db.id, out, err);
}

/* The engine's SQL for t's database, or NULL with err. */
static const struct ayb_explore_dialect *dialect(const struct ayb_app_target *t,
						 struct ayb_err *err)
{
	if (t->db.db_type == AYB_DB_SQLITE)
		return &ayb_explore_sqlite;
	if (t->db.db_type == AYB_DB_DUCKDB)
		return &ayb_explore_duckdb;
	ayb_err_set(err, AYB_E_INVALID, "Explore is not available for this kind of database");
	return NULL;
}

/* Runs one read-only statement with its named parameters on t's database
 * in its worker; the caller holds the slots. */
static int run(struct ayb_app_ctx *ctx, const struct ayb_app_target *t, const char *sql,
	       struct ayb_param *params, size_t n, struct ayb_row_sink *rows,
	       struct ayb_err *err)
{
	struct ayb_query_req r;

	memset(&r, 0, sizeof(r));
	r.form = AYB_FORM_ONE;
	r.one.sql = sql;
	r.one.len = strlen(sql);
	r.one.has_params = n > 0;
	r.one.named = 1;
	r.one.params = params;
	r.one.nparams = n;
	r.stmts = &r.one;
	r.n = 1;
	return ayb_worker_run(&ctx->cfg->isolation, ctx->cfg->data_path, t->owner.slug,
			      t->db.slug, t->db.db_type, &r, AYB_QUERY_READ_ONLY, rows, err);
}

/* The caller may read t (else 403), and its slots are taken. */
static int begin_read(struct ayb_app_ctx *ctx, const struct ayb_app_caller *a,
		      const struct ayb_app_target *t, struct ayb_slots *slots,
		      struct ayb_err *err)
{
	if (!ayb_perm_can_browse(&t->caller, &t->db))
		return ayb_err_set(err, AYB_E_FORBIDDEN,
				   "Authenticated entity %s can't query database %s",
				   a->authenticated ? a->entity.slug : "(anonymous)", t->name);
	return ayb_slots_take(ctx->cfg->data_path, &ctx->cfg->isolation,
			      a->authenticated ? a->entity.slug : NULL, t->owner.slug,
			      t->db.slug, slots, err);
}

/* The row of counts: one value per counted table. */
struct counts {
	struct ayb_schema_table **t;
	size_t n;
};

static int counts_fields(void *ctx, const char *const *names, size_t n)
{
	(void)names;
	return n == ((struct counts *)ctx)->n ? 0 : -1;
}

static int counts_row(void *ctx, const struct ayb_value *v, size_t n)
{
	struct counts *c = ctx;

	for (size_t i = 0; i < n; i++) {
		if (v[i].type != AYB_VALUE_INTEGER)
			continue;
		c->t[i]->rows_more = v[i].u.i > AYB_EXPLORE_COUNT_CAP;
		c->t[i]->rows = c->t[i]->rows_more ? AYB_EXPLORE_COUNT_CAP : v[i].u.i;
	}
	return 0;
}

static int counts_end(void *ctx)
{
	(void)ctx;
	return 0;
}

/* Counts the rows of s's first tables, each up to the cap.  A count that
 * fails (the query's time limit) leaves every count unknown: the schema
 * is still worth showing. */
static void count_rows(struct ayb_app_ctx *ctx, const struct ayb_app_target *t,
		       const struct ayb_explore_dialect *d, struct ayb_schema *s)
{
	struct ayb_schema_table *tables[AYB_EXPLORE_COUNT_TABLES];
	const char *names[AYB_EXPLORE_COUNT_TABLES];
	struct counts c = { tables, 0 };
	struct ayb_row_sink rows = { counts_fields, counts_row, counts_end, &c };
	struct ayb_buf sql = { 0 };
	struct ayb_err ignored = { 0 };

	for (size_t i = 0; i < s->n && c.n < AYB_EXPLORE_COUNT_TABLES; i++) {
		/* A view's rows are a query's: counting them may cost anything. */
		if (s->t[i].view)
			continue;
		tables[c.n] = &s->t[i];
		names[c.n++] = s->t[i].name;
	}
	if (c.n && d->count_sql(&sql, names, c.n, AYB_EXPLORE_COUNT_CAP) == 0 &&
	    run(ctx, t, sql.data, NULL, 0, &rows, &ignored) < 0) {
		for (size_t i = 0; i < c.n; i++)
			tables[i]->rows = -1;
	}
	ayb_err_clear(&ignored);
	ayb_buf_free(&sql);
}

int ayb_app_schema(struct ayb_app_ctx *ctx, const struct ayb_app_caller *a,
		   const struct ayb_app_target *t, struct ayb_schema *out, int *truncated,
		   struct ayb_err *err)
{
	const struct ayb_explore_dialect *d;
	struct ayb_schema_builder b;
	struct ayb_slots slots;
	int rc;

	memset(out, 0, sizeof(*out));
	*truncated = 0;
	if (!(d = dialect(t, err)) || begin_read(ctx, a, t, &slots, err) < 0)
		return -1;
	ayb_schema_builder_init(&b, out, SCHEMA_FACTS_MAX);
	rc = run(ctx, t, d->schema_sql, NULL, 0, &b.rows, err);
	if (rc < 0 && !b.truncated && !b.oom) {
		/* A broken view (its table dropped) fails the listing of its
		 * columns, and with it the whole statement: the tables still
		 * show. */
		ayb_schema_free(out);
		ayb_err_clear(err);
		ayb_schema_builder_init(&b, out, SCHEMA_FACTS_MAX);
		rc = run(ctx, t, d->tables_sql, NULL, 0, &b.rows, err);
	}
	if (b.truncated) {
		/* Stopped on purpose: what was taken is shown. */
		ayb_err_clear(err);
		rc = 0;
		*truncated = 1;
	} else if (b.oom) {
		ayb_err_clear(err);
		rc = ayb_err_oom(err);
	}
	if (rc == 0)
		count_rows(ctx, t, d, out);
	ayb_slots_release(&slots);
	if (rc < 0)
		ayb_schema_free(out);
	return rc;
}

int ayb_app_browse(struct ayb_app_ctx *ctx, const struct ayb_app_caller *a,
		   const struct ayb_app_target *t, const struct ayb_browse *b,
		   struct ayb_browse_rows *rows, struct ayb_row_sink *to,
		   struct ayb_err *err)
{
	const struct ayb_explore_dialect *d;
	struct ayb_schema s = { 0 };
	struct ayb_schema_builder sb;
	struct ayb_slots slots;
	struct ayb_param params[AYB_BROWSE_FILTERS_MAX + 1], tp;
	struct ayb_buf sql = { 0 };
	const struct ayb_schema_table *table;
	void (*on_end)(void *, const char *) = rows->on_end;
	void *on_end_ctx = rows->on_end_ctx;
	size_t n;
	int rc = -1;

	if (!(d = dialect(t, err)) || begin_read(ctx, a, t, &slots, err) < 0)
		return -1;
	memset(&tp, 0, sizeof(tp));
	tp.name = "table";
	tp.name_len = 5;
	tp.v.type = AYB_VALUE_TEXT;
	tp.v.u.s.p = b->table;
	tp.v.u.s.n = strlen(b->table);
	ayb_schema_builder_init(&sb, &s, SCHEMA_FACTS_MAX);
	if (run(ctx, t, d->table_sql, &tp, 1, &sb.rows, err) < 0)
		goto out;
	if (!(table = ayb_schema_find(&s, b->table))) {
		ayb_err_set(err, AYB_E_MISSING, "Table %.200s not found in database %s",
			    b->table, t->name);
		goto out;
	}
	if (ayb_browse_sql(d, table, b, &sql, params, &n, err) < 0)
		goto out;
	ayb_browse_rows_init(rows, to, table, d, b);
	rows->on_end = on_end;
	rows->on_end_ctx = on_end_ctx;
	rc = run(ctx, t, sql.data, params, n, &rows->rows, err);
out:
	ayb_slots_release(&slots);
	ayb_schema_free(&s);
	ayb_buf_free(&sql);
	return rc;
}
