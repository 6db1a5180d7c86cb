/* Encoding by hand, through a small block (no allocation per value);
 * decoding by libsodium, which refuses anything but the canonical padded
 * form. */
#include "autoconfig.h"

#include <sodium.h>

#include "base64.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t ayb_base64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

/* A large value grows b once per block rather than once per character. */
int ayb_base64_add(struct ayb_buf *b, const void *data, size_t n)
{
	const unsigned char *p = data;
	char block[4 * 256];
	size_t used = 0, i = 0;

	for (; i + 3 <= n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];

		block[used++] = alphabet[v >> 18];
		block[used++] = alphabet[(v >> 12) & 63];
		block[used++] = alphabet[(v >> 6) & 63];
		block[used++] = alphabet[v & 63];
		if (used == sizeof(block)) {
			ayb_buf_add(b, block, used);
			used = 0;
		}
	}
	if (i < n) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);

		block[used++] = alphabet[v >> 18];
		block[used++] = alphabet[(v >> 12) & 63];
		block[used++] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
		block[used++] = '=';
	}
	ayb_buf_add(b, block, used);
	return b->oom ? -1 : 0;
}

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
