/* Hosted databases on disk (spec/ISOLATION.md §1-§2, §6): the layout
 *   <data_path>/databases/<entity>/<database>/current -> <uuidv7>/
 *   <data_path>/databases/<entity>/<database>/<uuidv7>/<database>
 * creating them, and running one query with SQLite's guards, streaming the
 * result as ayb's {"fields":[...],"rows":[[...]]} JSON. */
#ifndef AYB_HOSTED_H
#define AYB_HOSTED_H

#include <stddef.h>

#include "buf.h"
#include "error.h"

enum ayb_query_mode { AYB_QUERY_READ_ONLY = 0, AYB_QUERY_READ_WRITE = 1 };

/* Makes databases/<entity>/<db>/<uuidv7>/ and points `current` at it
 * (symlink current.tmp, then rename over current).  No database file is
 * created.  Slugs must already be validated.  Returns 0 or -1 with err (500).
 * Same as ayb_hosted_new_version followed by ayb_hosted_swap. */
int ayb_hosted_create(const char *data_path, const char *entity, const char *db,
		      struct ayb_err *err);

/* Makes a new, empty version directory databases/<entity>/<db>/<uuidv7>/
 * (parents too, mode 0700) and sets *dir_out to its absolute canonical
 * path, which the caller frees.  Restore fills it, then swaps it in.
 * Returns 0, or -1 with err (500) and *dir_out NULL. */
int ayb_hosted_new_version(const char *data_path, const char *entity,
			   const char *db, char **dir_out, struct ayb_err *err);

/* Points `current` at version_dir (a path from ayb_hosted_new_version for
 * the same database; anything else is refused): symlink current.tmp ->
 * version_dir, rename it over current, fsync the directory, then delete the
 * version directory `current` pointed at before, if any.  Swaps of one
 * database on one host are serialised with flock.  Connections already open
 * on the old file keep reading the deleted file until they close.  Returns
 * 0, or -1 with err (500); a failed delete of the old version is not an
 * error (it stays behind as an orphan). */
int ayb_hosted_swap(const char *data_path, const char *entity, const char *db,
		    const char *version_dir, struct ayb_err *err);

/* Runs the first statement of `sql` (len bytes, not necessarily
 * NUL-terminated) on the database's current file and writes the JSON result
 * to `out`.  Read-only mode opens the file SQLITE_OPEN_READONLY; read-write
 * opens with CREATE and sets WAL, synchronous=FULL, foreign_keys=ON.  Both
 * set busy_timeout 5000, SQLITE_LIMIT_ATTACHED 0, SQLITE_DBCONFIG_DEFENSIVE,
 * no extension loading.
 *
 * Also: no SQLITE_OPEN_URI, SQLITE_OPEN_NOFOLLOW, and
 * PRAGMA temp_store_directory / data_store_directory denied (they change
 * process-wide state).
 *
 * Errors (-1, err set, nothing written to out unless noted):
 *  - write in read-only mode: NoWriteAccessError (403)
 *  - SQL errors: Other (400) "SqliteFailure(Error { code: <Name>, extended_code: <n> }, Some(\"<errmsg>\"))"
 *    (busy/locked: 503; I/O, corruption, out of memory, disk full: 500)
 *  - read-only query before the file exists: Other (400) SqliteFailure with
 *    code CannotOpen and ": databases/<e>/<d>/<uuid>/<d>" appended (ayb
 *    appends the absolute server path; ayb-c shows it relative to data_path)
 *  - invalid UTF-8 in a value or column name: Other (400)
 *    "Utf8Error { valid_up_to: <n>, error_len: Some(<k>) }" (error_len None
 *    when the value ends inside a sequence); the same for invalid UTF-8 in
 *    `sql` itself
 *  - empty or comment-only SQL: Other (400) "Query is empty"
 *  - no `current` link: Other (500) "IO error: Os { code: 2, kind: NotFound, ... }"
 * If `out` refuses a write the query stops and -1 is returned with err set
 * to Other (500) "The query result could not be delivered"; the caller, who
 * knows why its sink refused, may replace it.
 * Output reaches `out` in chunks of about 16 KiB, so a smaller result is
 * written only once complete, and most errors (all those raised before the
 * first row or in a small result) leave `out` untouched.  An error after a
 * chunk was written leaves `out` holding a partial document; the caller
 * decides what to do with it. */
int ayb_hosted_query(const char *data_path, const char *entity, const char *db,
		     const char *sql, size_t len, enum ayb_query_mode mode,
		     struct ayb_sink *out, struct ayb_err *err);

/* Shortest decimal text that round-trips to d, never in exponent notation,
 * no trailing ".0" ("2", "0.1", "100000000000000000000", "0.0000001"),
 * "inf"/"-inf"/"NaN".  Writes into out (size >= AYB_REAL_TEXT_MAX). */
#define AYB_REAL_TEXT_MAX 400
void ayb_hosted_render_real(double d, char *out);

#endif
