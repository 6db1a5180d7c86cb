/* POST /v1/{entity}/{database}/import (README "The HTTP API": import): the
 * body, streamed, replaces the database. */
#include "autoconfig.h"

#include "api.h"
#include "upload.h"

void api_import(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	struct fcgi_upload u;

	if (fcgi_upload_open(&u, c->req, &err) == 0)
		ayb_app_import(c->app, &c->caller, &c->target, u.sql, fcgi_upload_read, &u, &err);
	fcgi_upload_close(&u);
	api_answer(c, &err, 200, NULL);
}
