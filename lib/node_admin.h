/* The admin's operations on a cluster (README "Several machines":
 * Operations): move a database to another node, drain a node, recover the
 * databases of a node that is gone.  Each reads and swaps placements in the
 * metadata store (compare-and-swap on the epoch, lib/placement.h) and asks
 * the nodes for their halves over their signed endpoints (lib/node_ops.h,
 * lib/node_call.h).  Progress goes to `out`, a line per step. */
#ifndef AYB_NODE_ADMIN_H
#define AYB_NODE_ADMIN_H

#include <stdio.h>

#include "config.h"
#include "error.h"
#include "node.h"
#include "store.h"

struct ayb_node_admin {
	const struct ayb_config *cfg;   /* not owned */
	struct ayb_store *store;        /* owned */
	FILE *out;                      /* not owned */
	unsigned char key[AYB_NODE_KEY_BYTES];
};

/* Opens the metadata store of cfg.  0, or -1 with err (the store's error;
 * nothing to close). */
int ayb_node_admin_open(struct ayb_node_admin *a, const struct ayb_config *cfg, FILE *out,
			struct ayb_err *err);
void ayb_node_admin_close(struct ayb_node_admin *a);

/* Moves entity/db to the node `target`: placement 'moving' at epoch+1,
 * fence and snapshot on the source, restore on the target, placement
 * (target, epoch+1, 'serving').  A failure before the switch rolls back:
 * the source unfences and serves again at epoch+2.  Errors: Other (404)
 * for an unknown database or node, Other (400) for the node it is on,
 * Other (503) for a source or target that is down, Other (409) for a
 * database being moved or whose placement changed meanwhile, then the
 * nodes' own errors (with whether the rollback worked). */
int ayb_node_admin_move(struct ayb_node_admin *a, const char *entity, const char *db,
			const char *target, struct ayb_err *err);

/* For a move that stopped half-way (the admin was interrupted): the
 * database's node unfences it and serves it again at epoch+1, as a failed
 * move rolls back.  Errors: Other (400) when it is not moving, Other (503)
 * when its node is down (recover it instead), the node's own. */
int ayb_node_admin_rollback(struct ayb_node_admin *a, const char *entity, const char *db,
			    struct ayb_err *err);

/* Moves every database of `node` to the others, one at a time, each to
 * the live node then holding fewest.  Goes on past a failure; -1 with err
 * "<n> of <m> databases of <node> were not moved" when any failed. */
int ayb_node_admin_drain(struct ayb_node_admin *a, const char *node, struct ayb_err *err);

/* For a node that is gone (refused while it is alive: Other 409): each of
 * its databases is restored on the live node holding fewest from its
 * newest state in S3 (ayb_node_recover_files), at epoch+1, so that the old
 * node, back, holds a stale epoch and forwards.  Goes on past a failure
 * (the database stays 'moving' there, and a second recover takes it up);
 * -1 with err as drain's when any failed. */
int ayb_node_admin_recover(struct ayb_node_admin *a, const char *node, struct ayb_err *err);

#endif
