/* Writing HTML safely: every value that comes from a user or a database goes
 * through the escaping here.  ui_html_printf() escapes each %s, so the
 * page code cannot forget to; trusted markup is appended with ayb_buf_adds.
 * Pure functions, no FastCGI. */
#ifndef AYB_CGI_HTML_H
#define AYB_CGI_HTML_H

#include <stddef.h>

#include "buf.h"

/* Appends s[0..n) escaped for HTML text and quoted attribute values:
 * & < > " ' become entities; NUL and other C0 controls except tab, newline
 * and carriage return become U+FFFD, as do bytes that are not valid UTF-8.
 * Returns 0, or -1 when out of memory (b->oom is set). */
int ui_html_escape_n(struct ayb_buf *b, const char *s, size_t n);
int ui_html_escape(struct ayb_buf *b, const char *s);   /* NULL appends nothing */
/* The same, writing at most `max` bytes: it stops before the first
 * character whose escaped form would not fit, so a cut never splits a
 * character or an entity.  Returns how many bytes of s were written out
 * (n when all of it fit). */
size_t ui_html_escape_max(struct ayb_buf *b, const char *s, size_t n, size_t max);

/* printf into b where every %s is HTML-escaped (NULL prints nothing).
 * Supports only %s, %c (escaped), %d, %u, %ld, %lu, %lld, %llu, %zu and %%:
 * no width, precision or flags.  Returns 0, or -1 when out of memory or on
 * any other conversion (a programming error: the test suite catches it). */
int ui_html_printf(struct ayb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* 1 when url may be used as a link target: it starts with "http://" or
 * "https://" (any case) and holds no control character or space, so no
 * javascript: or data: URL ever lands in an href. */
int ui_html_safe_url(const char *url);

#endif
