/* The base64 form of a blob (README "Parameters and batches"): standard
 * alphabet, padded, as `{"base64": "..."}` carries a blob parameter and as
 * a query result shows a blob that is not UTF-8. */
#ifndef AYB_BASE64_H
#define AYB_BASE64_H

#include <stddef.h>

#include "buf.h"

/* Decodes the n characters at s into out (room for at least
 * ayb_base64_max_decoded(n) bytes), setting *len.  Returns 0, or -1 when s
 * is not base64 (a character outside the alphabet, missing or misplaced
 * padding, whitespace). */
size_t ayb_base64_max_decoded(size_t n);
int ayb_base64_decode(const char *s, size_t n, unsigned char *out, size_t *len);

/* Appends the base64 of the n bytes at p to b.  -1 on OOM. */
int ayb_base64_encode(struct ayb_buf *b, const void *p, size_t n);

#endif
