/* Snapshots of hosted databases in S3 (README "Snapshots"): making one
 * (VACUUM INTO, integrity check, hash, zstd, upload, prune), listing them,
 * and restoring one.  Everything streams through files under data_path:
 * memory stays flat whatever the database's size.
 *
 * Object keys: <P>/<entity>/<database>/<snapshot id>, where P is
 * path_prefix, or <bucket>/<path_prefix> with force_path_style (ayb's
 * layout, kept so buckets written by ayb stay readable).  A snapshot id is
 * the lowercase hex BLAKE2b-256 of the uncompressed snapshot file. */
#ifndef AYB_SNAPSHOT_H
#define AYB_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "error.h"
#include "s3.h"

#define AYB_SNAPSHOT_ID_LEN 64

struct ayb_snapshot {
	char snapshot_id[AYB_SNAPSHOT_ID_LEN + 1];
	char *last_modified_at;   /* RFC 3339 UTC with Z, fraction only when non-zero */
	int64_t seconds;          /* last_modified_at as Unix time, for ordering */
	int32_t nanos;
};

/* What ayb_snapshot_make did. */
enum ayb_snapshot_outcome {
	AYB_SNAPSHOT_NO_FILE = 0,   /* the database file does not exist yet: nothing to do */
	AYB_SNAPSHOT_UNCHANGED,     /* a snapshot with this id exists: nothing uploaded */
	AYB_SNAPSHOT_UPLOADED,      /* uploaded, then pruned */
};

struct ayb_snapshot_result {
	enum ayb_snapshot_outcome outcome;
	char snapshot_id[AYB_SNAPSHOT_ID_LEN + 1];  /* "" for NO_FILE */
	size_t pruned;                              /* how many old snapshots were deleted */
	uint64_t size;                              /* bytes of the uncompressed snapshot */
	uint64_t compressed;                        /* bytes uploaded */
};

/* 1 when id is 64 lowercase hex digits, the only ids ayb-c makes or
 * restores (ayb's BLAKE3 ids have the same shape). */
int ayb_snapshot_id_valid(const char *id);

/* "<P>/<entity>/<database>/" for the configuration; the caller frees; NULL
 * on OOM.  Slashes around path_prefix are trimmed and an empty prefix adds
 * nothing (ayb would start keys with '/').  A NULL entity gives "<P>/",
 * the host's. */
char *ayb_snapshot_key_prefix(const struct ayb_snapshots_config *cfg, const char *entity,
			      const char *db);

/* The snapshots of a database, newest first (ties keep S3's key order).
 * Only objects named by a valid id directly under the prefix count; others
 * are neither listed nor ever pruned.  *out is an array of *n the caller
 * frees with ayb_snapshots_free().  Errors: S3ExecutionError /
 * S3ConnectionError "Failed to list snapshots: ...". */
int ayb_snapshot_list(struct ayb_s3 *s3, const struct ayb_snapshots_config *cfg,
		      const char *entity, const char *db, struct ayb_snapshot **out, size_t *n,
		      struct ayb_err *err);
void ayb_snapshots_free(struct ayb_snapshot *s, size_t n);

/* Snapshots one database: VACUUM INTO a work directory (made by
 * ayb_layout_work_make), PRAGMA integrity_check (both in workers under
 * cfg->isolation's query limits, lib/worker.h), hash, and unless a
 * snapshot with that id exists, zstd-compress to a file
 * (constant memory), upload it, then delete the oldest so that at most
 * max_snapshots remain (0: keep all).  The work directory is removed on
 * success and failure alike.  cfg->snapshots must be set and the slugs
 * checked by the caller, and makes of one database must not overlap
 * (ayb-snapshot holds a lock): a make removes work directories that
 * earlier ones left behind.
 * Returns 0 with *res filled, or -1 with err (SnapshotError, S3 errors with
 * "Failed to upload snapshot <key>: ..." and the like; a limit reached:
 * Other (400) "Snapshot failed: copying the database stopped: Query timed
 * out: ..." or "...: its integrity check stopped: ..."). */
int ayb_snapshot_make(struct ayb_s3 *s3, const struct ayb_config *cfg, const char *entity,
		      const char *db, int max_snapshots, struct ayb_snapshot_result *res,
		      struct ayb_err *err);

/* Replaces the database with snapshot `id` (README "Snapshots"): streams
 * the object through zstd into a fresh version directory, checks it is an
 * intact SQLite database (in a worker under the query limits), then swaps
 * `current` to it atomically (readers see
 * the old file or the new one, never a mix; no -wal/-shm comes along) and
 * deletes the old version.  On failure the live database is untouched and
 * the new directory removed.  cfg->snapshots must be set.  Errors: an id
 * of the wrong shape or one S3 does not have is SnapshotDoesNotExistError
 * (404); a corrupt object is SnapshotError (502); a check that reaches a
 * limit is Other (400) "Snapshot <id> was not restored: its integrity check
 * stopped: Query timed out: ..."; the worker's trouble (503, 500) likewise;
 * S3 errors as above. */
int ayb_snapshot_restore(struct ayb_s3 *s3, const struct ayb_config *cfg, const char *entity,
			 const char *db, const char *id, struct ayb_err *err);

/* The parts of a restore that continuous backup's (lib/pitr_restore.h)
 * shares.  ayb_snapshot_fetch streams the zstd object `key` into fd:
 * 1 done, 0 when S3 has no such object, -1 with err (what names the object
 * in messages, shown the file).  ayb_snapshot_install checks that `file`, a
 * database in vdir (a new version from ayb_layout_new_version), is intact
 * (in a worker under the query limits), then swaps `current` to vdir; on
 * failure the caller removes vdir.  ayb_snapshot_pack zstd-compresses
 * src_size bytes read from in (src names it in messages) into the new file
 * dst, with sha_hex the SHA-256 of the output for the upload. */
int ayb_snapshot_fetch(struct ayb_s3 *s3, const char *key, int fd, const char *what,
		       const char *shown, struct ayb_err *err);
int ayb_snapshot_install(const struct ayb_config *cfg, const char *entity, const char *db,
			 const char *vdir, const char *file, const char *what, struct ayb_err *err);
int ayb_snapshot_pack(int in, const char *src, uint64_t src_size, const char *dst,
		      char sha_hex[65], uint64_t *out_size, struct ayb_err *err);

/* Parses an RFC 3339 timestamp ("2024-08-18T15:05:04.123Z", any offset)
 * into Unix seconds and nanoseconds.  Returns 0, or -1 when malformed. */
int ayb_snapshot_parse_time(const char *text, int64_t *seconds, int32_t *nanos);

/* Writes the UTC time as "2024-08-18T15:05:04.123Z": no fraction when it is
 * zero, else 3, 6 or 9 digits (ayb's rendering).  out has room for 40 bytes. */
void ayb_snapshot_format_time(int64_t seconds, int32_t nanos, char *out);

#endif
