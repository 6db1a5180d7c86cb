#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static int grow(struct ayb_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->oom)
		return -1;
	if (extra > (size_t)-1 / 2 - b->len)
		goto oom;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p)
		goto oom;
	b->data = p;
	b->cap = cap;
	return 0;
oom:
	b->oom = 1;
	return -1;
}

int ayb_buf_add(struct ayb_buf *b, const void *p, size_t n)
{
	if (grow(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int ayb_buf_adds(struct ayb_buf *b, const char *s)
{
	return ayb_buf_add(b, s, strlen(s));
}

int ayb_buf_addc(struct ayb_buf *b, char c)
{
	return ayb_buf_add(b, &c, 1);
}

int ayb_buf_printf(struct ayb_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

char *ayb_vfmt(const char *fmt, va_list ap)
{
	char *s;

	return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

char *ayb_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = ayb_vfmt(fmt, ap);
	va_end(ap);
	return s;
}

int ayb_buf_add_json_string(struct ayb_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	if (ayb_buf_addc(b, '"') < 0)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7];
		const char *e = NULL;
		size_t elen = 2;

		switch (c) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		case '\b': e = "\\b"; break;
		case '\f': e = "\\f"; break;
		default:
			if (c < 0x20) {
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 15];
				e = esc;
				elen = 6;
			}
		}
		if (!e)
			continue;
		/* Copy the plain run before this character in one go. */
		ayb_buf_add(b, s + run, i - run);
		ayb_buf_add(b, e, elen);
		run = i + 1;
	}
	ayb_buf_add(b, s + run, n - run);
	return ayb_buf_addc(b, '"');
}

char *ayb_buf_take(struct ayb_buf *b)
{
	char *p = b->oom ? NULL : b->data;

	if (b->oom)
		free(b->data);
	else if (!p)
		p = calloc(1, 1);
	memset(b, 0, sizeof(*b));
	return p;
}

void ayb_buf_free(struct ayb_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static int buf_sink_write(void *ctx, const char *p, size_t n)
{
	return ayb_buf_add(ctx, p, n);
}

struct ayb_sink ayb_buf_sink(struct ayb_buf *b)
{
	struct ayb_sink s = { buf_sink_write, b };
	return s;
}
