/* Explore's engine-independent half (lib/explore.h): the schema gathered
 * from an engine's rows, a reader's browse request read from URL
 * parameters and turned into one statement with bound values, and the
 * rows of a page handed on with the cursor of the next. */
#include "autoconfig.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explore.h"

int ayb_explore_quote(struct ayb_buf *b, const char *name)
{
	ayb_buf_addc(b, '"');
	for (const char *p = name; *p; p++) {
		if (*p == '"')
			ayb_buf_addc(b, '"');
		ayb_buf_addc(b, *p);
	}
	return ayb_buf_addc(b, '"');
}

static void table_free(struct ayb_schema_table *t)
{
	for (size_t i = 0; i < t->ncols; i++) {
		free(t->cols[i].name);
		free(t->cols[i].type);
	}
	for (size_t i = 0; i < t->nidx; i++) {
		free(t->idx[i].name);
		free(t->idx[i].columns);
	}
	free(t->cols);
	free(t->idx);
	free(t->name);
}

void ayb_schema_free(struct ayb_schema *s)
{
	for (size_t i = 0; i < s->n; i++)
		table_free(&s->t[i]);
	free(s->t);
	s->t = NULL;
	s->n = 0;
}

const struct ayb_schema_table *ayb_schema_find(const struct ayb_schema *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->t[i].name, name) == 0)
			return &s->t[i];
	return NULL;
}

/* A value of a schema row as text ("" for NULL), in a new string. */
static char *text_of(const struct ayb_value *v)
{
	char tmp[32];

	switch (v->type) {
	case AYB_VALUE_INTEGER:
		snprintf(tmp, sizeof(tmp), "%" PRId64, v->u.i);
		return strdup(tmp);
	case AYB_VALUE_TEXT:
	case AYB_VALUE_BLOB:
	case AYB_VALUE_BINARY:
		return strndup(v->u.s.p, v->u.s.n);
	default:
		return strdup("");
	}
}

/* A number of a fact: an integer, or its digits as text (an engine that
 * types its columns makes a column of numbers and names text). */
static int64_t int_of(const struct ayb_value *v)
{
	int64_t n = 0;

	if (v->type == AYB_VALUE_INTEGER)
		return v->u.i;
	if (v->type != AYB_VALUE_TEXT)
		return 0;
	for (size_t i = 0; i < v->u.s.n && v->u.s.p[i] >= '0' && v->u.s.p[i] <= '9' &&
			   n < INT64_MAX / 10; i++)
		n = n * 10 + (v->u.s.p[i] - '0');
	return n;
}

static int schema_fields(void *ctx, const char *const *names, size_t n)
{
	(void)ctx;
	(void)names;
	return n == 8 ? 0 : -1;
}

/* One fact: a new table (kind 0), or a column or an index of the last. */
static int schema_row(void *ctx, const struct ayb_value *v, size_t n)
{
	struct ayb_schema_builder *b = ctx;
	struct ayb_schema *s = b->s;
	struct ayb_schema_table *t;
	void *p;

	if (n != 8 || v[0].type != AYB_VALUE_TEXT)
		return -1;
	if (++b->facts > b->max_facts) {
		b->truncated = 1;
		return -1;
	}
	t = s->n ? &s->t[s->n - 1] : NULL;
	if (int_of(&v[2]) == 0 || !t || strlen(t->name) != v[0].u.s.n ||
	    memcmp(t->name, v[0].u.s.p, v[0].u.s.n) != 0) {
		if (!(p = realloc(s->t, (s->n + 1) * sizeof(*s->t))))
			goto oom;
		s->t = p;
		t = &s->t[s->n++];
		memset(t, 0, sizeof(*t));
		t->rows = -1;
		t->view = v[1].type == AYB_VALUE_TEXT && v[1].u.s.n == 4 &&
			  memcmp(v[1].u.s.p, "view", 4) == 0;
		if (!(t->name = text_of(&v[0])))
			goto oom;
	}
	switch (int_of(&v[2])) {
	case 0:
		t->without_rowid = int_of(&v[3]) != 0;
		break;
	case 1:
		if (!(p = realloc(t->cols, (t->ncols + 1) * sizeof(*t->cols))))
			goto oom;
		t->cols = p;
		t->cols[t->ncols] = (struct ayb_schema_column){ text_of(&v[4]), text_of(&v[5]),
								(int)int_of(&v[6]),
								int_of(&v[7]) != 0 };
		if (!t->cols[t->ncols].name || !t->cols[t->ncols++].type)
			goto oom;
		break;
	default:
		if (!(p = realloc(t->idx, (t->nidx + 1) * sizeof(*t->idx))))
			goto oom;
		t->idx = p;
		t->idx[t->nidx] = (struct ayb_schema_index){ text_of(&v[4]), text_of(&v[6]),
							     int_of(&v[5]) != 0 };
		if (!t->idx[t->nidx].name || !t->idx[t->nidx++].columns)
			goto oom;
	}
	return 0;
oom:
	b->oom = 1;
	return -1;
}

static int schema_end(void *ctx)
{
	(void)ctx;
	return 0;
}

void ayb_schema_builder_init(struct ayb_schema_builder *b, struct ayb_schema *s,
			     size_t max_facts)
{
	memset(b, 0, sizeof(*b));
	b->rows = (struct ayb_row_sink){ schema_fields, schema_row, schema_end, b };
	b->s = s;
	b->max_facts = max_facts;
}

static const char *const op_names[AYB_OP_COUNT] = {
	[AYB_OP_EXACT] = "exact", [AYB_OP_NOT] = "not", [AYB_OP_CONTAINS] = "contains",
	[AYB_OP_STARTSWITH] = "startswith", [AYB_OP_ENDSWITH] = "endswith",
	[AYB_OP_GT] = "gt", [AYB_OP_GTE] = "gte", [AYB_OP_LT] = "lt", [AYB_OP_LTE] = "lte",
	[AYB_OP_ISNULL] = "isnull", [AYB_OP_NOTNULL] = "notnull",
};

int ayb_browse_op_parse(const char *s)
{
	for (int i = 0; i < AYB_OP_COUNT; i++)
		if (strcmp(s, op_names[i]) == 0)
			return i;
	return -1;
}

const char *ayb_browse_op_name(int op)
{
	return op >= 0 && op < AYB_OP_COUNT ? op_names[op] : "exact";
}

/* A whole decimal integer in [min, max], or -1. */
static int parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (!*s || (*s != '-' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int ayb_browse_param(struct ayb_browse *b, const char *name, const char *value,
		     struct ayb_err *err)
{
	struct ayb_browse_filter *f;
	const char *sep;

	if (strcmp(name, "_sort") == 0 || strcmp(name, "_sort_desc") == 0) {
		b->sort = *value ? value : NULL;
		b->desc = name[5] == '_';
		return 0;
	}
	if (strcmp(name, "_after") == 0) {
		if (!*value)
			return 0;
		if (parse_int(value, INT64_MIN, INT64_MAX, &b->after) < 0)
			return ayb_err_set(err, AYB_E_INVALID, "Invalid _after: %.40s", value);
		b->has_after = 1;
		return 0;
	}
	if (strcmp(name, "_size") == 0) {
		if (parse_int(value, 1, AYB_BROWSE_SIZE_MAX, &b->size) < 0)
			return ayb_err_set(err, AYB_E_INVALID,
					   "Invalid _size: %.40s (1 to %d)", value,
					   AYB_BROWSE_SIZE_MAX);
		return 0;
	}
	/* Other parameters starting with "_" are the pages' own (format...). */
	if (name[0] == '_' || !*name)
		return 0;
	if (b->nfilters == AYB_BROWSE_FILTERS_MAX)
		return ayb_err_set(err, AYB_E_INVALID, "Too many filters (%d at most)",
				   AYB_BROWSE_FILTERS_MAX);
	f = &b->filters[b->nfilters];
	f->column = name;
	f->op = AYB_OP_EXACT;
	f->value = value;
	sep = strstr(name, "__");
	/* The last "__" splits: a column may have "__" in its name. */
	for (const char *p = sep; p; p = strstr(p + 1, "__"))
		sep = p;
	if (sep && ayb_browse_op_parse(sep + 2) >= 0) {
		f->op = ayb_browse_op_parse(sep + 2);
		/* The column's name ends at the separator; the caller's string
		 * is not ours to cut, so the name is copied into b. */
		if ((size_t)(sep - name) >= sizeof(b->names[0]))
			return ayb_err_set(err, AYB_E_INVALID, "Column name too long in filter");
		memcpy(b->names[b->nfilters], name, (size_t)(sep - name));
		b->names[b->nfilters][sep - name] = '\0';
		f->column = b->names[b->nfilters];
	}
	b->nfilters++;
	return 0;
}

static const struct ayb_schema_column *column(const struct ayb_schema_table *t, const char *n)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, n) == 0)
			return &t->cols[i];
	return NULL;
}

/* The name the table's rowid goes by here, or NULL when it has none (a
 * view, a WITHOUT ROWID table, every alias taken by a column). */
static const char *rowid_name(const struct ayb_explore_dialect *d,
			      const struct ayb_schema_table *t)
{
	if (t->view || t->without_rowid || !d->rowid)
		return NULL;
	for (const char *const *r = d->rowid; *r; r++)
		if (!column(t, *r))
			return *r;
	return NULL;
}

int ayb_explore_count_sql(struct ayb_buf *b, const char *const *tables, size_t n, int64_t cap)
{
	ayb_buf_adds(b, "SELECT ");
	for (size_t i = 0; i < n; i++) {
		ayb_buf_adds(b, i ? ", (SELECT count(*) FROM (SELECT 1 FROM "
				  : "(SELECT count(*) FROM (SELECT 1 FROM ");
		ayb_explore_quote(b, tables[i]);
		ayb_buf_printf(b, " LIMIT %" PRId64 "))", cap + 1);
	}
	return b->oom ? -1 : 0;
}

static void param(struct ayb_param *p, const char *name, const char *value)
{
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->name_len = strlen(name);
	p->v.type = AYB_VALUE_TEXT;
	p->v.u.s.p = value;
	p->v.u.s.n = strlen(value);
}

/* `$name` is a parameter to SQLite and to DuckDB alike; the value is
 * named without the `$`, as DuckDB reports names (SQLite's lookup tries
 * the name without its sigil too). */
static const char *const filter_names[AYB_BROWSE_FILTERS_MAX] = {
	"$f0", "$f1", "$f2", "$f3", "$f4", "$f5", "$f6", "$f7", "$f8", "$f9",
	"$f10", "$f11", "$f12", "$f13", "$f14", "$f15", "$f16", "$f17", "$f18", "$f19",
};

/* One filter's condition; its value is the parameter named pn. */
static void condition(struct ayb_buf *s, const struct ayb_browse_filter *f, const char *pn)
{
	static const char *const cmp[AYB_OP_COUNT] = {
		[AYB_OP_EXACT] = " = ", [AYB_OP_NOT] = " IS NOT ", [AYB_OP_GT] = " > ",
		[AYB_OP_GTE] = " >= ", [AYB_OP_LT] = " < ", [AYB_OP_LTE] = " <= ",
	};

	switch (f->op) {
	case AYB_OP_CONTAINS:
		ayb_buf_adds(s, "instr(");
		ayb_explore_quote(s, f->column);
		ayb_buf_printf(s, ", %s) > 0", pn);
		break;
	case AYB_OP_STARTSWITH:
		ayb_buf_adds(s, "substr(");
		ayb_explore_quote(s, f->column);
		ayb_buf_printf(s, ", 1, length(%s)) = %s", pn, pn);
		break;
	case AYB_OP_ENDSWITH:
		ayb_buf_adds(s, "substr(");
		ayb_explore_quote(s, f->column);
		ayb_buf_printf(s, ", -length(%s)) = %s AND length(%s) > 0", pn, pn, pn);
		break;
	case AYB_OP_ISNULL:
	case AYB_OP_NOTNULL:
		ayb_explore_quote(s, f->column);
		ayb_buf_adds(s, f->op == AYB_OP_ISNULL ? " IS NULL" : " IS NOT NULL");
		break;
	default:
		ayb_explore_quote(s, f->column);
		ayb_buf_adds(s, cmp[f->op]);
		ayb_buf_adds(s, pn);
	}
}

/* The keyset condition: the rows after the cursor's row ($after) in the
 * order of column c then rowid r.  NULL sorts first ascending and last
 * descending, as in SQLite's ORDER BY, so a cursor row whose value is NULL
 * continues among the NULLs, then (ascending) into every other value. */
static void after(struct ayb_buf *s, const char *table, const char *c, const char *r, int desc)
{
	struct ayb_buf v = { 0 }, q = { 0 };

	ayb_buf_adds(&v, "(SELECT ");
	ayb_explore_quote(&v, c);
	ayb_buf_adds(&v, " FROM ");
	ayb_explore_quote(&v, table);
	ayb_buf_printf(&v, " WHERE %s = $after)", r);
	ayb_explore_quote(&q, c);
	if (v.oom || q.oom) {
		s->oom = 1;
	} else {
		ayb_buf_printf(s,
			       "(%s %s %s OR (%s IS NOT DISTINCT FROM %s AND %s %s $after)"
			       " OR (%s IS %s AND %s IS %s))",
			       q.data, desc ? "<" : ">", v.data, q.data, v.data, r,
			       desc ? "<" : ">", v.data, desc ? "NOT NULL" : "NULL", q.data,
			       desc ? "NULL" : "NOT NULL");
	}
	ayb_buf_free(&v);
	ayb_buf_free(&q);
}

int ayb_browse_sql(const struct ayb_explore_dialect *d, const struct ayb_schema_table *t,
		   const struct ayb_browse *b, struct ayb_buf *sql, struct ayb_param *params,
		   size_t *nparams, struct ayb_err *err)
{
	const char *r = rowid_name(d, t);
	size_t n = 0;
	int where = 0;

	if (b->sort && !column(t, b->sort))
		return ayb_err_set(err, AYB_E_INVALID,
				   "Cannot sort by %.100s: %.100s has no such column",
				   b->sort, t->name);
	for (size_t i = 0; i < b->nfilters; i++)
		if (!column(t, b->filters[i].column))
			return ayb_err_set(err, AYB_E_INVALID,
					   "Cannot filter on %.100s: %.100s has no such column",
					   b->filters[i].column, t->name);
	ayb_buf_printf(sql, "SELECT %s, * FROM ", r ? r : "NULL");
	ayb_explore_quote(sql, t->name);
	for (size_t i = 0; i < b->nfilters; i++) {
		ayb_buf_adds(sql, where++ ? " AND " : " WHERE ");
		condition(sql, &b->filters[i], filter_names[i]);
		if (b->filters[i].op != AYB_OP_ISNULL && b->filters[i].op != AYB_OP_NOTNULL)
			param(&params[n++], filter_names[i] + 1, b->filters[i].value);
	}
	if (r && b->has_after && b->size) {
		ayb_buf_adds(sql, where++ ? " AND " : " WHERE ");
		if (b->sort)
			after(sql, t->name, b->sort, r, b->desc);
		else
			ayb_buf_printf(sql, "%s %s $after", r, b->desc ? "<" : ">");
	}
	ayb_buf_adds(sql, " ORDER BY ");
	if (b->sort) {
		ayb_explore_quote(sql, b->sort);
		ayb_buf_adds(sql, b->desc ? " DESC" : "");
		ayb_buf_adds(sql, ", ");
	}
	if (r) {
		ayb_buf_printf(sql, "%s%s", r, b->desc ? " DESC" : "");
	} else {
		/* Without a rowid, pages are positions in an order that must
		 * be total, so that one page ends where the next begins: every
		 * column, by its position (the cursor column is the first). */
		for (size_t i = 0; i < t->ncols; i++)
			ayb_buf_printf(sql, "%s%zu%s", i ? ", " : "", i + 2,
				       b->desc && !b->sort ? " DESC" : "");
	}
	if (b->size) {
		ayb_buf_printf(sql, " LIMIT %" PRId64, b->size + 1);
		if (!r && b->has_after)
			ayb_buf_adds(sql, " OFFSET $after");
	}
	if (b->has_after && b->size) {
		memset(&params[n], 0, sizeof(params[n]));
		params[n].name = "after";
		params[n].name_len = 5;
		params[n].v.type = AYB_VALUE_INTEGER;
		params[n].v.u.i = b->after;
		n++;
	}
	*nparams = n;
	return sql->oom ? ayb_err_oom(err) : 0;
}

static int rows_fields(void *ctx, const char *const *names, size_t n)
{
	struct ayb_browse_rows *r = ctx;

	return n ? r->to->fields(r->to->ctx, names + 1, n - 1) : -1;
}

static int rows_row(void *ctx, const struct ayb_value *v, size_t n)
{
	struct ayb_browse_rows *r = ctx;

	if (r->size && r->passed == r->size) {
		r->more = 1;
		return 0;
	}
	r->passed++;
	if (v[0].type == AYB_VALUE_INTEGER)
		r->last = v[0].u.i;
	return r->to->row(r->to->ctx, v + 1, n - 1);
}

static int rows_end(void *ctx)
{
	struct ayb_browse_rows *r = ctx;

	if (r->more)
		snprintf(r->next, sizeof(r->next), "%" PRId64,
			 r->keyset ? r->last : r->start + r->passed);
	if (r->on_end)
		r->on_end(r->on_end_ctx, r->next);
	return r->to->end(r->to->ctx);
}

void ayb_browse_rows_init(struct ayb_browse_rows *r, struct ayb_row_sink *to,
			  const struct ayb_schema_table *t, const struct ayb_explore_dialect *d,
			  const struct ayb_browse *b)
{
	memset(r, 0, sizeof(*r));
	r->rows = (struct ayb_row_sink){ rows_fields, rows_row, rows_end, r };
	r->to = to;
	r->size = b->size;
	r->keyset = rowid_name(d, t) != NULL;
	r->start = !r->keyset && b->has_after ? b->after : 0;
}
