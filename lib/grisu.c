/* Shortest round-trip digits of a double by Grisu3 (Loitsch, "Printing
 * Floating-Point Numbers Quickly and Accurately with Integers", PLDI 2010):
 * 64-bit integer arithmetic only, a fixed small cost per value.  It either
 * finds the shortest digits that read back as the value (the nearest of
 * them when several do) or says it cannot be sure, for about one value in
 * two hundred, when the caller falls back to an exact method
 * (lib/render_real.c). */
#include "autoconfig.h"

#include <stdint.h>
#include <string.h>

#include "grisu.h"

/* A value f * 2^e. */
struct diy {
	uint64_t f;
	int e;
};

/* 10^k for k = -348, -340, ..., 340: the 64-bit significand rounded to
 * nearest, normalised (top bit set), its binary exponent and k.  Computed
 * with exact rational arithmetic when this file was written. */
static const struct {
	uint64_t f;
	int16_t e2;
	int16_t e10;
} powers[] = {
	{ 0xfa8fd5a0081c0288u, -1220, -348 },
	{ 0xbaaee17fa23ebf76u, -1193, -340 },
	{ 0x8b16fb203055ac76u, -1166, -332 },
	{ 0xcf42894a5dce35eau, -1140, -324 },
	{ 0x9a6bb0aa55653b2du, -1113, -316 },
	{ 0xe61acf033d1a45dfu, -1087, -308 },
	{ 0xab70fe17c79ac6cau, -1060, -300 },
	{ 0xff77b1fcbebcdc4fu, -1034, -292 },
	{ 0xbe5691ef416bd60cu, -1007, -284 },
	{ 0x8dd01fad907ffc3cu, -980, -276 },
	{ 0xd3515c2831559a83u, -954, -268 },
	{ 0x9d71ac8fada6c9b5u, -927, -260 },
	{ 0xea9c227723ee8bcbu, -901, -252 },
	{ 0xaecc49914078536du, -874, -244 },
	{ 0x823c12795db6ce57u, -847, -236 },
	{ 0xc21094364dfb5637u, -821, -228 },
	{ 0x9096ea6f3848984fu, -794, -220 },
	{ 0xd77485cb25823ac7u, -768, -212 },
	{ 0xa086cfcd97bf97f4u, -741, -204 },
	{ 0xef340a98172aace5u, -715, -196 },
	{ 0xb23867fb2a35b28eu, -688, -188 },
	{ 0x84c8d4dfd2c63f3bu, -661, -180 },
	{ 0xc5dd44271ad3cdbau, -635, -172 },
	{ 0x936b9fcebb25c996u, -608, -164 },
	{ 0xdbac6c247d62a584u, -582, -156 },
	{ 0xa3ab66580d5fdaf6u, -555, -148 },
	{ 0xf3e2f893dec3f126u, -529, -140 },
	{ 0xb5b5ada8aaff80b8u, -502, -132 },
	{ 0x87625f056c7c4a8bu, -475, -124 },
	{ 0xc9bcff6034c13053u, -449, -116 },
	{ 0x964e858c91ba2655u, -422, -108 },
	{ 0xdff9772470297ebdu, -396, -100 },
	{ 0xa6dfbd9fb8e5b88fu, -369, -92 },
	{ 0xf8a95fcf88747d94u, -343, -84 },
	{ 0xb94470938fa89bcfu, -316, -76 },
	{ 0x8a08f0f8bf0f156bu, -289, -68 },
	{ 0xcdb02555653131b6u, -263, -60 },
	{ 0x993fe2c6d07b7facu, -236, -52 },
	{ 0xe45c10c42a2b3b06u, -210, -44 },
	{ 0xaa242499697392d3u, -183, -36 },
	{ 0xfd87b5f28300ca0eu, -157, -28 },
	{ 0xbce5086492111aebu, -130, -20 },
	{ 0x8cbccc096f5088ccu, -103, -12 },
	{ 0xd1b71758e219652cu, -77, -4 },
	{ 0x9c40000000000000u, -50, 4 },
	{ 0xe8d4a51000000000u, -24, 12 },
	{ 0xad78ebc5ac620000u, 3, 20 },
	{ 0x813f3978f8940984u, 30, 28 },
	{ 0xc097ce7bc90715b3u, 56, 36 },
	{ 0x8f7e32ce7bea5c70u, 83, 44 },
	{ 0xd5d238a4abe98068u, 109, 52 },
	{ 0x9f4f2726179a2245u, 136, 60 },
	{ 0xed63a231d4c4fb27u, 162, 68 },
	{ 0xb0de65388cc8ada8u, 189, 76 },
	{ 0x83c7088e1aab65dbu, 216, 84 },
	{ 0xc45d1df942711d9au, 242, 92 },
	{ 0x924d692ca61be758u, 269, 100 },
	{ 0xda01ee641a708deau, 295, 108 },
	{ 0xa26da3999aef774au, 322, 116 },
	{ 0xf209787bb47d6b85u, 348, 124 },
	{ 0xb454e4a179dd1877u, 375, 132 },
	{ 0x865b86925b9bc5c2u, 402, 140 },
	{ 0xc83553c5c8965d3du, 428, 148 },
	{ 0x952ab45cfa97a0b3u, 455, 156 },
	{ 0xde469fbd99a05fe3u, 481, 164 },
	{ 0xa59bc234db398c25u, 508, 172 },
	{ 0xf6c69a72a3989f5cu, 534, 180 },
	{ 0xb7dcbf5354e9beceu, 561, 188 },
	{ 0x88fcf317f22241e2u, 588, 196 },
	{ 0xcc20ce9bd35c78a5u, 614, 204 },
	{ 0x98165af37b2153dfu, 641, 212 },
	{ 0xe2a0b5dc971f303au, 667, 220 },
	{ 0xa8d9d1535ce3b396u, 694, 228 },
	{ 0xfb9b7cd9a4a7443cu, 720, 236 },
	{ 0xbb764c4ca7a44410u, 747, 244 },
	{ 0x8bab8eefb6409c1au, 774, 252 },
	{ 0xd01fef10a657842cu, 800, 260 },
	{ 0x9b10a4e5e9913129u, 827, 268 },
	{ 0xe7109bfba19c0c9du, 853, 276 },
	{ 0xac2820d9623bf429u, 880, 284 },
	{ 0x80444b5e7aa7cf85u, 907, 292 },
	{ 0xbf21e44003acdd2du, 933, 300 },
	{ 0x8e679c2f5e44ff8fu, 960, 308 },
	{ 0xd433179d9c8cb841u, 986, 316 },
	{ 0x9e19db92b4e31ba9u, 1013, 324 },
	{ 0xeb96bf6ebadf77d9u, 1039, 332 },
	{ 0xaf87023b9bf0ee6bu, 1066, 340 },
};

#define FIRST_POWER (-348)
#define POWER_STEP 8
/* The window scaled values land in: digits come out of 32-bit integrals. */
#define ALPHA (-60)
#define GAMMA (-32)

static struct diy mul(struct diy a, struct diy b)
{
	unsigned __int128 p = (unsigned __int128)a.f * b.f;
	uint64_t hi = (uint64_t)(p >> 64), lo = (uint64_t)p;

	/* Rounded: the result is off by at most half a unit. */
	hi += lo >> 63;
	return (struct diy){ hi, a.e + b.e + 64 };
}

static struct diy normalize(struct diy v)
{
	while (!(v.f & (UINT64_C(1) << 63))) {
		v.f <<= 1;
		v.e--;
	}
	return v;
}

/* The cached power c with ALPHA <= e + c.e + 64 <= GAMMA. */
static int power_for(int e, struct diy *c)
{
	/* ceil((ALPHA - e - 64 + 63) * log10(2)), as integer arithmetic:
	 * 78913 / 2^18 is log10(2) to within 1e-6. */
	int want = ALPHA - e - 1;
	int k = want >= 0 ? (want * 78913 + (1 << 18) - 1) >> 18 : -((-want * 78913) >> 18);
	int i = (k - FIRST_POWER + POWER_STEP - 1) / POWER_STEP;

	if (i < 0)
		i = 0;
	while (i < (int)(sizeof(powers) / sizeof(powers[0])) - 1 &&
	       e + powers[i].e2 + 64 < ALPHA)
		i++;
	while (i > 0 && e + powers[i].e2 + 64 > GAMMA)
		i--;
	c->f = powers[i].f;
	c->e = powers[i].e2;
	return powers[i].e10;
}

/* The largest power of ten <= n (n < 2^32) and how many digits n has. */
static uint32_t biggest_power_ten(uint32_t n, int *digits)
{
	uint32_t p = 1;

	*digits = n ? 1 : 0;
	while (n / 10 >= p) {
		p *= 10;
		(*digits)++;
	}
	return n ? p : 0;
}

/* Moves the last digit towards w while that stays inside the interval and
 * gets closer; then checks that the result is certainly inside the true
 * interval and certainly the closest (else 0: undecided). */
static int round_weed(char *buf, int len, uint64_t dist_too_high_w, uint64_t unsafe, uint64_t rest,
		      uint64_t ten_kappa, uint64_t unit)
{
	uint64_t small = dist_too_high_w - unit, big = dist_too_high_w + unit;

	while (rest < small && unsafe - rest >= ten_kappa &&
	       (rest + ten_kappa < small || small - rest >= rest + ten_kappa - small)) {
		buf[len - 1]--;
		rest += ten_kappa;
	}
	if (rest < big && unsafe - rest >= ten_kappa &&
	    (rest + ten_kappa < big || big - rest > rest + ten_kappa - big))
		return 0;
	return 2 * unit <= rest && rest <= unsafe - 4 * unit;
}

/* Digits of the shortest decimal in (low, high), as close to w as can be
 * decided; all three scaled to one exponent in [ALPHA, GAMMA]. */
static int digit_gen(struct diy low, struct diy w, struct diy high, char *buf, int *len,
		     int *kappa)
{
	uint64_t unit = 1;
	struct diy too_low = { low.f - unit, low.e }, too_high = { high.f + unit, high.e };
	uint64_t unsafe = too_high.f - too_low.f;
	int shift = -w.e;
	uint64_t one = UINT64_C(1) << shift;
	uint32_t integrals = (uint32_t)(too_high.f >> shift);
	uint64_t fractionals = too_high.f & (one - 1);
	uint32_t divisor = biggest_power_ten(integrals, kappa);

	*len = 0;
	while (*kappa > 0) {
		uint64_t rest;

		buf[(*len)++] = (char)('0' + integrals / divisor);
		integrals %= divisor;
		(*kappa)--;
		rest = ((uint64_t)integrals << shift) + fractionals;
		if (rest < unsafe)
			return round_weed(buf, *len, too_high.f - w.f, unsafe, rest,
					  (uint64_t)divisor << shift, unit);
		divisor /= 10;
	}
	for (;;) {
		fractionals *= 10;
		unit *= 10;
		unsafe *= 10;
		buf[(*len)++] = (char)('0' + (fractionals >> shift));
		fractionals &= one - 1;
		(*kappa)--;
		if (fractionals < unsafe)
			return round_weed(buf, *len, (too_high.f - w.f) * unit, unsafe, fractionals,
					  one, unit);
		/* 17 digits always decide; more means the bounds were off. */
		if (*len >= 18)
			return 0;
	}
}

int ayb_grisu_shortest(double v, char digits[18], int *ndigits, int *exp10)
{
	uint64_t bits, frac;
	int biased;
	struct diy w, plus, minus, c;
	int k, kappa;

	memcpy(&bits, &v, sizeof(bits));
	frac = bits & ((UINT64_C(1) << 52) - 1);
	biased = (int)((bits >> 52) & 0x7ff);
	if (biased == 0x7ff || (bits & ~(UINT64_C(1) << 63)) == 0)
		return -1;
	if (biased) {
		w.f = frac | (UINT64_C(1) << 52);
		w.e = biased - 1075;
	} else {
		w.f = frac;
		w.e = -1074;
	}
	/* The bounds: halfway to the neighbours; the one below is half as far
	 * at a power of two (above the smallest normal exponent). */
	plus = normalize((struct diy){ (w.f << 1) + 1, w.e - 1 });
	if (w.f == (UINT64_C(1) << 52) && biased > 1)
		minus = (struct diy){ (w.f << 2) - 1, w.e - 2 };
	else
		minus = (struct diy){ (w.f << 1) - 1, w.e - 1 };
	minus.f <<= minus.e - plus.e;
	minus.e = plus.e;
	w = normalize(w);

	k = power_for(w.e, &c);
	if (!digit_gen(mul(minus, c), mul(w, c), mul(plus, c), digits, ndigits, &kappa))
		return -1;
	/* w * 10^k = digits * 10^kappa. */
	*exp10 = *ndigits - 1 + kappa - k;
	return 0;
}
