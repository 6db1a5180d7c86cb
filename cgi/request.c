#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

const char *fcgi_request_param(const struct fcgi_request *req, const char *name)
{
	size_t n = strlen(name);

	for (char *const *p = req->params; p && *p; p++)
		if (strncmp(*p, name, n) == 0 && (*p)[n] == '=')
			return *p + n + 1;
	return NULL;
}

const char *fcgi_request_header(const struct fcgi_request *req, const char *name)
{
	char key[128] = "HTTP_";
	size_t j = 5;

	for (const char *p = name; *p && j + 1 < sizeof(key); p++)
		key[j++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
	key[j] = '\0';
	/* Some servers pass Authorization and Content-Type without HTTP_. */
	if (strcmp(key, "HTTP_CONTENT_TYPE") == 0)
		return fcgi_request_param(req, "CONTENT_TYPE");
	return fcgi_request_param(req, key);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Splits the encoded path on '/' and percent-decodes each segment, so an
 * encoded "%2F" stays inside its segment (and later fails slug checks). */
static int split_path(struct fcgi_request *req)
{
	const char *p = req->path;

	if (*p != '/')
		return -1;
	while (*p == '/') {
		const char *start = ++p;
		const char *end = start + strcspn(start, "/");
		char *out;
		size_t n = 0;

		if (end == start && !*end)
			break; /* a trailing slash */
		if (req->nseg == FCGI_MAX_SEGMENTS || !(out = malloc((size_t)(end - start) + 1)))
			return -1;
		for (const char *q = start; q < end; q++) {
			int hi, lo;
			if (*q != '%') {
				out[n++] = *q;
				continue;
			}
			if (q + 2 >= end || (hi = hexval(q[1])) < 0 || (lo = hexval(q[2])) < 0) {
				free(out);
				return -1;
			}
			out[n++] = (char)(hi * 16 + lo);
			q += 2;
		}
		out[n] = '\0';
		req->seg[req->nseg].s = out;
		req->seg[req->nseg].len = n;
		req->nseg++;
		p = end;
	}
	return 0;
}

int fcgi_request_init(struct fcgi_request *req, char *const *params)
{
	const char *uri, *cl;

	memset(req, 0, sizeof(*req));
	req->params = params;
	req->content_length = -1;
	req->method = fcgi_request_param(req, "REQUEST_METHOD");
	if (!req->method)
		req->method = "GET";
	uri = fcgi_request_param(req, "REQUEST_URI");
	if (!uri || !*uri) {
		/* Plain CGI under some servers: rebuild from SCRIPT_NAME + PATH_INFO. */
		const char *pi = fcgi_request_param(req, "PATH_INFO");
		uri = pi && *pi ? pi : "/";
	}
	req->path = strndup(uri, strcspn(uri, "?"));
	if (!req->path)
		return -1;
	cl = fcgi_request_param(req, "CONTENT_LENGTH");
	if (cl && *cl) {
		char *end;
		errno = 0;
		req->content_length = strtoll(cl, &end, 10);
		if (errno || *end || req->content_length < 0)
			req->content_length = -2; /* garbage: refused when a body is read */
	}
	return split_path(req);
}

void fcgi_request_free(struct fcgi_request *req)
{
	for (size_t i = 0; i < req->nseg; i++)
		free(req->seg[i].s);
	free(req->path);
	free(req->body);
	memset(req, 0, sizeof(*req));
}

int fcgi_request_read_body(struct fcgi_request *req, size_t limit,
			   int (*read)(void *ctx, char *p, size_t n), void *ctx,
			   struct ayb_err *err)
{
	size_t want, got = 0;

	if (req->content_length == -2)
		return ayb_err_set(err, AYB_E_INVALID, "Invalid Content-Length header");
	if (req->content_length > (long long)limit)
		return ayb_err_set(err, AYB_E_TOO_LARGE,
				   "Request body is too large (limit %zu bytes)", limit);
	want = req->content_length > 0 ? (size_t)req->content_length : 0;
	if (!(req->body = malloc(want + 1)))
		return ayb_err_oom(err);
	while (got < want) {
		int n = read(ctx, req->body + got, want - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	req->body[got] = '\0';
	req->body_len = got;
	if (got < want)
		return ayb_err_set(err, AYB_E_INVALID,
				   "Request body is shorter than its Content-Length");
	return 0;
}

long fcgi_request_read_some(struct fcgi_request *req, char *p, size_t n, struct ayb_err *err)
{
	long long left;
	int got;

	if (!req->body_read || req->content_length < 0)
		return ayb_err_set(err, AYB_E_INVALID, "The request needs a Content-Length");
	left = req->content_length - req->body_got;
	if (left <= 0)
		return 0;
	if ((long long)n > left)
		n = (size_t)left;
	if (n > INT_MAX)
		n = INT_MAX;
	got = req->body_read(req->body_in, p, n);
	if (got <= 0)
		return ayb_err_set(err, AYB_E_INVALID,
				   "Request body is shorter than its Content-Length");
	req->body_got += got;
	return got;
}
