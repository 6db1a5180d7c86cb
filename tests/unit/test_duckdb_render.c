/* lib/duckdb_render.c: every DuckDB type as ayb shows it, each value made
 * by DuckDB itself in an in-memory database. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <duckdb.h>

#include "duckdb_render.h"
#include "render.h"
#include "tap.h"

static duckdb_connection conn;

/* The one value of `SELECT <expr>`: "NULL", "i:<n>", "r:<text>", or
 * "t:", "b:", "x:" (text, blob, binary) and its text; "E:<message>". */
static char *shown(const char *expr)
{
	static char out[4096];
	char sql[1024], real[AYB_REAL_TEXT_MAX];
	duckdb_result res;
	duckdb_data_chunk chunk;
	duckdb_logical_type type;
	struct ayb_duckdb_row row;
	struct ayb_err err = { 0 };
	const struct ayb_value *v;

	snprintf(sql, sizeof(sql), "SELECT %s", expr);
	if (duckdb_query(conn, sql, &res) != DuckDBSuccess) {
		snprintf(out, sizeof(out), "SQL:%s", duckdb_result_error(&res));
		duckdb_destroy_result(&res);
		return out;
	}
	type = duckdb_column_logical_type(&res, 0);
	chunk = duckdb_fetch_chunk(res);
	ayb_duckdb_row_init(&row, 1);
	v = &row.values[0];
	if (ayb_duckdb_row_read(&row, chunk, &type, 0, &err) < 0)
		snprintf(out, sizeof(out), "E:%s", err.message);
	else if (v->type == AYB_VALUE_NULL)
		snprintf(out, sizeof(out), "NULL");
	else if (v->type == AYB_VALUE_INTEGER)
		snprintf(out, sizeof(out), "i:%lld", (long long)v->u.i);
	else if (v->type == AYB_VALUE_REAL)
		ayb_render_real(v->u.r, real), snprintf(out, sizeof(out), "r:%s", real);
	else
		snprintf(out, sizeof(out), "%s:%.*s",
			 v->type == AYB_VALUE_TEXT ? "t" : v->type == AYB_VALUE_BLOB ? "b" : "x",
			 (int)v->u.s.n, v->u.s.p);
	ayb_err_clear(&err);
	ayb_duckdb_row_free(&row);
	duckdb_destroy_data_chunk(&chunk);
	duckdb_destroy_logical_type(&type);
	duckdb_destroy_result(&res);
	return out;
}

int main(void)
{
	static const char *const cases[][2] = {
		{ "NULL::INTEGER", "NULL" },
		{ "true", "t:true" },
		{ "false", "t:false" },
		{ "(-128)::TINYINT", "i:-128" },
		{ "32767::SMALLINT", "i:32767" },
		{ "(-2147483648)::INTEGER", "i:-2147483648" },
		{ "9223372036854775807::BIGINT", "i:9223372036854775807" },
		{ "255::UTINYINT", "i:255" },
		{ "65535::USMALLINT", "i:65535" },
		{ "4294967295::UINTEGER", "i:4294967295" },
		{ "9223372036854775807::UBIGINT", "i:9223372036854775807" },
		{ "18446744073709551615::UBIGINT", "t:18446744073709551615" },
		{ "(-170141183460469231731687303715884105727)::HUGEINT",
		  "t:-170141183460469231731687303715884105727" },
		{ "340282366920938463463374607431768211455::UHUGEINT",
		  "t:340282366920938463463374607431768211455" },
		{ "0.1::FLOAT", "t:0.1" },
		{ "1e20::FLOAT", "t:100000000000000000000" },
		{ "0.1::DOUBLE", "r:0.1" },
		{ "'NaN'::DOUBLE", "r:NaN" },
		{ "12.30::DECIMAL(4,2)", "t:12.30" },
		{ "(-0.05)::DECIMAL(9,3)", "t:-0.050" },
		{ "123456789012.345678::DECIMAL(18,6)", "t:123456789012.345678" },
		{ "(-12345678901234567890.123)::DECIMAL(38,3)", "t:-12345678901234567890.123" },
		{ "42::DECIMAL(10,0)", "t:42" },
		{ "'hé'::VARCHAR", "t:hé" },
		{ "'abc'::BLOB", "b:abc" },
		{ "'\\xFF\\x00'::BLOB", "x:\xff" },
		{ "DATE '2024-02-29'", "t:2024-02-29" },
		{ "DATE '1969-12-31'", "t:1969-12-31" },
		{ "'infinity'::DATE", "t:infinity" },
		{ "TIME '04:05:06'", "t:04:05:06" },
		{ "TIME '04:05:06.5'", "t:04:05:06.500" },
		{ "TIME '04:05:06.123456'", "t:04:05:06.123456" },
		{ "TIMESTAMP '2024-01-02 03:04:05'", "t:2024-01-02 03:04:05" },
		{ "TIMESTAMP '1960-01-02 03:04:05.25'", "t:1960-01-02 03:04:05.250" },
		{ "'2024-01-02 03:04:05'::TIMESTAMP_S", "t:2024-01-02 03:04:05" },
		{ "'2024-01-02 03:04:05.123'::TIMESTAMP_MS", "t:2024-01-02 03:04:05.123" },
		{ "'2024-01-02 03:04:05.123456789'::TIMESTAMP_NS",
		  "t:2024-01-02 03:04:05.123456789" },
		{ "'-infinity'::TIMESTAMP", "t:-infinity" },
		{ "INTERVAL '1 year 2 months 3 days 04:05:06.5'",
		  "t:1 year 2 months 3 days 04:05:06.5" },
		{ "INTERVAL '1 day'", "t:1 day" },
		{ "INTERVAL '0 seconds'", "t:00:00:00" },
		{ "'0123e456-789a-4bcd-8ef0-123456789abc'::UUID",
		  "t:0123e456-789a-4bcd-8ef0-123456789abc" },
		{ "'b'::ENUM('a', 'b')", "t:b" },
		{ "[1, NULL, 3]", "t:[1,null,3]" },
		{ "['a\"b', NULL]", "t:[\"a\\\"b\",null]" },
		{ "[[1.5, 2], []]", "t:[[1.5,2.0],[]]" },
		{ "[1, 2]::INTEGER[2]", "t:[1,2]" },
		{ "{'x': 1, 'y': 'two', 'z': [DATE '2024-01-01']}",
		  "t:{\"x\":1,\"y\":\"two\",\"z\":[\"2024-01-01\"]}" },
		{ "MAP {'k': 1.25, 'l': NULL}", "t:{\"k\":1.25,\"l\":null}" },
		{ "MAP {1: true}", "t:{\"1\":true}" },
		{ "['\\xFF'::BLOB]", "t:[{\"base64\":\"/w==\"}]" },
		{ "[12.5::DECIMAL(4,1), 9223372036854775808::HUGEINT]",
		  "t:[12.5,9223372036854775808.0]" },
		{ "['NaN'::DOUBLE]", "t:[\"NaN\"]" },
		{ "'101'::BIT",
		  "E:A result column has a DuckDB type ayb-c does not show (type id 29): "
		  "cast it to VARCHAR in the query" },
	};
	duckdb_database db;

	if (duckdb_open(NULL, &db) != DuckDBSuccess || duckdb_connect(db, &conn) != DuckDBSuccess) {
		printf("Bail out! cannot open DuckDB\n");
		return 1;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_str(shown(cases[i][0]), cases[i][1], "%s", cases[i][0]);
	duckdb_disconnect(&conn);
	duckdb_close(&db);
	return tap_done();
}
