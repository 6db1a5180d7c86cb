/* lib/token.c: email tokens (seal/open, tampering, time rules), fernet_key
 * decoding, base58, API tokens and their hashes. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tap.h"

/* is_str() on an array would warn (-Waddress) that it is never NULL. */
static const char *S(const char *s)
{
	return s;
}
#include "token.h"

#define NOW ((int64_t)1700000000)
#define TTL ((int64_t)3600)

static unsigned char key[32];

static struct ayb_email_claim claim = { .entity = "e2e-first", .entity_type = 0,
					.email_address = "e2e@example.org" };

/* Opens `token` and reports whether it failed exactly as the spec says. */
static int rejected(const char *token, int64_t now, const unsigned char *k)
{
	struct ayb_email_claim c;
	struct ayb_err err = { 0 };
	int ok_fail;

	if (ayb_token_email_open(k, token, TTL, now, &c, &err) == 0) {
		ayb_email_claim_free(&c);
		return 0;
	}
	ok_fail = strcmp(ayb_err_kind_name(err.kind), "Other") == 0 &&
		  ayb_err_status(&err) == 401 && err.message &&
		  strcmp(err.message, "Invalid or expired token") == 0;
	ayb_err_clear(&err);
	return ok_fail;
}

static int accepted(const char *token, int64_t now)
{
	struct ayb_email_claim c;
	struct ayb_err err = { 0 };
	int rc = ayb_token_email_open(key, token, TTL, now, &c, &err);

	if (rc == 0)
		ayb_email_claim_free(&c);
	ayb_err_clear(&err);
	return rc == 0;
}

/* Decodes a token, lets `edit` change the raw bytes, encodes it again. */
static char *reencode(const char *token, size_t flip_at, unsigned char xor_with)
{
	unsigned char raw[1024];
	size_t len = 0;
	char *out;

	if (sodium_base642bin(raw, sizeof(raw), token, strlen(token), NULL, &len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return NULL;
	if (flip_at < len)
		raw[flip_at] ^= xor_with;
	out = malloc(sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING));
	sodium_bin2base64(out,
			  sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
			  raw, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

/* A token with the documented layout around an arbitrary plaintext claim,
 * for the cases our own sealer never produces. */
static char *seal_raw(unsigned char version, int64_t issued, const char *json)
{
	size_t jlen = strlen(json), plen = 8 + jlen;
	size_t rawlen = 1 + crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plen;
	unsigned char *plain = malloc(plen), *raw = malloc(rawlen);
	size_t tlen = sodium_base64_ENCODED_LEN(rawlen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = malloc(tlen);

	for (int i = 0; i < 8; i++)
		plain[i] = (unsigned char)((uint64_t)issued >> (56 - 8 * i));
	memcpy(plain + 8, json, jlen);
	raw[0] = version;
	randombytes_buf(raw + 1, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(raw + 1 + crypto_secretbox_NONCEBYTES, plain, plen, raw + 1, key);
	sodium_bin2base64(out, tlen, raw, rawlen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	free(plain);
	free(raw);
	return out;
}

static void test_email_tokens(void)
{
	struct ayb_email_claim c = { 0 };
	struct ayb_err err = { 0 };
	unsigned char other[32];
	char *t, *t2, *u;
	size_t len;
	unsigned char version;

	t = ayb_token_email_seal(key, &claim, NOW);
	ok(t != NULL, "seal returns a token");
	len = strlen(t);
	ok(strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == len,
	   "token is base64url without padding (header- and URL-safe)");

	is_int(ayb_token_email_open(key, t, TTL, NOW, &c, &err), 0, "round trip opens");
	is_str(c.entity, "e2e-first", "entity survives");
	is_int(c.entity_type, 0, "entity_type survives");
	is_str(c.email_address, "e2e@example.org", "email_address survives");
	ayb_email_claim_free(&c);
	ok(c.entity == NULL && c.email_address == NULL, "claim_free clears the pointers");

	t2 = ayb_token_email_seal(key, &claim, NOW);
	ok(strcmp(t, t2) != 0, "two seals of one claim differ (fresh nonce)");
	{
		char id[AYB_EMAIL_TOKEN_ID_LEN + 1];
		ayb_token_email_open(key, t, TTL, NOW, &c, &err);
		memcpy(id, c.id, sizeof(id));
		ayb_email_claim_free(&c);
		is_int((int)strspn(id, "0123456789abcdef"), AYB_EMAIL_TOKEN_ID_LEN,
		       "a token's id is hex of its nonce");
		ayb_token_email_open(key, t, TTL, NOW, &c, &err);
		is_str(c.id, id, "opening a token again gives the same id");
		ayb_email_claim_free(&c);
		ayb_token_email_open(key, t2, TTL, NOW, &c, &err);
		ok(strcmp(c.id, id) != 0, "another seal of the same claim has another id");
		ayb_email_claim_free(&c);
	}
	free(t2);

	/* The e2e test's attack: one more character. */
	u = malloc(len + 2);
	memcpy(u, t, len);
	u[len] = 'a';
	u[len + 1] = '\0';
	ok(rejected(u, NOW, key), "one extra character appended fails");
	u[len] = 'A';
	ok(rejected(u, NOW, key), "one extra 'A' appended fails");
	u[len - 1] = '\0';
	ok(rejected(u, NOW, key), "one character cut fails");
	free(u);

	t2 = reencode(t, 40, 0x01);
	ok(t2 && rejected(t2, NOW, key), "a flipped ciphertext byte fails");
	free(t2);
	t2 = reencode(t, 5, 0x80);
	ok(t2 && rejected(t2, NOW, key), "a flipped nonce byte fails");
	free(t2);
	t2 = reencode(t, 0, 0x7f);
	ok(t2 && rejected(t2, NOW, key), "a changed version byte fails");
	free(t2);
	t2 = reencode(t, 1000, 0);
	ok(t2 && accepted(t2, NOW), "re-encoding without a change still opens");
	free(t2);

	ok(accepted(t, NOW + TTL), "open at issued + ttl is still fine");
	ok(rejected(t, NOW + TTL + 1, key), "expired by ttl fails");
	ok(accepted(t, NOW - 59), "issued 59 s in the future is fine");
	ok(accepted(t, NOW - 60), "issued 60 s in the future is fine");
	ok(rejected(t, NOW - 61, key), "issued 61 s in the future fails");

	memcpy(other, key, sizeof(other));
	other[31] ^= 1;
	ok(rejected(t, NOW, other), "a different key fails");

	ok(rejected("", NOW, key), "empty token fails");
	ok(rejected("AAAA", NOW, key), "short token fails");
	ok(rejected("not base64!", NOW, key), "bad base64 fails");
	ok(rejected("gAAAAABlU3sAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		    "AAAAAAAAAAAAAAAAAAAAAAAA==", NOW, key), "a Fernet-looking token fails");

	/* Hand-built plaintexts: only the key holder can make these, but the
	 * parser must still refuse them. */
	version = 0;
	sodium_base642bin(&version, 1, t, 4, NULL, NULL, NULL,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	t2 = seal_raw(version, NOW,
		      "{\"version\":1,\"entity\":\"a\",\"entity_type\":1,\"email_address\":\"a@b\"}");
	is_int(ayb_token_email_open(key, t2, TTL, NOW, &c, &err), 0, "hand-built claim opens");
	is_int(c.entity_type, 1, "organization type survives");
	ayb_email_claim_free(&c);
	free(t2);
	t2 = seal_raw(version, NOW, "{\"version\":1,\"entity\":\"a\"");
	ok(rejected(t2, NOW, key), "bad JSON fails");
	free(t2);
	t2 = seal_raw(version, NOW, "{\"version\":1,\"entity\":\"a\",\"entity_type\":0}");
	ok(rejected(t2, NOW, key), "missing email_address fails");
	free(t2);
	t2 = seal_raw(version, NOW,
		      "{\"version\":2,\"entity\":\"a\",\"entity_type\":0,\"email_address\":\"a@b\"}");
	ok(rejected(t2, NOW, key), "claim version 2 fails");
	free(t2);
	t2 = seal_raw(version, NOW,
		      "{\"version\":1,\"entity\":\"a\",\"entity_type\":\"0\",\"email_address\":\"a@b\"}");
	ok(rejected(t2, NOW, key), "entity_type as a string fails");
	free(t2);
	t2 = seal_raw(version, -1,
		      "{\"version\":1,\"entity\":\"a\",\"entity_type\":0,\"email_address\":\"a@b\"}");
	ok(rejected(t2, NOW, key), "issued_at beyond INT64_MAX fails");
	free(t2);

	/* Claim strings are JSON-escaped on the way in. */
	{
		struct ayb_email_claim odd = { .entity = "q\"uo\\te", .entity_type = 1,
					       .email_address = "x@y" };

		t2 = ayb_token_email_seal(key, &odd, NOW);
		is_int(ayb_token_email_open(key, t2, TTL, NOW, &c, &err), 0, "odd claim opens");
		is_str(c.entity, "q\"uo\\te", "quotes and backslashes survive");
		ayb_email_claim_free(&c);
		free(t2);
	}

	ayb_token_email_open(key, "x", TTL, NOW, &c, &err);
	is_str(ayb_err_kind_name(err.kind), "Other", "error kind is Other");
	is_int(ayb_err_status(&err), 401, "error status is 401");
	is_str(err.message, "Invalid or expired token", "error message is exact");
	ayb_err_clear(&err);
	free(t);
}

static void test_keys(void)
{
	unsigned char k[32], k2[32];
	char text[45];

	ayb_token_new_key_text(text);
	is_int(strlen(text), 44, "new key text is 44 chars");
	ok(text[43] == '=', "new key text is padded");
	ok(strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=") == 44,
	   "new key text is URL-safe base64");
	is_int(ayb_token_decode_key(text, k), 0, "new key decodes");

	/* 32 bytes 0xfb: exercises '-' and '_' of the URL-safe alphabet. */
	memset(k2, 0xfb, sizeof(k2));
	is_int(ayb_token_decode_key("-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_s=", k), 0,
	       "padded key decodes");
	ok(memcmp(k, k2, 32) == 0, "padded key has the right bytes");
	memset(k, 0, sizeof(k));
	is_int(ayb_token_decode_key("-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_s", k), 0,
	       "unpadded key decodes");
	ok(memcmp(k, k2, 32) == 0, "unpadded key has the right bytes");
	is_int(ayb_token_decode_key("+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/s=", k), -1,
	       "standard-alphabet key is refused");
	is_int(ayb_token_decode_key("AAAAAAAAAAAAAAAAAAAAAA==", k), -1, "16-byte key is refused");
	is_int(ayb_token_decode_key("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", k), -1,
	       "33-byte key is refused");
	is_int(ayb_token_decode_key("-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_s==", k), -1,
	       "over-padded key is refused");
	is_int(ayb_token_decode_key("", k), -1, "empty key is refused");
	is_int(ayb_token_decode_key(NULL, k), -1, "NULL key is refused");
	is_int(ayb_token_decode_key("-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_s= ", k), -1,
	       "trailing space is refused");
}

static void check_b58(const char *hex, const char *want)
{
	unsigned char bin[64];
	char out[2 * sizeof(bin) + 1];
	size_t n = 0;

	sodium_hex2bin(bin, sizeof(bin), hex, strlen(hex), NULL, &n, NULL);
	memset(out, 'x', sizeof(out));
	ayb_base58_encode(bin, n, out);
	is_str(S(out), want, "base58 of '%s'", hex);
}

static void test_base58(void)
{
	/* Bitcoin Core's base58_encode_decode.json vectors, plus edges. */
	check_b58("", "");
	check_b58("00", "1");
	check_b58("61", "2g");
	check_b58("626262", "a3gV");
	check_b58("636363", "aPEr");
	check_b58("73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2");
	check_b58("00eb15231dfceb60925886b67d065299925915aeb172c06647",
		  "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L");
	check_b58("516b6fcd0f", "ABnLTmg");
	check_b58("bf4f89001e670274dd", "3SEo3LWLoPntC");
	check_b58("572e4794", "3EFU7m");
	check_b58("ecac89cad93923c02321", "EJDM8drfXA6uyA");
	check_b58("10c8511e", "Rt5zm");
	check_b58("00000000000000000000", "1111111111");
	check_b58("0000287fb4cd", "11233QC4");
	check_b58("ffffffffffffffff", "jpXCZedGfVQ");
	check_b58("00ffffffffffffff", "1Ahg1opVcGW");
}

static void test_api_tokens(void)
{
	struct ayb_api_token t;
	struct ayb_err err = { 0 };
	char s[AYB_SHORT_TOKEN_MAX], k[AYB_SECRET_MAX], want[128];
	char hash[AYB_TOKEN_HASH_LEN + 1];
	int shape_ok = 1;

	for (int i = 0; i < 200; i++) {
		size_t sl, kl;

		ayb_token_api_new(&t);
		sl = strlen(t.short_token);
		kl = strlen(t.secret);
		snprintf(want, sizeof(want), "ayb_%s_%s", t.short_token, t.secret);
		if (sl < 1 || sl > 11 || kl < 1 || kl > 33 || strchr(t.short_token, '_') ||
		    strchr(t.secret, '_') || strcmp(want, t.full) != 0 ||
		    strlen(t.hash) != AYB_TOKEN_HASH_LEN ||
		    strspn(t.hash, "0123456789abcdef") != AYB_TOKEN_HASH_LEN ||
		    !ayb_token_hash_matches(t.hash, t.secret))
			shape_ok = 0;
	}
	ok(shape_ok, "200 new API tokens are ayb_<short>_<secret> with sane parts");
	ok(strlen(t.short_token) >= 9 && strlen(t.secret) >= 30, "parts have plausible lengths");

	is_int(ayb_token_api_split(t.full, s, k, &err), 0, "a new token splits");
	is_str(S(s), t.short_token, "split short part");
	is_str(S(k), t.secret, "split secret part");
	is_int(ayb_token_api_split("anything_abc_def", s, k, &err), 0, "prefix is not checked");
	is_str(S(s), "abc", "short of a foreign prefix");
	is_str(S(k), "def", "secret of a foreign prefix");

	is_int(ayb_token_api_split("nounderscores", s, k, &err), -1, "one part fails");
	is_str(ayb_err_kind_name(err.kind), "Other", "wrong parts: Other");
	is_int(ayb_err_status(&err), 401, "wrong parts: 401");
	is_str(err.message, "Error parsing API token: WrongNumberOfParts(1)",
	       "WrongNumberOfParts(1)");
	is_int(ayb_token_api_split("a_b_c_d", s, k, &err), -1, "four parts fail");
	is_str(err.message, "Error parsing API token: WrongNumberOfParts(4)",
	       "WrongNumberOfParts(4)");
	is_int(ayb_token_api_split("", s, k, &err), -1, "empty token fails");
	is_str(err.message, "Error parsing API token: WrongNumberOfParts(1)",
	       "empty: WrongNumberOfParts(1)");
	is_int(ayb_token_api_split("ayb_123456789012_x", s, k, &err), -1, "12-char short fails");
	is_int(err.kind, AYB_E_INVALID_TOKEN, "long part: InvalidToken");
	is_str(err.message, "Invalid API token", "long part: message");
	is_int(ayb_token_api_split("ayb_x_1234567890123456789012345678901234", s, k, &err), -1,
	       "34-char secret fails");
	is_int(ayb_token_api_split("ayb_12345678901_123456789012345678901234567890123", s, k, &err),
	       0, "11-char short and 33-char secret fit");
	ayb_err_clear(&err);

	ayb_token_hash("abc", hash);
	is_str(S(hash), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	       "hash is lowercase hex SHA-256");
	ok(ayb_token_hash_matches(hash, "abc"), "hash matches its secret");
	ok(!ayb_token_hash_matches(hash, "abd"), "hash does not match another secret");
	ok(!ayb_token_hash_matches("ba7816bf", "abc"), "a truncated stored hash never matches");
	ok(!ayb_token_hash_matches(NULL, "abc"), "a NULL stored hash never matches");
	ok(!ayb_token_hash_matches("BA7816BF8F01CFEA414140DE5DAE2223"
				   "B00361A396177A9CB410FF61F20015AD", "abc"),
	   "uppercase stored hash does not match");
}

int main(void)
{
	is_int(ayb_token_init(), 0, "init");
	is_int(ayb_token_init(), 0, "init twice");
	randombytes_buf(key, sizeof(key));
	test_email_tokens();
	test_keys();
	test_base58();
	test_api_tokens();
	return tap_done();
}
