#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "response.h"

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	case 507: return "Insufficient Storage";
	default: return status >= 500 ? "Internal Server Error" : "Unknown";
	}
}

void fcgi_response_init(struct fcgi_response *r, struct ayb_sink out)
{
	memset(r, 0, sizeof(*r));
	r->status = 200;
	r->out = out;
}

void fcgi_response_free(struct fcgi_response *r)
{
	ayb_buf_free(&r->headers);
	ayb_buf_free(&r->body);
	free(r->log);
	r->log = NULL;
}

/* Keeps "<Kind>: <message>" for the error log. */
static void set_log(struct fcgi_response *r, const char *prefix, const struct ayb_err *err)
{
	struct ayb_buf b = { 0 };

	ayb_buf_printf(&b, "%s%s: %s", prefix, ayb_err_kind_name(err->kind),
		       err->message ? err->message : err->id ? err->id : "(no message)");
	free(r->log);
	r->log = b.oom ? NULL : ayb_buf_take(&b);
	ayb_buf_free(&b);
}

/* 1 when s holds a control character other than a tab: in a header it
 * could end the line and start another (header injection), and it makes a
 * response a web server may refuse. */
static int has_control(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return 1;
	return 0;
}

void fcgi_response_header(struct fcgi_response *r, const char *name, const char *value)
{
	/* Values echo the request at times (CORS, redirects, file names): one
	 * that cannot be a header is left out rather than sent. */
	if (has_control(name) || has_control(value))
		return;
	ayb_buf_printf(&r->headers, "%s: %s\r\n", name, value);
}

static void emit(struct fcgi_response *r, const char *p, size_t n)
{
	if (!r->failed && n && ayb_sink_write(&r->out, p, n) < 0)
		r->failed = 1;
}

static void send_head(struct fcgi_response *r)
{
	char line[64];

	snprintf(line, sizeof(line), "Status: %d %s\r\n", r->status, reason(r->status));
	emit(r, line, strlen(line));
	if (r->content_type) {
		snprintf(line, sizeof(line), "Content-Type: %s\r\n", r->content_type);
		emit(r, line, strlen(line));
	}
	emit(r, r->headers.data ? r->headers.data : "", r->headers.len);
	emit(r, "\r\n", 2);
	r->sent = 1;
}

void fcgi_response_json(struct fcgi_response *r, int status, const cJSON *body)
{
	char *s = cJSON_PrintUnformatted(body);

	if (!s) {
		struct ayb_err e = { 0 };
		ayb_err_oom(&e);
		fcgi_response_error(r, &e);
		return;
	}
	r->status = status;
	r->content_type = "application/json";
	ayb_buf_free(&r->body);
	ayb_buf_adds(&r->body, s);
	cJSON_free(s);
}

void fcgi_response_empty_json(struct fcgi_response *r, int status)
{
	r->status = status;
	r->content_type = "application/json";
	ayb_buf_free(&r->body);
	ayb_buf_adds(&r->body, "{}");
}

void fcgi_response_error(struct fcgi_response *r, const struct ayb_err *err)
{
	cJSON *o = ayb_err_to_json(err);
	char *s = o ? cJSON_PrintUnformatted(o) : NULL;

	r->status = ayb_err_status(err);
	r->content_type = "application/json";
	ayb_buf_free(&r->body);
	ayb_buf_adds(&r->body, s ? s : "{\"type\":\"Other\",\"message\":\"Out of memory\"}");
	if (r->status == 401)
		fcgi_response_header(r, "WWW-Authenticate", "Bearer");
	fcgi_response_retry_after(r, err);
	/* 4xx are the client's mistakes (the access log has them); 5xx are
	 * ours and need the reason next to the request. */
	if (r->status >= 500)
		set_log(r, "", err);
	cJSON_free(s);
	cJSON_Delete(o);
}

void fcgi_response_error_as(struct fcgi_response *r, const struct ayb_err *err,
			    const char *message)
{
	struct ayb_err shown = { 0 };

	ayb_err_set(&shown, err->kind, "%s", message);
	fcgi_response_error(r, &shown);
	set_log(r, "", err);
	ayb_err_clear(&shown);
}

void fcgi_response_retry_after(struct fcgi_response *r, const struct ayb_err *err)
{
	char secs[24];

	if (err->retry_after <= 0)
		return;
	snprintf(secs, sizeof(secs), "%ld", err->retry_after);
	fcgi_response_header(r, "Retry-After", secs);
}

void fcgi_response_status(struct fcgi_response *r, int status)
{
	r->status = status;
	r->content_type = NULL;
	ayb_buf_free(&r->body);
}

static int stream_write(void *ctx, const char *p, size_t n)
{
	struct fcgi_response *r = ctx;

	if (r->sent) {
		emit(r, p, n);
		return r->failed ? -1 : 0;
	}
	if (ayb_buf_add(&r->body, p, n) < 0)
		return -1;
	if (r->body.len >= FCGI_STREAM_THRESHOLD) {
		/* Commit: from here on the status can no longer change. */
		send_head(r);
		emit(r, r->body.data, r->body.len);
		ayb_buf_free(&r->body);
	}
	return r->failed ? -1 : 0;
}

struct ayb_sink fcgi_response_stream(struct fcgi_response *r, int status)
{
	struct ayb_sink s = { stream_write, r };

	r->status = status;
	r->content_type = "application/json";
	return s;
}

void fcgi_response_discard(struct fcgi_response *r)
{
	ayb_buf_free(&r->body);
}

int fcgi_response_committed(const struct fcgi_response *r)
{
	return r->sent;
}

void fcgi_response_abort(struct fcgi_response *r, const struct ayb_err *err)
{
	/* A stream that stopped because the client went away is not an error
	 * of ours: nothing to log. */
	if (!r->failed)
		set_log(r, "response cut short after the status was sent: ", err);
	r->failed = 1;
}

void fcgi_response_log_error(struct fcgi_response *r, const struct ayb_err *err)
{
	if (ayb_err_status(err) >= 500 && !r->failed)
		set_log(r, "", err);
}

void fcgi_response_file(struct fcgi_response *r, int fd, unsigned long long size,
			const char *content_type, const char *filename)
{
	struct ayb_sink out;
	struct ayb_err err = { 0 };
	char len[32], *disp = ayb_fmt("attachment; filename=\"%s\"", filename);
	char *buf = malloc(FCGI_STREAM_THRESHOLD);
	unsigned long long sent = 0;
	ssize_t got;

	if (!disp || !buf) {
		ayb_err_oom(&err);
		fcgi_response_error(r, &err);
		goto out;
	}
	snprintf(len, sizeof(len), "%llu", size);
	fcgi_response_header(r, "Content-Disposition", disp);
	fcgi_response_header(r, "Content-Length", len);
	fcgi_response_header(r, "Cache-Control", "no-store");
	fcgi_response_header(r, "X-Content-Type-Options", "nosniff");
	out = fcgi_response_stream(r, 200);
	r->content_type = content_type;
	while (sent < size && !r->failed) {
		do
			got = read(fd, buf, FCGI_STREAM_THRESHOLD);
		while (got < 0 && errno == EINTR);
		if (got <= 0) {
			ayb_err_set(&err, AYB_E_INTERNAL, "Cannot read the file to send: %s",
				    got < 0 ? strerror(errno) : "it ended early");
			fcgi_response_abort(r, &err);
			break;
		}
		sent += (unsigned long long)got;
		ayb_sink_write(&out, buf, (size_t)got);
	}
out:
	ayb_err_clear(&err);
	free(buf);
	free(disp);
}

void fcgi_response_finish(struct fcgi_response *r)
{
	char len[24];

	/* A whole answer says its length, so the web server passes it on as
	 * it is instead of re-framing it in chunks. */
	if (!r->sent && r->status >= 200 && r->status != 204 && r->status != 304) {
		snprintf(len, sizeof(len), "%zu", r->body.len);
		fcgi_response_header(r, "Content-Length", len);
	}
	if (!r->sent)
		send_head(r);
	emit(r, r->body.data ? r->body.data : "", r->body.len);
	ayb_buf_free(&r->body);
}

cJSON *fcgi_json_string_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}
