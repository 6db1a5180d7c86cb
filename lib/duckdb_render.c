/* DuckDB values as ayb shows them: lib/duckdb_render.h says which form
 * each type takes. */
#include "autoconfig.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duckdb_render.h"
#include "render.h"
#include "utf8.h"

__extension__ typedef unsigned __int128 u128;

#define US_PER_DAY INT64_C(86400000000)
/* DuckDB's infinite dates and timestamps. */
#define DATE_INF INT32_C(0x7fffffff)
#define TS_INF INT64_MAX

int ayb_duckdb_row_init(struct ayb_duckdb_row *r, size_t n)
{
	memset(r, 0, sizeof(*r));
	r->n = n;
	r->values = calloc(n ? n : 1, sizeof(*r->values));
	r->at = calloc(n ? n : 1, sizeof(*r->at));
	return r->values && r->at ? 0 : -1;
}

void ayb_duckdb_row_free(struct ayb_duckdb_row *r)
{
	ayb_buf_free(&r->text);
	free(r->values);
	free(r->at);
	memset(r, 0, sizeof(*r));
}

/* The magnitude of a 128-bit value in decimal, after a '-' when neg. */
static int add_u128(struct ayb_buf *b, u128 v, int neg)
{
	char d[48];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	if (neg)
		d[--i] = '-';
	return ayb_buf_add(b, d + i, sizeof(d) - i);
}

static int add_i128(struct ayb_buf *b, int64_t upper, uint64_t lower)
{
	u128 v = ((u128)(uint64_t)upper << 64) | lower;

	return upper < 0 ? add_u128(b, (u128)0 - v, 1) : add_u128(b, v, 0);
}

/* A DECIMAL: the unscaled integer's digits with the point `scale` from the
 * right, padded with zeros ("-0.05", "12.30"). */
static int add_decimal(struct ayb_buf *b, int64_t upper, uint64_t lower, unsigned scale)
{
	struct ayb_buf t = { 0 };
	const char *digits;
	size_t n;
	int neg = upper < 0, rc;

	if (add_i128(&t, upper, lower) < 0) {
		ayb_buf_free(&t);
		return -1;
	}
	digits = t.data + neg;
	n = t.len - (size_t)neg;
	rc = neg ? ayb_buf_addc(b, '-') : 0;
	if (scale == 0) {
		rc |= ayb_buf_add(b, digits, n);
	} else if (n <= scale) {
		rc |= ayb_buf_adds(b, "0.");
		for (size_t i = n; i < scale; i++)
			rc |= ayb_buf_addc(b, '0');
		rc |= ayb_buf_add(b, digits, n);
	} else {
		rc |= ayb_buf_add(b, digits, n - scale);
		rc |= ayb_buf_addc(b, '.');
		rc |= ayb_buf_add(b, digits + n - scale, scale);
	}
	ayb_buf_free(&t);
	return rc ? -1 : 0;
}

/* A FLOAT's shortest digits that read back as the same float, written
 * without an exponent as ayb_render_real writes a double. */
static int add_float(struct ayb_buf *b, float f)
{
	char s[64], out[AYB_REAL_TEXT_MAX];

	if (!isfinite(f)) {
		ayb_render_real((double)f, out);
		return ayb_buf_adds(b, out);
	}
	for (int p = 1; p <= 9; p++) {
		snprintf(s, sizeof(s), "%.*g", p, (double)f);
		if (strtof(s, NULL) == f)
			break;
	}
	ayb_render_real(strtod(s, NULL), out);
	return ayb_buf_adds(b, out);
}

/* Days since 1970-01-01 as a civil date (proleptic Gregorian). */
static void civil(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int add_date(struct ayb_buf *b, int64_t days)
{
	int64_t y;
	unsigned m, d;

	civil(days, &y, &m, &d);
	return ayb_buf_printf(b, "%04" PRId64 "-%02u-%02u", y, m, d);
}

/* A time of day in nanoseconds: HH:MM:SS, and the fraction as chrono
 * shows it, in 3, 6 or 9 digits and only when not zero. */
static int add_time(struct ayb_buf *b, int64_t ns)
{
	int64_t s = ns / 1000000000, f = ns % 1000000000;
	int rc = ayb_buf_printf(b, "%02" PRId64 ":%02" PRId64 ":%02" PRId64, s / 3600,
				s / 60 % 60, s % 60);

	if (rc < 0 || f == 0)
		return rc;
	if (f % 1000000 == 0)
		return ayb_buf_printf(b, ".%03" PRId64, f / 1000000);
	if (f % 1000 == 0)
		return ayb_buf_printf(b, ".%06" PRId64, f / 1000);
	return ayb_buf_printf(b, ".%09" PRId64, f);
}

/* A timestamp of `v` units of `per_s` a second since the epoch. */
static int add_timestamp(struct ayb_buf *b, int64_t v, int64_t per_s)
{
	int64_t per_day = per_s * 86400, days, rest;

	if (v == TS_INF || v == -TS_INF)
		return ayb_buf_adds(b, v > 0 ? "infinity" : "-infinity");
	days = v / per_day;
	rest = v % per_day;
	if (rest < 0) {
		rest += per_day;
		days--;
	}
	if (add_date(b, days) < 0 || ayb_buf_addc(b, ' ') < 0)
		return -1;
	return add_time(b, rest * (1000000000 / per_s));
}

/* "3 days" (a space before it unless it comes first): one part of an
 * interval, none when n is 0. */
static int add_part(struct ayb_buf *b, int64_t n, const char *unit, int *any)
{
	int rc;

	if (!n)
		return 0;
	rc = ayb_buf_printf(b, "%s%" PRId64 " %s%s", *any ? " " : "", n, unit, n == 1 ? "" : "s");
	*any = 1;
	return rc;
}

/* DuckDB's own words for an interval: "1 year 2 months 3 days 04:05:06.5",
 * "00:00:00" for none. */
static int add_interval(struct ayb_buf *b, const duckdb_interval *iv)
{
	int64_t us = iv->micros, mag = us < 0 ? -us : us;
	int any = 0, rc = add_part(b, iv->months / 12, "year", &any) |
			  add_part(b, iv->months % 12, "month", &any) |
			  add_part(b, iv->days, "day", &any);

	if (us || !any) {
		rc |= ayb_buf_printf(b, "%s%s%02" PRId64 ":%02" PRId64 ":%02" PRId64,
				     any ? " " : "", us < 0 ? "-" : "", mag / 3600000000,
				     mag / 60000000 % 60, mag / 1000000 % 60);
		if (mag % 1000000) {
			char f[8];
			int k = 6;

			snprintf(f, sizeof(f), "%06" PRId64, mag % 1000000);
			while (f[k - 1] == '0')
				k--;
			rc |= ayb_buf_printf(b, ".%.*s", k, f);
		}
	}
	return rc ? -1 : 0;
}

static int add_uuid(struct ayb_buf *b, const duckdb_hugeint *h)
{
	/* DuckDB flips the top bit so that UUIDs sort as their text does. */
	uint64_t hi = (uint64_t)h->upper ^ (UINT64_C(1) << 63), lo = h->lower;

	return ayb_buf_printf(b, "%08" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%04" PRIx64
			      "-%012" PRIx64,
			      hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48,
			      lo & UINT64_C(0xffffffffffff));
}

/* Row `row` of an integer column in *v when its value fits 64 bits
 * signed: 1, else 0 (another type, or a UBIGINT past 2^63). */
static int int64_of(duckdb_type id, const void *d, idx_t row, int64_t *v)
{
	switch (id) {
	case DUCKDB_TYPE_TINYINT: *v = ((const int8_t *)d)[row]; return 1;
	case DUCKDB_TYPE_SMALLINT: *v = ((const int16_t *)d)[row]; return 1;
	case DUCKDB_TYPE_INTEGER: *v = ((const int32_t *)d)[row]; return 1;
	case DUCKDB_TYPE_BIGINT: *v = ((const int64_t *)d)[row]; return 1;
	case DUCKDB_TYPE_UTINYINT: *v = ((const uint8_t *)d)[row]; return 1;
	case DUCKDB_TYPE_USMALLINT: *v = ((const uint16_t *)d)[row]; return 1;
	case DUCKDB_TYPE_UINTEGER: *v = ((const uint32_t *)d)[row]; return 1;
	case DUCKDB_TYPE_UBIGINT:
		*v = (int64_t)((const uint64_t *)d)[row];
		return ((const uint64_t *)d)[row] <= INT64_MAX;
	default: return 0;
	}
}

static int unsupported(duckdb_logical_type t, struct ayb_err *err)
{
	return ayb_err_set(err, AYB_E_INVALID,
			   "A result column has a DuckDB type ayb-c does not show (type id %d): "
			   "cast it to VARCHAR in the query",
			   (int)duckdb_get_type_id(t));
}

static int emit(struct ayb_buf *b, duckdb_vector vec, duckdb_logical_type t, idx_t row,
		int json, struct ayb_err *err);

/* A string's bytes: in JSON a string, or the {"base64":...} of bytes that
 * are not UTF-8. */
static int add_bytes(struct ayb_buf *b, const char *p, size_t n, int json)
{
	size_t valid, bad;

	if (!json)
		return ayb_buf_add(b, p, n);
	if (ayb_utf8_check((const unsigned char *)p, n, &valid, &bad))
		return ayb_buf_add_json_string(b, p, n);
	return ayb_render_binary(b, p, n);
}

static int emit_list(struct ayb_buf *b, duckdb_vector child, duckdb_logical_type ct,
		     uint64_t off, uint64_t len, struct ayb_err *err)
{
	if (ayb_buf_addc(b, '[') < 0)
		return ayb_err_oom(err);
	for (uint64_t i = 0; i < len; i++)
		if ((i && ayb_buf_addc(b, ',') < 0) || emit(b, child, ct, off + i, 1, err) < 0)
			return err->kind ? -1 : ayb_err_oom(err);
	return ayb_buf_addc(b, ']') < 0 ? ayb_err_oom(err) : 0;
}

static int emit_struct(struct ayb_buf *b, duckdb_vector vec, duckdb_logical_type t, idx_t row,
		       struct ayb_err *err)
{
	idx_t n = duckdb_struct_type_child_count(t);
	int rc = ayb_buf_addc(b, '{');

	for (idx_t i = 0; i < n && rc == 0; i++) {
		char *name = duckdb_struct_type_child_name(t, i);
		duckdb_logical_type ct = duckdb_struct_type_child_type(t, i);

		rc = (i && ayb_buf_addc(b, ',') < 0) ||
		     ayb_buf_add_json_string(b, name, strlen(name)) < 0 ||
		     ayb_buf_addc(b, ':') < 0 ? ayb_err_oom(err) :
		     emit(b, duckdb_struct_vector_get_child(vec, i), ct, row, 1, err);
		duckdb_free(name);
		duckdb_destroy_logical_type(&ct);
	}
	return rc < 0 ? -1 : ayb_buf_addc(b, '}') < 0 ? ayb_err_oom(err) : 0;
}

/* A MAP as a JSON object: each key by its text. */
static int emit_map(struct ayb_buf *b, duckdb_vector vec, duckdb_logical_type t, idx_t row,
		    struct ayb_err *err)
{
	const duckdb_list_entry *e = (const duckdb_list_entry *)duckdb_vector_get_data(vec) + row;
	duckdb_vector kv = duckdb_list_vector_get_child(vec);
	duckdb_logical_type kt = duckdb_map_type_key_type(t), vt = duckdb_map_type_value_type(t);
	struct ayb_buf key = { 0 };
	int rc = ayb_buf_addc(b, '{');

	for (uint64_t i = 0; i < e->length && rc == 0; i++) {
		key.len = 0;
		rc = emit(&key, duckdb_struct_vector_get_child(kv, 0), kt, e->offset + i, 0, err);
		if (rc == 0)
			rc = (i && ayb_buf_addc(b, ',') < 0) ||
			     ayb_buf_add_json_string(b, key.data ? key.data : "", key.len) < 0 ||
			     ayb_buf_addc(b, ':') < 0 ? ayb_err_oom(err) :
			     emit(b, duckdb_struct_vector_get_child(kv, 1), vt, e->offset + i, 1,
				  err);
	}
	ayb_buf_free(&key);
	duckdb_destroy_logical_type(&kt);
	duckdb_destroy_logical_type(&vt);
	return rc < 0 ? -1 : ayb_buf_addc(b, '}') < 0 ? ayb_err_oom(err) : 0;
}

static int emit_enum(struct ayb_buf *b, const void *d, duckdb_logical_type t, idx_t row, int json)
{
	idx_t i;
	char *s;
	int rc;

	switch (duckdb_enum_internal_type(t)) {
	case DUCKDB_TYPE_UTINYINT: i = ((const uint8_t *)d)[row]; break;
	case DUCKDB_TYPE_USMALLINT: i = ((const uint16_t *)d)[row]; break;
	default: i = ((const uint32_t *)d)[row]; break;
	}
	if (!(s = duckdb_enum_dictionary_value(t, i)))
		return -1;
	rc = add_bytes(b, s, strlen(s), json);
	duckdb_free(s);
	return rc;
}

static int emit_decimal(struct ayb_buf *b, const void *d, duckdb_logical_type t, idx_t row)
{
	unsigned scale = duckdb_decimal_scale(t);
	int64_t v;

	switch (duckdb_decimal_internal_type(t)) {
	case DUCKDB_TYPE_SMALLINT: v = ((const int16_t *)d)[row]; break;
	case DUCKDB_TYPE_INTEGER: v = ((const int32_t *)d)[row]; break;
	case DUCKDB_TYPE_BIGINT: v = ((const int64_t *)d)[row]; break;
	default: {
		const duckdb_hugeint *h = (const duckdb_hugeint *)d + row;

		return add_decimal(b, h->upper, h->lower, scale);
	}
	}
	return add_decimal(b, v < 0 ? -1 : 0, (uint64_t)v, scale);
}

/* Appends the text of row `row` of vec (of type t) to b: as a value of
 * JSON when `json` (inside a LIST, STRUCT or MAP), else as ayb shows a
 * top-level value.  NULL is "null" in JSON, nothing otherwise. */
static int emit(struct ayb_buf *b, duckdb_vector vec, duckdb_logical_type t, idx_t row,
		int json, struct ayb_err *err)
{
	uint64_t *valid = duckdb_vector_get_validity(vec);
	const void *d = duckdb_vector_get_data(vec);
	char real[AYB_REAL_TEXT_MAX];
	size_t at = b->len;
	int64_t i;
	int rc, q = json;   /* JSON quotes the text */

	if (valid && !duckdb_validity_row_is_valid(valid, row))
		return json && ayb_buf_adds(b, "null") < 0 ? ayb_err_oom(err) : 0;
	switch (duckdb_get_type_id(t)) {
	case DUCKDB_TYPE_BOOLEAN:
		return ayb_buf_adds(b, ((const bool *)d)[row] ? "true" : "false") < 0 ?
		       ayb_err_oom(err) : 0;
	case DUCKDB_TYPE_LIST: {
		const duckdb_list_entry *e = (const duckdb_list_entry *)d + row;
		duckdb_logical_type ct = duckdb_list_type_child_type(t);

		rc = emit_list(b, duckdb_list_vector_get_child(vec), ct, e->offset, e->length, err);
		duckdb_destroy_logical_type(&ct);
		return rc;
	}
	case DUCKDB_TYPE_ARRAY: {
		idx_t size = duckdb_array_type_array_size(t);
		duckdb_logical_type ct = duckdb_array_type_child_type(t);

		rc = emit_list(b, duckdb_array_vector_get_child(vec), ct, row * size, size, err);
		duckdb_destroy_logical_type(&ct);
		return rc;
	}
	case DUCKDB_TYPE_STRUCT:
		return emit_struct(b, vec, t, row, err);
	case DUCKDB_TYPE_MAP:
		return emit_map(b, vec, t, row, err);
	case DUCKDB_TYPE_VARCHAR:
	case DUCKDB_TYPE_BLOB: {
		duckdb_string_t s = ((const duckdb_string_t *)d)[row];

		rc = add_bytes(b, duckdb_string_t_data(&s), duckdb_string_t_length(s), json);
		return rc < 0 ? ayb_err_oom(err) : 0;
	}
	case DUCKDB_TYPE_ENUM:
		return emit_enum(b, d, t, row, json) < 0 ? ayb_err_oom(err) : 0;
	default:
		break;
	}
	/* The rest are numbers (bare in JSON) or texts JSON quotes. */
	if (json && ayb_buf_addc(b, '"') < 0)
		return ayb_err_oom(err);
	switch (duckdb_get_type_id(t)) {
	case DUCKDB_TYPE_TINYINT:
	case DUCKDB_TYPE_SMALLINT:
	case DUCKDB_TYPE_INTEGER:
	case DUCKDB_TYPE_BIGINT:
	case DUCKDB_TYPE_UTINYINT:
	case DUCKDB_TYPE_USMALLINT:
	case DUCKDB_TYPE_UINTEGER:
	case DUCKDB_TYPE_UBIGINT:
		q = 0;
		rc = int64_of(duckdb_get_type_id(t), d, row, &i) ?
		     ayb_buf_printf(b, "%" PRId64, i) :
		     ayb_buf_printf(b, "%" PRIu64, ((const uint64_t *)d)[row]);
		break;
	case DUCKDB_TYPE_HUGEINT:
	case DUCKDB_TYPE_UHUGEINT: {
		const duckdb_hugeint *h = (const duckdb_hugeint *)d + row;

		q = 0;
		rc = duckdb_get_type_id(t) == DUCKDB_TYPE_HUGEINT ?
		     add_i128(b, h->upper, h->lower) :
		     add_u128(b, ((u128)(uint64_t)h->upper << 64) | h->lower, 0);
		break;
	}
	case DUCKDB_TYPE_DECIMAL: q = 0; rc = emit_decimal(b, d, t, row); break;
	case DUCKDB_TYPE_FLOAT:
		q = !isfinite(((const float *)d)[row]);
		rc = add_float(b, ((const float *)d)[row]);
		break;
	case DUCKDB_TYPE_DOUBLE:
		q = !isfinite(((const double *)d)[row]);
		ayb_render_real(((const double *)d)[row], real);
		rc = ayb_buf_adds(b, real);
		break;
	case DUCKDB_TYPE_DATE: {
		int32_t days = ((const duckdb_date *)d)[row].days;

		rc = days == DATE_INF || days == -DATE_INF ?
		     ayb_buf_adds(b, days > 0 ? "infinity" : "-infinity") : add_date(b, days);
		break;
	}
	case DUCKDB_TYPE_TIME: rc = add_time(b, ((const duckdb_time *)d)[row].micros * 1000); break;
	case DUCKDB_TYPE_TIMESTAMP:
		rc = add_timestamp(b, ((const duckdb_timestamp *)d)[row].micros, 1000000);
		break;
	case DUCKDB_TYPE_TIMESTAMP_TZ:
		rc = add_timestamp(b, ((const duckdb_timestamp *)d)[row].micros, 1000000);
		if (rc == 0 && ((const duckdb_timestamp *)d)[row].micros != TS_INF &&
		    ((const duckdb_timestamp *)d)[row].micros != -TS_INF)
			rc = ayb_buf_adds(b, "+00");
		break;
	case DUCKDB_TYPE_TIMESTAMP_S: rc = add_timestamp(b, ((const int64_t *)d)[row], 1); break;
	case DUCKDB_TYPE_TIMESTAMP_MS:
		rc = add_timestamp(b, ((const int64_t *)d)[row], 1000);
		break;
	case DUCKDB_TYPE_TIMESTAMP_NS:
		rc = add_timestamp(b, ((const int64_t *)d)[row], 1000000000);
		break;
	case DUCKDB_TYPE_INTERVAL: rc = add_interval(b, (const duckdb_interval *)d + row); break;
	case DUCKDB_TYPE_UUID: rc = add_uuid(b, (const duckdb_hugeint *)d + row); break;
	default:
		return unsupported(t, err);
	}
	if (rc < 0)
		return ayb_err_oom(err);
	if (json && q)
		return ayb_buf_addc(b, '"') < 0 ? ayb_err_oom(err) : 0;
	if (json) {
		/* A number after all: drop the quote written before it. */
		memmove(b->data + at, b->data + at + 1, b->len - at - 1);
		b->len--;
	}
	return 0;
}

int ayb_duckdb_row_read(struct ayb_duckdb_row *r, duckdb_data_chunk chunk,
			duckdb_logical_type *types, idx_t row, struct ayb_err *err)
{
	r->text.len = 0;
	for (size_t c = 0; c < r->n; c++) {
		duckdb_vector vec = duckdb_data_chunk_get_vector(chunk, c);
		uint64_t *valid = duckdb_vector_get_validity(vec);
		const void *d = duckdb_vector_get_data(vec);
		struct ayb_value *v = &r->values[c];
		size_t valid_up_to, bad;

		r->at[c] = r->text.len;
		if (valid && !duckdb_validity_row_is_valid(valid, row)) {
			v->type = AYB_VALUE_NULL;
			continue;
		}
		/* Integers that fit and doubles stay numbers, as SQLite's do. */
		if (int64_of(duckdb_get_type_id(types[c]), d, row, &v->u.i)) {
			v->type = AYB_VALUE_INTEGER;
			continue;
		}
		if (duckdb_get_type_id(types[c]) == DUCKDB_TYPE_DOUBLE) {
			v->type = AYB_VALUE_REAL;
			v->u.r = ((const double *)d)[row];
			continue;
		}
		if (emit(&r->text, vec, types[c], row, 0, err) < 0)
			return -1;
		v->type = AYB_VALUE_TEXT;
		v->u.s.n = r->text.len - r->at[c];
		if (duckdb_get_type_id(types[c]) == DUCKDB_TYPE_BLOB)
			v->type = ayb_utf8_check((const unsigned char *)r->text.data + r->at[c],
						 v->u.s.n, &valid_up_to, &bad) ?
				  AYB_VALUE_BLOB : AYB_VALUE_BINARY;
	}
	if (r->text.oom)
		return ayb_err_oom(err);
	/* The text is complete: it moves no more. */
	for (size_t c = 0; c < r->n; c++)
		if (r->values[c].type >= AYB_VALUE_TEXT)
			r->values[c].u.s.p = r->text.data ? r->text.data + r->at[c] : "";
	return 0;
}
