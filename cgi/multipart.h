/* One field of a multipart/form-data body, read as a stream (an import's
 * `database` file, ayb's form field): the parts before it are skipped, its
 * content is handed out in pieces as the body arrives, and nothing past it
 * is read.  Memory stays at one buffer whatever the body's size. */
#ifndef AYB_CGI_MULTIPART_H
#define AYB_CGI_MULTIPART_H

#include <stddef.h>

#include "error.h"

#define FCGI_MULTIPART_BOUNDARY_MAX 70

/* Where the body comes from: up to n bytes into p, their count, 0 at the
 * end, -1 with err set. */
typedef long fcgi_multipart_source(void *ctx, char *p, size_t n, struct ayb_err *err);

struct fcgi_multipart;

/* Starts reading field `name` (static or outliving the reader) of a body
 * whose Content-Type is `content_type`.  NULL with err: Other (415)
 * "Expected multipart/form-data ..." for another type, Other (400) for a
 * missing or invalid boundary, or out of memory.  The caller frees it
 * with fcgi_multipart_free. */
struct fcgi_multipart *fcgi_multipart_open(const char *content_type, const char *name,
					   fcgi_multipart_source *src, void *ctx,
					   struct ayb_err *err);
/* Up to n bytes of the field's content: their count, 0 at its end, -1
 * with err: the source's, or Other (400) "Malformed multipart body: ..."
 * (no such field, headers too long, the body cut short). */
long fcgi_multipart_read(struct fcgi_multipart *m, char *p, size_t n, struct ayb_err *err);
void fcgi_multipart_free(struct fcgi_multipart *m);

/* 1 when the Content-Type (parameters ignored) is `type`,
 * case-insensitively. */
int fcgi_media_type_is(const char *content_type, const char *type);

#endif
