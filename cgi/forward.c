/* Forwarding a request to the node holding its database (forward.h). */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "forward.h"
#include "node.h"

/* How long a forwarded request may take to connect; its whole time is
 * node.forward_timeout_ms. */
#define CONNECT_TIMEOUT_MS 5000L

/* Request headers that belong to one hop, or that this hop sets itself. */
static int hop_request_header(const char *param, size_t len)
{
	static const char *const skip[] = {
		"HTTP_HOST", "HTTP_CONNECTION", "HTTP_KEEP_ALIVE", "HTTP_TE", "HTTP_UPGRADE",
		"HTTP_TRANSFER_ENCODING", "HTTP_CONTENT_LENGTH", "HTTP_EXPECT",
		"HTTP_PROXY_CONNECTION", "HTTP_PROXY_AUTHORIZATION", "HTTP_X_AYB_FORWARDED",
		"HTTP_X_AYB_FRONT",
	};

	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (strlen(skip[i]) == len && memcmp(skip[i], param, len) == 0)
			return 1;
	return 0;
}

/* Response headers of one hop, or that this node's answer already has
 * (CORS, from the same configuration) or computes (the length). */
static int hop_response_header(const char *name, size_t len)
{
	static const char *const skip[] = {
		"connection", "keep-alive", "transfer-encoding", "content-length", "date",
		"server", "status", "proxy-connection",
	};

	if (len >= 15 && strncasecmp(name, "access-control-", 15) == 0)
		return 1;
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (strlen(skip[i]) == len && strncasecmp(skip[i], name, len) == 0)
			return 1;
	return 0;
}

/* Appends line to *list: 0, or -1 (out of memory; *list is kept). */
static int append(struct curl_slist **list, const struct ayb_buf *line)
{
	struct curl_slist *l = line->oom ? NULL : curl_slist_append(*list, line->data);

	if (!l)
		return -1;
	*list = l;
	return 0;
}

/* The request's headers for the next hop, with the signature; NULL on OOM. */
static struct curl_slist *request_headers(const struct fcgi_request *req, const char *sig)
{
	struct curl_slist *list = NULL;
	struct ayb_buf b = { 0 };
	const char *ct = fcgi_request_param(req, "CONTENT_TYPE");
	int rc = 0;

	for (char *const *p = req->params; *p && rc == 0; p++) {
		const char *eq = strchr(*p, '=');

		if (!eq || strncmp(*p, "HTTP_", 5) != 0 ||
		    hop_request_header(*p, (size_t)(eq - *p)))
			continue;
		/* HTTP_DB_TYPE was the header db-type. */
		b.len = 0;
		for (const char *q = *p + 5; q < eq; q++)
			ayb_buf_addc(&b, *q == '_' ? '-' : (char)(*q | 0x20));
		ayb_buf_printf(&b, ": %s", eq + 1);
		rc = append(&list, &b);
	}
	if (rc == 0 && ct && *ct) {
		b.len = 0;
		ayb_buf_printf(&b, "Content-Type: %s", ct);
		rc = append(&list, &b);
	}
	b.len = 0;
	ayb_buf_printf(&b, "%s: %s", AYB_NODE_FORWARD_HEADER, sig);
	if (rc == 0)
		rc = append(&list, &b);
	/* No 100-continue round trip: the body follows at once. */
	b.len = 0;
	ayb_buf_adds(&b, "Expect:");
	if (rc < 0 || append(&list, &b) < 0) {
		curl_slist_free_all(list);
		list = NULL;
	}
	ayb_buf_free(&b);
	return list;
}

struct relay {
	struct fcgi_call *c;
	struct ayb_buf headers;   /* the answer's headers kept, "Name: value\r\n" */
	int status;
	int started;              /* the answer has begun going out */
	struct ayb_sink out;
	struct ayb_err read_err;  /* a streamed request body that failed */
};

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct relay *r = ctx;
	size_t len = size * n, name;
	char *colon;

	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* A new status line starts a new header block (after a 1xx). */
		const char *sp = memchr(p, ' ', len);
		r->status = sp ? atoi(sp + 1) : 502;
		r->headers.len = 0;
		return len;
	}
	colon = memchr(p, ':', len);
	if (!colon || r->started)
		return len;
	name = (size_t)(colon - p);
	if (!hop_response_header(p, name))
		ayb_buf_add(&r->headers, p, len);
	return r->headers.oom ? 0 : len;
}

/* The answer's status and headers go out with its first bytes. */
static void start(struct relay *r)
{
	struct fcgi_response *resp = r->c->resp;

	r->started = 1;
	ayb_buf_add(&resp->headers, r->headers.data ? r->headers.data : "", r->headers.len);
	r->out = fcgi_response_stream(resp, r->status);
	/* The node's own Content-Type came with its headers. */
	resp->content_type = NULL;
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct relay *r = ctx;

	if (!r->started)
		start(r);
	return ayb_sink_write(&r->out, p, size * n) < 0 ? 0 : size * n;
}

/* A streamed request body (an import), read as curl sends it. */
static size_t on_read(char *p, size_t size, size_t n, void *ctx)
{
	struct relay *r = ctx;
	long got = fcgi_request_read_some(r->c->req, p, size * n, &r->read_err);

	return got < 0 ? CURL_READFUNC_ABORT : (size_t)got;
}

/* The handle kept in the site (one per request thread), made at the
 * first forward: its connections to the other nodes stay open between
 * requests (keep-alive), as the node's own do with the web server. */
static CURL *kept_handle(struct fcgi_call *c)
{
	if (!c->forward)
		return NULL;
	if (!*c->forward)
		*c->forward = curl_easy_init();
	return *c->forward;
}

void fcgi_forward_handle_free(void *handle)
{
	curl_easy_cleanup(handle);
}

static int by_curl(struct fcgi_call *c, const char *node, const char *base_url, const char *sig,
		   struct ayb_err *err)
{
	const struct fcgi_request *req = c->req;
	const char *uri = fcgi_request_param(req, "REQUEST_URI");
	struct relay r = { .c = c, .status = 502 };
	struct curl_slist *headers = request_headers(req, sig);
	char *url = ayb_fmt("%s%s", base_url, uri ? uri : "/");
	CURL *h = kept_handle(c);
	CURLcode rc = CURLE_OUT_OF_MEMORY;
	int ret = 0;

	if (h && headers && url) {
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
				 (long)c->app->cfg->node->forward_timeout_ms);
		curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(h, CURLOPT_HEADERDATA, &r);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
		if (req->body) {
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
		} else if (req->body_read) {
			curl_easy_setopt(h, CURLOPT_POST, 1L);
			curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
			curl_easy_setopt(h, CURLOPT_READDATA, &r);
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
					 (curl_off_t)req->content_length);
		}
		rc = curl_easy_perform(h);
	}
	if (rc == CURLE_OK && !r.started) {
		/* An answer without a body: its status and headers alone. */
		start(&r);
	} else if (rc != CURLE_OK && r.started) {
		ayb_err_set(err, AYB_E_UNAVAILABLE, "Node %s stopped answering: %s", node,
			    curl_easy_strerror(rc));
		fcgi_response_abort(c->resp, err);
		ayb_err_clear(err);
	} else if (rc != CURLE_OK) {
		if (r.read_err.kind)
			ayb_err_set(err, r.read_err.kind, "%s", r.read_err.message);
		else
			ayb_err_set(err, AYB_E_UNAVAILABLE, "Node %s (%s) did not answer: %s",
				    node, base_url, curl_easy_strerror(rc));
		err->retry_after = 1;
		ret = -1;
	}
	ayb_err_clear(&r.read_err);
	ayb_buf_free(&r.headers);
	/* The handle keeps its connections, not this request's options. */
	if (h)
		curl_easy_reset(h);
	curl_slist_free_all(headers);
	free(url);
	return ret;
}

/* nginx proxies the request itself, to the internal location; the
 * redirect carries the method (nginx makes it GET otherwise) and the
 * signature nginx sets as the header. */
static int by_x_accel(struct fcgi_call *c, const char *base_url, const char *sig,
		      struct ayb_err *err)
{
	const char *uri = fcgi_request_param(c->req, "REQUEST_URI");
	char *to = ayb_fmt("%s%s/%s/%s%s", FCGI_FORWARD_LOCATION, sig, c->req->method,
			   base_url + strlen("http://"), uri ? uri : "/");

	if (!to)
		return ayb_err_oom(err);
	fcgi_response_status(c->resp, 200);
	fcgi_response_header(c->resp, "X-Accel-Redirect", to);
	free(to);
	return 0;
}

int fcgi_forward(struct fcgi_call *c, const char *node, const char *base_url,
		 struct ayb_err *err)
{
	const struct ayb_config *cfg = c->app->cfg;
	const char *uri = fcgi_request_param(c->req, "REQUEST_URI");
	const char *front = fcgi_request_header(c->req, FCGI_FRONT_HEADER);
	char sig[AYB_NODE_FORWARD_SIG_MAX];

	ayb_node_forward_sign(cfg, c->req->method, uri ? uri : "/", (int64_t)time(NULL), sig);
	if (cfg->node->forward == AYB_FORWARD_X_ACCEL && front && strcmp(front, "x-accel") == 0)
		return by_x_accel(c, base_url, sig, err);
	return by_curl(c, node, base_url, sig, err);
}
