/* The disk layout under data_path (README "Snapshots" and "Isolation"):
 * the one module that spells a path below it.
 *
 *   <data_path>/databases/<entity>/<database>/current -> <uuidv7>/
 *   <data_path>/databases/<entity>/<database>/<uuidv7>/<database>
 *   <data_path>/databases/<entity>/<database>/epoch       (several machines)
 *   <data_path>/snapshots/<entity>/<database>/lock, last-run, work.XXXXXX/
 *   <data_path>/exports/<entity>/<database>/XXXXXX/
 *   <data_path>/continuous/<entity>/<database>/lock, open, sealed-*, base-*
 *   <data_path>/continuous/status, shipper.lock
 *   <data_path>/fenced/<entity>/<database>/<epoch>/ (moved off this node)
 *   <data_path>/link-checks/<entity>.lock
 *   <data_path>/slots.lock
 *
 * Every path built here goes through the same checks: an entity or
 * database name that is empty, ".", "..", holds a '/' or is longer than
 * NAME_MAX is refused with Other (500) "Invalid database path component",
 * whatever the caller checked before. */
#ifndef AYB_LAYOUT_H
#define AYB_LAYOUT_H

#include <stdint.h>

#include "error.h"

/* Makes databases/<entity>/<db>/<uuidv7>/ and points `current` at it
 * (symlink current.tmp, then rename over current).  No database file is
 * created.  Slugs must already be validated.  Returns 0 or -1 with err (500).
 * Same as ayb_layout_new_version followed by ayb_layout_swap. */
int ayb_layout_create(const char *data_path, const char *entity, const char *db,
		      struct ayb_err *err);

/* Makes a new, empty version directory databases/<entity>/<db>/<uuidv7>/
 * (parents too, mode 0700) and sets *dir_out to its absolute canonical
 * path, which the caller frees.  Restore fills it, then swaps it in.
 * Returns 0, or -1 with err (500) and *dir_out NULL. */
int ayb_layout_new_version(const char *data_path, const char *entity,
			   const char *db, char **dir_out, struct ayb_err *err);

/* Points `current` at version_dir (a path from ayb_layout_new_version for
 * the same database; anything else is refused): symlink current.tmp ->
 * version_dir, rename it over current, fsync the directory, then delete the
 * version directory `current` pointed at before, if any.  Swaps of one
 * database on one host are serialised with flock.  Connections already open
 * on the old file keep reading the deleted file until they close.  Returns
 * 0, or -1 with err (500); a failed delete of the old version is not an
 * error (it stays behind as an orphan). */
int ayb_layout_swap(const char *data_path, const char *entity, const char *db,
		    const char *version_dir, struct ayb_err *err);

/* Where a database's current file is: resolved from `current` by
 * ayb_layout_locate.  Every string is owned; ayb_layout_file_free frees. */
struct ayb_layout_file {
	char *dir;               /* absolute canonical version directory */
	char *path;              /* dir + "/" + database slug */
	char *shown;             /* databases/<e>/<d>/<uuid>/<d>, for messages */
	int db_type;             /* the engine that opens it (lib/store.h's enum
				    ayb_db_type): 0, SQLite, unless the caller says */
};

/* Resolves the `current` link of a database.  Returns 0 with *f filled, or
 * -1 with err (no `current`: Other (500) "IO error: Os { code: 2, ... }")
 * and *f zeroed; errno then says why the link did not resolve (ENOENT: the
 * database has no `current`), or is EINVAL for a refused component. */
int ayb_layout_locate(const char *data_path, const char *entity, const char *db,
		      struct ayb_layout_file *f, struct ayb_err *err);
void ayb_layout_file_free(struct ayb_layout_file *f);

/* The database file in a version directory (from ayb_layout_new_version
 * or a located file's dir): version_dir + "/" + db.  NULL with err (refused
 * component, OOM); the caller frees. */
char *ayb_layout_version_file(const char *version_dir, const char *db, struct ayb_err *err);

/* The database file in a version directory as messages show it, relative
 * to data_path: databases/<entity>/<db>/<version>/<db> (a caller never sees
 * where the server keeps its data).  NULL on OOM; the caller frees. */
char *ayb_layout_version_shown(const char *version_dir, const char *entity, const char *db);

/* <data_path>/databases/<entity>/<db>/current, the link ayb_layout_locate
 * resolves, for messages about it.  NULL with err (refused component, OOM);
 * the caller frees. */
char *ayb_layout_current_path(const char *data_path, const char *entity, const char *db,
			      struct ayb_err *err);

/* <data_path>/databases/<entity>/<db>/epoch: the placement epoch at which
 * this node received the database (README "Several machines"), beside
 * `current` so that a restore swapping versions keeps it.  NULL with err
 * (refused component, OOM); the caller frees. */
char *ayb_layout_epoch_path(const char *data_path, const char *entity, const char *db,
			    struct ayb_err *err);

/* 1 when `path` is a file of another version directory of f's database
 * (<database dir>/<version>/... with a version other than f->dir's): a
 * connection to it was opened before a restore swapped `current` away. */
int ayb_layout_other_version(const char *path, const struct ayb_layout_file *f);

/* The names, in a version directory, of the database's writer (lib/writer.h):
 * its unix socket and the lock that starts and ends it.  Beside the
 * database file and named after it, as SQLite names its -wal and -shm, so
 * they can never be a database's own name (a version holds one database).
 * Each fits in out[AYB_LAYOUT_WRITER_NAME]; f_path is a located file's
 * path. */
#define AYB_LAYOUT_WRITER_NAME 80
void ayb_layout_writer_socket(const char *f_path, char out[AYB_LAYOUT_WRITER_NAME]);
void ayb_layout_writer_lock(const char *f_path, char out[AYB_LAYOUT_WRITER_NAME]);

/* 1 while f's version directory is still the database's current one, 0
 * once a restore swapped `current` away from it or a move fenced the
 * database (ayb_layout_fence): a write that waited for the writer's lock
 * through either must not commit to a file nobody serves any more. */
int ayb_layout_is_current(const struct ayb_layout_file *f);

/* ---- moves between nodes (README "Several machines") ------------------- */

/* Moves databases/<entity>/<db> whole (its epoch marker with it) to
 * fenced/<entity>/<db>/<epoch>, the epoch of the move, with one rename,
 * replacing older fenced copies: `current` then resolves nowhere, so
 * nothing on this node serves or writes the database, and the copy can
 * come back (ayb_layout_unfence) if the move fails.  Returns 0, or -1 with
 * err: Other (404) "<entity>/<db> is not on this node", an IO error (500). */
int ayb_layout_fence(const char *data_path, const char *entity, const char *db,
		     int64_t epoch, struct ayb_err *err);
/* Puts back the copy fenced at `epoch`.  Returns 1 when it did, 0 when the
 * database is here (not fenced), or -1 with err: Other (404) when neither,
 * an IO error (500). */
int ayb_layout_unfence(const char *data_path, const char *entity, const char *db,
		       int64_t epoch, struct ayb_err *err);
/* Deletes the copy fenced at `epoch` (0: every fenced copy), if any. */
void ayb_layout_fence_discard(const char *data_path, const char *entity, const char *db,
			      int64_t epoch);

/* ---- snapshots ----------------------------------------------------------- */

/* The snapshot state of one database, as ayb-snapshot keeps it.  Every
 * string is owned; ayb_layout_snapshot_free frees. */
struct ayb_layout_snapshot {
	char *dir;               /* <data_path>/snapshots/<entity>/<db> */
	char *lock;              /* dir/lock: flocked for a whole snapshot */
	char *state;             /* dir/last-run: start of the last success, Unix ms */
	char *state_tmp;         /* dir/last-run.tmp: state is written here, then renamed */
};

/* Fills *s for the database (nothing is created).  Returns 0, or -1 with
 * err (refused component, OOM) and *s zeroed. */
int ayb_layout_snapshot(const char *data_path, const char *entity, const char *db,
			struct ayb_layout_snapshot *s, struct ayb_err *err);
void ayb_layout_snapshot_free(struct ayb_layout_snapshot *s);

/* A work directory for one snapshot, under the snapshot directory.  Every
 * string is owned; ayb_layout_work_remove deletes the directory and frees. */
struct ayb_layout_work {
	char *dir;               /* <snapshot dir>/work.XXXXXX */
	char *copy;              /* canonical dir/<db>: the VACUUM INTO copy */
	char *packed;            /* canonical dir/<db>.zst: the compressed copy */
};

/* Creates the database's snapshot directory (mode 0700) if need be, removes
 * the work directories earlier runs left behind (runs of one database must
 * not overlap: ayb-snapshot holds the lock), and makes a fresh one.
 * Returns 0 with *w filled, or -1 with err: SnapshotError (500) "Cannot
 * create <dir>: ..." or "Cannot create a work directory in <dir>: ...",
 * refused component, OOM; *w is then zeroed. */
int ayb_layout_work_make(const char *data_path, const char *entity, const char *db,
			 struct ayb_layout_work *w, struct ayb_err *err);
void ayb_layout_work_remove(struct ayb_layout_work *w);

/* ---- continuous backup ------------------------------------------------------ */

/* The spool of a database's captured commits (lib/pitr_capture.h,
 * pitr_ship.h): the writer appends to `open` under `lock` (flock); the
 * shipper renames it to a sealed file under the same lock, ships and
 * deletes it; a generation's base copy waits beside them.  Every string is
 * owned; ayb_layout_spool_free frees. */
struct ayb_layout_spool {
	char *dir;               /* <data_path>/continuous/<entity>/<db> */
	char *lock;              /* dir/lock */
	char *open;              /* dir/open */
	char *pack;              /* dir/pack.tmp: the shipper's compressed upload */
};

/* Fills *s for the database (nothing is created).  0, or -1 with err
 * (refused component, OOM) and *s zeroed. */
int ayb_layout_spool(const char *data_path, const char *entity, const char *db,
		     struct ayb_layout_spool *s, struct ayb_err *err);
/* The same for the database whose version directory is version_dir
 * (<data_path>/databases/<e>/<d>/<version>), its directory made (mode
 * 0700): what a writer is handed.  0, or -1 with err. */
int ayb_layout_spool_of_version(const char *version_dir, struct ayb_layout_spool *s,
				struct ayb_err *err);
/* The same for a spool directory already known (a writer's setup). */
int ayb_layout_spool_in(const char *dir, struct ayb_layout_spool *s, struct ayb_err *err);
void ayb_layout_spool_free(struct ayb_layout_spool *s);

/* Names in a spool directory: a sealed file ("sealed-<13-digit ms>-<n>"),
 * a base copy ("base-<generation>"), and what a name is: 's', 'b', or 0
 * for anything else (the open file, the lock, a temporary file). */
#define AYB_LAYOUT_SPOOL_NAME 96
void ayb_layout_spool_sealed_name(int64_t ms, unsigned n, char out[AYB_LAYOUT_SPOOL_NAME]);
void ayb_layout_spool_base_name(const char *generation, char out[AYB_LAYOUT_SPOOL_NAME]);
int ayb_layout_spool_kind(const char *name);

/* The writer's capture state of a database file, in its version directory
 * beside it (a replaced file has only what its swap wrote, lib/swap_in.h): a name for
 * out[AYB_LAYOUT_WRITER_NAME], as ayb_layout_writer_socket's. */
void ayb_layout_capture_state(const char *f_path, char out[AYB_LAYOUT_WRITER_NAME]);

/* <data_path>/continuous/status: what the shipper last found (its spool's
 * size, its last failure), which /health reads.  NULL on OOM. */
char *ayb_layout_continuous_status(const char *data_path);
/* <data_path>/continuous/shipper.lock, held by the host's one shipper;
 * its directory is made.  NULL on OOM or when it cannot be. */
char *ayb_layout_shipper_lock(const char *data_path);

/* ---- exports ---------------------------------------------------------------- */

/* A fresh directory for one export of the database (mode 0700, its parents
 * made): f->dir is <data_path>/exports/<entity>/<db>/XXXXXX, canonical, and
 * f->path is f->dir + "/" + db + suffix, the file the export writes (not
 * made); f->shown stays NULL.  The export removes the directory with
 * ayb_fs_remove_tree once it has the file open; directories of the
 * database's exports older than stale_ms (left by a process that died) are
 * removed first.  Returns 0, or -1 with err (refused component, OOM, Other
 * (500) "Cannot create ...") and *f zeroed. */
int ayb_layout_export_make(const char *data_path, const char *entity, const char *db,
			   const char *suffix, int64_t stale_ms, struct ayb_layout_file *f,
			   struct ayb_err *err);

/* ---- profile link checks ------------------------------------------------ */

/* <data_path>/link-checks/<entity>.lock, which the link checker of the
 * entity holds with flock while it runs, so that one entity never has two
 * (README "The HTTP API": profile links).  Its directory is created (mode
 * 0700).  Returns the path, which the caller frees, or NULL with err
 * (refused component, OOM, or Other (500) "Cannot create <dir>: ..."). */
char *ayb_layout_link_check_lock(const char *data_path, const char *entity,
				 struct ayb_err *err);
/* ---- query slots ---------------------------------------------------------- */

/* <data_path>/slots.lock, whose bytes are the slots of the caps on queries
 * running at once (lib/slots.c); NULL on OOM, else the caller frees. */
char *ayb_layout_slots_file(const char *data_path);

/* ---- every hosted database ----------------------------------------------- */

enum ayb_layout_entry_kind {
	AYB_LAYOUT_DATABASE,     /* entity and db name a database directory */
	AYB_LAYOUT_STRAY,        /* something ayb-c did not make: what, message */
};

/* One entry of the walk; its strings belong to the iterator and stay valid
 * until the next call. */
struct ayb_layout_entry {
	enum ayb_layout_entry_kind kind;
	const char *entity;
	const char *db;          /* NULL for an entity-level stray */
	const char *what;        /* "<entity>" or "<entity>/<db>" */
	const char *message;     /* STRAY: why the entry is not a database */
};

struct ayb_layout_iter;

/* Starts a walk over <data_path>/databases/<entity>/<database>, both levels
 * in name order (alphasort).  A name that is not a valid slug, or a file
 * where a directory belongs, is a STRAY entry of its own, not the end of
 * the walk.  No databases/ directory at all is an empty walk.  Returns 0
 * with *it (the caller ends it with ayb_layout_iter_free), or -1 with
 * err (Other 500 "<data_path>/databases: <strerror>", or OOM) and *it NULL. */
int ayb_layout_iter_open(const char *data_path, struct ayb_layout_iter **it,
			 struct ayb_err *err);

/* The next entry: 1 with *e filled, 0 at the end. */
int ayb_layout_iter_next(struct ayb_layout_iter *it, struct ayb_layout_entry *e);
void ayb_layout_iter_free(struct ayb_layout_iter *it);

#endif
