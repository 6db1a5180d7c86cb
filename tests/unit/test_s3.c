/* lib/s3's pure parts: SigV4 percent-encoding, addressing (path style,
 * virtual host, AWS's own endpoints), refused settings, and reading S3's
 * XML (listings, error bodies), hostile replies included.  The requests
 * themselves are exercised against a signature-checking server by
 * tests/e2e/snapshots.sh. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "s3.h"
#include "tap.h"

static struct ayb_snapshots_config base(void)
{
	struct ayb_snapshots_config c = { 0 };

	c.access_key_id = "AKIDEXAMPLE";
	c.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	c.bucket = "bucket";
	c.path_prefix = "sqlite";
	c.region = "us-east-1";
	return c;
}

static void encode(void)
{
	struct ayb_buf b = { 0 };

	ayb_s3_uri_encode(&b, "a-z_A.Z~0/9 +%=&?é", 1);
	is_str(b.data, "a-z_A.Z~0/9%20%2B%25%3D%26%3F%C3%A9",
	       "unreserved kept, '/' kept, the rest %XX uppercase");
	b.len = 0;
	ayb_s3_uri_encode(&b, "sqlite/a/b", 0);
	is_str(b.data, "sqlite%2Fa%2Fb", "query values encode '/' too");
	b.len = 0;
	ayb_s3_uri_encode(&b, "dGVzdA+/=", 0);
	is_str(b.data, "dGVzdA%2B%2F%3D", "a base64 continuation token is fully encoded");
	ayb_buf_free(&b);
}

/* The URL of key "k/x" for a configuration, or the error message. */
static char *url_for(struct ayb_snapshots_config *c, const char *key)
{
	struct ayb_err err = { 0 };
	struct ayb_s3 *s3 = NULL;
	char *url;

	if (ayb_s3_open(c, &s3, &err) < 0) {
		url = strdup(err.message ? err.message : "?");
		ayb_err_clear(&err);
		return url;
	}
	url = ayb_s3_object_url(s3, key);
	ayb_s3_close(s3);
	return url;
}

static void addressing(void)
{
	struct ayb_snapshots_config c = base();
	char *u;

	c.endpoint_url = "http://127.0.0.1:9000";
	c.force_path_style = 1;
	u = url_for(&c, "bucket/sqlite/e/d.sqlite/ab");
	is_str(u, "http://127.0.0.1:9000/bucket/bucket/sqlite/e/d.sqlite/ab",
	       "path style: endpoint/bucket/key (ayb's doubled bucket comes from the key)");
	free(u);

	c.endpoint_url = "http://localhost:9000/";
	c.force_path_style = 0;
	u = url_for(&c, "sqlite/e/d.sqlite/ab");
	is_str(u, "http://bucket.localhost:9000/sqlite/e/d.sqlite/ab",
	       "virtual host: the bucket leads the host name, trailing '/' dropped");
	free(u);

	c.endpoint_url = "https://minio.example.org/s3/";
	c.force_path_style = 1;
	u = url_for(&c, "a b/ü");
	is_str(u, "https://minio.example.org/s3/bucket/a%20b/%C3%BC",
	       "an endpoint path is kept; keys are encoded");
	free(u);

	c.endpoint_url = "storage.example.org:8443";
	u = url_for(&c, "k");
	is_str(u, "https://storage.example.org:8443/bucket/k", "no scheme: https, as ayb");
	free(u);

	c.endpoint_url = NULL;
	c.force_path_style = 0;
	u = url_for(&c, "k");
	is_str(u, "https://bucket.s3.amazonaws.com/k", "no endpoint, us-east-1: AWS's global host");
	free(u);
	c.region = "eu-west-3";
	u = url_for(&c, "k");
	is_str(u, "https://bucket.s3.eu-west-3.amazonaws.com/k",
	       "no endpoint: AWS's regional host");
	free(u);
}

static void refused(void)
{
	struct ayb_snapshots_config c = base();
	char *u;

	c.endpoint_url = "http://127.0.0.1:9000";
	u = url_for(&c, "k");
	ok(u && strstr(u, "is an IP address") && strstr(u, "force_path_style = true"),
	   "an IP endpoint without path style is refused with the fix: %s", u);
	free(u);

	c.force_path_style = 1;
	c.endpoint_url = "ftp://files.example.org";
	u = url_for(&c, "k");
	ok(u && strstr(u, "only http:// and https://"), "an ftp endpoint is refused: %s", u);
	free(u);

	c.endpoint_url = "http://user:pw@s3.example.org";
	u = url_for(&c, "k");
	ok(u && strstr(u, "credentials, a query or a fragment"),
	   "credentials in the endpoint are refused");
	ok(u && !strstr(u, "wJalr"), "the message never holds the secret key");
	free(u);

	c.endpoint_url = "http://s3.example.org";
	c.region = "us-east-1:evil";
	u = url_for(&c, "k");
	ok(u && strstr(u, "Invalid snapshots.region"),
	   "a region that would break curl's provider string");
	free(u);

	c = base();
	c.bucket = "Not_A_Host";
	c.endpoint_url = "http://s3.example.org";
	u = url_for(&c, "k");
	ok(u && strstr(u, "cannot be part of a host name"), "a non-DNS bucket needs path style");
	free(u);
	c.force_path_style = 1;
	u = url_for(&c, "k");
	is_str(u, "http://s3.example.org/Not_A_Host/k", "which then works");
	free(u);
	c.bucket = "a/b";
	u = url_for(&c, "k");
	ok(u && strstr(u, "Invalid snapshots.bucket"), "a bucket with a slash is refused");
	free(u);
	c = base();
	c.secret_access_key = "";
	u = url_for(&c, "k");
	ok(u && strstr(u, "secret_access_key is empty"), "an empty secret is refused");
	free(u);
}

static const char page1[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>bucket</Name>"
	"<Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>"
	"<Contents><Key>p/a&amp;b</Key><LastModified>2024-08-18T15:05:04.123Z</LastModified>"
	"<ETag>&quot;x&quot;</ETag><Size>3</Size></Contents>"
	"<Contents><Key>p/&#233;&#x4e2d;</Key><LastModified>2024-08-18T15:05:05.000Z</LastModified></Contents>"
	"<NextContinuationToken>cC9i+/=</NextContinuationToken></ListBucketResult>";

static void listing(void)
{
	struct ayb_err err = { 0 };
	struct ayb_s3_object *o = NULL;
	size_t n = 0;
	int truncated = 0;
	char *next = NULL;

	ok(ayb_s3_parse_list_page(page1, strlen(page1), &o, &n, &truncated, &next, &err) == 0,
	   "a listing page parses");
	is_int(n, 2, "two objects");
	is_str(n > 0 ? o[0].key : NULL, "p/a&b", "entities decoded in keys");
	is_str(n > 1 ? o[1].key : NULL, "p/\xc3\xa9\xe4\xb8\xad",
	       "numeric references become UTF-8");
	is_str(n > 0 ? o[0].last_modified : NULL, "2024-08-18T15:05:04.123Z",
	       "LastModified as sent");
	ok(truncated, "IsTruncated read");
	is_str(next, "cC9i+/=", "NextContinuationToken read");
	free(next);
	next = NULL;

	/* A second page appends. */
	static const char page2[] =
		"<ListBucketResult><IsTruncated>false</IsTruncated>"
		"<Contents><Key>p/c</Key><LastModified>2024-01-01T00:00:00Z</LastModified></Contents>"
		"</ListBucketResult>";
	static const char empty[] =
		"<ListBucketResult><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>";

	ok(ayb_s3_parse_list_page(page2, strlen(page2), &o, &n, &truncated, &next, &err) == 0,
	   "a last page parses");
	is_int(n, 3, "and appends to the first");
	ok(!truncated && !next, "the last page is not truncated and has no token");
	ayb_s3_objects_free(o, n);
	o = NULL;
	n = 0;

	ok(ayb_s3_parse_list_page(empty, strlen(empty), &o, &n, &truncated, &next, &err) == 0 &&
	   n == 0,
	   "an empty listing");
	ayb_s3_objects_free(o, n);
	o = NULL;
	n = 0;

	static const char *const bad[] = {
		"<html><body>Welcome to nginx</body></html>",
		"<ListBucketResult><Contents><LastModified>2024-01-01T00:00:00Z</LastModified></Contents></ListBucketResult>",
		"<ListBucketResult><Contents><Key>p/x</Key></Contents></ListBucketResult>",
		"<ListBucketResult><Contents><Key>p/&bogus;</Key><LastModified>x</LastModified></Contents></ListBucketResult>",
		"<ListBucketResult><Contents><Key>p/&#0;</Key><LastModified>x</LastModified></Contents></ListBucketResult>",
		"<ListBucketResult><Contents><Key>p/&#xd800;</Key><LastModified>x</LastModified></Contents></ListBucketResult>",
		"<ListBucketResult><Contents><Key>p/<b>x</b></Key><LastModified>x</LastModified></Contents></ListBucketResult>",
		"<ListBucketResult><IsTruncated>maybe</IsTruncated></ListBucketResult>",
		"<ListBucketResult><Contents><Key>p/x",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = ayb_s3_parse_list_page(bad[i], strlen(bad[i]), &o, &n, &truncated, &next,
						&err);

		ok(rc < 0 && err.kind == AYB_E_S3_EXECUTION && ayb_err_status(&err) == 502,
		   "bad listing %zu refused: %s", i, err.message ? err.message : "(none)");
		ayb_s3_objects_free(o, n);
		o = NULL;
		n = 0;
		free(next);
		next = NULL;
		ayb_err_clear(&err);
	}
}

static void errors(void)
{
	static const char denied[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code>"
		"<Message>The request signature we calculated does not match the signature you provided.</Message>"
		"<StringToSign>AWS4-HMAC-SHA256...</StringToSign></Error>";
	char *t;

	t = ayb_s3_error_text(403, denied, strlen(denied));
	is_str(t,
	       "S3 answered 403 SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided.",
	       "code and message of an S3 error body");
	free(t);
	t = ayb_s3_error_text(502, "<html>Bad Gateway</html>", 24);
	is_str(t, "S3 answered HTTP 502", "a body that is not an S3 error: just the status");
	free(t);
	t = ayb_s3_error_text(500, NULL, 0);
	is_str(t, "S3 answered HTTP 500", "no body");
	free(t);
	static const char nasty[] =
		"<Error><Code>Bad\x1b[31m</Code><Message>line1&#10;line2</Message></Error>";

	t = ayb_s3_error_text(400, nasty, strlen(nasty));
	is_str(t, "S3 answered 400 Bad?[31m: line1?line2",
	       "control characters do not reach logs and terminals");
	free(t);
}

int main(void)
{
	encode();
	addressing();
	refused();
	listing();
	errors();
	return tap_done();
}
