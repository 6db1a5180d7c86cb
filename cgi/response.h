/* The response a handler fills: status, headers and a body, either built
 * whole or streamed.  A streamed body is buffered until it passes
 * FCGI_STREAM_THRESHOLD, so small results (and errors found early) still get
 * a proper status; past it, the headers go out and the rest streams. */
#ifndef AYB_CGI_RESPONSE_H
#define AYB_CGI_RESPONSE_H

#include <cJSON.h>

#include "buf.h"
#include "error.h"

#define FCGI_STREAM_THRESHOLD (64 * 1024)

struct fcgi_response {
	int status;
	const char *content_type; /* static string, or NULL for no body */
	struct ayb_buf headers;   /* other headers, "Name: value\r\n" lines */
	struct ayb_buf body;
	struct ayb_sink out;      /* where the bytes go: FCGX_PutStr or fwrite(stdout) */
	int sent;                 /* status line and headers already written */
	int failed;               /* the client went away */
	char *log;                /* why the request failed, for the error log (5xx and
				   * aborted streams); owned; NULL when nothing to log */
};

void fcgi_response_init(struct fcgi_response *r, struct ayb_sink out);
void fcgi_response_free(struct fcgi_response *r);

void fcgi_response_header(struct fcgi_response *r, const char *name, const char *value);

/* Status + a JSON body (the object is rendered, not kept). */
void fcgi_response_json(struct fcgi_response *r, int status, const cJSON *body);
/* Status + "{}". */
void fcgi_response_empty_json(struct fcgi_response *r, int status);
/* err's status + ayb's JSON envelope. */
void fcgi_response_error(struct fcgi_response *r, const struct ayb_err *err);
/* The same for a server fault whose own words are for the operator alone
 * (they name server paths): the caller gets `message` under err's class,
 * the error log gets err. */
void fcgi_response_error_as(struct fcgi_response *r, const struct ayb_err *err,
			    const char *message);
/* Retry-After when err says when to try again (a rate limit, a cap). */
void fcgi_response_retry_after(struct fcgi_response *r, const struct ayb_err *err);
/* Status, no body. */
void fcgi_response_status(struct fcgi_response *r, int status);

/* A sink for streaming a JSON body with `status`.  Before the threshold,
 * fcgi_response_discard() can still drop what was written. */
struct ayb_sink fcgi_response_stream(struct fcgi_response *r, int status);
void fcgi_response_discard(struct fcgi_response *r);
/* 1 once the headers of a streamed body have gone out. */
int fcgi_response_committed(const struct fcgi_response *r);
/* Ends a committed stream early because of err: the client sees a
 * truncated document, and err goes to the error log. */
void fcgi_response_abort(struct fcgi_response *r, const struct ayb_err *err);

/* Keeps err's reason for the error log when it is the server's fault
 * (5xx), as fcgi_response_error does, for an answer built otherwise (a
 * web UI page); nothing once the client has gone away. */
void fcgi_response_log_error(struct fcgi_response *r, const struct ayb_err *err);

/* A JSON string, or null for NULL (a new item the caller adds to a tree). */
cJSON *fcgi_json_string_or_null(const char *s);

/* Answers 200 with the open file fd (size bytes, read from where it
 * stands) as an attachment named `filename` of `content_type` (static),
 * streamed in fixed pieces whatever its size.  A read error after the
 * headers went out cuts the body short (Content-Length tells the client). */
void fcgi_response_file(struct fcgi_response *r, int fd, unsigned long long size,
			const char *content_type, const char *filename);

/* Writes whatever is still pending (headers and buffered body). */
void fcgi_response_finish(struct fcgi_response *r);

#endif
