/* SQLite's SQL for Explore (lib/explore.h): the schema from sqlite_schema
 * and the table-valued pragmas. */
#include "autoconfig.h"

#include "explore.h"

/* Internal tables (sqlite_sequence, sqlite_stat1) are SQLite's, not the
 * tenant's.  Views have no indexes; a WITHOUT ROWID table says so in
 * pragma_table_list's `wr`. */
#define USER_NAMES "m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
#define USER_OBJECTS "m.type IN ('table', 'view') AND " USER_NAMES
#define FACTS(where) \
	"SELECT m.name, m.type, 0, l.wr, NULL, NULL, NULL, NULL" \
	" FROM sqlite_schema m JOIN pragma_table_list(m.name) l ON l.schema = 'main'" \
	" WHERE " where \
	" UNION ALL SELECT m.name, m.type, 1, p.cid, p.name, p.type, p.pk, p.\"notnull\"" \
	" FROM sqlite_schema m JOIN pragma_table_info(m.name) p WHERE " where \
	" UNION ALL SELECT m.name, m.type, 2, i.seq, i.name, i.\"unique\"," \
	" (SELECT coalesce(group_concat(c.name, ', '), '') FROM pragma_index_info(i.name) c)," \
	" NULL FROM sqlite_schema m JOIN pragma_index_list(m.name) i" \
	" WHERE m.type = 'table' AND " where \
	" ORDER BY 1, 3, 4"

static const char *const rowids[] = { "rowid", "_rowid_", "oid", NULL };

const struct ayb_explore_dialect ayb_explore_sqlite = {
	.schema_sql = FACTS(USER_OBJECTS),
	.tables_sql = FACTS("m.type = 'table' AND " USER_NAMES),
	.table_sql = FACTS(USER_OBJECTS " AND m.name = $table"),
	.count_sql = ayb_explore_count_sql,
	.rowid = rowids,
};
