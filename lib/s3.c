/* S3 requests through libcurl.  libcurl computes the SigV4 signature
 * (CURLOPT_AWS_SIGV4); what it leaves to us is what S3 needs besides:
 * canonical URLs (curl signs the path and query exactly as written, so both
 * are percent-encoded here the way SigV4 canonicalises them, and query
 * parameters are written sorted by name) and the x-amz-content-sha256
 * header, which curl neither computes nor adds, but signs once given. */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "s3.h"

/* SHA-256 of the empty string: the payload hash of GET, LIST and DELETE. */
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* How much of an error body is kept, and how big one listing page may be
 * (S3 pages hold at most 1000 keys of at most 1 KiB each). */
#define ERROR_BODY_MAX (64u * 1024)
#define LIST_PAGE_MAX (4u * 1024 * 1024)
/* An S3 message is a sentence; anything longer is cut. */
#define MESSAGE_MAX 300

struct ayb_s3 {
	const struct ayb_snapshots_config *cfg;
	CURL *curl;
	char *origin;       /* scheme://host[:port] of the endpoint, bucket not included */
	char *vhost_origin; /* scheme://<bucket>.host[:port], virtual-host style only */
	char *base_path;    /* the endpoint's path without a trailing '/'; often "" */
	char *provider;     /* "aws:amz:<region>:s3" */
	char errbuf[CURL_ERROR_SIZE];
};

/* ---- encoding ----------------------------------------------------------------- */

int ayb_s3_uri_encode(struct ayb_buf *b, const char *s, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
			ayb_buf_addc(b, (char)c);
		} else {
			ayb_buf_addc(b, '%');
			ayb_buf_addc(b, hex[c >> 4]);
			ayb_buf_addc(b, hex[c & 15]);
		}
	}
	return b->oom ? -1 : 0;
}

/* ---- a very small XML reader ----------------------------------------------------
 * S3 replies are flat, attribute-free documents; only a few elements are
 * read from them.  This finds an element by name, and decodes the
 * predefined and numeric entities of its text.  Anything it does not
 * understand (CDATA, nested markup inside a text element) is refused rather
 * than guessed at. */

/* Finds the first <name>...</name> (or <name/>) in [p, end).  Returns the
 * start of its content and sets *len, and *after to just past the element;
 * NULL when there is none. */
static const char *xml_find(const char *p, const char *end, const char *name, size_t *len,
			    const char **after)
{
	size_t nl = strlen(name);

	while (p < end) {
		const char *lt = memchr(p, '<', (size_t)(end - p)), *gt, *content, *close;

		if (!lt)
			return NULL;
		p = lt + 1;
		if ((size_t)(end - p) < nl + 1 || memcmp(p, name, nl) != 0 ||
		    !(p[nl] == '>' || p[nl] == '/' || p[nl] == ' ' || p[nl] == '\t' ||
		      p[nl] == '\r' || p[nl] == '\n'))
			continue;
		gt = memchr(p, '>', (size_t)(end - p));
		if (!gt)
			return NULL;
		if (gt[-1] == '/') {
			*len = 0;
			*after = gt + 1;
			return gt + 1;
		}
		content = gt + 1;
		for (close = content; close < end; close++) {
			if (*close == '<' && (size_t)(end - close) >= nl + 3 && close[1] == '/' &&
			    memcmp(close + 2, name, nl) == 0 && close[2 + nl] == '>')
				break;
		}
		if (close >= end)
			return NULL;
		*len = (size_t)(close - content);
		*after = close + nl + 3;
		return content;
	}
	return NULL;
}

static void add_utf8(struct ayb_buf *b, unsigned long cp)
{
	if (cp < 0x80) {
		ayb_buf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		ayb_buf_addc(b, (char)(0xc0 | (cp >> 6)));
		ayb_buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		ayb_buf_addc(b, (char)(0xe0 | (cp >> 12)));
		ayb_buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		ayb_buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		ayb_buf_addc(b, (char)(0xf0 | (cp >> 18)));
		ayb_buf_addc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
		ayb_buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		ayb_buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

/* The decoded text of an element's content, NUL-terminated; the caller
 * frees.  NULL for markup inside, an unknown entity, a character reference
 * to NUL, a surrogate or past U+10FFFF, or on OOM. */
static char *xml_text(const char *s, size_t n)
{
	static const struct { const char *name; char c; } named[] = {
		{ "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' }, { "quot;", '"' },
		{ "apos;", '\'' },
	};
	struct ayb_buf b = { 0 };
	size_t i = 0;

	ayb_buf_add(&b, "", 0);
	while (i < n) {
		size_t k, semi;
		unsigned long cp = 0;
		int found = 0;

		if (s[i] == '<' || s[i] == '\0')
			goto bad;
		if (s[i] != '&') {
			ayb_buf_addc(&b, s[i++]);
			continue;
		}
		for (semi = i + 1; semi < n && semi - i <= 10 && s[semi] != ';'; semi++)
			;
		if (semi >= n || s[semi] != ';')
			goto bad;
		for (k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
			if (semi + 1 - (i + 1) == strlen(named[k].name) &&
			    memcmp(s + i + 1, named[k].name, semi + 1 - (i + 1)) == 0) {
				ayb_buf_addc(&b, named[k].c);
				found = 1;
			}
		}
		if (!found) {
			size_t j = i + 1;
			int base = 10;

			if (j >= semi || s[j] != '#')
				goto bad;
			j++;
			if (j < semi && (s[j] == 'x' || s[j] == 'X')) {
				base = 16;
				j++;
			}
			if (j >= semi)
				goto bad;
			for (; j < semi; j++) {
				int d;

				if (s[j] >= '0' && s[j] <= '9')
					d = s[j] - '0';
				else if (base == 16 && s[j] >= 'a' && s[j] <= 'f')
					d = s[j] - 'a' + 10;
				else if (base == 16 && s[j] >= 'A' && s[j] <= 'F')
					d = s[j] - 'A' + 10;
				else
					goto bad;
				cp = cp * (unsigned long)base + (unsigned long)d;
				if (cp > 0x10ffff)
					goto bad;
			}
			if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff))
				goto bad;
			add_utf8(&b, cp);
		}
		i = semi + 1;
	}
	return ayb_buf_take(&b);
bad:
	ayb_buf_free(&b);
	return NULL;
}

/* ---- replies -------------------------------------------------------------------- */

/* Printable ASCII only, at most max bytes: S3 text ends up in logs and
 * terminals, where control characters could do more than display. */
static void add_clean(struct ayb_buf *b, const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] && i < max; i++)
		ayb_buf_addc(b, (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ? '?'
										       : s[i]);
	if (s[i])
		ayb_buf_adds(b, "...");
}

char *ayb_s3_error_text(long status, const char *body, size_t len)
{
	struct ayb_buf b = { 0 };
	const char *end = body ? body + len : NULL, *p, *after;
	char *code = NULL, *message = NULL;
	size_t n;

	if (body && (p = xml_find(body, end, "Error", &n, &after))) {
		const char *e = p + n, *q;

		if ((q = xml_find(p, e, "Code", &n, &after)))
			code = xml_text(q, n);
		if ((q = xml_find(p, e, "Message", &n, &after)))
			message = xml_text(q, n);
	}
	if (code && *code) {
		ayb_buf_printf(&b, "S3 answered %ld ", status);
		add_clean(&b, code, 64);
		if (message && *message) {
			ayb_buf_adds(&b, ": ");
			add_clean(&b, message, MESSAGE_MAX);
		}
	} else {
		ayb_buf_printf(&b, "S3 answered HTTP %ld", status);
	}
	free(code);
	free(message);
	return ayb_buf_take(&b);
}

/* 1 when an error body names this S3 error code. */
static int error_code_is(const struct ayb_buf *body, const char *want)
{
	const char *p, *after;
	char *code;
	size_t n;
	int same;

	if (!body->data || !(p = xml_find(body->data, body->data + body->len, "Code", &n, &after)))
		return 0;
	code = xml_text(p, n);
	same = code && strcmp(code, want) == 0;
	free(code);
	return same;
}

void ayb_s3_objects_free(struct ayb_s3_object *o, size_t n)
{
	if (!o)
		return;
	for (size_t i = 0; i < n; i++) {
		free(o[i].key);
		free(o[i].last_modified);
	}
	free(o);
}

static int bad_listing(struct ayb_err *err, const char *why)
{
	return ayb_err_set(err, AYB_E_S3_EXECUTION, "S3 sent an invalid listing: %s", why);
}

int ayb_s3_parse_list_page(const char *xml, size_t len, struct ayb_s3_object **objs,
			   size_t *n, int *truncated, char **next_token, struct ayb_err *err)
{
	const char *end = xml + len, *root, *p, *c, *after, *q;
	size_t rn, cn, qn;
	char *flag = NULL;
	int ret = -1;

	*truncated = 0;
	*next_token = NULL;
	if (!(root = xml_find(xml, end, "ListBucketResult", &rn, &after)))
		return bad_listing(err, "no ListBucketResult");
	end = root + rn;
	/* Walk the Contents elements first: IsTruncated and the token may sit
	 * before or after them, and never inside. */
	for (p = root; (c = xml_find(p, end, "Contents", &cn, &after)); p = after) {
		struct ayb_s3_object *grown, *o;
		const char *ce = c + cn, *a2;

		grown = realloc(*objs, (*n + 1) * sizeof(**objs));
		if (!grown) {
			ayb_err_oom(err);
			goto out;
		}
		*objs = grown;
		o = &grown[*n];
		memset(o, 0, sizeof(*o));
		(*n)++;
		if (!(q = xml_find(c, ce, "Key", &qn, &a2)) || !(o->key = xml_text(q, qn)) ||
		    !*o->key) {
			bad_listing(err, "an object without a readable Key");
			goto out;
		}
		if (!(q = xml_find(c, ce, "LastModified", &qn, &a2)) ||
		    !(o->last_modified = xml_text(q, qn))) {
			ayb_err_set(err, AYB_E_S3_EXECUTION,
				    "Failed to read last modified datetime from object %s", o->key);
			goto out;
		}
	}
	if ((q = xml_find(root, end, "IsTruncated", &qn, &after))) {
		if (!(flag = xml_text(q, qn)) ||
		    (strcmp(flag, "true") != 0 && strcmp(flag, "false") != 0)) {
			bad_listing(err, "IsTruncated is neither true nor false");
			goto out;
		}
		*truncated = strcmp(flag, "true") == 0;
	}
	if ((q = xml_find(root, end, "NextContinuationToken", &qn, &after))) {
		if (!(*next_token = xml_text(q, qn))) {
			bad_listing(err, "an unreadable NextContinuationToken");
			goto out;
		}
	}
	ret = 0;
out:
	free(flag);
	if (ret < 0) {
		free(*next_token);
		*next_token = NULL;
	}
	return ret;
}

/* ---- the client ------------------------------------------------------------------ */

static int is_ip_literal(const char *host)
{
	struct in_addr a;

	return host[0] == '[' || inet_pton(AF_INET, host, &a) == 1;
}

/* A bucket name that can be the first label of a host name: S3's DNS rules
 * (3-63 of a-z, 0-9, '.', '-', starting and ending with a letter or digit). */
static int dns_bucket(const char *b)
{
	size_t n = strlen(b);

	if (n < 3 || n > 63 || b[0] == '.' || b[0] == '-' || b[n - 1] == '.' || b[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' && b[i] <= '9') || b[i] == '.' ||
		      b[i] == '-'))
			return 0;
	return 1;
}

static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* Splits endpoint_url (or AWS's endpoint for the region) into origin and
 * base path, with libcurl's URL parser. */
static int parse_endpoint(struct ayb_s3 *s3, struct ayb_err *err)
{
	const struct ayb_snapshots_config *cfg = s3->cfg;
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *extra = NULL;
	char *aws = NULL;
	const char *url = cfg->endpoint_url;
	size_t plen;
	int ret = -1;

	if (!u)
		return ayb_err_oom(err);
	if (!url) {
		if (strcmp(cfg->region, "us-east-1") == 0)
			aws = strdup("https://s3.amazonaws.com");
		else
			aws = ayb_fmt("https://s3.%s.amazonaws.com", cfg->region);
		if (!aws) {
			ayb_err_oom(err);
			goto out;
		}
		url = aws;
	}
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_DEFAULT_SCHEME) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		ayb_err_set(err, AYB_E_CONFIGURATION,
			    "Invalid snapshots.endpoint_url `%s`: not a URL", url);
		goto out;
	}
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		ayb_err_set(err, AYB_E_CONFIGURATION,
			    "Invalid snapshots.endpoint_url `%s`: only http:// and https:// are supported",
			    url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &extra, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_QUERY, &extra, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &extra, 0) == CURLUE_OK) {
		ayb_err_set(err, AYB_E_CONFIGURATION,
			    "Invalid snapshots.endpoint_url `%s`: credentials, a query or a fragment are not allowed (credentials go in access_key_id and secret_access_key)",
			    url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
		port = NULL;
	if (curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
		ayb_err_oom(err);
		goto out;
	}
	if (!cfg->force_path_style && is_ip_literal(host)) {
		ayb_err_set(err, AYB_E_CONFIGURATION,
			    "snapshots.endpoint_url `%s` is an IP address, which cannot carry the bucket in its host name: set snapshots.force_path_style = true",
			    url);
		goto out;
	}
	/* ayb strips the endpoint's trailing '/'; a deeper path is kept. */
	plen = strlen(path);
	while (plen > 0 && path[plen - 1] == '/')
		path[--plen] = '\0';
	if (!(s3->origin = ayb_fmt("%s://%s%s%s", scheme, host, port ? ":" : "",
				   port ? port : "")) ||
	    !(s3->base_path = strdup(path))) {
		ayb_err_oom(err);
		goto out;
	}
	if (!cfg->force_path_style &&
	    !(s3->vhost_origin = ayb_fmt("%s://%s.%s%s%s", scheme, cfg->bucket, host,
					 port ? ":" : "", port ? port : ""))) {
		ayb_err_oom(err);
		goto out;
	}
	ret = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(extra);
	curl_url_cleanup(u);
	free(aws);
	return ret;
}

int ayb_s3_open(const struct ayb_snapshots_config *cfg, struct ayb_s3 **out,
		struct ayb_err *err)
{
	struct ayb_s3 *s3 = calloc(1, sizeof(*s3));
	const char *r;

	*out = NULL;
	if (!s3)
		return ayb_err_oom(err);
	s3->cfg = cfg;
	/* The region goes into curl's "aws:amz:<region>:s3" and the scope. */
	for (r = cfg->region;
	     *r && ((*r >= 'a' && *r <= 'z') || (*r >= '0' && *r <= '9') || *r == '-'); r++)
		;
	if (!cfg->region[0] || *r) {
		ayb_err_set(err, AYB_E_CONFIGURATION,
			    "Invalid snapshots.region `%s`: expected a region name like us-east-1",
			    cfg->region);
		goto fail;
	}
	if (!cfg->bucket[0] || !printable(cfg->bucket) || strchr(cfg->bucket, '/')) {
		ayb_err_set(err, AYB_E_CONFIGURATION,
			    "Invalid snapshots.bucket `%s`: a bucket name has no spaces, slashes or control characters",
			    cfg->bucket);
		goto fail;
	}
	if (!cfg->force_path_style && !dns_bucket(cfg->bucket)) {
		ayb_err_set(err, AYB_E_CONFIGURATION,
			    "snapshots.bucket `%s` cannot be part of a host name (3-63 of a-z, 0-9, '.', '-'): set snapshots.force_path_style = true",
			    cfg->bucket);
		goto fail;
	}
	if (!cfg->access_key_id[0] || !printable(cfg->access_key_id)) {
		ayb_err_set(err, AYB_E_CONFIGURATION,
			    "Invalid snapshots.access_key_id `%s`: expected a non-empty key id without spaces",
			    cfg->access_key_id);
		goto fail;
	}
	if (!cfg->secret_access_key[0]) {
		ayb_err_set(err, AYB_E_CONFIGURATION, "snapshots.secret_access_key is empty");
		goto fail;
	}
	if (parse_endpoint(s3, err) < 0)
		goto fail;
	if (!(s3->provider = ayb_fmt("aws:amz:%s:s3", cfg->region))) {
		ayb_err_oom(err);
		goto fail;
	}
	if (!(s3->curl = curl_easy_init())) {
		ayb_err_set(err, AYB_E_S3_CONNECTION,
			    "Failed to create S3 credentials: libcurl did not initialise");
		goto fail;
	}
	*out = s3;
	return 0;
fail:
	ayb_s3_close(s3);
	return -1;
}

void ayb_s3_close(struct ayb_s3 *s3)
{
	if (!s3)
		return;
	if (s3->curl)
		curl_easy_cleanup(s3->curl);
	free(s3->origin);
	free(s3->vhost_origin);
	free(s3->base_path);
	free(s3->provider);
	free(s3);
}

/* The bucket's URL, without a trailing '/' and without a query: listing
 * appends "/?..." and objects "/<key>". */
static void add_bucket_url(struct ayb_buf *b, const struct ayb_s3 *s3)
{
	if (s3->cfg->force_path_style) {
		ayb_buf_adds(b, s3->origin);
		ayb_buf_adds(b, s3->base_path);
		ayb_buf_addc(b, '/');
		ayb_s3_uri_encode(b, s3->cfg->bucket, 0);
	} else {
		ayb_buf_adds(b, s3->vhost_origin);
		ayb_buf_adds(b, s3->base_path);
	}
}

char *ayb_s3_object_url(const struct ayb_s3 *s3, const char *key)
{
	struct ayb_buf b = { 0 };

	add_bucket_url(&b, s3);
	ayb_buf_addc(&b, '/');
	ayb_s3_uri_encode(&b, key, 1);
	return ayb_buf_take(&b);
}

/* ---- requests --------------------------------------------------------------------- */

struct request {
	const char *method;        /* GET, PUT or DELETE */
	const char *url;
	const char *payload_hash;  /* hex SHA-256 of the body */
	int fd;                    /* PUT: the body comes from here */
	uint64_t size;
	struct ayb_sink *out;      /* 2xx body: handed on here, else */
	struct ayb_buf *collect;   /* gathered here (up to LIST_PAGE_MAX), else dropped */
	/* filled in */
	long status;
	struct ayb_buf error_body; /* a non-2xx body, up to ERROR_BODY_MAX */
	int sink_refused;
	int too_big;
	CURL *curl;
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct request *r = ctx;
	size_t n = size * nmemb;
	long status = 0;

	curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299) {
		if (r->error_body.len < ERROR_BODY_MAX)
			ayb_buf_add(&r->error_body, p,
				    n < ERROR_BODY_MAX - r->error_body.len ?
				    n : ERROR_BODY_MAX - r->error_body.len);
		return n;
	}
	if (r->out) {
		if (ayb_sink_write(r->out, p, n) < 0) {
			r->sink_refused = 1;
			return 0;
		}
	} else if (r->collect) {
		if (r->collect->len + n > LIST_PAGE_MAX) {
			r->too_big = 1;
			return 0;
		}
		if (ayb_buf_add(r->collect, p, n) < 0)
			return 0;
	}
	return n;
}

static size_t on_upload(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct request *r = ctx;
	ssize_t got;

	do
		got = read(r->fd, p, size * nmemb);
	while (got < 0 && errno == EINTR);
	return got < 0 ? CURL_READFUNC_ABORT : (size_t)got;
}

/* Sends one request.  Returns 0 once S3 answered, whatever the status
 * (r->status, r->error_body); -1 with err when there was no answer: no
 * connection, a transfer cut short, or the sink refusing the body. */
static int perform(struct ayb_s3 *s3, struct request *r, struct ayb_err *err)
{
	struct curl_slist *headers = NULL, *h;
	char hash_header[96];
	CURL *c = s3->curl;
	CURLcode rc;
	int ret = -1;

	r->curl = c;
	r->status = 0;
	snprintf(hash_header, sizeof(hash_header), "x-amz-content-sha256: %s", r->payload_hash);
	if (!(h = curl_slist_append(headers, hash_header)))
		return ayb_err_oom(err);
	headers = h;
	if (r->fd >= 0) {
		if (!(h = curl_slist_append(headers, "Content-Type: application/octet-stream"))) {
			ayb_err_oom(err);
			goto out;
		}
		headers = h;
	}
	curl_easy_reset(c);
	s3->errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, r->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s3->errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	/* No overall timeout (a large snapshot takes as long as it takes), but
	 * a transfer that stalls for a minute is given up. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_AWS_SIGV4, s3->provider);
	curl_easy_setopt(c, CURLOPT_USERNAME, s3->cfg->access_key_id);
	curl_easy_setopt(c, CURLOPT_PASSWORD, s3->cfg->secret_access_key);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	if (r->fd >= 0) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_upload);
		curl_easy_setopt(c, CURLOPT_READDATA, r);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->size);
	} else if (strcmp(r->method, "GET") != 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->sink_refused) {
		ayb_err_set(err, AYB_E_INTERNAL, "The downloaded object could not be stored");
		goto out;
	}
	if (r->too_big) {
		ayb_err_set(err, AYB_E_S3_EXECUTION, "S3 sent a reply larger than %u bytes",
			    LIST_PAGE_MAX);
		goto out;
	}
	if (rc != CURLE_OK) {
		/* The error buffer says more than curl_easy_strerror when set;
		 * neither holds credentials. */
		ayb_err_set(err, AYB_E_S3_CONNECTION, "cannot complete the request to %s: %s",
			    s3->cfg->force_path_style ? s3->origin : s3->vhost_origin,
			    s3->errbuf[0] ? s3->errbuf : curl_easy_strerror(rc));
		goto out;
	}
	ret = 0;
out:
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(headers);
	return ret;
}

/* err = S3ExecutionError (502) for the answer in r. */
static int answer_error(struct request *r, struct ayb_err *err)
{
	char *text = ayb_s3_error_text(r->status, r->error_body.data, r->error_body.len);

	if (!text)
		return ayb_err_oom(err);
	ayb_err_set(err, AYB_E_S3_EXECUTION, "%s", text);
	free(text);
	return -1;
}

static void request_init(struct request *r, const char *method)
{
	memset(r, 0, sizeof(*r));
	r->method = method;
	r->payload_hash = EMPTY_SHA256;
	r->fd = -1;
}

/* Sends r (prepared by request_init and the caller) to the object `key`.
 * Returns 1 on a 2xx answer; 0 when S3 answers NoSuchKey and missing_ok;
 * -1 with err for any other answer or none. */
static int object_request(struct ayb_s3 *s3, const char *key, struct request *r,
			  int missing_ok, struct ayb_err *err)
{
	char *url = ayb_s3_object_url(s3, key);
	int ret = -1;

	if (!url)
		return ayb_err_oom(err);
	r->url = url;
	if (perform(s3, r, err) < 0)
		goto out;
	if (r->status >= 200 && r->status <= 299)
		ret = 1;
	else if (missing_ok && r->status == 404 && error_code_is(&r->error_body, "NoSuchKey"))
		ret = 0;
	else
		answer_error(r, err);
out:
	ayb_buf_free(&r->error_body);
	free(url);
	return ret;
}

int ayb_s3_put_file(struct ayb_s3 *s3, const char *key, int fd, uint64_t size,
		    const char *sha256_hex, struct ayb_err *err)
{
	struct request r;

	request_init(&r, "PUT");
	r.fd = fd;
	r.size = size;
	r.payload_hash = sha256_hex;
	return object_request(s3, key, &r, 0, err) < 0 ? -1 : 0;
}

int ayb_s3_get(struct ayb_s3 *s3, const char *key, struct ayb_sink *out, struct ayb_err *err)
{
	struct request r;

	request_init(&r, "GET");
	r.out = out;
	return object_request(s3, key, &r, 1, err);
}

int ayb_s3_delete(struct ayb_s3 *s3, const char *key, struct ayb_err *err)
{
	struct request r;

	/* Gone already is what was asked for. */
	request_init(&r, "DELETE");
	return object_request(s3, key, &r, 1, err) < 0 ? -1 : 0;
}

/* Pages are followed until S3 says the listing is complete; a token that
 * does not change, or an absurd number of pages, means a broken server
 * rather than a big bucket, and ends the listing with an error instead of
 * looping forever. */
#define LIST_PAGES_MAX 100000

int ayb_s3_list(struct ayb_s3 *s3, const char *prefix, struct ayb_s3_object **out,
		size_t *n, struct ayb_err *err)
{
	return ayb_s3_list_range(s3, prefix, NULL, NULL, 0, out, n, err);
}

/* Drops the objects from index `from` on. */
static void objects_cut(struct ayb_s3_object *o, size_t *n, size_t from)
{
	for (size_t i = from; i < *n; i++) {
		free(o[i].key);
		free(o[i].last_modified);
	}
	if (from < *n)
		*n = from;
}

int ayb_s3_list_range(struct ayb_s3 *s3, const char *prefix, const char *after,
		      const char *stop, size_t max, struct ayb_s3_object **out, size_t *n,
		      struct ayb_err *err)
{
	struct ayb_buf url = { 0 }, page = { 0 };
	struct request r;
	char *token = NULL, *next = NULL;
	int truncated, ret = -1;
	size_t pages = 0;

	*out = NULL;
	*n = 0;
	memset(&r, 0, sizeof(r));
	do {
		url.len = 0;
		add_bucket_url(&url, s3);
		/* Parameters sorted by name: curl signs the query as written. */
		ayb_buf_adds(&url, "/?");
		if (token) {
			ayb_buf_adds(&url, "continuation-token=");
			ayb_s3_uri_encode(&url, token, 0);
			ayb_buf_addc(&url, '&');
		}
		ayb_buf_adds(&url, "list-type=2&");
		if (max)
			ayb_buf_printf(&url, "max-keys=%zu&", max - *n);
		ayb_buf_adds(&url, "prefix=");
		ayb_s3_uri_encode(&url, prefix, 0);
		if (after && !token) {
			ayb_buf_adds(&url, "&start-after=");
			ayb_s3_uri_encode(&url, after, 0);
		}
		if (url.oom) {
			ayb_err_oom(err);
			goto out;
		}
		page.len = 0;
		ayb_buf_free(&r.error_body);
		request_init(&r, "GET");
		r.url = url.data;
		r.collect = &page;
		if (perform(s3, &r, err) < 0)
			goto out;
		if (r.status != 200) {
			answer_error(&r, err);
			goto out;
		}
		if (page.oom) {
			ayb_err_oom(err);
			goto out;
		}
		if (ayb_s3_parse_list_page(page.data ? page.data : "", page.len, out, n, &truncated,
					   &next, err) < 0)
			goto out;
		if (truncated && (!next || !*next || (token && strcmp(token, next) == 0) ||
				  ++pages >= LIST_PAGES_MAX)) {
			bad_listing(err, "it is truncated but gives no new continuation token");
			goto out;
		}
		free(token);
		token = next;
		next = NULL;
		for (size_t i = 0; stop && i < *n; i++)
			if (strcmp((*out)[i].key, stop) >= 0) {
				objects_cut(*out, n, i);
				truncated = 0;
			}
		if (max && *n >= max)
			truncated = 0;
	} while (truncated);
	ret = 0;
out:
	if (ret < 0) {
		ayb_s3_objects_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	ayb_buf_free(&r.error_body);
	ayb_buf_free(&url);
	ayb_buf_free(&page);
	free(token);
	free(next);
	return ret;
}
