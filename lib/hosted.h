/* Hosted databases (README "Isolation"): running one query on a database\x27s
 * current file (found by lib/layout.h) with SQLite\x27s guards, streaming the
 * result as rows to a row sink (lib/row_sink.h), or rendered as ayb\x27s
 * {"fields":[...],"rows":[[...]]} JSON. */
#ifndef AYB_HOSTED_H
#define AYB_HOSTED_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "layout.h"
#include "query_req.h"
#include "row_sink.h"

enum ayb_query_mode { AYB_QUERY_READ_ONLY = 0, AYB_QUERY_READ_WRITE = 1 };

/* Resource limits of one query (README "Isolation").  Zero means no limit.
 * The SQLite guards of ayb_hosted_run apply with or without them. */
struct ayb_query_limits {
	int64_t timeout_ms;      /* wall-clock time in SQLite, not counting time
				    spent handing output to a slow consumer */
	int64_t heap_bytes;      /* sqlite3_hard_heap_limit64 while it runs */
	int64_t max_rows;        /* rows in the result */
	int64_t max_bytes;       /* bytes of result JSON (lib/render.h counts them) */
	int64_t max_file_bytes;  /* PRAGMA max_page_count, read-write only */
};

/* Runs the first statement of `sql` (len bytes, not necessarily
 * NUL-terminated) on the located file f (lib/layout.h), within `lim` (NULL:
 * no limits), handing the result to `rows` as it is stepped (fields, each
 * row, end): the sink renders it (lib/render.h) or carries it elsewhere.
 * This is what a query worker runs inside its sandbox; it touches nothing
 * outside f->dir.  Read-only mode opens the file SQLITE_OPEN_READONLY;
 * read-write opens with CREATE and sets WAL, synchronous=FULL,
 * foreign_keys=ON.  Both set busy_timeout 5000, SQLITE_LIMIT_ATTACHED 0,
 * SQLITE_DBCONFIG_DEFENSIVE, no extension loading.
 *
 * Also: no SQLITE_OPEN_URI, SQLITE_OPEN_NOFOLLOW, fixed SQLite limits
 * (string/blob length, SQL length, columns, expression depth, compound
 * selects, function arguments, trigger depth, no sorter threads), and an
 * authorizer refusing ATTACH/DETACH (so VACUUM too), load_extension,
 * fts3_tokenizer, PRAGMA writable_schema and the *_directory pragmas
 * (they change process-wide state).
 *
 * Errors (-1, err set; nothing reaches `rows` for those raised before the
 * first row):
 *  - write in read-only mode: NoWriteAccessError (403); so are, refused
 *    by the authorizer, the pragmas that write the file after SQLite
 *    starts them read-only (journal_mode with a value, wal_checkpoint)
 *  - SQL errors: Other (400)
 *    "SqliteFailure(Error { code: <Name>, extended_code: <n> }, Some(\"<errmsg>\"))"
 *    (busy/locked: 503; I/O, corruption, out of memory: 500)
 *  - the file system holding the file full (lib/disk.h): Other (507)
 *    "Insufficient storage: ..."
 *  - read-only query before the file exists: Other (400) SqliteFailure with
 *    code CannotOpen and ": databases/<e>/<d>/<uuid>/<d>" appended (ayb
 *    appends the absolute server path; ayb-c shows it relative to data_path)
 *  - invalid UTF-8 in a column name: Other (400)
 *    "Utf8Error { valid_up_to: <n>, error_len: Some(<k>) }" (error_len None
 *    when the name ends inside a sequence); the same for invalid UTF-8 in
 *    `sql` itself.  A value that is not UTF-8 is no error: it reaches
 *    `rows` as AYB_VALUE_BINARY (ayb fails the query)
 *  - empty or comment-only SQL: Other (400) "Query is empty"
 *  - a limit reached: Other (400), one message per limit: "Query timed
 *    out: ...", "Query ran out of memory: ...", "Query result too large:
 *    ...", "Database file too large: ..."
 *  - an operation the guards refuse (ATTACH, DETACH, VACUUM,
 *    load_extension, fts3_tokenizer, writable_schema, the *_directory
 *    pragmas): Other (403) "Forbidden operation: ..."
 * If `rows` refuses a call the query stops and -1 is returned with err set
 * to Other (500) "The query result could not be delivered"; the caller, who
 * knows why its sink refused, may replace it. */
int ayb_hosted_run(const struct ayb_layout_file *f, const char *sql, size_t len,
		   enum ayb_query_mode mode, const struct ayb_query_limits *lim,
		   struct ayb_row_sink *rows, struct ayb_err *err);

/* The same for any form of request (lib/query_req.h; ayb_hosted_run is its
 * SQL form).  The JSON forms bind their parameters (lib/hosted_bind.h) and
 * refuse a statement followed by another.  A batch runs in one transaction
 * (BEGIN IMMEDIATE when read-write) on one connection and hands `rows`
 * each statement's result in turn (fields, rows, end for each); the time
 * and result limits hold for the batch as a whole.  Besides the errors
 * above: a parameter mismatch, Other (400) naming the parameter;
 * BEGIN/COMMIT/ROLLBACK/SAVEPOINT/RELEASE in a batch, Other (400); a write
 * in a read-only batch, NoWriteAccessError (403) before any statement
 * runs.  A batch's error starts "statements[<i>]: " naming the statement
 * that failed (none for a failed COMMIT or a worker that died), and nothing
 * of it remains. */
int ayb_hosted_run_req(const struct ayb_layout_file *f, const struct ayb_query_req *r,
		       enum ayb_query_mode mode, const struct ayb_query_limits *lim,
		       struct ayb_row_sink *rows, struct ayb_err *err);

/* ayb_hosted_run_req, except that a read-write request that would write
 * runs nothing and returns 1: it is for the database's writer
 * (lib/writer.h).  A request writes when one of its statements is a write
 * to SQLite (sqlite3_stmt_readonly) with no pragma or temp object before
 * it; those change the connection itself, and run here as before. */
int ayb_hosted_run_or_defer(const struct ayb_layout_file *f, const struct ayb_query_req *r,
			    enum ayb_query_mode mode, const struct ayb_query_limits *lim,
			    struct ayb_row_sink *rows, struct ayb_err *err);

/* The writer's group commit (lib/writer.h), on one read-write connection
 * of the calling thread: begin opens it (or takes the kept one) and starts
 * BEGIN IMMEDIATE; run runs one request as ayb_hosted_run_req would, in a
 * savepoint of its own, released, or rolled back alone when it fails, so
 * its result and error are the same; end commits (or rolls back) and keeps
 * the connection for the next group.  run returns -2 when the request's
 * failure ended the whole transaction (SQLite does after a full disk, an
 * I/O error, out of memory): every earlier request of the group is undone
 * and must run again in a new one.  end's error is a failed COMMIT's: no
 * request of the group took effect.  Errors as ayb_hosted_run_req's. */
int ayb_hosted_group_begin(const struct ayb_layout_file *f, const struct ayb_query_limits *lim,
			   struct ayb_err *err);
int ayb_hosted_group_run(const struct ayb_layout_file *f, const struct ayb_query_req *r,
			 const struct ayb_query_limits *lim, struct ayb_row_sink *rows,
			 struct ayb_err *err);
int ayb_hosted_group_end(const struct ayb_layout_file *f, const struct ayb_query_limits *lim,
			 int commit, struct ayb_err *err);

/* The server's own work on a hosted file, or on a file made from one
 * (README "Isolation"): statements of the server's, but evaluating what
 * the tenant's schema defines (expression and partial indexes, CHECK
 * constraints), so on a read-only connection with the guards of
 * ayb_hosted_run's (no URI, SQLITE_OPEN_NOFOLLOW, so paths must be
 * canonical; DEFENSIVE, no extension loading) and under `lim`'s time and
 * heap limits and the length limit that follows the heap's (NULL: none).
 * lib/worker.h runs them in a sandboxed worker.
 *
 * ayb_hosted_check: PRAGMA integrity_check must say exactly "ok".
 * ayb_hosted_copy: VACUUM INTO dst, which must not exist or be empty.
 * Errors (-1, err set): a limit: Other (400) with the message a query
 * gets ("Query timed out: ...", "Query ran out of memory: ...",
 * "String or blob too big: ..."); anything else, including a damaged
 * file, one that is not a database, or the start of a failed check's
 * report ("... (and more)"): SnapshotError (500) with SQLite's words
 * alone, for the caller to say what failed. */
int ayb_hosted_check(const char *path, const struct ayb_query_limits *lim,
		     struct ayb_err *err);
int ayb_hosted_copy(const char *src, const char *dst, const struct ayb_query_limits *lim,
		    struct ayb_err *err);
/* The same copy with SQLite's backup API: the pages as they are, of one
 * moment, evaluating nothing of the schema (an export, a fork).  dst must
 * not exist. */
int ayb_hosted_backup(const char *src, const char *dst, const struct ayb_query_limits *lim,
		      struct ayb_err *err);

/* Work of the server's on a whole file written outside this module
 * (lib/hosted_dump.c, lib/hosted_vet.c): fn runs on a connection opened
 * as for ayb_hosted_check, with its guards and limits, and returns 0, -1
 * with err set, or an SQLite result code that becomes err as a failed
 * check's does (a limit says so; anything else is SnapshotError with
 * SQLite's words). */
struct sqlite3;
typedef int ayb_hosted_own_fn(struct sqlite3 *conn, void *ctx, struct ayb_err *err);
int ayb_hosted_own(const char *path, const struct ayb_query_limits *lim,
		   ayb_hosted_own_fn *fn, void *ctx, struct ayb_err *err);

/* Runs the script of SQL statements in the file `script` (an SQL dump to
 * import) on f, opened read-write with every guard and limit of
 * ayb_hosted_run (the authorizer, the file size limit, WAL): what a query
 * worker runs for an import.  Statements run as they are read, in
 * constant memory.  Errors are ayb_hosted_run's with "Statement <n>: " in
 * front, and Other (400) "Statement <n> is longer than ..." or "The script
 * leaves a transaction open" (a dump cut short). */
int ayb_hosted_script(const struct ayb_layout_file *f, const char *script,
		      const struct ayb_query_limits *lim, struct ayb_err *err);

/* The writer's capture of every commit (lib/pitr_capture.h): fn becomes
 * the WAL hook of the group's connection at each group begin, in place of
 * SQLite's automatic checkpoint (fn checkpoints itself).  While one is
 * set, a tenant's SQL in the writer may not set wal_autocheckpoint, which
 * would replace it (nor, as everywhere, leave WAL mode).  NULL: SQLite's
 * own. */
typedef int ayb_hosted_wal_fn(void *ctx, struct sqlite3 *conn, const char *db, int frames);
void ayb_hosted_group_wal_hook(ayb_hosted_wal_fn *fn, void *ctx);

/* Closes the connections ayb_hosted_run keeps open between queries (at
 * most a few per thread, see hosted.c) for the calling thread, as a process
 * that ends normally does by itself for its main thread; any other thread
 * that ran queries calls it before it ends.  Safe to call at any time. */
void ayb_hosted_close_kept(void);

#endif
