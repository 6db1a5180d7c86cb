/* What a node does for a move between nodes, a drain and a recovery
 * (README "Several machines"), asked by the admin through the signed
 * /_ayb/node/ endpoints (cgi/api/node.c).  Each takes the epoch the admin
 * moves the database to and refuses to act below the node's local epoch
 * marker, so a replayed or stale request cannot undo a later move.
 * cfg->snapshots must be set for a fence or a restore (Other 503
 * otherwise). */
#ifndef AYB_NODE_OPS_H
#define AYB_NODE_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "error.h"
#include "snapshot.h"

/* The source's half: under the database's snapshot lock and its writer's
 * lock taken exclusive (no write is between its connect and its answer,
 * and none can start), snapshots it to S3 and fences it
 * (ayb_layout_fence): from then on nothing here serves or writes it, and a
 * write that waited for the lock fails with 503.  id gets the snapshot's
 * id, "" when the database has no file yet.  Errors: Other (404) when it
 * is not here, Other (409) when its marker is at `epoch` or later, the
 * snapshot's errors (nothing is fenced then). */
int ayb_node_fence(const struct ayb_config *cfg, const char *entity, const char *db,
		   int64_t epoch, char id[AYB_SNAPSHOT_ID_LEN + 1], struct ayb_err *err);

/* A failed move's way back: the copy fenced by the move to epoch - 1
 * returns (when the fence happened) and its marker becomes `epoch`.
 * Errors as for a fence. */
int ayb_node_unfence(const struct ayb_config *cfg, const char *entity, const char *db,
		     int64_t epoch, struct ayb_err *err);

/* After the switch: deletes the copy the move to `epoch` fenced here.  A
 * replay finds nothing to delete; it cannot fail. */
void ayb_node_discard(const struct ayb_config *cfg, const char *entity, const char *db,
		      int64_t epoch);

/* The target's half: installs the database from `from` (flen bytes: a
 * snapshot id, "latest" for its newest snapshot, or "none" for a database
 * with no file yet) with ayb_node_recover_files, then writes its marker
 * at `epoch`.  id gets the snapshot installed, "" for none.  Errors: Other
 * (409) when the marker here is at `epoch` or later, Other (400) for a bad
 * `from`, then ayb_node_recover_files's. */
int ayb_node_restore(const struct ayb_config *cfg, const char *entity, const char *db,
		     int64_t epoch, const char *from, size_t flen,
		     char id[AYB_SNAPSHOT_ID_LEN + 1], struct ayb_err *err);

/* What id starts with when the files came from continuous backup: the
 * time of the last commit replayed follows ("wal:2026-12-03T19:00:00.5Z"). */
#define AYB_NODE_FROM_WAL "wal:"

/* The one place the files of a database come from when it arrives on a
 * node: snapshot `want`, downloaded, checked and swapped in atomically
 * (ayb_snapshot_restore); want NULL: the newest state, which with
 * continuous backup on is its last shipped commit (id AYB_NODE_FROM_WAL
 * and its time), else the newest snapshot (when there is none, the
 * database starts empty and id is ""). */
int ayb_node_recover_files(const struct ayb_config *cfg, const char *entity, const char *db,
			   const char *want, char id[AYB_SNAPSHOT_ID_LEN + 1],
			   struct ayb_err *err);

#endif
