/* Point-in-time restore from continuous backup (README "Snapshots"): the
 * database as it was at an instant, from the newest generation whose base
 * was taken at or before it, replayed from S3's segments and, on the host
 * that captured them, from the spool not shipped yet.  Every commit
 * acknowledged before the instant is in it; none sent after is. */
#ifndef AYB_PITR_RESTORE_H
#define AYB_PITR_RESTORE_H

#include <stdint.h>

#include "config.h"
#include "error.h"
#include "s3.h"

/* at_ms for "everything there is". */
#define AYB_PITR_LATEST INT64_MAX

/* The instants a database can be restored to: from the base of its oldest
 * generation to now (commits not in S3 yet are in the local spool).  1
 * with *from_ms and *to_ms, 0 when it has no continuous backup, -1 with
 * err (S3's). */
int ayb_pitr_window(struct ayb_s3 *s3, const struct ayb_config *cfg, const char *entity,
		    const char *db, int64_t *from_ms, int64_t *to_ms, struct ayb_err *err);

/* Writes the database as it was at at_ms into the new file out_path:
 * the base, then every commit of its generation at or before at_ms, each
 * record's checksum checked, the file truncated to each commit's size.
 * With use_spool, the local spool's records follow S3's.  *applied_ms (may
 * be NULL) gets the time of the last commit applied.  Errors: Other (400)
 * "... is before the restorable window, which starts at ..." or "... is in
 * the future"; SnapshotDoesNotExistError (404) when there is no continuous
 * backup; SnapshotError (502) for a damaged or missing object; S3's.  The
 * caller removes out_path on failure.  Used by the restore below, and by
 * `ayb admin rebuild_from_s3`. */
int ayb_pitr_materialize(struct ayb_s3 *s3, const struct ayb_config *cfg, const char *entity,
			 const char *db, int64_t at_ms, int use_spool, const char *out_path,
			 int64_t *applied_ms, struct ayb_err *err);

/* Replaces the database with its state at at_ms: materialized into a new
 * version directory, integrity-checked in a worker, then swapped in
 * atomically as a snapshot restore is.  On failure the database is
 * untouched.  Errors: ayb_pitr_materialize's and ayb_snapshot_restore's. */
int ayb_pitr_restore(struct ayb_s3 *s3, const struct ayb_config *cfg, const char *entity,
		     const char *db, int64_t at_ms, struct ayb_err *err);

/* Rebuilds one database from S3 alone (a host that lost its data_path,
 * `ayb admin rebuild_from_s3`): everything its continuous backup holds.
 * With to_dir, into the file to_dir/<entity>/<db> (made; an existing one
 * is refused), integrity-checked; else into a new version of data_path's
 * database, swapped in, unless the database has a current version
 * (Other 409: it is left as it is).  *applied_ms: its last commit's time.
 * Errors: ayb_pitr_materialize's, ayb_pitr_restore's. */
int ayb_pitr_rebuild_one(struct ayb_s3 *s3, const struct ayb_config *cfg, const char *entity,
			 const char *db, const char *to_dir, int64_t at_ms, int64_t *applied_ms,
			 struct ayb_err *err);

#endif
