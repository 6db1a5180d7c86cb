/* libFuzzer harness for what ayb-api.fcgi makes of a request's FastCGI
 * params (cgi/request.c): the path split into percent-decoded segments,
 * header look-ups, CONTENT_LENGTH and the body read against it.
 *
 * Input: "KEY=VALUE" params, one per line, then an empty line, then the
 * body.  A param line may hold any byte but '\n'; a missing empty line
 * means no body.
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

#define MAX_PARAMS 64

struct body_reader {
	const char *p;
	size_t left;
};

/* Hands out the body in chunks of at most 7 bytes, as a FastCGI stream
 * may, so short reads are exercised. */
static int read_body(void *ctx, char *p, size_t n)
{
	struct body_reader *r = ctx;
	size_t k = n < r->left ? n : r->left;

	if (k > 7)
		k = 7;
	memcpy(p, r->p, k);
	r->p += k;
	r->left -= k;
	return (int)k;
}

/* Splits text (NUL-terminated, owned by the caller) in place into at most
 * MAX_PARAMS lines; returns where the body starts, or NULL without one. */
static char *split_params(char *text, char **params)
{
	size_t n = 0;
	char *p = text;

	while (*p && n < MAX_PARAMS) {
		char *nl = strchr(p, '\n');
		if (nl == p)
			return p + 1; /* the empty line */
		params[n++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	params[n] = NULL;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const headers[] = { "Authorization", "Content-Type", "Entity-Type",
					       "Origin", "Cookie", "" };
	char *params[MAX_PARAMS + 1] = { NULL };
	struct fcgi_request req;
	struct ayb_err err = { 0 };
	char *text = malloc(size + 1);
	char *body;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	body = split_params(text, params);
	if (fcgi_request_init(&req, params) == 0) {
		if (req.nseg > FCGI_MAX_SEGMENTS || !req.method || !req.path)
			abort();
		for (size_t i = 0; i < req.nseg; i++)
			if (req.seg[i].s[req.seg[i].len] != '\0')
				abort();
		for (size_t i = 0; i < sizeof(headers) / sizeof(*headers); i++)
			fcgi_request_header(&req, headers[i]);
		/* Each param's own name as a header name too: any length, any case. */
		for (size_t i = 0; params[i]; i++)
			fcgi_request_header(&req, params[i]);
		if (body) {
			size_t left = size - (size_t)(body - text);
			struct body_reader r = { body, left };

			if (fcgi_request_read_body(&req, 64, read_body, &r, &err) == 0 &&
			    (req.body_len > 64 || req.body[req.body_len] != '\0'))
				abort();
			ayb_err_clear(&err);
		}
	}
	fcgi_request_free(&req);
	free(text);
	return 0;
}
