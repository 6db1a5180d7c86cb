/* One HTTP request as the handlers see it: no FastCGI types, so unit tests
 * and the plain-CGI path build it the same way. */
#ifndef AYB_CGI_REQUEST_H
#define AYB_CGI_REQUEST_H

#include <stddef.h>

#include "error.h"

#define FCGI_MAX_SEGMENTS 8

/* A percent-decoded path segment; may hold any byte, NUL included. */
struct fcgi_segment {
	char *s;      /* NUL-terminated copy (owned by the request) */
	size_t len;
};

struct fcgi_request {
	char *const *params;     /* KEY=VALUE, FastCGI params or the CGI environment; not owned */
	const char *method;
	char *path;              /* REQUEST_URI up to '?', still encoded; owned */
	struct fcgi_segment seg[FCGI_MAX_SEGMENTS];
	size_t nseg;
	long long content_length; /* -1 when absent or empty */
	char *body;              /* NUL-terminated; owned; NULL until read */
	size_t body_len;
	/* A route that streams its body (an import) reads it itself, with
	 * fcgi_request_read_some; these are set for it and NULL otherwise. */
	int (*body_read)(void *ctx, char *p, size_t n);
	void *body_in;
	long long body_got;
};

/* Fills req from params (REQUEST_METHOD, REQUEST_URI, CONTENT_LENGTH).
 * Returns 0, or -1 when the path cannot be decoded (too many segments, a
 * malformed escape): the caller answers 404. */
int fcgi_request_init(struct fcgi_request *req, char *const *params);
void fcgi_request_free(struct fcgi_request *req);

/* A request parameter by its exact name (e.g. "REQUEST_METHOD"), or NULL. */
const char *fcgi_request_param(const struct fcgi_request *req, const char *name);

/* A request header by its HTTP name, case-insensitive ("entity-type"
 * looks up HTTP_ENTITY_TYPE), or NULL. */
const char *fcgi_request_header(const struct fcgi_request *req, const char *name);

/* Reads the body with `read` (at most `limit` bytes).  Returns 0, or -1
 * with err: 413 when CONTENT_LENGTH or the data exceed the limit, 400 on a
 * short body. */
int fcgi_request_read_body(struct fcgi_request *req, size_t limit,
			   int (*read)(void *ctx, char *p, size_t n), void *ctx,
			   struct ayb_err *err);

/* Up to n bytes more of a streamed body (at most CONTENT_LENGTH in all):
 * how many, 0 at its end, or -1 with err (400) when the body is shorter
 * than its Content-Length, has none, or the route does not stream. */
long fcgi_request_read_some(struct fcgi_request *req, char *p, size_t n, struct ayb_err *err);

#endif
