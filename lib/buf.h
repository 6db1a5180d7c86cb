/* A growable byte buffer, always NUL-terminated, and the output sink that
 * streaming producers (query results) write through. */
#ifndef AYB_BUF_H
#define AYB_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct ayb_buf {
	char *data;   /* owned; NULL until the first append */
	size_t len;
	size_t cap;
	int oom;      /* set once an allocation failed; later appends are no-ops */
};

/* Appends; on OOM sets b->oom and returns -1 (the buffer keeps what it had). */
int ayb_buf_add(struct ayb_buf *b, const void *p, size_t n);
int ayb_buf_adds(struct ayb_buf *b, const char *s);
int ayb_buf_addc(struct ayb_buf *b, char c);
int ayb_buf_printf(struct ayb_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A new string printed from fmt, which the caller frees; NULL on OOM.
 * Replaces `asprintf(&s, ...) < 0` and the reset of s it needs (asprintf
 * leaves s undefined on failure). */
char *ayb_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *ayb_vfmt(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Appends s as a JSON string literal, quotes included. */
int ayb_buf_add_json_string(struct ayb_buf *b, const char *s, size_t n);
/* Hands the data to the caller (who frees it; "" when nothing was added) and
 * resets the buffer.  NULL, with the data freed, when an append failed:
 * callers need not check b->oom first. */
char *ayb_buf_take(struct ayb_buf *b);
void ayb_buf_free(struct ayb_buf *b);

/* Where a producer writes its output.  write returns 0, or -1 when the
 * consumer cannot take more (client gone, size limit): the producer stops. */
struct ayb_sink {
	int (*write)(void *ctx, const char *p, size_t n);
	void *ctx;
};

static inline int ayb_sink_write(struct ayb_sink *s, const char *p, size_t n)
{
	return s->write(s->ctx, p, n);
}

/* A sink that appends to a buffer. */
struct ayb_sink ayb_buf_sink(struct ayb_buf *b);

#endif
