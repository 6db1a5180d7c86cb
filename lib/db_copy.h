/* A hosted database's content taken out whole, consistently, while
 * writers carry on: as a database file (an export, a fork) or as SQL text
 * (an export with ?format=sql).  Never the live file mid-write: SQLite's
 * backup API, or a dump read in one transaction, in a sandboxed worker
 * (lib/worker.h) under the query limits. */
#ifndef AYB_DB_COPY_H
#define AYB_DB_COPY_H

#include "config.h"
#include "error.h"
#include "layout.h"

/* Copies the current file of <entity>/<db> to dst->path (which must not
 * exist; dst->dir holds it and is writable: an export's directory from
 * ayb_layout_export_make, a fork's new version from
 * ayb_layout_new_version).  A database never written has no file yet: the
 * copy is then an empty file, which SQLite opens as an empty database.
 * The copy is owner-only (0600).  The caller holds the query slots the
 * copy takes (lib/slots.h), as for a query.  Errors: a full disk 507;
 * ayb_layout_locate's; a limit reached (Other 400 "Query timed out: ..."),
 * or the worker's trouble, with "<what> stopped: " in front; SQLite's words
 * about the file (500) with "<what> failed: ". */
int ayb_db_copy(const struct ayb_config *cfg, const char *entity, const char *db,
		const struct ayb_layout_file *dst, const char *what, struct ayb_err *err);

/* The same as SQL text, what sqlite3's `.dump` writes (lib/hosted_dump.h). */
int ayb_db_dump(const struct ayb_config *cfg, const char *entity, const char *db,
		const struct ayb_layout_file *dst, const char *what, struct ayb_err *err);

#endif
