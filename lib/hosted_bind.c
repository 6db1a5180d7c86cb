/* Parameters are bound by SQLite, never spliced into SQL text, so a value
 * is data whatever it holds.  A mismatch between the parameters given and
 * those the statement has is the client's mistake, named in the answer
 * rather than papered over with NULLs as the SQL form does (as ayb). */
#include "autoconfig.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hosted_bind.h"

/* How a message names parameter i: as the SQL spells it, else ?i. */
static void label(sqlite3_stmt *stmt, int i, char *out, size_t n)
{
	const char *name = sqlite3_bind_parameter_name(stmt, i);

	if (name)
		snprintf(out, n, "%.64s", name);
	else
		snprintf(out, n, "?%d", i);
}

static int bind_value(sqlite3_stmt *stmt, int i, const struct ayb_value *v)
{
	switch (v->type) {
	case AYB_VALUE_NULL:
		return sqlite3_bind_null(stmt, i);
	case AYB_VALUE_INTEGER:
		return sqlite3_bind_int64(stmt, i, v->u.i);
	case AYB_VALUE_REAL:
		return sqlite3_bind_double(stmt, i, v->u.r);
	case AYB_VALUE_TEXT:
		return sqlite3_bind_text64(stmt, i, v->u.s.p, v->u.s.n, SQLITE_STATIC, SQLITE_UTF8);
	default:
		return sqlite3_bind_blob64(stmt, i, v->u.s.p, v->u.s.n, SQLITE_STATIC);
	}
}

/* Key "name" binds :name, @name and $name; a key may also spell the
 * parameter whole (":name"), which then wins over "name". */
static const struct ayb_param *key_for(const struct ayb_param *const *sorted, size_t count,
				       const char *name)
{
	const struct ayb_param *p = ayb_query_req_find(sorted, count, name, strlen(name));

	if (!p && (name[0] == ':' || name[0] == '@' || name[0] == '$'))
		p = ayb_query_req_find(sorted, count, name + 1, strlen(name + 1));
	return p;
}

static int bind_positional(sqlite3_stmt *stmt, const struct ayb_statement *st,
			   struct ayb_err *err)
{
	int count = sqlite3_bind_parameter_count(stmt), rc = SQLITE_OK;
	char what[80];

	if (st->nparams < (size_t)count) {
		label(stmt, (int)st->nparams + 1, what, sizeof(what));
		return ayb_err_set(err, AYB_E_INVALID,
				   "Missing value for parameter %s: the query has %d parameter%s, %zu given",
				   what, count, count == 1 ? "" : "s", st->nparams);
	}
	if (st->nparams > (size_t)count)
		return ayb_err_set(err, AYB_E_INVALID,
				   "Parameter %d has no placeholder: the query has %d parameter%s, %zu given",
				   count + 1, count, count == 1 ? "" : "s", st->nparams);
	for (int i = 0; i < count && rc == SQLITE_OK; i++)
		rc = bind_value(stmt, i + 1, &st->params[i].v);
	return rc;
}

static int bind_named(sqlite3_stmt *stmt, const struct ayb_statement *st, struct ayb_err *err)
{
	int count = sqlite3_bind_parameter_count(stmt), rc = SQLITE_OK, ret = -1;
	unsigned char *used = calloc(st->nparams ? st->nparams : 1, 1);
	const struct ayb_param **sorted = ayb_query_req_sorted(st), *p;
	char what[80];

	if (!used || !sorted) {
		ayb_err_oom(err);
		goto out;
	}
	for (int i = 1; i <= count && rc == SQLITE_OK; i++) {
		const char *name = sqlite3_bind_parameter_name(stmt, i);

		if (!name || name[0] == '?') {
			label(stmt, i, what, sizeof(what));
			ayb_err_set(err, AYB_E_INVALID,
				    "Parameter %s is positional: give \"params\" as an array",
				    what);
			goto out;
		}
		if (!(p = key_for(sorted, st->nparams, name))) {
			ayb_err_set(err, AYB_E_INVALID, "Missing value for parameter %.64s", name);
			goto out;
		}
		used[p - st->params] = 1;
		rc = bind_value(stmt, i, &p->v);
	}
	for (size_t k = 0; rc == SQLITE_OK && k < st->nparams; k++) {
		p = &st->params[k];
		if (!used[k]) {
			ayb_err_set(err, AYB_E_INVALID, "Parameter \"%.*s\" is not in the query",
				    (int)(p->name_len > 64 ? 64 : p->name_len), p->name);
			goto out;
		}
	}
	ret = rc;
out:
	free(used);
	free(sorted);
	return ret;
}

int ayb_hosted_bind(sqlite3_stmt *stmt, const struct ayb_statement *st, struct ayb_err *err)
{
	return st->named ? bind_named(stmt, st, err) : bind_positional(stmt, st, err);
}

int ayb_hosted_sql_trivia(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (isspace((unsigned char)s[i]) || s[i] == ';') {
			i++;
		} else if (s[i] == '-' && i + 1 < n && s[i + 1] == '-') {
			while (i < n && s[i] != '\n')
				i++;
		} else if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
			/* An unterminated comment runs to the end, as in SQLite. */
			for (i += 2; i < n && !(s[i] == '*' && i + 1 < n && s[i + 1] == '/'); i++)
				;
			i += 2;
		} else {
			return 0;
		}
	}
	return 1;
}
