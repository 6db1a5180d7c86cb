/* Continuous backup's capture (README "Snapshots"), in a database's writer
 * (lib/worker_writer.c): every write to a hosted SQLite database commits
 * there, so the writer's WAL hook sees each commit as it happens.  It reads
 * the frames the commit added straight from the -wal file and appends one
 * record per commit (lib/pitr_log.h) to the database's spool
 * (lib/layout.h) under its lock, before the writer answers anyone: an
 * acknowledged write is in the spool (the page cache: a kill -9 of any
 * process loses nothing; a power cut loses what the kernel had not
 * written).  The hook replaces SQLite's automatic checkpoint and runs it
 * itself, after the capture, so no frame is checkpointed away uncaptured.
 *
 * Its state (the generation, its next frame number, the WAL's salts and
 * the last WAL frame captured) is a file in the version directory: a file
 * that replaces the database (a restore, an import) has the one its swap
 * wrote (ayb_pitr_capture_replacing), with continuous backup on when it
 * was swapped in, else none.  A new generation, a
 * base copy of the database and a record of every frame of the WAL, starts
 * when there is no state, when the WAL is not the one the state knows and
 * the writer before did not end cleanly (frames may have been checkpointed
 * uncaptured), when the last capture failed, or when the log since the base
 * outgrows the database (so retention can drop old generations). */
#ifndef AYB_PITR_CAPTURE_H
#define AYB_PITR_CAPTURE_H

struct ayb_pitr_capture;
struct sqlite3;

/* The capture of the database file `path` into the spool at spool_dir
 * (both reachable in the writer's sandbox).  NULL on OOM or when the
 * spool's lock cannot be opened. */
struct ayb_pitr_capture *ayb_pitr_capture_open(const char *path, const char *spool_dir);

/* Marks the state clean (everything the WAL holds was captured) and frees:
 * after the writer closed its connection. */
void ayb_pitr_capture_close(struct ayb_pitr_capture *c);

/* For a file about to replace the database's current one (lib/swap_in.h),
 * outside any writer: starts a new generation whose base is that file,
 * with a first record of its first page (so that it restores from its
 * start) and the state in its version directory, which the new file's
 * writer goes on from.  The generation starts under the spool's lock,
 * which stays held until ayb_pitr_capture_close: the caller swaps the file
 * in meanwhile, so that no commit of the file it replaces is captured
 * after the generation's start.  0, or -1 (nothing started, unlocked). */
int ayb_pitr_capture_replacing(struct ayb_pitr_capture *c);

/* The WAL hook (lib/hosted.h's ayb_hosted_wal_fn), ctx the capture. */
int ayb_pitr_capture_hook(void *ctx, struct sqlite3 *conn, const char *db, int frames);

#endif
