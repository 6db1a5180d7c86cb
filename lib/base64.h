/* Base64 (RFC 4648, the standard alphabet, with padding): the form in
 * which bytes that are not UTF-8 travel in ayb-c's JSON, both ways: a
 * query result shows such a value as {"base64": "..."}, and a blob
 * parameter is given the same way (README "Parameters and batches"). */
#ifndef AYB_BASE64_H
#define AYB_BASE64_H

#include <stddef.h>

#include "buf.h"

/* Characters of the encoding of n bytes. */
size_t ayb_base64_len(size_t n);

/* Appends the encoding of p[0..n) to b; -1 on OOM (b->oom set). */
int ayb_base64_add(struct ayb_buf *b, const void *p, size_t n);

/* Decodes the n characters at s into out (room for at least
 * ayb_base64_max_decoded(n) bytes), setting *len.  Returns 0, or -1 when s
 * is not base64 (a character outside the alphabet, missing or misplaced
 * padding, whitespace). */
size_t ayb_base64_max_decoded(size_t n);
int ayb_base64_decode(const char *s, size_t n, unsigned char *out, size_t *len);

#endif
