/* A consistent copy of a hosted database's current file, made apart from
 * the live file: what a fork starts from (README "The HTTP API": forking a
 * database), and what anything else that hands out a whole database needs. */
#ifndef AYB_DB_COPY_H
#define AYB_DB_COPY_H

#include "config.h"
#include "error.h"
#include "layout.h"

/* Copies the current file of owner/db into dst->path, which must not exist
 * yet, in dst->dir (canonical paths; a directory the caller made under
 * data_path through lib/layout.h, such as a new version directory).  The
 * copy is SQLite's VACUUM INTO, consistent while writers carry on, run in a
 * sandboxed worker under the query limits (lib/worker.h), holding a slot
 * of `caller`'s (NULL: anonymous) and of the database's query caps for its
 * time, as a query does (lib/slots.h).
 * The copy is owner-only (0600), as every tenant file.
 * Returns 1 when dst->path was made, 0 when the database has no file yet
 * (created, never written: nothing is made), or -1 with err: the caps' 429,
 * a full disk 507, a limit of the query's (Other 400 "Copying <owner>/<db>
 * stopped: Query timed out: ..."), anything else Other (500) "Cannot copy
 * <owner>/<db>: <SQLite's words>".  A partial dst->path may be left behind
 * for the caller to remove with its directory. */
int ayb_db_copy(const struct ayb_config *cfg, const char *caller, const char *owner,
		const char *db, const struct ayb_layout_file *dst, struct ayb_err *err);

#endif
