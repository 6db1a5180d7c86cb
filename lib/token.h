/* Tokens (README "The HTTP API"), all built on libsodium.
 *
 * Emailed tokens: a JSON claim sealed with crypto_secretbox under the
 * 32-byte fernet_key, issued-at inside the authenticated plaintext, encoded
 * as URL-safe base64.  API tokens: "ayb_<short>_<secret>", both parts base58
 * of random bytes; only the lowercase hex SHA-256 of <secret> is stored. */
#ifndef AYB_TOKEN_H
#define AYB_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Call once per process before any other ayb_token_* (wraps sodium_init). */
int ayb_token_init(void);

/* Decodes a fernet_key (URL-safe base64 of 32 bytes, '=' padding optional). */
int ayb_token_decode_key(const char *text, unsigned char key[32]);

/* A fresh random key in ayb's format (44 chars with '=' padding) into out. */
void ayb_token_new_key_text(char out[45]);

/* hex of a sealed token's nonce: random for each token sealed, and bound to
 * the ciphertext by the MAC, so it names one emailed token whatever text
 * carried it (README "The HTTP API": confirmation links work once). */
#define AYB_EMAIL_TOKEN_ID_LEN 48

struct ayb_email_claim {
	char *entity;        /* lowercase slug; owned, free with ayb_email_claim_free */
	int entity_type;     /* 0 user, 1 organization */
	char *email_address; /* lowercase; owned */
	char id[AYB_EMAIL_TOKEN_ID_LEN + 1]; /* set by ayb_token_email_open */
};
void ayb_email_claim_free(struct ayb_email_claim *c);

/* Seals a claim issued at `now` (Unix seconds); entity and email_address
 * must not be NULL.  Returns a malloc'd token (caller frees) or NULL on
 * OOM: base64url without '=' padding, so it needs no escaping in a header
 * or a URL path (ayb-c tokens are not Fernet tokens, see AUTH.md §2). */
char *ayb_token_email_seal(const unsigned char key[32], const struct ayb_email_claim *c,
			   int64_t now);

/* Opens a token: any decoding, tampering, issued_at + ttl < now or
 * issued_at > now + 60 gives -1 with err = Other (401)
 * "Invalid or expired token".  On success fills `out` (caller frees). */
int ayb_token_email_open(const unsigned char key[32], const char *token, int64_t ttl,
			 int64_t now, struct ayb_email_claim *out, struct ayb_err *err);
/* Sets that error: also what an emailed token used before answers. */
int ayb_token_email_invalid(struct ayb_err *err);

#define AYB_SHORT_TOKEN_MAX 12   /* base58 of 8 bytes: at most 11 chars + NUL */
#define AYB_SECRET_MAX 34        /* base58 of 24 bytes: at most 33 chars + NUL */
#define AYB_TOKEN_HASH_LEN 64    /* lowercase hex of SHA-256 */

/* A new API token: short part, secret part, and the hash to store. */
struct ayb_api_token {
	char short_token[AYB_SHORT_TOKEN_MAX];
	char secret[AYB_SECRET_MAX];
	char hash[AYB_TOKEN_HASH_LEN + 1];
	char full[4 + AYB_SHORT_TOKEN_MAX + 1 + AYB_SECRET_MAX]; /* "ayb_<short>_<secret>" */
};
void ayb_token_api_new(struct ayb_api_token *t);

/* Splits "x_<short>_<secret>": exactly three '_'-separated parts, else -1
 * with err = Other (401) "Error parsing API token: WrongNumberOfParts(<n>)".
 * A part longer than its maximum also fails (InvalidToken, 401,
 * "Invalid API token").  Empty parts pass (the lookup then fails). */
int ayb_token_api_split(const char *token, char short_out[AYB_SHORT_TOKEN_MAX],
			char secret_out[AYB_SECRET_MAX], struct ayb_err *err);

/* hex SHA-256 of secret into hash_out. */
void ayb_token_hash(const char *secret, char hash_out[AYB_TOKEN_HASH_LEN + 1]);

/* Constant-time comparison of the stored hash with the secret's hash: 1 if equal. */
int ayb_token_hash_matches(const char *stored_hash, const char *secret);

/* Base58 (Bitcoin alphabet, leading zero bytes -> '1') of n bytes into out
 * (out must hold 2*n + 1 bytes). */
void ayb_base58_encode(const unsigned char *in, size_t n, char *out);

#endif
