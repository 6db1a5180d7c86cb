/* RFC 7578 bodies, read as far as one field.  The body is seen as if it
 * started with CRLF, so every delimiter, the first included, is CRLF "--"
 * boundary; after a delimiter come "--" (the end) or CRLF and a part's
 * headers, up to an empty line, then its content up to the next
 * delimiter.  A part's content is handed out up to the last bytes that
 * could still be the start of a delimiter; those wait for more input. */
#include "autoconfig.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "multipart.h"

#define BUF (64u * 1024)
#define HEADERS_MAX (8u * 1024)

enum state { PREAMBLE, AFTER_DELIMITER, HEADERS, CONTENT, DONE };

struct fcgi_multipart {
	fcgi_multipart_source *src;
	void *ctx;
	const char *name;
	char delim[4 + FCGI_MULTIPART_BOUNDARY_MAX + 1];
	size_t dlen;
	enum state state;
	int wanted;        /* the part being read is the field */
	int eof;
	char *buf;
	size_t pos, len;
};

int fcgi_media_type_is(const char *content_type, const char *type)
{
	size_t n = strlen(type);

	if (!content_type)
		return 0;
	while (*content_type == ' ')
		content_type++;
	if (strncasecmp(content_type, type, n) != 0)
		return 0;
	content_type += n;
	while (*content_type == ' ')
		content_type++;
	return *content_type == '\0' || *content_type == ';';
}

static int malformed(struct ayb_err *err, const char *why)
{
	return ayb_err_set(err, AYB_E_INVALID, "Malformed multipart body: %s", why);
}

/* The boundary parameter, quoted or not, into out. */
static int boundary_of(const char *ct, char *out, struct ayb_err *err)
{
	const char *p = ct;
	size_t n = 0;

	while ((p = strchr(p, ';'))) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, "boundary=", 9) != 0)
			continue;
		p += 9;
		if (*p == '"') {
			for (p++; *p && *p != '"' && n < FCGI_MULTIPART_BOUNDARY_MAX; p++)
				out[n++] = *p;
			if (*p != '"')
				n = 0;
		} else {
			for (; *p && *p != ';' && *p != ' ' && n < FCGI_MULTIPART_BOUNDARY_MAX; p++)
				out[n++] = *p;
			if (*p && *p != ';' && *p != ' ')
				n = 0;
		}
		break;
	}
	out[n] = '\0';
	return n ? 0 : ayb_err_set(err, AYB_E_INVALID,
				   "Malformed multipart body: no valid boundary in its Content-Type");
}

struct fcgi_multipart *fcgi_multipart_open(const char *content_type, const char *name,
					   fcgi_multipart_source *src, void *ctx,
					   struct ayb_err *err)
{
	struct fcgi_multipart *m;
	char b[FCGI_MULTIPART_BOUNDARY_MAX + 1];

	if (!fcgi_media_type_is(content_type, "multipart/form-data")) {
		ayb_err_set(err, AYB_E_UNSUPPORTED_MEDIA,
			    "Expected multipart/form-data, application/octet-stream or application/sql");
		return NULL;
	}
	if (boundary_of(content_type, b, err) < 0)
		return NULL;
	if (!(m = calloc(1, sizeof(*m))) || !(m->buf = malloc(BUF))) {
		free(m);
		ayb_err_oom(err);
		return NULL;
	}
	m->src = src;
	m->ctx = ctx;
	m->name = name;
	m->dlen = (size_t)snprintf(m->delim, sizeof(m->delim), "\r\n--%s", b);
	memcpy(m->buf, "\r\n", 2);
	m->len = 2;
	return m;
}

void fcgi_multipart_free(struct fcgi_multipart *m)
{
	if (!m)
		return;
	free(m->buf);
	free(m);
}

/* Moves what is unread to the front and reads more: 1, 0 at the end of
 * the body, -1 with err. */
static int fill(struct fcgi_multipart *m, struct ayb_err *err)
{
	long got;

	if (m->eof)
		return 0;
	memmove(m->buf, m->buf + m->pos, m->len - m->pos);
	m->len -= m->pos;
	m->pos = 0;
	if (m->len == BUF)
		return 1;
	got = m->src(m->ctx, m->buf + m->len, BUF - m->len, err);
	if (got < 0)
		return -1;
	if (got == 0) {
		m->eof = 1;
		return 0;
	}
	m->len += (size_t)got;
	return 1;
}

static const char *find(const char *hay, size_t n, const char *needle, size_t k)
{
	return memmem(hay, n, needle, k);
}

/* Is the part whose headers are h (n bytes) the field?  Its
 * Content-Disposition must say form-data with name="<name>". */
static int is_field(const struct fcgi_multipart *m, const char *h, size_t n)
{
	const char *end = h + n, *line = h;

	while (line < end) {
		const char *eol = find(line, (size_t)(end - line), "\r\n", 2);
		size_t len = eol ? (size_t)(eol - line) : (size_t)(end - line);
		char want[128];
		int k;

		if (len > 20 && strncasecmp(line, "content-disposition:", 20) == 0) {
			k = snprintf(want, sizeof(want), "name=\"%s\"", m->name);
			for (const char *p = line + 20; p + k <= line + len; p++)
				if ((p[-1] == ' ' || p[-1] == ';') &&
				    memcmp(p, want, (size_t)k) == 0)
					return 1;
			return 0;
		}
		line += len + 2;
	}
	return 0;
}

long fcgi_multipart_read(struct fcgi_multipart *m, char *p, size_t n, struct ayb_err *err)
{
	for (;;) {
		const char *at, *base = m->buf + m->pos;
		size_t have = m->len - m->pos, take;
		int rc;

		switch (m->state) {
		case DONE:
			return 0;
		case PREAMBLE:
		case CONTENT:
			at = find(base, have, m->delim, m->dlen);
			/* Without a delimiter, its length less one byte may be
			 * the start of one: that much waits. */
			if (at)
				take = (size_t)(at - base);
			else
				take = have >= m->dlen ? have - (m->dlen - 1) : 0;
			if (m->state == CONTENT && m->wanted && take) {
				take = take < n ? take : n;
				memcpy(p, base, take);
				m->pos += take;
				return (long)take;
			}
			m->pos += take;
			if (at) {
				m->pos += m->dlen;
				if (m->state == CONTENT && m->wanted) {
					m->state = DONE;
					return 0;
				}
				m->state = AFTER_DELIMITER;
				continue;
			}
			break;
		case AFTER_DELIMITER:
			if (have >= 2 && memcmp(base, "--", 2) == 0)
				return malformed(err, "no field named `database`");
			if (have >= 2 && memcmp(base, "\r\n", 2) == 0) {
				m->pos += 2;
				m->state = HEADERS;
				continue;
			}
			if (have >= 2)
				return malformed(err, "a boundary followed by neither CRLF nor --");
			break;
		case HEADERS:
			/* A part with no headers at all starts with the empty line. */
			if (have >= 2 && memcmp(base, "\r\n", 2) == 0) {
				m->pos += 2;
				m->wanted = 0;
				m->state = CONTENT;
				continue;
			}
			at = find(base, have, "\r\n\r\n", 4);
			if (at) {
				m->wanted = is_field(m, base, (size_t)(at - base));
				m->pos += (size_t)(at - base) + 4;
				m->state = CONTENT;
				continue;
			}
			if (have > HEADERS_MAX)
				return malformed(err, "a part's headers are too long");
			break;
		}
		if ((rc = fill(m, err)) < 0)
			return -1;
		if (rc == 0)
			return malformed(err, "the body ends before its last boundary");
	}
}
