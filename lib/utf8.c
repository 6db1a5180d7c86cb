/* UTF-8 validation and decoding, shared by slugs and query results. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* Validates UTF-8 the way Rust's std::str::from_utf8 does, so the error
 * carries the same numbers: valid_up_to is the length of the valid prefix;
 * error_len is the length of the invalid sequence there (1..3), or 0 when
 * the input ends in the middle of a sequence (Rust's None).  Returns 1 when
 * valid. */
int ayb_utf8_check(const unsigned char *s, size_t n, size_t *valid_up_to,
		      size_t *error_len)
{
	size_t i = 0, need, k;

	while (i < n) {
		unsigned char c = s[i], lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3;
		else
			goto bad1;
		/* Overlong forms, surrogates and code points past U+10FFFF are
		 * ruled out by narrowing the second byte's range. */
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		else if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		for (k = 1; k <= need; k++) {
			if (i + k >= n) {
				*valid_up_to = i;
				*error_len = 0;
				return 0;
			}
			if (s[i + k] < lo || s[i + k] > hi) {
				*valid_up_to = i;
				*error_len = k;
				return 0;
			}
			lo = 0x80;
			hi = 0xbf;
		}
		i += need + 1;
	}
	return 1;
bad1:
	*valid_up_to = i;
	*error_len = 1;
	return 0;
}

/* Decodes one valid UTF-8 sequence (checked by the caller) into a code
 * point; returns its length. */
size_t ayb_utf8_decode(const unsigned char *s, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] < 0xe0) {
		*cp = (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
		return 2;
	}
	if (s[0] < 0xf0) {
		*cp = (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 |
		      (s[2] & 0x3f);
		return 3;
	}
	*cp = (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
	      (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
	return 4;
}

size_t ayb_utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t valid, bad;

	if (!n)
		return 0;
	if (!ayb_utf8_check(s, n < 4 ? n : 4, &valid, &bad) && valid == 0)
		return 0;
	return s[0] < 0x80 ? 1 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
}

char *ayb_utf8_lossy(const char *s)
{
	static const char replacement[] = "\xef\xbf\xbd";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), valid, bad, len = 0;
	/* Each invalid byte takes at most three in the copy. */
	char *out = malloc(3 * n + 1);

	if (!out)
		return NULL;
	while (!ayb_utf8_check(p, n, &valid, &bad)) {
		memcpy(out + len, p, valid);
		memcpy(out + len + valid, replacement, 3);
		len += valid + 3;
		/* A sequence cut short by the end of the string is one error. */
		if (!bad)
			bad = n - valid;
		p += valid + bad;
		n -= valid + bad;
	}
	memcpy(out + len, p, n);
	out[len + n] = '\0';
	return out;
}
