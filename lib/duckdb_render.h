/* DuckDB values as ayb shows them (README "DuckDB databases"): each value
 * of a result chunk becomes a row sink value (lib/row_sink.h).  Integers
 * that fit 64 bits and DOUBLE stay numbers; every other type becomes text:
 * BOOLEAN true/false, HUGEINT and the unsigned widths past 2^63 in decimal,
 * FLOAT its shortest round-trip digits, DECIMAL its exact digits, DATE
 * YYYY-MM-DD, TIME HH:MM:SS[.f], TIMESTAMP (every unit) YYYY-MM-DD
 * HH:MM:SS[.f] (the fraction only when not zero, in 3, 6 or 9 digits as
 * ayb's chrono shows it; TIMESTAMPTZ in UTC with "+00"), INTERVAL in
 * DuckDB's own words ("1 year 2 months 3 days 04:05:06"), UUID and ENUM as
 * DuckDB writes them, LIST, ARRAY, STRUCT and MAP as JSON.  A BLOB is a
 * blob when its bytes are UTF-8, else binary, as SQLite's are.  Linked
 * only into the programs that link libduckdb. */
#ifndef AYB_DUCKDB_RENDER_H
#define AYB_DUCKDB_RENDER_H

#include <stddef.h>

#include <duckdb.h>

#include "buf.h"
#include "error.h"
#include "row_sink.h"

/* The values of one row: the text of each lives in `text` until the row
 * is delivered. */
struct ayb_duckdb_row {
	struct ayb_buf text;
	struct ayb_value *values;
	size_t *at;              /* offset of each text value in `text` */
	size_t n;
};

/* Sizes r for n columns.  -1 on OOM. */
int ayb_duckdb_row_init(struct ayb_duckdb_row *r, size_t n);
void ayb_duckdb_row_free(struct ayb_duckdb_row *r);

/* Reads row `row` of the chunk's columns (of the given types) into r.
 * Returns 0, or -1 with err set: a column of a type ayb-c does not render
 * (BIT, VARINT, TIME WITH TIME ZONE, UNION...): Other (400) naming it and
 * how to cast it; OOM. */
int ayb_duckdb_row_read(struct ayb_duckdb_row *r, duckdb_data_chunk chunk,
			duckdb_logical_type *types, idx_t row, struct ayb_err *err);

#endif
