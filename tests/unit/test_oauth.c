/* lib/oauth.c: the redirect URIs an app may name, the origin a consent
 * page lets its form reach, the verifier alphabet, and PKCE S256 against
 * RFC 7636's own example. */
#include "autoconfig.h"

#include <string.h>

#include <sodium.h>

#include "oauth.h"
#include "tap.h"

static void redirect(const char *uri, int want)
{
	is_int(ayb_oauth_redirect_ok(uri), want, "%s %s", uri, want ? "accepted" : "refused");
}

static void origin(const char *uri, const char *want)
{
	char out[64] = "";

	ayb_oauth_redirect_origin(uri, out, sizeof(out));
	is_str(out, want, "origin of %s", uri);
}

int main(void)
{
	char code[AYB_OAUTH_B64_SHA256_LEN + 1], hash[65], again[65];

	if (sodium_init() < 0)
		return 1;
	redirect("https://app.example/cb", 1);
	redirect("https://app.example", 1);
	redirect("https://app.example:8443/a?b=c", 1);
	redirect("https://[2001:db8::1]/cb", 1);
	redirect("http://localhost:5173/", 1);
	redirect("http://127.0.0.1/cb", 1);
	redirect("http://[::1]:80/cb", 1);
	redirect("http://localhost?x=1", 1);
	redirect("http://localhost.evil.example/", 0);
	redirect("http://127.0.0.1.evil.example/", 0);
	redirect("http://127.0.0.1@evil.example/", 0);
	redirect("https://user:pw@app.example/", 0);
	redirect("http://app.example/", 0);
	redirect("HTTPS://app.example/", 0);
	redirect("https://app.example/#x", 0);
	redirect("https://app.example/a b", 0);
	redirect("https://app.example/\r\nSet-Cookie:x", 0);
	redirect("https://app.example:/", 0);
	redirect("https://app.example:123456/", 0);
	redirect("https://[zz]/", 0);
	redirect("https://", 0);
	redirect("//app.example/", 0);
	redirect("", 0);
	redirect(NULL, 0);
	origin("https://app.example:8443/a?b=c", "https://app.example:8443");
	origin("http://localhost?x=1", "http://localhost");
	origin("https://[2001:db8::1]/cb", "https://[2001:db8::1]");
	is_int(ayb_oauth_redirect_origin("https://a-very-long-host-name-that-cannot-fit-in-the-"
					 "small-buffer.example/", hash, 16),
	       -1, "an origin that does not fit is refused");

	is_int(ayb_oauth_unreserved("abcABC019-._~abcABC019-._~abcABC019-._~abcd", 43, 128), 1,
	       "RFC 7636's alphabet, 43 characters");
	is_int(ayb_oauth_unreserved("abcABC019-._~abcABC019-._~abcABC019-._~abc", 43, 128), 0,
	       "42 characters are too few");
	is_int(ayb_oauth_unreserved("abcABC019-._~abcABC019-._~abcABC019-._~abc+", 43, 128), 0,
	       "'+' is outside it");
	/* RFC 7636 appendix B. */
	is_int(ayb_oauth_pkce_matches("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
				      "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
	       1, "RFC 7636's example verifier matches its challenge");
	is_int(ayb_oauth_pkce_matches("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
				      "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj"),
	       0, "one character off does not");
	is_int(ayb_oauth_pkce_matches("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c",
				      "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
	       0, "nor does a challenge cut short");

	ayb_oauth_code_new(code, hash);
	is_int((int)strlen(code), 43, "a code is 43 characters");
	ayb_oauth_code_hash(code, again);
	is_str(again, hash, "its stored hash is the hash of the code");
	is_int((int)strlen(hash), 64, "hex SHA-256");
	return tap_done();
}
