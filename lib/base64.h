/* Base64 (RFC 4648, the standard alphabet, with padding): the form in
 * which bytes that are not UTF-8 travel in ayb-c's JSON (README "Query
 * results": binary values). */
#ifndef AYB_BASE64_H
#define AYB_BASE64_H

#include <stddef.h>

#include "buf.h"

/* Characters of the encoding of n bytes. */
size_t ayb_base64_len(size_t n);

/* Appends the encoding of p[0..n) to b; -1 on OOM (b->oom set). */
int ayb_base64_add(struct ayb_buf *b, const void *p, size_t n);

#endif
