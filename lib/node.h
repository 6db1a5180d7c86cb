/* This server as one node of several (README "Several machines"): the
 * epoch marker it keeps beside each database it holds, the serving rule a
 * request about a database goes through, and the keys the nodes share. */
#ifndef AYB_NODE_H
#define AYB_NODE_H

#include <stdint.h>

#include "config.h"
#include "error.h"
#include "store.h"

/* The epoch at which this node received the database, from its marker
 * (layout: databases/<entity>/<db>/epoch): 1 with *epoch, 0 when there is
 * no marker, -1 with err. */
int ayb_node_marker_read(const char *data_path, const char *entity, const char *db,
			 int64_t *epoch, struct ayb_err *err);

/* Writes the marker atomically (and durably): this node now holds the
 * database at `epoch`.  A restore on a move's target calls it once the
 * file is installed, before the placement switches to it.  0 or -1. */
int ayb_node_marker_write(const char *data_path, const char *entity, const char *db,
			  int64_t epoch, struct ayb_err *err);

/* Where a request about the database is served, by its placement p (from
 * the target lookup): AYB_NODE_HERE, AYB_NODE_ELSEWHERE (p->node holds it:
 * forward), or -1 with err Other 503 "<entity>/<db> is moving between
 * nodes; try again" (Retry-After set) when p names this node but it is
 * moving or this node's marker is of another epoch: never stale data.
 * Without a node section, and for a database without placement (made
 * before the node section), always AYB_NODE_HERE. */
enum { AYB_NODE_HERE = 0, AYB_NODE_ELSEWHERE = 1 };
int ayb_node_serving(const struct ayb_config *cfg, const char *entity, const char *db,
		     const struct ayb_placement *p, struct ayb_err *err);

/* A key for one purpose ("forward", "admin", ...) derived from the
 * configuration's fernet_key, which every node shares: HMAC-SHA256(key,
 * "ayb-node " + purpose). */
#define AYB_NODE_KEY_BYTES 32
void ayb_node_key(const struct ayb_config *cfg, const char *purpose,
		  unsigned char out[AYB_NODE_KEY_BYTES]);

/* The header a forwarded request carries (README "Several machines"), so
 * that its receiver serves it or refuses it but never forwards it again:
 * "<unix time>.<hex HMAC-SHA256 of method, request URI and time>" under
 * the "forward" key. */
#define AYB_NODE_FORWARD_HEADER "X-Ayb-Forwarded"
#define AYB_NODE_FORWARD_SIG_MAX 96
void ayb_node_forward_sign(const struct ayb_config *cfg, const char *method, const char *uri,
			   int64_t now, char out[AYB_NODE_FORWARD_SIG_MAX]);
/* 1 when sig is a signature of (method, uri) made within a minute of now
 * (either way: the nodes' clocks differ a little), else 0. */
int ayb_node_forward_check(const struct ayb_config *cfg, const char *method, const char *uri,
			   const char *sig, int64_t now);

#endif
