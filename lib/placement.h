/* Placement in the metadata store (README "Several machines"): the nodes
 * sharing the store, their heartbeats, and which node holds each database
 * at which epoch.  struct ayb_placement is in store.h: the target lookups
 * read it with the rest of a request's metadata.
 *
 * Lookups return 1 when found, 0 when not, -1 with err set on failure. */
#ifndef AYB_PLACEMENT_H
#define AYB_PLACEMENT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

/* A node whose heartbeat is older than this is not alive: "fewest"
 * placement skips it and `ayb admin status` says so. */
#define AYB_NODE_ALIVE_SECONDS 30
/* A node writes its heartbeat at most this often. */
#define AYB_NODE_HEARTBEAT_SECONDS 5

/* The database's placement (*out zeroed when 0). */
int ayb_placement_get(struct ayb_store *st, int64_t database_id, struct ayb_placement *out,
		      struct ayb_err *err);

/* Places a new database on `node` at `epoch`, serving: 0 or -1. */
int ayb_placement_create(struct ayb_store *st, int64_t database_id, const char *node,
			 int64_t epoch, struct ayb_err *err);

/* Sets the database's placement to (node, epoch, state) only if its epoch
 * is still expect_epoch: 1 when set, 0 when the epoch had changed (or there
 * is no row), -1 with err.  Every move goes through here (fencing). */
int ayb_placement_cas(struct ayb_store *st, int64_t database_id, int64_t expect_epoch,
		      const char *node, int64_t epoch, int state, struct ayb_err *err);

/* Records that `node`, reached at `url`, is alive now. */
int ayb_placement_heartbeat(struct ayb_store *st, const char *node, const char *url,
			    struct ayb_err *err);

/* A node as listed: heartbeat_at as the store writes timestamps (NULL:
 * never), alive when within AYB_NODE_ALIVE_SECONDS. */
struct ayb_node_info {
	char name[AYB_NODE_NAME_MAX];
	char *url;
	char *heartbeat_at;
	int alive;
	int64_t databases;   /* placements on it */
};
/* Every node that ever wrote a heartbeat, by name; free with
 * ayb_node_infos_free. */
int ayb_placement_nodes(struct ayb_store *st, struct ayb_node_info **out, size_t *n,
			struct ayb_err *err);
void ayb_node_infos_free(struct ayb_node_info *v, size_t n);

/* A placement as listed, with the database's names. */
struct ayb_placement_row {
	int64_t database_id;
	char *entity;
	char *database;
	struct ayb_placement place;
};
/* The placements on `node` (NULL: every node), by entity and database;
 * free with ayb_placement_rows_free. */
int ayb_placement_list(struct ayb_store *st, const char *node, struct ayb_placement_row **out,
		       size_t *n, struct ayb_err *err);
void ayb_placement_rows_free(struct ayb_placement_row *v, size_t n);

/* The alive node holding fewest databases (ties: by name) in out: 1, or 0
 * when no node is alive. */
int ayb_placement_fewest(struct ayb_store *st, char out[AYB_NODE_NAME_MAX], struct ayb_err *err);

/* The URL of the node named `node` (malloc'd in *url): 1, or 0 when no such
 * node has written a heartbeat. */
int ayb_placement_node_url(struct ayb_store *st, const char *node, char **url,
			   struct ayb_err *err);

#endif
