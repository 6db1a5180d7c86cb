#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <sodium.h>

#include "buf.h"
#include "token.h"

/* The first byte of every decoded email token.  It is not Fernet's 0x80:
 * ayb-c seals with crypto_secretbox instead, and a Fernet token handed to
 * ayb-c must fail at the version check, not further on. */
#define EMAIL_TOKEN_VERSION 0xA1

/* Clock skew tolerated for tokens issued "in the future" (Fernet's rule). */
#define EMAIL_TOKEN_SKEW 60

/* No real claim comes near this (slugs are at most 128 bytes, addresses 256);
 * the cap keeps a hostile header from costing more than a small decode. */
#define EMAIL_TOKEN_MAX_TEXT 2048

#define EMAIL_TOKEN_HEAD (1 + crypto_secretbox_NONCEBYTES)
_Static_assert(AYB_EMAIL_TOKEN_ID_LEN == 2 * crypto_secretbox_NONCEBYTES,
	       "a token's id is the hex of its nonce");
#define EMAIL_TOKEN_MIN (EMAIL_TOKEN_HEAD + crypto_secretbox_MACBYTES + 8)

#define B64_URL sodium_base64_VARIANT_URLSAFE
#define B64_URL_NOPAD sodium_base64_VARIANT_URLSAFE_NO_PADDING

static const char base58_alphabet[] =
	"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

int ayb_token_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

/* ayb's keys come from Python's and Rust's Fernet helpers, which write the
 * '=' padding, but people also paste keys without it; libsodium wants to be
 * told which of the two it is reading. */
int ayb_token_decode_key(const char *text, unsigned char key[32])
{
	unsigned char bin[64];
	size_t len = 0, tlen;
	int variant, rc = -1;

	if (!text)
		return -1;
	tlen = strlen(text);
	variant = tlen && text[tlen - 1] == '=' ? B64_URL : B64_URL_NOPAD;
	if (sodium_base642bin(bin, sizeof(bin), text, tlen, NULL, &len, NULL, variant) == 0 &&
	    len == 32) {
		memcpy(key, bin, 32);
		rc = 0;
	}
	sodium_memzero(bin, sizeof(bin));
	return rc;
}

void ayb_token_new_key_text(char out[45])
{
	unsigned char key[32];

	randombytes_buf(key, sizeof(key));
	sodium_bin2base64(out, 45, key, sizeof(key), B64_URL);
	sodium_memzero(key, sizeof(key));
}

void ayb_email_claim_free(struct ayb_email_claim *c)
{
	if (!c)
		return;
	free(c->entity);
	free(c->email_address);
	c->entity = NULL;
	c->email_address = NULL;
}

/* The claim in ayb's field order, so a claim reads the same as ayb's
 * payload when someone decrypts one while debugging. */
static int claim_json(struct ayb_buf *b, const struct ayb_email_claim *c)
{
	ayb_buf_adds(b, "{\"version\":1,\"entity\":");
	ayb_buf_add_json_string(b, c->entity, strlen(c->entity));
	ayb_buf_printf(b, ",\"entity_type\":%d,\"email_address\":", c->entity_type);
	ayb_buf_add_json_string(b, c->email_address, strlen(c->email_address));
	return ayb_buf_addc(b, '}');
}

/* Layout before base64url (no padding, so the token needs no escaping in a
 * header, a URL path or a shell):
 *   version byte || nonce || secretbox(issued_at as u64 big-endian || claim)
 * issued_at sits inside the authenticated plaintext, so it cannot be moved
 * without breaking the MAC. */
char *ayb_token_email_seal(const unsigned char key[32], const struct ayb_email_claim *c,
			   int64_t now)
{
	struct ayb_buf plain = { 0 };
	unsigned char *raw = NULL;
	char *text = NULL;
	size_t rawlen, textlen;
	uint64_t t = (uint64_t)now;
	unsigned char ts[8];

	for (int i = 7; i >= 0; i--, t >>= 8)
		ts[i] = (unsigned char)(t & 0xff);
	ayb_buf_add(&plain, ts, sizeof(ts));
	if (claim_json(&plain, c) < 0)
		goto out;

	rawlen = EMAIL_TOKEN_HEAD + crypto_secretbox_MACBYTES + plain.len;
	raw = malloc(rawlen);
	if (!raw)
		goto out;
	raw[0] = EMAIL_TOKEN_VERSION;
	randombytes_buf(raw + 1, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(raw + EMAIL_TOKEN_HEAD, (unsigned char *)plain.data, plain.len,
			      raw + 1, key);

	textlen = sodium_base64_ENCODED_LEN(rawlen, B64_URL_NOPAD);
	text = malloc(textlen);
	if (text)
		sodium_bin2base64(text, textlen, raw, rawlen, B64_URL_NOPAD);
out:
	free(raw);
	ayb_buf_free(&plain);
	return text;
}

/* Reads the claim out of the opened JSON; every field must be there with
 * the right type, since a claim we did not write ourselves cannot exist
 * without the key. */
static int claim_parse(const char *json, size_t len, struct ayb_email_claim *out)
{
	cJSON *o = cJSON_ParseWithLength(json, len);
	const cJSON *ver, *ent, *type, *addr;
	int rc = -1;

	if (!o)
		return -1;
	ver = cJSON_GetObjectItemCaseSensitive(o, "version");
	ent = cJSON_GetObjectItemCaseSensitive(o, "entity");
	type = cJSON_GetObjectItemCaseSensitive(o, "entity_type");
	addr = cJSON_GetObjectItemCaseSensitive(o, "email_address");
	if (!cJSON_IsObject(o) || !cJSON_IsNumber(ver) || ver->valuedouble != 1 ||
	    !cJSON_IsString(ent) || !cJSON_IsNumber(type) || !cJSON_IsString(addr) ||
	    (type->valuedouble != 0 && type->valuedouble != 1))
		goto out;
	out->entity = strdup(ent->valuestring);
	out->email_address = strdup(addr->valuestring);
	out->entity_type = type->valueint;
	if (!out->entity || !out->email_address) {
		ayb_email_claim_free(out);
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

int ayb_token_email_open(const unsigned char key[32], const char *token, int64_t ttl,
			 int64_t now, struct ayb_email_claim *out, struct ayb_err *err)
{
	unsigned char *raw = NULL, *plain = NULL;
	size_t tlen, rawlen = 0, plainlen;
	uint64_t issued = 0;
	int64_t oldest;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	tlen = token ? strlen(token) : 0;
	if (tlen == 0 || tlen > EMAIL_TOKEN_MAX_TEXT)
		goto out;
	raw = malloc(tlen);
	if (!raw)
		goto out;
	if (sodium_base642bin(raw, tlen, token, tlen, NULL, &rawlen, NULL, B64_URL_NOPAD) != 0 ||
	    rawlen < EMAIL_TOKEN_MIN || raw[0] != EMAIL_TOKEN_VERSION)
		goto out;
	plainlen = rawlen - EMAIL_TOKEN_HEAD - crypto_secretbox_MACBYTES;
	plain = malloc(plainlen);
	if (!plain)
		goto out;
	if (crypto_secretbox_open_easy(plain, raw + EMAIL_TOKEN_HEAD,
				       rawlen - EMAIL_TOKEN_HEAD, raw + 1, key) != 0)
		goto out;
	for (int i = 0; i < 8; i++)
		issued = issued << 8 | plain[i];

	/* Both time rules, written so that no arithmetic can overflow: a
	 * token is too old when issued + ttl < now, too new when
	 * issued > now + skew. */
	if (issued > INT64_MAX || ttl < 0)
		goto out;
	if (!__builtin_sub_overflow(now, ttl, &oldest) && (int64_t)issued < oldest)
		goto out;
	if (now <= INT64_MAX - EMAIL_TOKEN_SKEW && (int64_t)issued > now + EMAIL_TOKEN_SKEW)
		goto out;
	if (claim_parse((const char *)plain + 8, plainlen - 8, out) < 0)
		goto out;
	sodium_bin2hex(out->id, sizeof(out->id), raw + 1, crypto_secretbox_NONCEBYTES);
	rc = 0;
out:
	free(raw);
	free(plain);
	if (rc < 0)
		ayb_token_email_invalid(err);
	return rc;
}

int ayb_token_email_invalid(struct ayb_err *err)
{
	return ayb_err_set(err, AYB_E_UNAUTHENTICATED, "Invalid or expired token");
}

/* Bitcoin's base58: the bytes read as one big-endian number, written in
 * base 58, with one '1' per leading zero byte.  The digits are built
 * little-endian in place at out + zeros, then reversed and mapped; they
 * never need more than 138/100 of the input length, so 2n + 1 is room
 * enough for them, the '1's and the NUL. */
void ayb_base58_encode(const unsigned char *in, size_t n, char *out)
{
	size_t zeros = 0, len = 0;
	unsigned char *d;

	while (zeros < n && in[zeros] == 0)
		zeros++;
	d = (unsigned char *)out + zeros;
	for (size_t i = zeros; i < n; i++) {
		unsigned carry = in[i];

		for (size_t j = 0; j < len; j++) {
			carry += (unsigned)d[j] << 8;
			d[j] = (unsigned char)(carry % 58);
			carry /= 58;
		}
		while (carry) {
			d[len++] = (unsigned char)(carry % 58);
			carry /= 58;
		}
	}
	for (size_t i = 0; i < len / 2; i++) {
		unsigned char tmp = d[i];

		d[i] = d[len - 1 - i];
		d[len - 1 - i] = tmp;
	}
	for (size_t i = 0; i < len; i++)
		d[i] = (unsigned char)base58_alphabet[d[i]];
	memset(out, '1', zeros);
	out[zeros + len] = '\0';
}

void ayb_token_hash(const char *secret, char hash_out[AYB_TOKEN_HASH_LEN + 1])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)secret, strlen(secret));
	sodium_bin2hex(hash_out, AYB_TOKEN_HASH_LEN + 1, h, sizeof(h));
}

void ayb_token_api_new(struct ayb_api_token *t)
{
	unsigned char short_bytes[8], secret_bytes[24];
	char tmp[2 * sizeof(secret_bytes) + 1];

	randombytes_buf(short_bytes, sizeof(short_bytes));
	randombytes_buf(secret_bytes, sizeof(secret_bytes));

	/* The encoder wants 2n + 1 bytes of room; the results themselves
	 * always fit the (tighter) fields of struct ayb_api_token. */
	ayb_base58_encode(short_bytes, sizeof(short_bytes), tmp);
	memcpy(t->short_token, tmp, strlen(tmp) + 1);
	ayb_base58_encode(secret_bytes, sizeof(secret_bytes), tmp);
	memcpy(t->secret, tmp, strlen(tmp) + 1);
	ayb_token_hash(t->secret, t->hash);
	snprintf(t->full, sizeof(t->full), "ayb_%s_%s", t->short_token, t->secret);

	sodium_memzero(secret_bytes, sizeof(secret_bytes));
	sodium_memzero(tmp, sizeof(tmp));
}

int ayb_token_api_split(const char *token, char short_out[AYB_SHORT_TOKEN_MAX],
			char secret_out[AYB_SECRET_MAX], struct ayb_err *err)
{
	const char *u1, *u2;
	size_t parts = 1, slen, klen;

	for (const char *p = token; *p; p++)
		if (*p == '_')
			parts++;
	if (parts != 3)
		return ayb_err_set(err, AYB_E_UNAUTHENTICATED,
				   "Error parsing API token: WrongNumberOfParts(%zu)", parts);
	u1 = strchr(token, '_');
	u2 = strchr(u1 + 1, '_');
	slen = (size_t)(u2 - u1 - 1);
	klen = strlen(u2 + 1);
	if (slen >= AYB_SHORT_TOKEN_MAX || klen >= AYB_SECRET_MAX)
		return ayb_err_set(err, AYB_E_INVALID_TOKEN, "Invalid API token");
	memcpy(short_out, u1 + 1, slen);
	short_out[slen] = '\0';
	memcpy(secret_out, u2 + 1, klen + 1);
	return 0;
}

/* Both sides are hex of a SHA-256, so comparing them in constant time
 * reveals nothing about the secret; the length check only looks at the
 * stored value, never at the caller's input. */
int ayb_token_hash_matches(const char *stored_hash, const char *secret)
{
	char h[AYB_TOKEN_HASH_LEN + 1];

	if (!stored_hash || strlen(stored_hash) != AYB_TOKEN_HASH_LEN)
		return 0;
	ayb_token_hash(secret, h);
	return sodium_memcmp(h, stored_hash, AYB_TOKEN_HASH_LEN) == 0;
}
