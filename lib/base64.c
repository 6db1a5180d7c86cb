/* Base64 through libsodium, which decodes in constant time and refuses
 * anything but the canonical padded form. */
#include "autoconfig.h"

#include <stdlib.h>

#include <sodium.h>

#include "base64.h"

size_t ayb_base64_max_decoded(size_t n)
{
	return n / 4 * 3 + 3;
}

int ayb_base64_decode(const char *s, size_t n, unsigned char *out, size_t *len)
{
	const char *end = NULL;

	if (sodium_init() < 0)
		return -1;
	if (sodium_base642bin(out, ayb_base64_max_decoded(n), s, n, NULL, len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	return end == s + n ? 0 : -1;
}

int ayb_base64_encode(struct ayb_buf *b, const void *p, size_t n)
{
	size_t need = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *out;

	if (sodium_init() < 0 || !(out = malloc(need)))
		return -1;
	sodium_bin2base64(out, need, p, n, sodium_base64_VARIANT_ORIGINAL);
	ayb_buf_add(b, out, need - 1);
	free(out);
	return b->oom ? -1 : 0;
}
