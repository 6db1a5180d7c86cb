/* One request as a handler receives it.  The front has already read the
 * body (within the route's limit), found the caller the route's auth
 * posture asks for and loaded the database its path names, answering any
 * failure of those steps itself; a handler only turns the request into one
 * use case call (lib/app.h) and fills the response.  It never touches
 * FastCGI. */
#ifndef AYB_CGI_CALL_H
#define AYB_CGI_CALL_H

#include "app.h"
#include "request.h"
#include "response.h"

struct ui;

struct fcgi_call {
	struct ayb_app_ctx *app;
	struct fcgi_request *req;
	struct fcgi_response *resp;
	struct ayb_app_caller caller;  /* anonymous unless the posture found a caller */
	struct ayb_app_target target;  /* loaded when the route names a database */
	struct ui *ui;                 /* the web UI's session, on cookie routes; owned */
	void **forward;                /* the site's kept handle for forwarding (forward.c) */
};

typedef void fcgi_handler(struct fcgi_call *c);

#endif
