/* Explore (README "Explore"): a database's schema and the rows of one of
 * its tables, read without writing SQL.  The SQL that reads them is an
 * engine's (struct ayb_explore_dialect: SQLite's in explore_sqlite.c);
 * building the browse statement from a reader's choices (sort, filters,
 * cursor) is here, in explore_sql.c, pure and with every value bound as a
 * parameter, never spliced.  Identifiers (a table, a column) are spliced
 * quoted, and only names the engine itself listed. */
#ifndef AYB_EXPLORE_H
#define AYB_EXPLORE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "query_req.h"

/* Rows counted per table at most: a bigger table says "more than" this.
 * What a count costs is bounded by it, whatever the table's size. */
#define AYB_EXPLORE_COUNT_CAP 100000
/* Tables counted per schema request; the rest say nothing of their size. */
#define AYB_EXPLORE_COUNT_TABLES 50
/* Rows of a table page: by default, and at most. */
#define AYB_BROWSE_SIZE 50
#define AYB_BROWSE_SIZE_MAX 1000
/* Filters of one browse request at most. */
#define AYB_BROWSE_FILTERS_MAX 20

struct ayb_schema_column {
	char *name;
	char *type;          /* as declared ("" when none) */
	int pk;              /* position in the primary key, 0 when not in it */
	int notnull;
};

struct ayb_schema_index {
	char *name;
	char *columns;       /* "a, b"; "" for an index on expressions */
	int unique;
};

struct ayb_schema_table {
	char *name;
	int view;
	int without_rowid;
	struct ayb_schema_column *cols;
	size_t ncols;
	struct ayb_schema_index *idx;
	size_t nidx;
	int64_t rows;        /* -1: not counted */
	int rows_more;       /* there are more than `rows` (the cap) */
};

struct ayb_schema {
	struct ayb_schema_table *t;
	size_t n;
};
void ayb_schema_free(struct ayb_schema *s);
/* The table named name (exactly), or NULL. */
const struct ayb_schema_table *ayb_schema_find(const struct ayb_schema *s, const char *name);

/* What an engine supplies.  schema_sql lists every table and view, one
 * row per fact, ordered by table name then kind: (table, type "table" or
 * "view", kind, n, a, b, c, d) where kind 0 is the table itself (n: 1 for
 * WITHOUT ROWID), kind 1 a column (n: position, a: name, b: declared type,
 * c: primary key position, d: not null), kind 2 an index (n: position, a:
 * name, b: unique, c: its columns).  table_sql is the same for the one
 * table bound to $table, tables_sql for the tables alone (a view whose
 * table was dropped fails to list its columns: the rest is still shown).
 * count_sql appends one statement returning one row, the bounded count of
 * each of n tables.  rowid is the hidden
 * identity of a table's rows a cursor can hold (NULL: none), tried in
 * order until one is not a column's name. */
struct ayb_explore_dialect {
	const char *schema_sql;
	const char *tables_sql;
	const char *table_sql;
	int (*count_sql)(struct ayb_buf *b, const char *const *tables, size_t n, int64_t cap);
	const char *const *rowid;
};
extern const struct ayb_explore_dialect ayb_explore_sqlite, ayb_explore_duckdb;
/* The bounded counts as both engines write them: a LIMIT each. */
int ayb_explore_count_sql(struct ayb_buf *b, const char *const *tables, size_t n, int64_t cap);

/* Appends name as a quoted identifier ("a""b"): 0, or -1 on OOM. */
int ayb_explore_quote(struct ayb_buf *b, const char *name);

/* Fills s from the rows of schema_sql (or table_sql) as they come: hand
 * the builder's rows to the query.  At most max_facts rows are taken;
 * past them the sink stops the query (truncated is then set). */
struct ayb_schema_builder {
	struct ayb_row_sink rows;
	struct ayb_schema *s;
	size_t facts, max_facts;
	int truncated, oom;
};
void ayb_schema_builder_init(struct ayb_schema_builder *b, struct ayb_schema *s,
			     size_t max_facts);

/* A filter's operators, by their names in a URL (col__op=value). */
enum ayb_browse_op {
	AYB_OP_EXACT, AYB_OP_NOT, AYB_OP_CONTAINS, AYB_OP_STARTSWITH, AYB_OP_ENDSWITH,
	AYB_OP_GT, AYB_OP_GTE, AYB_OP_LT, AYB_OP_LTE, AYB_OP_ISNULL, AYB_OP_NOTNULL,
	AYB_OP_COUNT
};
/* The operator named s ("exact", "gte"...), or -1. */
int ayb_browse_op_parse(const char *s);
const char *ayb_browse_op_name(int op);

struct ayb_browse_filter {
	const char *column;
	int op;
	const char *value;   /* bound as text; unused by isnull and notnull */
};

/* A reader's view of a table.  Strings are borrowed. */
struct ayb_browse {
	const char *table;
	const char *sort;    /* a column, or NULL: the table's order */
	int desc;
	int has_after;       /* a cursor from the previous page's `next` */
	int64_t after;
	struct ayb_browse_filter filters[AYB_BROWSE_FILTERS_MAX];
	size_t nfilters;
	int64_t size;        /* rows of a page; 0: every row (a download) */
	char names[AYB_BROWSE_FILTERS_MAX][256]; /* filters' columns split from "col__op" */
};

/* Reads a browse request from URL parameters: `_sort`, `_sort_desc`,
 * `_after`, `_size`, `column__op` (a bare `column` is exact), each by its
 * name and value, in order, calling it n times.  The values must outlive b.
 * Errors: Other (400) naming the parameter. */
int ayb_browse_param(struct ayb_browse *b, const char *name, const char *value,
		     struct ayb_err *err);

/* The statement showing b of table t, in the dialect d: SQL into sql,
 * its parameters into params (*nparams, at most AYB_BROWSE_FILTERS_MAX +
 * 1), pointing into b.  The first column it returns is the row's cursor
 * (a rowid, or a position where the table has none), then the table's
 * columns.  A sort or filter column the table has not is Other (400). */
int ayb_browse_sql(const struct ayb_explore_dialect *d, const struct ayb_schema_table *t,
		   const struct ayb_browse *b, struct ayb_buf *sql, struct ayb_param *params,
		   size_t *nparams, struct ayb_err *err);

/* A row sink between the browse statement and a renderer: drops the
 * cursor column, passes at most `size` rows (0: all) and, before passing
 * end(), sets `next` (the cursor of the page after, "" when this is the
 * last) and calls on_end. */
struct ayb_browse_rows {
	struct ayb_row_sink rows;
	struct ayb_row_sink *to;
	int64_t size, passed;
	int keyset;          /* the cursor column holds rowids, not positions */
	int64_t start;       /* the position of the first row, when not keyset */
	int64_t last;
	int more;
	char next[24];
	void (*on_end)(void *ctx, const char *next);
	void *on_end_ctx;
};
void ayb_browse_rows_init(struct ayb_browse_rows *r, struct ayb_row_sink *to,
			  const struct ayb_schema_table *t, const struct ayb_explore_dialect *d,
			  const struct ayb_browse *b);

#endif
