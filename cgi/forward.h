/* Passes a request about a database another node holds on to that node
 * (README "Several machines"): under nginx by X-Accel-Redirect to the
 * front's internal location, so nginx does the I/O; otherwise by proxying
 * it with libcurl, streaming both ways.  Either way the request carries
 * the signed X-Ayb-Forwarded header, so its receiver never forwards it
 * again (one hop). */
#ifndef AYB_CGI_FORWARD_H
#define AYB_CGI_FORWARD_H

#include "call.h"

/* The internal location of the nginx front (examples/nginx-cluster.conf):
 * /_ayb_forward/<signature>/<METHOD>/<host:port><request URI>. */
#define FCGI_FORWARD_LOCATION "/_ayb_forward/"

/* The header the nginx front sets on every request it passes to a node:
 * it takes X-Accel-Redirect (a node reached directly proxies by curl). */
#define FCGI_FRONT_HEADER "x-ayb-front"

/* Answers c with the answer of the node named `node` at base_url (an
 * http:// origin).  Returns 0 when c was answered (the node's answer, or a
 * cut stream once it had begun), or -1 with err (Other 503: the node
 * cannot be reached or did not answer in time) when nothing was sent. */
int fcgi_forward(struct fcgi_call *c, const char *node, const char *base_url,
		 struct ayb_err *err);

/* Frees a handle fcgi_forward kept in *c->forward (NULL: nothing). */
void fcgi_forward_handle_free(void *handle);

#endif
