/* A pass of scheduled snapshots (README "Snapshots"): every hosted database
 * whose snapshots.automation.interval has elapsed since its last successful
 * snapshot is snapshotted, so cron may start a pass every minute whatever
 * the interval.  ayb-snapshot runs passes, alone or in its --loop (which
 * `ayb server` starts).
 *
 * Per database, the snapshot directory (lib/layout.h) holds `lock`, an
 * flock taken for the whole snapshot (a pass that finds it held skips the
 * database, so overlapping passes never snapshot one database twice), and
 * `last-run`, when its last successful snapshot started, in Unix
 * milliseconds. */
#ifndef AYB_SNAPSHOT_PASS_H
#define AYB_SNAPSHOT_PASS_H

#include <signal.h>
#include <stdio.h>

#include "buf.h"
#include "config.h"
#include "error.h"
#include "s3.h"
#include "store.h"

/* What one pass did, for its summary line, and what it works with.
 * ayb_snapshot_pass_open fills it; ayb_snapshot_pass_close frees what it
 * owns (the store and `failures`, not cfg or s3). */
struct ayb_snapshot_pass {
	const struct ayb_config *cfg;
	struct ayb_s3 *s3;
	struct ayb_store *store;
	/* Set (by a signal handler) to end the pass between databases;
	 * NULL: never. */
	const volatile sig_atomic_t *stopping;
	FILE *out;                /* progress lines ("Trying to back up e/d") */
	FILE *log;                /* one "Unable to snapshot ..." line per failure */
	int uploaded, unchanged, not_due, busy, skipped, failed;
	struct ayb_buf failures;  /* "  <e>/<d>: <message>\n" per failure */
};

/* Opens the metadata store for a pass writing to stdout and stderr.
 * cfg->snapshots must be set.  Returns 0, or -1 with err (the store's
 * error) and nothing to close. */
int ayb_snapshot_pass_open(struct ayb_snapshot_pass *p, const struct ayb_config *cfg,
			   struct ayb_s3 *s3, struct ayb_err *err);
void ayb_snapshot_pass_close(struct ayb_snapshot_pass *p);

/* Snapshots one database under its lock, counting the outcome in *p:
 * skipped while another process holds the lock, not due (unless `force`)
 * when its interval has not elapsed, skipped when the metadata does not
 * know it, when it has no file yet, or on a node of several (README
 * "Several machines") when this node does not hold it at its epoch.  Slugs must be valid. */
void ayb_snapshot_pass_one(struct ayb_snapshot_pass *p, const char *entity, const char *db,
			   int force);

/* ayb_snapshot_pass_one (not forced) for every hosted database, in name
 * order; what is not a database directory counts as a failure, and the
 * pass goes on. */
void ayb_snapshot_pass_all(struct ayb_snapshot_pass *p);

#endif
