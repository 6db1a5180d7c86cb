/* DuckDB's SQL for Explore (lib/explore.h): the schema from DuckDB's own
 * catalog functions, as the facts SQLite's pragmas give.  DuckDB types its
 * columns, so a fact's `b` and `c` (text for a column, numbers for an
 * index) come back as text, which the schema builder reads either way. */
#include "autoconfig.h"

#include "explore.h"

/* The tenant's objects: this file's own database, schema main. */
#define MINE(t) t ".database_name = current_database() AND " t ".schema_name = 'main'"
#define FACTS \
	"SELECT * FROM (SELECT table_name AS name, 'table' AS type, 0 AS kind, 0 AS n," \
	" NULL AS a, NULL AS b, NULL AS c, NULL AS d FROM duckdb_tables() t" \
	" WHERE " MINE("t") " AND NOT t.internal" \
	" UNION ALL SELECT view_name, 'view', 0, 0, NULL, NULL, NULL, NULL FROM duckdb_views() t" \
	" WHERE " MINE("t") " AND NOT t.internal" \
	" UNION ALL SELECT c.table_name, CASE WHEN v.view_name IS NULL THEN 'table' ELSE 'view'" \
	" END, 1, c.column_index - 1, c.column_name, c.data_type," \
	" coalesce(list_position(k.constraint_column_indexes, c.column_index - 1), 0)," \
	" CAST(NOT c.is_nullable AS INTEGER) FROM duckdb_columns() c" \
	" LEFT JOIN duckdb_views() v ON v.database_name = c.database_name" \
	" AND v.schema_name = c.schema_name AND v.view_name = c.table_name" \
	" LEFT JOIN duckdb_constraints() k ON k.database_name = c.database_name" \
	" AND k.schema_name = c.schema_name AND k.table_name = c.table_name" \
	" AND k.constraint_type = 'PRIMARY KEY'" \
	" WHERE " MINE("c") " AND NOT c.internal" \
	" UNION ALL SELECT i.table_name, 'table', 2, row_number() OVER (PARTITION BY" \
	" i.table_name ORDER BY i.index_name) - 1, i.index_name, CAST(i.is_unique AS INTEGER)," \
	" trim(i.expressions, '[]'), NULL FROM duckdb_indexes() i WHERE " MINE("i") ") f"
#define ORDER " ORDER BY 1, 3, 4"

/* DuckDB's rowid: a row's identity in its table, what a cursor holds. */
static const char *const rowids[] = { "rowid", NULL };

const struct ayb_explore_dialect ayb_explore_duckdb = {
	.schema_sql = FACTS ORDER,
	.tables_sql = FACTS " WHERE f.type = 'table'" ORDER,
	.table_sql = FACTS " WHERE f.name = $table" ORDER,
	.count_sql = ayb_explore_count_sql,
	.rowid = rowids,
};
