#include "autoconfig.h"

#include <string.h>

#include "upload.h"

static long body_read(void *req, char *p, size_t n, struct ayb_err *err)
{
	return fcgi_request_read_some(req, p, n, err);
}

int fcgi_upload_open(struct fcgi_upload *u, struct fcgi_request *req, struct ayb_err *err)
{
	const char *ct = fcgi_request_header(req, "content-type");

	memset(u, 0, sizeof(*u));
	u->req = req;
	if (fcgi_media_type_is(ct, "application/octet-stream"))
		return 0;
	if (fcgi_media_type_is(ct, "application/sql")) {
		u->sql = 1;
		return 0;
	}
	u->mp = fcgi_multipart_open(ct, "database", body_read, req, err);
	return u->mp ? 0 : -1;
}

long fcgi_upload_read(void *ctx, char *p, size_t n, struct ayb_err *err)
{
	struct fcgi_upload *u = ctx;

	return u->mp ? fcgi_multipart_read(u->mp, p, n, err) : body_read(u->req, p, n, err);
}

void fcgi_upload_close(struct fcgi_upload *u)
{
	fcgi_multipart_free(u->mp);
	u->mp = NULL;
}
