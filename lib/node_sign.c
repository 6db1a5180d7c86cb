/* The signature of a request between nodes (lib/node_sign.h). */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "node_sign.h"

static void mac(const unsigned char key[AYB_NODE_KEY_BYTES], const char *method,
		   const char *path,
		const void *body, size_t len, int64_t now,
		unsigned char out[crypto_auth_hmacsha256_BYTES])
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	char hex[2 * crypto_hash_sha256_BYTES + 1], when[24];
	crypto_auth_hmacsha256_state st;

	crypto_hash_sha256(digest, body, (unsigned long long)len);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	snprintf(when, sizeof(when), "%lld", (long long)now);
	/* Newlines separate the fields: none can hold one (a method and a
	 * REQUEST_URI path cannot, the others are hex and digits). */
	crypto_auth_hmacsha256_init(&st, key, AYB_NODE_KEY_BYTES);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)method, strlen(method));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)path, strlen(path));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)hex, strlen(hex));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)when, strlen(when));
	crypto_auth_hmacsha256_final(&st, out);
}

void ayb_node_sign(const unsigned char key[AYB_NODE_KEY_BYTES], const char *method,
		   const char *path, const void *body, size_t len, int64_t now,
		   char out[AYB_NODE_SIGNATURE_HEX + 1])
{
	unsigned char m[crypto_auth_hmacsha256_BYTES];

	mac(key, method, path, body, len, now, m);
	sodium_bin2hex(out, AYB_NODE_SIGNATURE_HEX + 1, m, sizeof(m));
}

int ayb_node_verify(const unsigned char key[AYB_NODE_KEY_BYTES], const char *method,
		    const char *path, const void *body, size_t len, const char *time_header,
		    const char *signature_header, int64_t now, struct ayb_err *err)
{
	unsigned char want[crypto_auth_hmacsha256_BYTES], got[crypto_auth_hmacsha256_BYTES];
	size_t got_len = 0;
	long long when;
	char *end;

	if (!time_header || !signature_header)
		return ayb_err_set(err, AYB_E_UNAUTHENTICATED, "Missing node signature");
	errno = 0;
	when = strtoll(time_header, &end, 10);
	if (errno || end == time_header || *end || when < now - AYB_NODE_SIGN_WINDOW ||
	    when > now + AYB_NODE_SIGN_WINDOW)
		return ayb_err_set(err, AYB_E_UNAUTHENTICATED,
				   "Node signature out of its time window");
	if (strlen(signature_header) != AYB_NODE_SIGNATURE_HEX ||
	    sodium_hex2bin(got, sizeof(got), signature_header, AYB_NODE_SIGNATURE_HEX, NULL,
			   &got_len, NULL) < 0 || got_len != sizeof(got))
		return ayb_err_set(err, AYB_E_UNAUTHENTICATED, "Bad node signature");
	mac(key, method, path, body, len, (int64_t)when, want);
	if (sodium_memcmp(want, got, sizeof(want)) != 0)
		return ayb_err_set(err, AYB_E_UNAUTHENTICATED, "Bad node signature");
	return 0;
}
