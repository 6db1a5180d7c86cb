/* The error log line: one line, printable, no credentials. */
#include "autoconfig.h"

#include <stdlib.h>

#include "log.h"
#include "tap.h"

static void check(int status, const char *method, const char *path, const char *why,
		  const char *want, const char *name)
{
	char *got = fcgi_log_line(status, method, path, why);

	is_str(got, want, "%s", name);
	free(got);
}

int main(void)
{
	check(503, "POST", "/v1/register", "Other: Metadata store unavailable",
	      "ayb-api: 503 POST /v1/register: Other: Metadata store unavailable\n",
	      "status, method, path and reason on one line");
	check(500, NULL, NULL, NULL, "ayb-api: 500 - -: error\n", "missing parts print as -");
	check(500, "GET", "/a\nayb-api: 200 GET /forged", "x",
	      "ayb-api: 500 GET /a\\x0aayb-api: 200 GET /forged: x\n",
	      "a newline in the path cannot start a second line");
	check(500, "GET", "/\x1b[31m\xc3\xa9\\", "x",
	      "ayb-api: 500 GET /\\x1b[31m\\xc3\\xa9\\x5c: x\n",
	      "control bytes, non-ASCII and backslashes are escaped");
	check(500, "GET", "/v1/tokens/ayb_Ab12_Secret987xyz", "token ayb_Ab12_Secret987xyz failed",
	      "ayb-api: 500 GET /v1/tokens/ayb_Ab12_***: token ayb_Ab12_*** failed\n",
	      "API token secrets are masked, the public short token is kept");
	check(500, "GET", "/x", "not a token: xayb_Ab12_Secret, ayb_nounderscore",
	      "ayb-api: 500 GET /x: not a token: xayb_Ab12_Secret, ayb_nounderscore\n",
	      "only whole tokens are masked");
	check(503, "GET", "/x",
	      "cannot connect to postgresql://ayb:s3cr3t@127.0.0.1:5432/ayb: refused",
	      "ayb-api: 503 GET /x: cannot connect to postgresql://ayb:***@127.0.0.1:5432/ayb: refused\n",
	      "URL passwords are masked");
	check(503, "GET", "/x", "see https://example.org:8443/path@x",
	      "ayb-api: 503 GET /x: see https://example.org:8443/path@x\n",
	      "a URL without credentials is left alone");
	check(500, "GET", "/x", "header Authorization: Bearer abc.def-ghi was refused",
	      "ayb-api: 500 GET /x: header Authorization: Bearer *** was refused\n",
	      "bearer values are masked");
	return tap_done();
}
