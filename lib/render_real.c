#include "autoconfig.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grisu.h"
#include "render.h"

/* A decimal in scientific form: value = 0.d1d2d3... * 10^(exp10 + 1), i.e.
 * digits[0] is the units digit when exp10 is 0. */
struct decimal {
	char digits[20];
	int ndigits;
	int exp10;
};

/* Splits printf's "%.*e" text ("-d.ddde+XX") into digits and exponent. */
static void parse_e(const char *s, struct decimal *d)
{
	d->ndigits = 0;
	if (*s == '-')
		s++;
	for (; *s && *s != 'e'; s++)
		if (*s >= '0' && *s <= '9' && d->ndigits < (int)sizeof(d->digits))
			d->digits[d->ndigits++] = *s;
	d->exp10 = *s == 'e' ? atoi(s + 1) : 0;
}

/* Back to text strtod reads, for the round-trip test.  Written as an
 * integer with an exponent ("15e-1") so no decimal point is involved: the
 * LC_NUMERIC locale cannot change what strtod expects. */
static double decimal_value(const struct decimal *d)
{
	char text[48];

	snprintf(text, sizeof(text), "%.*se%d", d->ndigits, d->digits,
		 d->exp10 - (d->ndigits - 1));
	return strtod(text, NULL);
}

/* Adds one unit in the last digit, carrying; "99" becomes "10" with the
 * exponent raised so the digit count stays the same. */
static void decimal_bump(struct decimal *d)
{
	int i;

	for (i = d->ndigits - 1; i >= 0; i--) {
		if (d->digits[i] != '9') {
			d->digits[i]++;
			return;
		}
		d->digits[i] = '0';
	}
	d->digits[0] = '1';
	d->exp10++;
}

/* Finds the fewest significant digits (1..17) that read back as exactly
 * `a` (positive, finite).  printf gives the correctly rounded candidate for
 * each length, which is the nearest decimal of that length; when the
 * rounding interval is symmetric, the nearest one is inside it whenever any
 * is.  At a power of two the interval below `a` is half as wide as the one
 * above, so the nearest candidate may fall just below while the next one up
 * still reads back as `a`: that case is tried too, which makes the digits
 * the same as Rust's shortest representation (Grisu/Ryu). */
static void shortest_exact(double a, struct decimal *d)
{
	char text[48];
	int prec, e2;
	int pow2 = frexp(a, &e2) == 0.5;

	for (prec = 1; prec <= 17; prec++) {
		snprintf(text, sizeof(text), "%.*e", prec - 1, a);
		parse_e(text, d);
		if (decimal_value(d) == a)
			return;
		if (pow2 && decimal_value(d) < a) {
			struct decimal up = *d;

			decimal_bump(&up);
			if (decimal_value(&up) == a) {
				*d = up;
				return;
			}
		}
	}
	/* 17 digits always round-trip for a binary64; keep the last try. */
}

/* Grisu3 decides nearly every value in integer arithmetic; the rest take
 * the exact, slower way.  Both give the same digits (tests/unit/test_render
 * compares them on random values of every magnitude). */
static void shortest(double a, struct decimal *d, int exact)
{
	if (exact || ayb_grisu_shortest(a, d->digits, &d->ndigits, &d->exp10) < 0)
		shortest_exact(a, d);
}

/* v in decimal into out, no snprintf: most cells of most tables are
 * integers.  Returns the length. */
static size_t int_text(int64_t v, char *out)
{
	char rev[20];
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	size_t n = 0, len = 0;

	do {
		rev[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		out[len++] = '-';
	while (n)
		out[len++] = rev[--n];
	out[len] = '\0';
	return len;
}

static void render(double v, char *out, int exact);

void ayb_render_real(double v, char *out)
{
	render(v, out, 0);
}

void ayb_render_real_exact(double v, char *out)
{
	render(v, out, 1);
}

/* Rust's Display for f64, which ayb uses: shortest round-trip digits laid
 * out in plain positional notation, never with an exponent, and no ".0" on
 * integral values.  Negative zero prints as "-0": Rust's Display keeps the
 * sign of -0.0 (since Rust 1.53), and the spec's "shortest text that
 * round-trips" needs the sign too, since "0" reads back as +0.0.  Worst
 * case is a 17-digit subnormal, "-0." + 323 zeros + 17 digits: 344 bytes
 * with the NUL, under AYB_REAL_TEXT_MAX. */
static void render(double v, char *out, int exact)
{
	struct decimal d;
	char *p = out;
	int i, neg = signbit(v) != 0;

	if (isnan(v)) {
		strcpy(out, "NaN");
		return;
	}
	if (isinf(v)) {
		strcpy(out, neg ? "-inf" : "inf");
		return;
	}
	if (neg)
		*p++ = '-';
	if (v == 0) {
		strcpy(p, "0");
		return;
	}
	/* An integer below 2^53 is its own shortest form: no search. */
	if (fabs(v) < 9007199254740992.0 && v == (double)(int64_t)v) {
		int_text((int64_t)fabs(v), p);
		return;
	}
	shortest(fabs(v), &d, exact);
	while (d.ndigits > 1 && d.digits[d.ndigits - 1] == '0')
		d.ndigits--;

	if (d.exp10 < 0) {
		/* 0.000ddd */
		*p++ = '0';
		*p++ = '.';
		for (i = -1; i > d.exp10; i--)
			*p++ = '0';
		memcpy(p, d.digits, (size_t)d.ndigits);
		p += d.ndigits;
	} else if (d.exp10 >= d.ndigits - 1) {
		/* ddd000 */
		memcpy(p, d.digits, (size_t)d.ndigits);
		p += d.ndigits;
		for (i = d.ndigits - 1; i < d.exp10; i++)
			*p++ = '0';
	} else {
		/* dd.ddd */
		memcpy(p, d.digits, (size_t)d.exp10 + 1);
		p += d.exp10 + 1;
		*p++ = '.';
		memcpy(p, d.digits + d.exp10 + 1, (size_t)(d.ndigits - d.exp10 - 1));
		p += d.ndigits - d.exp10 - 1;
	}
	*p = '\0';
}

const char *ayb_render_text(const struct ayb_value *v, char *tmp, size_t *len)
{
	switch (v->type) {
	case AYB_VALUE_NULL:
		*len = 0;
		return NULL;
	case AYB_VALUE_INTEGER:
		*len = int_text(v->u.i, tmp);
		return tmp;
	case AYB_VALUE_REAL:
		ayb_render_real(v->u.r, tmp);
		*len = strlen(tmp);
		return tmp;
	default:
		*len = v->u.s.n;
		return v->u.s.p;
	}
}
