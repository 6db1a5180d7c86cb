/* The rules of OAuth 2.0 with PKCE that need no store (README "Apps:
 * OAuth"): which redirect URIs an app may name, what a code challenge and
 * a code verifier look like, and the S256 check between them. */
#ifndef AYB_OAUTH_H
#define AYB_OAUTH_H

#include <stddef.h>

/* BASE64URL without padding of a SHA-256: a challenge, and our codes. */
#define AYB_OAUTH_B64_SHA256_LEN 43

/* 1 when uri may receive codes: https://<host>[:port][/path][?query], or
 * http:// with host exactly localhost, 127.0.0.1 or [::1] (apps being
 * developed); never a fragment, user info, a space or a control
 * character.  ayb tests a string prefix, which lets
 * "http://localhost.evil.example" through; this parses. */
int ayb_oauth_redirect_ok(const char *uri);

/* The origin of a uri redirect_ok accepted ("https://app.example:8443"),
 * into out (outsize bytes): what a consent page must let its form go to.
 * Returns 0, or -1 when it does not fit. */
int ayb_oauth_redirect_origin(const char *uri, char *out, size_t outsize);

/* 1 when s is n characters of A-Z a-z 0-9 - . _ ~ with min <= n <= max
 * (RFC 7636's verifier alphabet, a superset of BASE64URL's). */
int ayb_oauth_unreserved(const char *s, size_t min, size_t max);

/* 1 when BASE64URL-no-pad(SHA-256(verifier)) equals challenge, compared in
 * constant time. */
int ayb_oauth_pkce_matches(const char *challenge, const char *verifier);

/* A fresh authorization code (32 random bytes, BASE64URL without padding)
 * into code, and the hex SHA-256 under which it is stored into hash: the
 * code itself is never at rest. */
void ayb_oauth_code_new(char code[AYB_OAUTH_B64_SHA256_LEN + 1], char hash[65]);
void ayb_oauth_code_hash(const char *code, char hash[65]);

#endif
