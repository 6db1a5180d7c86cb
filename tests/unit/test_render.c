/* REAL rendering: Rust's Display for f64 (shortest round-trip digits, never
 * an exponent, no ".0"), which ayb's query results use; and the JSON
 * renderer of rows (lib/render_json.c): its bytes, its chunks, and the
 * sizes lib/hosted.c counts against the result limit. */
#include "autoconfig.h"

#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "render.h"
#include "tap.h"

static char out[AYB_REAL_TEXT_MAX];

static const char *r(double d)
{
	ayb_render_real(d, out);
	return out;
}

/* Every rendering must read back as the same double. */
static int round_trips(double d)
{
	return strtod(r(d), NULL) == d;
}

static int writes;

static int counting_write(void *ctx, const char *p, size_t n)
{
	writes++;
	return ayb_buf_add(ctx, p, n);
}

static void value_text(struct ayb_value *v, const char *s, size_t n)
{
	v->type = AYB_VALUE_TEXT;
	v->u.s.p = s;
	v->u.s.n = n;
}

/* RFC 4648's test vectors, a value over the encoder's block, and the
 * binary form built on it. */
static void test_base64(void)
{
	static const char *const vectors[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	struct ayb_buf b = { 0 };
	unsigned char big[3000];
	size_t i, bad = 0;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		b.len = 0;
		ayb_base64_add(&b, vectors[i][0], strlen(vectors[i][0]));
		is_str(b.data ? b.data : "", vectors[i][1], "base64 of \"%s\"", vectors[i][0]);
		is_int((int)ayb_base64_len(strlen(vectors[i][0])), (int)strlen(vectors[i][1]),
		       "its length");
	}
	for (i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 7);
	b.len = 0;
	ayb_base64_add(&b, big, sizeof(big));
	is_int((int)b.len, 4000, "3000 bytes: 4000 characters, across blocks");
	for (i = 0; i < 1000; i++) {
		/* Each group of 4 decodes to its 3 bytes. */
		const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		const unsigned char *g = big + i * 3;
		unsigned v = 0;

		for (int k = 0; k < 4; k++)
			v = v << 6 | (unsigned)(strchr(a, b.data[i * 4 + k]) - a);
		if (v != ((unsigned)g[0] << 16 | (unsigned)g[1] << 8 | g[2]))
			bad++;
	}
	is_int((int)bad, 0, "and each group decodes to its bytes");
	b.len = 0;
	ayb_render_binary(&b, "\x00\xff", 2);
	is_str(b.data, "{\"base64\":\"AP8=\"}", "the binary form");
	is_int((int)ayb_render_binary_len(2), (int)b.len, "and its length");
	ayb_buf_free(&b);
}

/* Every kind of value through the renderer, and the sizes it predicts. */
static void test_json(void)
{
	static const char *const names[] = { "a", "q\"\n" };
	static const char tricky[] = "\"\\\n\r\t\b\f\x01\x1f\0\xc3\xa9/<";
	struct ayb_buf b = { 0 };
	struct ayb_sink sink = { counting_write, &b };
	struct ayb_render_json j;
	struct ayb_value v[2];
	const char *want;
	size_t expect;

	ayb_render_json_init(&j, &sink);
	expect = ayb_render_json_head_len(names, 2);
	ok(j.rows.fields(j.rows.ctx, names, 2) == 0, "fields");
	v[0].type = AYB_VALUE_INTEGER;
	v[0].u.i = INT64_MIN;
	v[1].type = AYB_VALUE_NULL;
	expect += ayb_render_json_row_len(v, 2, 1);
	ok(j.rows.row(j.rows.ctx, v, 2) == 0, "row 1");
	v[0].type = AYB_VALUE_REAL;
	v[0].u.r = 0.1;
	value_text(&v[1], tricky, sizeof(tricky) - 1);
	expect += ayb_render_json_row_len(v, 2, 0);
	ok(j.rows.row(j.rows.ctx, v, 2) == 0, "row 2");
	v[0].type = AYB_VALUE_BLOB;
	v[0].u.s.p = "";
	v[0].u.s.n = 0;
	v[1].type = AYB_VALUE_INTEGER;
	v[1].u.i = 7;
	expect += ayb_render_json_row_len(v, 2, 0);
	ok(j.rows.row(j.rows.ctx, v, 2) == 0, "row 3");
	v[0].type = AYB_VALUE_BINARY;
	v[0].u.s.p = "\xff\x00\xfe\x01";
	v[0].u.s.n = 4;
	v[1].type = AYB_VALUE_BINARY;
	v[1].u.s.p = "";
	v[1].u.s.n = 0;
	expect += ayb_render_json_row_len(v, 2, 0);
	ok(j.rows.row(j.rows.ctx, v, 2) == 0, "row 4: binary values");
	is_int(writes, 0, "a small result is not written before its end");
	ok(j.rows.end(j.rows.ctx) == 0, "end");
	expect += AYB_RENDER_JSON_TAIL_LEN;
	is_int(writes, 1, "then in one write");
	want = "{\"fields\":[\"a\",\"q\\\"\\n\"],\"rows\":["
	       "[\"-9223372036854775808\",null],"
	       "[\"0.1\",\"\\\"\\\\\\n\\r\\t\\b\\f\\u0001\\u001f\\u0000\xc3\xa9/<\"],"
	       "[\"\",\"7\"],"
	       "[{\"base64\":\"/wD+AQ==\"},{\"base64\":\"\"}]]}";
	ok(b.len == strlen(want) && memcmp(b.data, want, b.len) == 0,
	   "ayb's JSON, byte for byte (%zu bytes)", b.len);
	is_int((int)expect, (int)b.len, "the predicted size is the rendered size");
	ayb_render_json_free(&j);
	ayb_buf_free(&b);

	/* A big result goes out in chunks of about 16 KiB, at row ends. */
	writes = 0;
	ayb_render_json_init(&j, &sink);
	j.rows.fields(j.rows.ctx, names, 1);
	value_text(&v[0], "0123456789", 10);
	for (int i = 0; i < 5000; i++)
		j.rows.row(j.rows.ctx, v, 1);
	ok(writes >= 4 && writes <= 5, "5000 rows in %d chunks", writes);
	/* The fields take 24 bytes, the first row 14, every other 15. */
	ok((b.len - 38) % 15 == 0 && b.len >= 16384, "each chunk ends at a row end");
	ayb_render_json_free(&j);
	ayb_buf_free(&b);
}

int main(void)
{
	static const struct {
		double d;
		const char *want;
	} cases[] = {
		{ 0.0, "0" },
		{ 1.0, "1" },
		{ 2.0, "2" },
		{ -3.0, "-3" },
		{ 10.0, "10" },
		{ 1.5, "1.5" },
		{ -1.5, "-1.5" },
		{ 0.1, "0.1" },
		{ 0.3, "0.3" },
		{ 0.1 + 0.2, "0.30000000000000004" },
		{ 123.456, "123.456" },
		{ 1.0 / 3.0, "0.3333333333333333" },
		{ 2.0 / 3.0, "0.6666666666666666" },
		{ 100.0, "100" },
		{ 1e15, "1000000000000000" },
		{ 1e16, "10000000000000000" },
		{ 1e20, "100000000000000000000" },
		{ 1e21, "1000000000000000000000" },
		{ 1e22, "10000000000000000000000" },
		{ 1e23, "100000000000000000000000" },
		{ 123456789012345680000.0, "123456789012345680000" },
		{ 9007199254740993.0, "9007199254740992" },
		{ 1e-7, "0.0000001" },
		{ 1.5e-7, "0.00000015" },
		{ 0.001, "0.001" },
		{ 3.14159, "3.14159" },
		{ 5e-324,
		  "0.0000000000000000000000000000000000000000000000000000000000000000000000"
		  "000000000000000000000000000000000000000000000000000000000000000000000000"
		  "000000000000000000000000000000000000000000000000000000000000000000000000"
		  "000000000000000000000000000000000000000000000000000000000000000000000000"
		  "00000000000000000000000000000000000005" },
		{ 1e300,
		  "100000000000000000000000000000000000000000000000000000000000000000000000"
		  "000000000000000000000000000000000000000000000000000000000000000000000000"
		  "000000000000000000000000000000000000000000000000000000000000000000000000"
		  "000000000000000000000000000000000000000000000000000000000000000000000000"
		  "0000000000000" },
		/* Powers of two.  For 2^-24, 2^-44 and 2^-77 the correctly
		 * rounded candidate of the shortest length falls just outside
		 * the (half as wide) interval below the value, and the answer
		 * is the candidate above it. */
		{ 0x1p-24, "0.00000005960464477539063" },
		{ 0x1p-44, "0.00000000000005684341886080802" },
		{ 0x1p-77, "0.000000000000000000000006617444900424222" },
		{ 0x1p+54, "18014398509481984" },
		{ 0x1p-1000,
		  "0.0000000000000000000000000000000000000000000000000000000000000000000000"
		  "000000000000000000000000000000000000000000000000000000000000000000000000"
		  "000000000000000000000000000000000000000000000000000000000000000000000000"
		  "000000000000000000000000000000000000000000000000000000000000000000000000"
		  "0000000000000009332636185032189" },
		{ 0x1p+800,
		  "666801443287985400000000000000000000000000000000000000000000000000000000"
		  "000000000000000000000000000000000000000000000000000000000000000000000000"
		  "000000000000000000000000000000000000000000000000000000000000000000000000"
		  "0000000000000000000000000" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_str(r(cases[i].d), cases[i].want, "%.17g renders as %s", cases[i].d,
		       strlen(cases[i].want) > 40 ? "(long)" : cases[i].want);

	/* -0.0: Rust's Display prints "-0"; "0" would read back as +0. */
	is_str(r(-0.0), "-0", "-0.0 keeps its sign");
	is_str(r(INFINITY), "inf", "infinity");
	is_str(r(-INFINITY), "-inf", "negative infinity");
	is_str(r(NAN), "NaN", "NaN");
	is_str(r(-NAN), "NaN", "negative NaN is still NaN");

	/* Extremes: fit the buffer, no exponent, and read back exactly. */
	ok(round_trips(DBL_MAX), "DBL_MAX round-trips");
	is_int(strlen(r(DBL_MAX)), 309, "DBL_MAX has 309 digits");
	ok(round_trips(-DBL_MAX), "-DBL_MAX round-trips");
	ok(round_trips(DBL_MIN), "DBL_MIN round-trips");
	is_int(strlen(r(DBL_MIN)), 2 + 307 + 17, "DBL_MIN is 0.<307 zeros><17 digits>");
	is_str(out + 2 + 307, "22250738585072014", "DBL_MIN's digits");
	ok(round_trips(DBL_TRUE_MIN), "smallest subnormal round-trips");
	ok(round_trips(-4.9406564584124654e-324 * 3), "small negative subnormal round-trips");
	ok(round_trips(2.2250738585072009e-308), "largest subnormal round-trips");
	ok(strlen(r(-2.2250738585072009e-308)) < AYB_REAL_TEXT_MAX,
	   "longest rendering fits AYB_REAL_TEXT_MAX");
	ok(strchr(r(1e-300), 'e') == NULL && strchr(r(1e300), 'e') == NULL,
	   "never an exponent");

	/* A pseudo-random sweep: every rendering round-trips, and has no
	 * exponent and no trailing ".0". */
	{
		unsigned long long x = 0x9e3779b97f4a7c15ULL;
		int bad = 0, n;

		for (n = 0; n < 200000; n++) {
			double d;
			size_t len;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			memcpy(&d, &x, sizeof(d));
			if (!isfinite(d))
				continue;
			r(d);
			len = strlen(out);
			if (strtod(out, NULL) != d || strchr(out, 'e') ||
			    (len > 2 && strcmp(out + len - 2, ".0") == 0))
				bad++;
		}
		is_int(bad, 0, "200000 random doubles round-trip in plain notation");
	}

	/* The fast path (Grisu3, integers) gives exactly the exact path's
	 * digits: random bit patterns of every magnitude, the neighbours of
	 * every power of two, and the decimals people type and compute. */
	{
		unsigned long long x = 0x2545f4914f6cdd1dULL;
		char exact[AYB_REAL_TEXT_MAX];
		int differ = 0, n, e;

		for (n = 0; n < 300000; n++) {
			double d;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			if (n % 3 == 1)
				d = (double)(x >> 11) / 9007199254740992.0 * 1000.0;
			else if (n % 3 == 2)
				d = (double)(long long)(x % 2000001) / 100.0 - 10000.0;
			else
				memcpy(&d, &x, sizeof(d));
			if (!isfinite(d))
				continue;
			ayb_render_real_exact(d, exact);
			if (strcmp(r(d), exact) != 0 && differ++ < 5)
				printf("# %.17g: fast %s, exact %s\n", d, out, exact);
		}
		for (e = -1074; e <= 1023; e++) {
			double near[3];
			unsigned long long bits;

			/* 2^e, and the doubles just below and above it. */
			near[0] = ldexp(1.0, e);
			memcpy(&bits, &near[0], sizeof(bits));
			bits--;
			memcpy(&near[1], &bits, sizeof(bits));
			bits += 2;
			memcpy(&near[2], &bits, sizeof(bits));

			for (int k = 0; k < 3; k++) {
				ayb_render_real_exact(near[k], exact);
				if (strcmp(r(near[k]), exact) != 0 && differ++ < 5)
					printf("# %.17g: fast %s, exact %s\n", near[k], out, exact);
			}
		}
		is_int(differ, 0, "the fast path renders 300000 random values and every power of "
				  "two with its neighbours exactly as the exact path does");
	}

	/* The decimal point does not depend on the C locale. */
	if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
		is_str(r(1.5), "1.5", "1.5 under a comma-decimal locale");
		is_str(r(123.456), "123.456", "123.456 under a comma-decimal locale");
		setlocale(LC_NUMERIC, "C");
	} else {
		ok(1, "# SKIP no comma-decimal locale installed");
	}

	test_json();
	test_base64();
	return tap_done();
}
