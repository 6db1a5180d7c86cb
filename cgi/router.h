/* Maps method + path to a handler and the body size it accepts. */
#ifndef AYB_CGI_ROUTER_H
#define AYB_CGI_ROUTER_H

#include <stddef.h>

#include "handlers.h"

struct fcgi_route {
	const char *method;
	const char *const *pattern; /* segments; "*" matches any one segment */
	ayb_handler *handler;
	size_t body_limit;          /* bytes accepted in the body */
	int needs_store;            /* touches the metadata store */
};

/* The route for req, or NULL (the caller answers 404 with no body). */
const struct fcgi_route *fcgi_route_find(const struct fcgi_request *req);

#endif
