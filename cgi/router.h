/* Maps method + path to a handler, the body size it accepts, and the
 * preamble the front runs before it: who the caller is and which database
 * the path names. */
#ifndef AYB_CGI_ROUTER_H
#define AYB_CGI_ROUTER_H

#include <stddef.h>

#include "call.h"

/* How a route finds its caller. */
enum fcgi_auth {
	FCGI_AUTH_NONE,          /* nobody is asked: always anonymous */
	FCGI_AUTH_OPTIONAL,      /* a bearer token when one is sent, else anonymous */
	FCGI_AUTH_REQUIRED,      /* a bearer token, else 401 */
	FCGI_AUTH_COOKIE,        /* the web UI's login cookie, form and CSRF check */
};

/* Where the path names the database a route works on. */
enum fcgi_target {
	FCGI_TARGET_NONE,
	FCGI_TARGET_API,         /* /v1/{entity}/{database}/... */
	FCGI_TARGET_UI,          /* /{entity}/{database}/... */
	FCGI_TARGET_NEW,         /* creates a database: the placement policy picks its node */
};

struct fcgi_route {
	const char *method;
	const char *const *pattern; /* segments; "*" matches any one segment */
	fcgi_handler *handler;
	size_t body_limit;          /* bytes accepted in the body */
	int needs_store;            /* touches the metadata store (or FCGI_STORE_ON_NODE) */
	enum fcgi_auth auth;
	enum fcgi_target target;
};

/* needs_store of a route that touches the store only on one node of
 * several (README "Several machines"), and answers itself when it cannot. */
#define FCGI_STORE_ON_NODE 2

/* The body_limit of a route whose handler reads the body itself, as a
 * stream (fcgi_request_read_some), and enforces its own limit. */
#define FCGI_BODY_STREAMED ((size_t)-1)

/* The route for req, or NULL (the caller answers 404 with no body). */
const struct fcgi_route *fcgi_route_find(const struct fcgi_request *req);

/* Runs rt's preamble on c, whose app, req and resp are set and the rest
 * zeroed: the caller first, then the database, so a bad token wins over a
 * missing database.  Returns 0 to call the handler, or -1 when the request
 * was answered (the API's JSON error, or the web UI's page).  Either way
 * fcgi_call_end(c) frees what c holds. */
int fcgi_call_begin(const struct fcgi_route *rt, struct fcgi_call *c);
void fcgi_call_end(struct fcgi_call *c);

/* Answers a request that failed before its handler ran (its caller, its
 * database, its node): a web UI page on cookie routes, else ayb's JSON
 * error. */
void fcgi_call_failed(struct fcgi_call *c, const struct ayb_err *err);

#endif
