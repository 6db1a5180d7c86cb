#include "autoconfig.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "html.h"
#include "utf8.h"

size_t ui_html_escape_max(struct ayb_buf *b, const char *s, size_t n, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, out = 0;

	while (i < n) {
		const char *e = NULL;
		size_t step = 1, len;

		switch (p[i]) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		case '\t': case '\n': case '\r': break;
		default:
			if (p[i] < 0x20 || p[i] == 0x7f) {
				e = "\xef\xbf\xbd";
			} else if (p[i] >= 0x80) {
				step = ayb_utf8_seq_len(p + i, n - i);
				if (!step) {
					e = "\xef\xbf\xbd";
					step = 1;
				}
			}
		}
		len = e ? strlen(e) : step;
		if (len > max - out)
			break;
		out += len;
		if (e) {
			ayb_buf_add(b, s + run, i - run);
			ayb_buf_adds(b, e);
			run = i + step;
		}
		i += step;
	}
	ayb_buf_add(b, s + run, i - run);
	return i;
}

int ui_html_escape_n(struct ayb_buf *b, const char *s, size_t n)
{
	ui_html_escape_max(b, s, n, SIZE_MAX);
	return b->oom ? -1 : 0;
}

int ui_html_escape(struct ayb_buf *b, const char *s)
{
	return s ? ui_html_escape_n(b, s, strlen(s)) : 0;
}

int ui_html_printf(struct ayb_buf *b, const char *fmt, ...)
{
	va_list ap;
	const char *p = fmt, *run = fmt;

	va_start(ap, fmt);
	while (*p) {
		char num[32];
		char c;

		if (*p != '%') {
			p++;
			continue;
		}
		ayb_buf_add(b, run, (size_t)(p - run));
		p++;
		num[0] = '\0';
		if (*p == 's') {
			ui_html_escape(b, va_arg(ap, const char *));
		} else if (*p == 'c') {
			c = (char)va_arg(ap, int);
			ui_html_escape_n(b, &c, 1);
		} else if (*p == 'd') {
			snprintf(num, sizeof(num), "%d", va_arg(ap, int));
		} else if (*p == 'u') {
			snprintf(num, sizeof(num), "%u", va_arg(ap, unsigned));
		} else if (p[0] == 'l' && p[1] == 'd') {
			snprintf(num, sizeof(num), "%ld", va_arg(ap, long));
			p++;
		} else if (p[0] == 'l' && p[1] == 'u') {
			snprintf(num, sizeof(num), "%lu", va_arg(ap, unsigned long));
			p++;
		} else if (p[0] == 'l' && p[1] == 'l' && p[2] == 'd') {
			snprintf(num, sizeof(num), "%lld", va_arg(ap, long long));
			p += 2;
		} else if (p[0] == 'l' && p[1] == 'l' && p[2] == 'u') {
			snprintf(num, sizeof(num), "%llu", va_arg(ap, unsigned long long));
			p += 2;
		} else if (p[0] == 'z' && p[1] == 'u') {
			snprintf(num, sizeof(num), "%zu", va_arg(ap, size_t));
			p++;
		} else if (*p == '%') {
			ayb_buf_addc(b, '%');
		} else {
			/* An unsupported conversion is a programming error; stop
			 * rather than read an argument of the wrong type. */
			va_end(ap);
			return -1;
		}
		ayb_buf_adds(b, num);
		if (*p)
			p++;
		run = p;
	}
	ayb_buf_add(b, run, (size_t)(p - run));
	va_end(ap);
	return b->oom ? -1 : 0;
}

int ui_html_safe_url(const char *url)
{
	if (!url || (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0))
		return 0;
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return 0;
	return 1;
}
