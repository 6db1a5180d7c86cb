#include "autoconfig.h"

#include <string.h>

#include <sodium.h>

#include "oauth.h"
#include "token.h"

#define B64_URL_NOPAD sodium_base64_VARIANT_URLSAFE_NO_PADDING

static int is_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.';
}

/* The length of "host[:port]" at the start of a (up to '/', '?' or the
 * end), or 0 when it is not one: a DNS name or IPv4 address, or an IPv6
 * address in brackets, then an optional port of 1-5 digits. */
static size_t authority_len(const char *a, size_t *host_len)
{
	size_t i = 0;

	if (a[0] == '[') {
		for (i = 1; a[i] && a[i] != ']'; i++)
			if (!strchr("0123456789abcdefABCDEF:.", a[i]))
				return 0;
		if (a[i] != ']' || i == 1)
			return 0;
		i++;
	} else {
		while (is_host_char(a[i]))
			i++;
		if (i == 0)
			return 0;
	}
	*host_len = i;
	if (a[i] == ':') {
		size_t digits = 0;
		for (i++; a[i] >= '0' && a[i] <= '9'; i++)
			digits++;
		if (digits < 1 || digits > 5)
			return 0;
	}
	return a[i] == '\0' || a[i] == '/' || a[i] == '?' ? i : 0;
}

static int host_is(const char *host, size_t len, const char *name)
{
	return len == strlen(name) && memcmp(host, name, len) == 0;
}

int ayb_oauth_redirect_ok(const char *uri)
{
	const char *host;
	size_t host_len = 0;
	int https;

	if (!uri || strlen(uri) > 2048)
		return 0;
	for (const unsigned char *p = (const unsigned char *)uri; *p; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == '#' || *p == '\\')
			return 0;
	if (strncmp(uri, "https://", 8) == 0)
		https = 1;
	else if (strncmp(uri, "http://", 7) == 0)
		https = 0;
	else
		return 0;
	host = uri + (https ? 8 : 7);
	if (!authority_len(host, &host_len))
		return 0;
	return https || host_is(host, host_len, "localhost") ||
	       host_is(host, host_len, "127.0.0.1") || host_is(host, host_len, "[::1]");
}

int ayb_oauth_redirect_origin(const char *uri, char *out, size_t outsize)
{
	const char *host = strstr(uri, "://");
	size_t host_len, n;

	if (!host || !(n = authority_len(host + 3, &host_len)))
		return -1;
	n += (size_t)(host + 3 - uri);
	if (n >= outsize)
		return -1;
	memcpy(out, uri, n);
	out[n] = '\0';
	return 0;
}

int ayb_oauth_unreserved(const char *s, size_t min, size_t max)
{
	size_t n;

	if (!s)
		return 0;
	n = strlen(s);
	if (n < min || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_host_char(s[i]) && s[i] != '_' && s[i] != '~')
			return 0;
	return 1;
}

int ayb_oauth_pkce_matches(const char *challenge, const char *verifier)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char mine[AYB_OAUTH_B64_SHA256_LEN + 1];

	crypto_hash_sha256(h, (const unsigned char *)verifier, strlen(verifier));
	sodium_bin2base64(mine, sizeof(mine), h, sizeof(h), B64_URL_NOPAD);
	return strlen(challenge) == AYB_OAUTH_B64_SHA256_LEN &&
	       sodium_memcmp(mine, challenge, AYB_OAUTH_B64_SHA256_LEN) == 0;
}

void ayb_oauth_code_hash(const char *code, char hash[65])
{
	ayb_token_hash(code, hash);
}

void ayb_oauth_code_new(char code[AYB_OAUTH_B64_SHA256_LEN + 1], char hash[65])
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(code, AYB_OAUTH_B64_SHA256_LEN + 1, raw, sizeof(raw), B64_URL_NOPAD);
	sodium_memzero(raw, sizeof(raw));
	ayb_oauth_code_hash(code, hash);
}
