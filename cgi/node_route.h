/* Which node serves a request (README "Several machines"): this one, the
 * node its database's placement names (the request is forwarded there), or
 * none for now (503 while the database moves).  New databases go where the
 * placement policy says. */
#ifndef AYB_CGI_NODE_ROUTE_H
#define AYB_CGI_NODE_ROUTE_H

#include "router.h"

/* Runs after the preamble found the caller and the database.  Returns 0 to
 * serve c here, or -1 when c was answered (forwarded, or refused).  Without
 * a node section: always 0, with nothing read or written. */
int fcgi_node_route(const struct fcgi_route *rt, struct fcgi_call *c);

/* Writes this node's heartbeat when the last one of this process is older
 * than AYB_NODE_HEARTBEAT_SECONDS; *last is that time (monotonic ms, 0:
 * never).  Returns 0, or -1 with err when the store cannot be written. */
int fcgi_node_heartbeat(const struct ayb_config *cfg, struct ayb_store *st, int64_t *last,
			struct ayb_err *err);

#endif
