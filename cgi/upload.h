/* The body of an import, whichever way it comes (README "The HTTP API":
 * import): a multipart/form-data field `database` (ayb's form, the web
 * UI's), a raw application/octet-stream file, or an application/sql dump.
 * Read as a stream from the request, never held whole. */
#ifndef AYB_CGI_UPLOAD_H
#define AYB_CGI_UPLOAD_H

#include "multipart.h"
#include "request.h"

struct fcgi_upload {
	struct fcgi_request *req;
	struct fcgi_multipart *mp;  /* NULL for a raw body */
	int sql;                    /* the bytes are an SQL dump */
};

/* Looks at the request's Content-Type.  0, or -1 with err: Other (415)
 * for another type, multipart_open's errors.  fcgi_upload_close frees. */
int fcgi_upload_open(struct fcgi_upload *u, struct fcgi_request *req, struct ayb_err *err);
/* Reads the upload's bytes (lib/app.h's ayb_app_read_fn), u being a
 * struct fcgi_upload. */
long fcgi_upload_read(void *u, char *p, size_t n, struct ayb_err *err);
void fcgi_upload_close(struct fcgi_upload *u);

#endif
