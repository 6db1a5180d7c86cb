#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "clock.h"
#include "disk.h"
#include "fs.h"
#include "hosted.h"
#include "hosted_bind.h"
#include "render.h"
#include "utf8.h"


/* ---- UTF-8 and Rust's Debug text ------------------------------------------ */

static int utf8_error(struct ayb_err *err, size_t valid_up_to, size_t error_len)
{
	if (error_len)
		return ayb_err_set(err, AYB_E_INVALID,
				   "Utf8Error { valid_up_to: %zu, error_len: Some(%zu) }",
				   valid_up_to, error_len);
	return ayb_err_set(err, AYB_E_INVALID,
			   "Utf8Error { valid_up_to: %zu, error_len: None }", valid_up_to);
}

/* Code points Rust's Debug shows as \u{..}: controls and the common
 * invisible format characters.  Rust decides with full Unicode tables
 * (unprintable and grapheme-extending characters); this covers every
 * character an SQLite error message realistically holds. */
static int debug_escaped(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0xad ||
	       (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff;
}

/* Appends s as Rust's `{:?}` of a String, quotes included.  Bytes that are
 * not UTF-8 become U+FFFD first, one per maximal invalid sequence, as
 * rusqlite's lossy conversion of sqlite3_errmsg does. */
static void add_debug_string(struct ayb_buf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, len, valid, bad, rest;
	uint32_t cp;

	ayb_buf_addc(b, '"');
	while (i < n) {
		/* A sequence is at most 4 bytes: checking a window of 4 says
		 * whether the one at i is valid. */
		rest = n - i < 4 ? n - i : 4;
		if (!ayb_utf8_check(s + i, rest, &valid, &bad) && valid == 0) {
			ayb_buf_adds(b, "\xef\xbf\xbd");
			i += bad ? bad : rest; /* truncated: the rest of the input */
			continue;
		}
		len = ayb_utf8_decode(s + i, &cp);
		switch (cp) {
		case 0: ayb_buf_adds(b, "\\0"); break;
		case '\t': ayb_buf_adds(b, "\\t"); break;
		case '\r': ayb_buf_adds(b, "\\r"); break;
		case '\n': ayb_buf_adds(b, "\\n"); break;
		case '\\': ayb_buf_adds(b, "\\\\"); break;
		case '"': ayb_buf_adds(b, "\\\""); break;
		default:
			if (debug_escaped(cp))
				ayb_buf_printf(b, "\\u{%x}", (unsigned)cp);
			else
				ayb_buf_add(b, s + i, len);
		}
		i += len;
	}
	ayb_buf_addc(b, '"');
}

/* ---- SQLite errors -------------------------------------------------------- */

/* rusqlite's ErrorCode names, by primary result code. */
static const char *sqlite_code_name(int primary)
{
	switch (primary) {
	case SQLITE_INTERNAL: return "InternalMalfunction";
	case SQLITE_PERM: return "PermissionDenied";
	case SQLITE_ABORT: return "OperationAborted";
	case SQLITE_BUSY: return "DatabaseBusy";
	case SQLITE_LOCKED: return "DatabaseLocked";
	case SQLITE_NOMEM: return "OutOfMemory";
	case SQLITE_READONLY: return "ReadOnly";
	case SQLITE_INTERRUPT: return "OperationInterrupted";
	case SQLITE_IOERR: return "SystemIoFailure";
	case SQLITE_CORRUPT: return "DatabaseCorrupt";
	case SQLITE_NOTFOUND: return "NotFound";
	case SQLITE_FULL: return "DiskFull";
	case SQLITE_CANTOPEN: return "CannotOpen";
	case SQLITE_PROTOCOL: return "FileLockingProtocolFailed";
	case SQLITE_SCHEMA: return "SchemaChanged";
	case SQLITE_TOOBIG: return "TooBig";
	case SQLITE_CONSTRAINT: return "ConstraintViolation";
	case SQLITE_MISMATCH: return "TypeMismatch";
	case SQLITE_MISUSE: return "ApiMisuse";
	case SQLITE_NOLFS: return "NoLargeFileSupport";
	case SQLITE_AUTH: return "AuthorizationForStatementDenied";
	case SQLITE_RANGE: return "ParameterOutOfRange";
	case SQLITE_NOTADB: return "NotADatabase";
	default: return "Unknown";
	}
}

/* What the client did wrong is its own error; a lock held past the busy
 * timeout is worth retrying; the rest is the server's trouble. */
static enum ayb_err_kind sqlite_class(int primary)
{
	switch (primary) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return AYB_E_UNAVAILABLE;
	case SQLITE_INTERNAL:
	case SQLITE_PERM:
	case SQLITE_NOMEM:
	case SQLITE_IOERR:
	case SQLITE_CORRUPT:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
	case SQLITE_PROTOCOL:
	case SQLITE_NOLFS:
	case SQLITE_NOTADB:
		return AYB_E_INTERNAL;
	default:
		return AYB_E_INVALID;
	}
}

/* Other with ayb's Debug rendering of rusqlite's error:
 *   SqliteFailure(Error { code: <Name>, extended_code: <n> }, Some("<msg><suffix>"))
 * `code` is the (extended) result code SQLite returned; the message is
 * sqlite3_errmsg of the connection, or sqlite3_errstr when there is none. */
static int sqlite_error(struct ayb_err *err, sqlite3 *conn, int code,
			const char *suffix, enum ayb_err_kind kind)
{
	struct ayb_buf m = {0}, b = {0};

	ayb_buf_adds(&m, conn ? sqlite3_errmsg(conn) : sqlite3_errstr(code));
	if (suffix)
		ayb_buf_adds(&m, suffix);
	ayb_buf_printf(&b, "SqliteFailure(Error { code: %s, extended_code: %d }, Some(",
		       sqlite_code_name(code & 0xff), code);
	add_debug_string(&b, m.data ? m.data : "", m.len);
	ayb_buf_adds(&b, "))");
	if (m.oom || b.oom)
		ayb_err_oom(err);
	else
		ayb_err_set(err, kind ? kind : sqlite_class(code & 0xff), "%s", b.data);
	ayb_buf_free(&m);
	ayb_buf_free(&b);
	return -1;
}

/* ---- running a query ------------------------------------------------------ */

/* Per-query state shared by the SQLite callbacks and the result loop. */
struct guard {
	const struct ayb_query_limits *lim; /* never NULL (zeros: no limits) */
	const char *dir;         /* the file's directory, to ask its file system */
	int read_only;           /* the caller may only read */
	char denied[80];         /* what the authorizer refused, for the message */
	int denied_write;        /* it refused a write in read-only mode */
	int stepping;            /* the statement runs: an ATTACH now is VACUUM's */
	int64_t deadline_ns;     /* CLOCK_MONOTONIC; 0: no timeout */
	int timed_out;
	int64_t rows;            /* rows produced so far */
	int64_t bytes;           /* their size as ayb's JSON, with the fields */
	int stateful;            /* the SQL may change the connection itself */
	int selecting;           /* the statement has a SELECT in it */
	int file_list;           /* it runs PRAGMA database_list */
	int64_t busy_ms;         /* how long to wait for another connection's lock */
	int64_t busy_since_ns;   /* when the current wait began */
	int in_batch;            /* a batch's transaction is open: no other */
	int denied_tx;           /* the authorizer refused a transaction statement */
};

/* "64 MiB" for whole mebibytes, else "<n> bytes". */
static void size_text(int64_t n, char *out, size_t len)
{
	if (n >= 1048576 && n % 1048576 == 0)
		snprintf(out, len, "%lld MiB", (long long)(n / 1048576));
	else
		snprintf(out, len, "%lld bytes", (long long)n);
}

/* ayb's words for a write on a read-only connection. */
static int no_write_error(struct ayb_err *err)
{
	return ayb_err_set(err, AYB_E_NO_WRITE,
			   "Attempted to write to database while in read-only mode");
}

/* A pragma that writes the main database's file although SQLite lets a
 * read-only connection start it: changing the journal mode or
 * checkpointing the WAL.  On a file opened read-only they fail inside
 * SQLite's I/O (SQLITE_IOERR_LOCK, SQLITE_IOERR_WRITE), which would read
 * as the server's fault; `PRAGMA journal_mode` without a value only reads,
 * and the temp schema is the connection's own. */
static int pragma_writes_file(const char *name, const char *value, const char *db)
{
	if (db && strcmp(db, "temp") == 0)
		return 0;
	return sqlite3_stricmp(name, "wal_checkpoint") == 0 ||
	       (value && sqlite3_stricmp(name, "journal_mode") == 0);
}

/* A journal mode other than WAL for the main database.  The server keeps
 * every hosted file in WAL mode: its readers never wait for the
 * database's writer (lib/worker_writer.c), which holds the file open, so
 * leaving WAL would fail as "database is locked" at best, and the next
 * connection to open the file puts it back in WAL anyway.  Setting WAL
 * again is harmless and stays allowed. */
static int leaves_wal(const char *name, const char *value, const char *db)
{
	if (!name || !value || sqlite3_stricmp(name, "journal_mode") != 0 ||
	    (db && strcmp(db, "temp") == 0))
		return 0;
	return sqlite3_stricmp(value, "wal") != 0; /* SQLite passes it unquoted */
}

/* The column of PRAGMA database_list that names each database's file: a
 * tenant sees its database under `name`, never where the server keeps it. */
static int is_file_list(const char *table, const char *column)
{
	return table && column && sqlite3_stricmp(table, "pragma_database_list") == 0 &&
	       sqlite3_stricmp(column, "file") == 0;
}

/* The writer's WAL hook (ayb_hosted_group_wal_hook): the process's, set
 * once before it serves.  A tenant's wal_autocheckpoint would replace it
 * for the rest of the group, whose commit would go uncaptured (no file
 * leaves WAL mode: see leaves_wal). */
static ayb_hosted_wal_fn *wal_hook;
static void *wal_hook_ctx;

void ayb_hosted_group_wal_hook(ayb_hosted_wal_fn *fn, void *ctx)
{
	wal_hook = fn;
	wal_hook_ctx = ctx;
}

/* What a tenant's SQL may not do, whatever else it may.  ATTACH and
 * DETACH would reach other files (another tenant's database, /etc/passwd,
 * a new file anywhere the process may write); VACUUM attaches its target
 * internally, so it is refused through the same check while the statement
 * steps.  load_extension would run arbitrary code, and fts3_tokenizer's
 * two-argument form takes a raw function pointer (Debian's SQLite is built
 * with SQLITE_ENABLE_FTS3_TOKENIZER).  writable_schema is inert under
 * SQLITE_DBCONFIG_DEFENSIVE and the *_directory pragmas move where every
 * connection of the process keeps its files; refusing them says so
 * plainly.  SQLITE_LIMIT_ATTACHED 0 stays as a second lock on ATTACH. */
static int authorize(void *ctx, int action, const char *a, const char *b,
		     const char *db, const char *trigger)
{
	struct guard *g = ctx;

	(void)trigger;
	/* A pragma or anything in the temp schema outlives the statement on
	 * its connection, so that connection is not kept for the next query
	 * (see "connections kept between queries"). */
	if (action == SQLITE_PRAGMA || (db && strcmp(db, "temp") == 0))
		g->stateful = 1;
	switch (action) {
	case SQLITE_SELECT:
		g->selecting = 1;
		return SQLITE_OK;
	case SQLITE_READ:
		/* The table-valued form: its `file` reads as NULL. */
		return is_file_list(a, b) ? SQLITE_IGNORE : SQLITE_OK;
	case SQLITE_ATTACH:
		snprintf(g->denied, sizeof(g->denied), "%s", g->stepping ? "VACUUM" : "ATTACH");
		return SQLITE_DENY;
	case SQLITE_TRANSACTION:
	case SQLITE_SAVEPOINT:
		/* A batch is one transaction: a statement of it may neither
		 * end it early nor nest its own. */
		if (!g->in_batch)
			return SQLITE_OK;
		g->denied_tx = 1;
		return SQLITE_DENY;
	case SQLITE_DETACH:
		snprintf(g->denied, sizeof(g->denied), "DETACH");
		return SQLITE_DENY;
	case SQLITE_PRAGMA:
		if (a && (sqlite3_stricmp(a, "temp_store_directory") == 0 ||
			  sqlite3_stricmp(a, "data_store_directory") == 0 ||
			  sqlite3_stricmp(a, "writable_schema") == 0)) {
			snprintf(g->denied, sizeof(g->denied), "PRAGMA %.40s", a);
			return SQLITE_DENY;
		}
		if (a && wal_hook && b && sqlite3_stricmp(a, "wal_autocheckpoint") == 0) {
			snprintf(g->denied, sizeof(g->denied), "PRAGMA %.40s (continuous backup)",
				 a);
			return SQLITE_DENY;
		}
		if (a && g->read_only && pragma_writes_file(a, b, db)) {
			g->denied_write = 1;
			return SQLITE_DENY;
		}
		if (leaves_wal(a, b, db)) {
			snprintf(g->denied, sizeof(g->denied), "PRAGMA journal_mode=%.20s", b);
			return SQLITE_DENY;
		}
		if (a && sqlite3_stricmp(a, "database_list") == 0)
			g->file_list = 1;
		return SQLITE_OK;
	case SQLITE_FUNCTION:
		if (b && (sqlite3_stricmp(b, "load_extension") == 0 ||
			  sqlite3_stricmp(b, "fts3_tokenizer") == 0)) {
			snprintf(g->denied, sizeof(g->denied), "%.40s()", b);
			return SQLITE_DENY;
		}
		return SQLITE_OK;
	default:
		return SQLITE_OK;
	}
}

/* Called every PROGRESS_OPS virtual machine steps: past the deadline the
 * statement is interrupted (SQLITE_INTERRUPT), and the error says why. */
#define PROGRESS_OPS 1000

static int progress(void *ctx)
{
	struct guard *g = ctx;

	if (g->deadline_ns && ayb_clock_ns() > g->deadline_ns) {
		g->timed_out = 1;
		return 1;
	}
	return 0;
}

/* Waits for a lock another connection holds, for at most g->busy_ms.
 * SQLite's own busy handler (sqlite3_busy_timeout) sleeps 1, 2, 5, 10, 15,
 * 20, 25 ... ms between tries, while a one-row commit holds the write lock
 * for a fraction of a millisecond, so two writers to one database (the
 * workers of two FastCGI processes) took turns with long idle gaps:
 * bench/run.sh B4 ran at under half of SQLite's own rate.  This one tries
 * again after 20 us, doubling up to 1 ms. */
#define BUSY_FIRST_US 20
#define BUSY_MAX_US 1000

static void busy_sleep(int count)
{
	int64_t us = count < 6 ? (int64_t)BUSY_FIRST_US << count : BUSY_MAX_US;
	struct timespec ts = { 0, (long)(us * 1000) };

	nanosleep(&ts, NULL);
}

static int busy_wait(void *ctx, int count)
{
	struct guard *g = ctx;
	int64_t now = ayb_clock_ns();

	if (count == 0)
		g->busy_since_ns = now;
	else if (now - g->busy_since_ns >= g->busy_ms * 1000000)
		return 0;
	busy_sleep(count);
	return 1;
}

/* Puts the file in WAL mode.  On a file not yet in WAL mode (a brand-new
 * database's, before its first query) SQLite takes the write lock with the
 * read lock already held, and then returns SQLITE_BUSY at once without
 * calling the busy handler (waiting there could deadlock), so two first
 * queries arriving together made one fail with 503 "database is locked".
 * The statement holds nothing after it fails, so it is run again, for as
 * long as the busy handler would wait; by then the other connection has
 * usually made the file WAL, and this one only finds it so. */
static int set_wal(sqlite3 *conn, const struct guard *g)
{
	int64_t until = ayb_clock_ns() + g->busy_ms * 1000000;
	int rc, tries = 0;

	while (((rc = sqlite3_exec(conn, "PRAGMA journal_mode=WAL", NULL, NULL, NULL)) & 0xff) ==
	       SQLITE_BUSY && ayb_clock_ns() < until)
		busy_sleep(tries++);
	return rc;
}

/* Turns an SQLite failure caused by a guard or a limit into its own clear
 * message.  Returns -1 with err set when it did, 0 when rc is an ordinary
 * SQLite error for sqlite_error(). */
static int guard_error(const struct guard *g, sqlite3 *conn, int rc, struct ayb_err *err)
{
	const struct ayb_query_limits *lim = g->lim;
	int sys = conn ? sqlite3_system_errno(conn) : 0;
	char size[64];

	/* A refused statement fails with SQLITE_AUTH, a refused function
	 * with SQLITE_ERROR ("not authorized to use function: ..."). */
	if (g->denied_tx && (rc & 0xff) == SQLITE_AUTH)
		return ayb_err_set(err, AYB_E_INVALID,
				   "BEGIN, COMMIT, ROLLBACK, SAVEPOINT and RELEASE are not allowed in a batch: the batch runs as one transaction");
	if (g->denied_write && (rc & 0xff) == SQLITE_AUTH)
		return no_write_error(err);
	if (g->denied[0] && ((rc & 0xff) == SQLITE_AUTH || (rc & 0xff) == SQLITE_ERROR))
		return ayb_err_set(err, AYB_E_FORBIDDEN,
				   "Forbidden operation: %s is not allowed on this server",
				   g->denied);
	switch (rc & 0xff) {
	case SQLITE_INTERRUPT:
		if (!g->timed_out)
			return 0;
		return ayb_err_set(err, AYB_E_INVALID,
				   "Query timed out: it ran longer than %lld ms (the server's limit)",
				   (long long)lim->timeout_ms);
	case SQLITE_NOMEM:
		if (!lim->heap_bytes)
			return 0;
		size_text(lim->heap_bytes, size, sizeof(size));
		return ayb_err_set(err, AYB_E_INVALID,
				   "Query ran out of memory: it needed more than %s (the server's limit)",
				   size);
	case SQLITE_FULL:
		/* max_page_count and a full disk both give SQLITE_FULL without
		 * a system error (SQLite's unix VFS drops ENOSPC), so the file
		 * system says which it was.  A full disk is the server's
		 * fault: the tenant must not read it as its own limit, and the
		 * operator must hear of it. */
		if (!lim->max_file_bytes || ayb_disk_full(g->dir))
			return ayb_disk_full_error(err, "the database");
		break;
	case SQLITE_IOERR:
		/* Growing the -shm file, creating a file; RLIMIT_FSIZE in a
		 * worker gives EFBIG on write. */
		if (ayb_disk_full_errno(sys))
			return ayb_disk_full_error(err, "the database");
		if (!lim->max_file_bytes || sys != EFBIG)
			return 0;
		break;
	default:
		return 0;
	}
	size_text(lim->max_file_bytes, size, sizeof(size));
	return ayb_err_set(err, AYB_E_INVALID,
			   "Database file too large: it would grow beyond %s (the server's limit)",
			   size);
}

/* An SQLite error through the guards first. */
static int query_error(const struct guard *g, sqlite3 *conn, int rc, struct ayb_err *err)
{
	if (guard_error(g, conn, rc, err) < 0)
		return -1;
	return sqlite_error(err, conn, rc, NULL, AYB_OK);
}

/* Applies the fixed guard limits, and those of `g->lim` that live on the
 * connection, except the file size (apply_file_limit).  The length limit
 * follows the heap limit: a value half the heap could never be copied
 * anyway, and refusing it early gives SQLite's clear "string or blob too
 * big" instead of an out-of-memory error.  Run for every query, so a kept
 * connection gets this query's guard and limits. */
static void apply_limits(sqlite3 *conn, struct guard *g)
{
	const struct ayb_query_limits *lim = g->lim;

	sqlite3_limit(conn, SQLITE_LIMIT_LENGTH,
		      lim->heap_bytes && lim->heap_bytes / 2 < 1000000000
		      ? (int)(lim->heap_bytes / 2)
		      : 1000000000);
	sqlite3_limit(conn, SQLITE_LIMIT_SQL_LENGTH, 1 << 20);
	sqlite3_limit(conn, SQLITE_LIMIT_COLUMN, 2000);
	sqlite3_limit(conn, SQLITE_LIMIT_EXPR_DEPTH, 500);
	sqlite3_limit(conn, SQLITE_LIMIT_COMPOUND_SELECT, 500);
	sqlite3_limit(conn, SQLITE_LIMIT_FUNCTION_ARG, 127);
	sqlite3_limit(conn, SQLITE_LIMIT_TRIGGER_DEPTH, 100);
	sqlite3_limit(conn, SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 50000);
	/* Sorter threads: a sandboxed worker may not create threads. */
	sqlite3_limit(conn, SQLITE_LIMIT_WORKER_THREADS, 0);
	/* A lock wait is not interruptible by the progress handler. */
	g->busy_ms = lim->timeout_ms && lim->timeout_ms < 5000 ? lim->timeout_ms : 5000;
	sqlite3_busy_handler(conn, busy_wait, g);
	sqlite3_progress_handler(conn, 0, NULL, NULL);
	if (lim->timeout_ms) {
		g->deadline_ns = ayb_clock_ns() + lim->timeout_ms * 1000000;
		sqlite3_progress_handler(conn, PROGRESS_OPS, progress, g);
	}
}

/* PRAGMA max_page_count for `g->lim`'s file size limit (read-write only). */
static int apply_file_limit(sqlite3 *conn, enum ayb_query_mode mode, struct guard *g,
			    struct ayb_err *err)
{
	const struct ayb_query_limits *lim = g->lim;
	sqlite3_stmt *stmt = NULL;
	char sql[64];
	int rc, ret = -1;

	if (lim->max_file_bytes && mode == AYB_QUERY_READ_WRITE) {
		rc = sqlite3_prepare_v2(conn, "PRAGMA page_size", -1, &stmt, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(stmt) == SQLITE_ROW ? SQLITE_OK : sqlite3_errcode(conn);
		if (rc != SQLITE_OK) {
			query_error(g, conn, rc, err);
			goto out;
		}
		snprintf(sql, sizeof(sql), "PRAGMA max_page_count=%lld",
			 (long long)(lim->max_file_bytes / sqlite3_column_int64(stmt, 0)));
		sqlite3_finalize(stmt);
		stmt = NULL;
		rc = sqlite3_exec(conn, sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			query_error(g, conn, sqlite3_extended_errcode(conn), err);
			goto out;
		}
	}
	ret = 0;
out:
	sqlite3_finalize(stmt);
	return ret;
}

/* How every connection to a hosted file is opened, besides its access mode:
 * no SQLITE_OPEN_URI, so nothing in a path acts as a URI parameter, and
 * SQLITE_OPEN_NOFOLLOW, so no symlink in the path is followed. */
#define OPEN_FLAGS (SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW)

/* The guards every connection to a hosted file gets, whatever runs on it. */
static void guard_connection(sqlite3 *conn)
{
	sqlite3_extended_result_codes(conn, 1);
	sqlite3_db_config(conn, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
	sqlite3_db_config(conn, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *)NULL);
	/* ATTACH (and VACUUM, which attaches internally) fail with
	 * "too many attached databases - max 0". */
	sqlite3_limit(conn, SQLITE_LIMIT_ATTACHED, 0);
}

/* ---- the server's own work on a hosted file -------------------------------- */

/* How much of a failed integrity check's report goes into the message. */
#define REPORT_MAX 200

/* An error of a check or a copy: a limit says so as it does for a query, a
 * string or blob past the length limit likewise; anything else is SQLite's
 * own message as SnapshotError, for the caller to say what failed. */
static int own_error(const struct guard *g, sqlite3 *conn, int rc, struct ayb_err *err)
{
	char size[64];

	if (guard_error(g, conn, rc, err) < 0)
		return -1;
	if ((rc & 0xff) == SQLITE_TOOBIG) {
		size_text(sqlite3_limit(conn, SQLITE_LIMIT_LENGTH, -1), size, sizeof(size));
		return ayb_err_set(err, AYB_E_INVALID,
				   "String or blob too big: longer than %s (the server's limit)",
				   size);
	}
	return ayb_err_set(err, AYB_E_SNAPSHOT, "%s",
			   conn ? sqlite3_errmsg(conn) : sqlite3_errstr(rc));
}

/* The server's own statements need no authorizer, but what they evaluate
 * is the tenant's (expression and partial indexes, CHECK constraints,
 * generated columns): the connection gets a query's guards and limits,
 * and the heap limit is set until own_end puts it back. */
static int own_open(const char *path, struct guard *g, const struct ayb_query_limits *lim,
		    sqlite3 **out, sqlite3_int64 *heap_before, struct ayb_err *err)
{
	static const struct ayb_query_limits none;
	int rc;

	memset(g, 0, sizeof(*g));
	g->lim = lim ? lim : &none;
	*heap_before = g->lim->heap_bytes ? sqlite3_hard_heap_limit64(g->lim->heap_bytes) : -1;
	rc = sqlite3_open_v2(path, out, OPEN_FLAGS | SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK)
		return own_error(g, *out, rc, err);
	guard_connection(*out);
	apply_limits(*out, g);
	return 0;
}

static void own_end(sqlite3 *conn, sqlite3_stmt *stmt, sqlite3_int64 heap_before)
{
	sqlite3_finalize(stmt);
	sqlite3_close(conn);
	if (heap_before >= 0)
		sqlite3_hard_heap_limit64(heap_before);
}

int ayb_hosted_check(const char *path, const struct ayb_query_limits *lim,
		     struct ayb_err *err)
{
	struct guard g;
	sqlite3 *conn = NULL;
	sqlite3_stmt *stmt = NULL;
	sqlite3_int64 heap_before;
	const unsigned char *line;
	char report[REPORT_MAX + 1] = "";
	size_t valid, bad;
	int rc, rows = 0, ret = -1;

	if (own_open(path, &g, lim, &conn, &heap_before, err) < 0)
		goto out;
	rc = sqlite3_prepare_v2(conn, "PRAGMA integrity_check", -1, &stmt, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (rows++ == 0 && (line = sqlite3_column_text(stmt, 0)))
			snprintf(report, sizeof(report), "%s", (const char *)line);
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_DONE) {
		own_error(&g, conn, rc, err);
		goto out;
	}
	if (rows != 1 || strcmp(report, "ok") != 0) {
		/* The report names the tenant's tables and indexes: it is cut
		 * before anything that is not UTF-8, and controls blanked. */
		if (!ayb_utf8_check((const unsigned char *)report, strlen(report), &valid, &bad))
			report[valid] = '\0';
		for (char *c = report; *c; c++)
			if ((unsigned char)*c < ' ')
				*c = ' ';
		ayb_err_set(err, AYB_E_SNAPSHOT, "%s%s", report, rows > 1 ? " (and more)" : "");
		goto out;
	}
	ret = 0;
out:
	own_end(conn, stmt, heap_before);
	return ret;
}

/* VACUUM INTO takes a consistent, compact copy while writers carry on,
 * deterministic for unchanged content, in rollback-journal mode.  The
 * target is bound as a parameter rather than quoted. */
int ayb_hosted_copy(const char *src, const char *dst, const struct ayb_query_limits *lim,
		    struct ayb_err *err)
{
	struct guard g;
	sqlite3 *conn = NULL;
	sqlite3_stmt *stmt = NULL;
	sqlite3_int64 heap_before;
	int rc, ret = -1;

	if (own_open(src, &g, lim, &conn, &heap_before, err) < 0)
		goto out;
	/* VACUUM INTO attaches its target internally, which the guards'
	 * attach limit of 0 refuses; the statement is ours. */
	sqlite3_limit(conn, SQLITE_LIMIT_ATTACHED, 1);
	rc = sqlite3_prepare_v2(conn, "VACUUM INTO ?1", -1, &stmt, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(stmt, 1, dst, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE) {
		own_error(&g, conn, rc, err);
		goto out;
	}
	ret = 0;
out:
	own_end(conn, stmt, heap_before);
	return ret;
}

/* The backup API copies pages: no statement evaluates anything of the
 * tenant's schema, and SQLite 3.40's VACUUM INTO on a read-only connection
 * fails on a table with generated columns ("has 2 columns but 3 values
 * were supplied").  One step copies every page inside one read
 * transaction, so the copy is of one moment while writers carry on. */
int ayb_hosted_backup(const char *src, const char *dst, const struct ayb_query_limits *lim,
		      struct ayb_err *err)
{
	struct guard g;
	sqlite3 *conn = NULL, *out = NULL;
	sqlite3_backup *b;
	sqlite3_int64 heap_was;
	int rc, ret = -1;

	if (own_open(src, &g, lim, &conn, &heap_was, err) < 0)
		goto out;
	rc = sqlite3_open_v2(dst, &out, OPEN_FLAGS | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_EXCLUSIVE, NULL);
	if (rc != SQLITE_OK) {
		own_error(&g, out, rc, err);
		goto out;
	}
	if (!(b = sqlite3_backup_init(out, "main", conn, "main"))) {
		own_error(&g, out, sqlite3_extended_errcode(out), err);
		goto out;
	}
	rc = sqlite3_backup_step(b, -1);
	/* The step's error, its message and its errno are the destination's. */
	if (sqlite3_backup_finish(b) != SQLITE_OK || rc != SQLITE_DONE) {
		own_error(&g, out, sqlite3_extended_errcode(out), err);
		goto out;
	}
	ret = 0;
out:
	if (sqlite3_close(out) != SQLITE_OK && ret == 0)
		ret = own_error(&g, NULL, SQLITE_IOERR, err);
	own_end(conn, NULL, heap_was);
	return ret;
}

/* Opens the file with the guards README "Isolation" lists.  Differences from
 * ayb: no SQLITE_OPEN_URI (a file name is never a URI here, so nothing in a
 * slug can act as a URI parameter), SQLITE_OPEN_NOFOLLOW, and the
 * authorizer above.  trusted_schema stays on, as in ayb: turning it off
 * breaks ordinary tenant schemas (SQLite 3.40 rejects json() inside a
 * trigger as "unsafe"), and a schema here only ever comes from the
 * tenant's own SQL, which may call the same functions directly.
 *
 * A CANTOPEN from sqlite3_open_v2 gets ": <path>" appended as rusqlite does,
 * but with the path relative to data_path (`shown`): ayb shows the absolute
 * server path, which tells every user where the server keeps its data. */
static int open_hosted(const char *file, const char *shown, enum ayb_query_mode mode,
		       struct guard *g, sqlite3 **out, struct ayb_err *err)
{
	sqlite3 *conn = NULL;
	char *suffix = NULL;
	int flags = OPEN_FLAGS, rc, ret = -1;

	flags |= mode == AYB_QUERY_READ_WRITE
		 ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
		 : SQLITE_OPEN_READONLY;
	/* A tenant's file is owner-only, -wal and -shm too; a failure here
	 * shows in the open. */
	if (mode == AYB_QUERY_READ_WRITE)
		ayb_fs_create_private(file);
	rc = sqlite3_open_v2(file, &conn, flags, NULL);
	if (rc != SQLITE_OK) {
		if (!conn) {
			ayb_err_oom(err);
			goto out;
		}
		/* Creating the file needs an inode and a block.  SQLite's
		 * unix VFS tries again read-only when a create fails, so the
		 * errno left is ENOENT: the file system says if it is full. */
		if ((rc & 0xff) == SQLITE_CANTOPEN && mode == AYB_QUERY_READ_WRITE &&
		    ayb_disk_full(g->dir)) {
			ayb_disk_full_error(err, "the database");
			goto out;
		}
		if ((rc & 0xff) == SQLITE_CANTOPEN)
			suffix = ayb_fmt(": %s", shown);
		/* Read-only before the first read-write query: the file does
		 * not exist yet, which is the client's doing. */
		sqlite_error(err, conn, rc, suffix,
			     (rc & 0xff) == SQLITE_CANTOPEN && mode == AYB_QUERY_READ_ONLY
			     ? AYB_E_INVALID
			     : AYB_OK);
		goto out;
	}
	guard_connection(conn);
	apply_limits(conn, g);
	if (apply_file_limit(conn, mode, g, err) < 0)
		goto out;
	if (mode == AYB_QUERY_READ_WRITE) {
		rc = set_wal(conn, g);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(conn, "PRAGMA synchronous=FULL;"
					  "PRAGMA foreign_keys=ON;", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			query_error(g, conn, sqlite3_extended_errcode(conn), err);
			goto out;
		}
	}
	sqlite3_set_authorizer(conn, authorize, g);
	*out = conn;
	conn = NULL;
	ret = 0;
out:
	sqlite3_close(conn);
	free(suffix);
	return ret;
}

/* Reads column `col` of the current row into v.  Text and blobs stay in
 * SQLite's memory (valid until the next step); either is binary when its
 * bytes are not UTF-8, since ayb shows every other value as a string. */
static int read_value(struct ayb_value *v, sqlite3 *conn, sqlite3_stmt *stmt, int col,
		      struct ayb_err *err)
{
	const unsigned char *p;
	size_t n, valid, bad;

	switch (sqlite3_column_type(stmt, col)) {
	case SQLITE_NULL:
		v->type = AYB_VALUE_NULL;
		return 0;
	case SQLITE_INTEGER:
		v->type = AYB_VALUE_INTEGER;
		v->u.i = sqlite3_column_int64(stmt, col);
		return 0;
	case SQLITE_FLOAT:
		v->type = AYB_VALUE_REAL;
		v->u.r = sqlite3_column_double(stmt, col);
		return 0;
	case SQLITE_TEXT:
		v->type = AYB_VALUE_TEXT;
		p = sqlite3_column_text(stmt, col);
		break;
	default:
		v->type = AYB_VALUE_BLOB;
		p = sqlite3_column_blob(stmt, col);
		break;
	}
	/* NULL with a nonzero length (or an error code) means SQLite ran out
	 * of memory converting the value; an empty value may be NULL too. */
	n = (size_t)sqlite3_column_bytes(stmt, col);
	if (!p && (n || sqlite3_errcode(conn) == SQLITE_NOMEM))
		return ayb_err_oom(err);
	/* ayb fails the whole query here; a table with binary data could
	 * not be read at all.  Such bytes are shown in base64 instead. */
	if (n && !ayb_utf8_check(p, n, &valid, &bad))
		v->type = AYB_VALUE_BINARY;
	v->u.s.p = p ? (const char *)p : "";
	v->u.s.n = n;
	return 0;
}

/* Adds n bytes to the result's size in JSON and checks the cap, before
 * the rows they stand for reach the sink, so a capped result never
 * reaches it past its cap. */
static int count_bytes(struct guard *g, size_t n, struct ayb_err *err)
{
	char size[64];

	g->bytes += (int64_t)n;
	if (g->lim->max_bytes && g->bytes > g->lim->max_bytes) {
		size_text(g->lim->max_bytes, size, sizeof(size));
		return ayb_err_set(err, AYB_E_INVALID,
				   "Query result too large: more than %s of JSON (the server's limit)",
				   size);
	}
	return 0;
}

static int undelivered(struct ayb_err *err)
{
	return ayb_err_set(err, AYB_E_INTERNAL, "The query result could not be delivered");
}

/* Hands one row to the sink.  Time spent there (a slow client) moves the
 * deadline: the timeout is about the query, not the network. */
static int deliver_row(struct ayb_row_sink *rows, const struct ayb_value *v, size_t n,
		       struct guard *g, struct ayb_err *err)
{
	int64_t t0 = g->deadline_ns ? ayb_clock_ns() : 0;

	if (rows->row(rows->ctx, v, n) < 0)
		return undelivered(err);
	if (g->deadline_ns)
		g->deadline_ns += ayb_clock_ns() - t0;
	return 0;
}

/* Steps the statement and hands its fields and rows to `rows`.  The size
 * of the result is counted as ayb's JSON (lib/render.h) whoever renders
 * it, so the limit on result bytes means the same everywhere. */
static int stream_result(sqlite3 *conn, sqlite3_stmt *stmt, struct ayb_row_sink *rows,
			 struct guard *g, struct ayb_err *err)
{
	const char **names;
	struct ayb_value *vals;
	size_t valid, bad;
	int i, ncol = sqlite3_column_count(stmt), rc, first = 1, ret = -1;

	names = calloc(ncol ? (size_t)ncol : 1, sizeof(*names));
	vals = calloc(ncol ? (size_t)ncol : 1, sizeof(*vals));
	if (!names || !vals) {
		ayb_err_oom(err);
		goto out;
	}
	for (i = 0; i < ncol; i++) {
		names[i] = sqlite3_column_name(stmt, i);
		if (!names[i]) {
			ayb_err_oom(err);
			goto out;
		}
		if (!ayb_utf8_check((const unsigned char *)names[i], strlen(names[i]), &valid,
				    &bad)) {
			utf8_error(err, valid, bad);
			goto out;
		}
	}
	/* A batch's results count together: its answer is held whole. */
	g->bytes += (int64_t)ayb_render_json_head_len(names, (size_t)ncol);
	if (rows->fields(rows->ctx, names, (size_t)ncol) < 0) {
		undelivered(err);
		goto out;
	}
	g->stepping = 1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (g->lim->max_rows && g->rows + 1 > g->lim->max_rows) {
			ayb_err_set(err, AYB_E_INVALID,
				    "Query result too large: more than %lld rows (the server's limit)",
				    (long long)g->lim->max_rows);
			goto out;
		}
		for (i = 0; i < ncol; i++)
			if (read_value(&vals[i], conn, stmt, i, err) < 0)
				goto out;
		if (count_bytes(g, ayb_render_json_row_len(vals, (size_t)ncol, first), err) < 0)
			goto out;
		first = 0;
		g->rows++;
		if (deliver_row(rows, vals, (size_t)ncol, g, err) < 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		/* Exactly SQLITE_READONLY, not one of its extended codes, is a
		 * write on a read-only connection. */
		if (rc == SQLITE_READONLY)
			no_write_error(err);
		else
			query_error(g, conn, rc, err);
		goto out;
	}
	if (count_bytes(g, AYB_RENDER_JSON_TAIL_LEN, err) < 0)
		goto out;
	if (rows->end(rows->ctx) < 0) {
		undelivered(err);
		goto out;
	}
	ret = 0;
out:
	free(names);
	free(vals);
	return ret;
}

/* The statement PRAGMA database_list (a database_list pragma without a
 * SELECT) writes each file's path into its program as a constant, which
 * the authorizer cannot hide and EXPLAIN would show; it is replaced by the
 * same rows from the table-valued form, whose `file` the authorizer turns
 * into NULL.  Same columns, and EXPLAIN stays EXPLAIN. */
static int hide_file_list(sqlite3 *conn, sqlite3_stmt **stmt, struct guard *g,
			  struct ayb_err *err)
{
	static const char *const sql[] = {
		"SELECT * FROM pragma_database_list",
		"EXPLAIN SELECT * FROM pragma_database_list",
		"EXPLAIN QUERY PLAN SELECT * FROM pragma_database_list",
	};
	int explain = sqlite3_stmt_isexplain(*stmt), rc;

	sqlite3_finalize(*stmt);
	*stmt = NULL;
	rc = sqlite3_prepare_v2(conn, sql[explain], -1, stmt, NULL);
	return rc == SQLITE_OK ? 0 : query_error(g, conn, rc, err);
}

/* ---- connections kept between queries ------------------------------------ */

/* Opening a database costs far more than a point query on it: three files
 * opened, the schema read and parsed, and, when it was the last connection
 * to the file, the -wal and -shm files created again at open and deleted at
 * close (on ext4 that alone cost more than the rest of a request:
 * bench/run.sh, B1).  So the connection of a query that left nothing behind
 * is kept, and the next query on the same file in the same mode and under
 * the same file size limit takes it, with this query's guard and limits put
 * on it again.  What a query may leave behind on its connection is refused
 * here: a pragma or anything in the temp schema (the authorizer sees them:
 * guard.stateful), an open transaction, or an error of any kind but a
 * full disk; such a connection is closed as before.  After a full disk
 * SQLite has rolled the statement back and the connection is sound, and
 * keeping it keeps the file's -shm in use: the first connection to a WAL
 * database truncates and rebuilds the -shm, which a full disk refuses, so
 * closing the last one would make the database unreadable until space is
 * freed.  The only trace one query can see of an earlier one on the same
 * kept connection is SQLite's changes counters (total_changes(),
 * last_insert_rowid()), and only on the same database with the same access.
 *
 * Keyed by the resolved file path, which a restore changes (a new version
 * directory), and checked against the file's inode, so a file replaced
 * under the same name is opened afresh; a kept connection to another
 * version of the same database is closed as soon as a query meets the new
 * one.  A query worker serves one file, so it keeps at most two (read-only
 * and read-write); a process running queries itself keeps a few per
 * thread (thread-local: each request thread of ayb-api.fcgi has its own,
 * so no lock is needed).  Only a cache: ayb_hosted_close_kept drops the
 * calling thread's at any time. */
#define KEEP_SLOTS 4

struct kept {
	sqlite3 *conn;           /* NULL: a free slot */
	char *path;
	enum ayb_query_mode mode;
	dev_t dev;
	ino_t ino;
	int64_t max_file_bytes;  /* the file size limit set on it at open */
	uint64_t last_used;
};

static _Thread_local struct kept kept[KEEP_SLOTS];
static _Thread_local uint64_t kept_clock;

static void kept_drop(struct kept *k)
{
	sqlite3_close(k->conn);
	free(k->path);
	memset(k, 0, sizeof(*k));
}

/* A read-only connection closing last leaves the -wal and -shm behind
 * (only a connection that may write checkpoints and removes them), and a
 * worker that only ever read keeps nothing else: a read-write connection
 * opened after it, reading the header alone, does the cleaning, as
 * ayb's own daemon closing its connection would. */
static void wal_tidy(const char *path)
{
	sqlite3 *conn = NULL;

	/* A read opens the WAL, which the close then checkpoints. */
	if (sqlite3_open_v2(path, &conn, OPEN_FLAGS | SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
		guard_connection(conn);
		sqlite3_exec(conn, "PRAGMA user_version", NULL, NULL, NULL);
	}
	sqlite3_close(conn);
}

void ayb_hosted_close_kept(void)
{
	for (size_t i = 0; i < KEEP_SLOTS; i++) {
		char *path = NULL;

		if (!kept[i].conn)
			continue;
		if (kept[i].mode == AYB_QUERY_READ_ONLY)
			path = strdup(kept[i].path);
		kept_drop(&kept[i]);
		if (path)
			wal_tidy(path);
		free(path);
	}
}

/* The kept connection for f in `mode`, now the caller's (NULL: none);
 * *st is the file's stat when it is returned.  Drops on the way any kept
 * connection to another version of the same database, or to a file that
 * is no longer the one it opened. */
static sqlite3 *kept_take(const struct ayb_layout_file *f, enum ayb_query_mode mode,
			  int64_t max_file_bytes, struct stat *st)
{
	sqlite3 *conn = NULL;
	int have_st = -1;

	for (size_t i = 0; i < KEEP_SLOTS; i++) {
		struct kept *k = &kept[i];

		if (!k->conn)
			continue;
		if (strcmp(k->path, f->path) != 0) {
			/* <database dir>/<another version>/...: restored away. */
			if (ayb_layout_other_version(k->path, f))
				kept_drop(k);
			continue;
		}
		if (have_st < 0)
			have_st = stat(f->path, st) == 0;
		if (!have_st || st->st_dev != k->dev || st->st_ino != k->ino) {
			kept_drop(k);
			continue;
		}
		if (conn || k->mode != mode || k->max_file_bytes != max_file_bytes)
			continue;
		conn = k->conn;
		k->conn = NULL;
		kept_drop(k);
	}
	return conn;
}

static void register_close_kept(void)
{
	atexit(ayb_hosted_close_kept);
}

/* Keeps conn (taken from the caller) for the next query on f, in the free
 * slot or the least recently used one; closes it when it cannot.  `known`
 * is the file's stat from kept_take, or NULL to take it now. */
static void kept_put(sqlite3 *conn, const struct ayb_layout_file *f, enum ayb_query_mode mode,
		     int64_t max_file_bytes, const struct stat *known)
{
	static pthread_once_t registered = PTHREAD_ONCE_INIT;
	struct kept *k = NULL;
	struct stat st;

	if (known) {
		st = *known;
	} else if (stat(f->path, &st) < 0) {
		sqlite3_close(conn);
		return;
	}
	for (size_t i = 0; i < KEEP_SLOTS; i++) {
		if (!kept[i].conn) {
			k = &kept[i];
			break;
		}
		if (!k || kept[i].last_used < k->last_used)
			k = &kept[i];
	}
	if (k->conn)
		kept_drop(k);
	if (!(k->path = strdup(f->path))) {
		sqlite3_close(conn);
		return;
	}
	/* A process that ends normally still closes its connections, and
	 * with them checkpoints the WAL, as when nothing was kept (the main
	 * thread's; another thread closes its own before it ends). */
	pthread_once(&registered, register_close_kept);
	k->conn = conn;
	k->mode = mode;
	k->dev = st.st_dev;
	k->ino = st.st_ino;
	k->max_file_bytes = max_file_bytes;
	k->last_used = ++kept_clock;
}

/* The heap limit is process-wide in SQLite; it is set while queries run and
 * put back when the last one ends, so in a process that also holds the
 * metadata store's connection only tenants' queries run under it.  Queries
 * that run at the same time in several threads share the limit of the first
 * (README "Isolation": with isolation off). */
static pthread_mutex_t heap_lock = PTHREAD_MUTEX_INITIALIZER;
static int heap_users;
static sqlite3_int64 heap_before;

static void heap_limit_enter(int64_t bytes)
{
	pthread_mutex_lock(&heap_lock);
	if (heap_users++ == 0)
		heap_before = sqlite3_hard_heap_limit64(bytes);
	pthread_mutex_unlock(&heap_lock);
}

static void heap_limit_leave(void)
{
	pthread_mutex_lock(&heap_lock);
	if (--heap_users == 0)
		sqlite3_hard_heap_limit64(heap_before);
	pthread_mutex_unlock(&heap_lock);
}

/* Prepares statement i of r (len checked by the caller), refusing what the
 * JSON forms do not allow, and binds its parameters.  The SQL form runs its
 * first statement only, as ayb: the tail is ignored, and parameters stay
 * NULL.  SQLite skips leading empty statements and comments itself, so no
 * statement at all means there was nothing to run. */
static int prepare_statement(sqlite3 *conn, const struct ayb_query_req *r, size_t i,
			     struct guard *g, sqlite3_stmt **out, struct ayb_err *err)
{
	const struct ayb_statement *st = &r->stmts[i];
	const char *tail = NULL;
	int rc;

	g->stepping = g->selecting = g->file_list = 0;
	rc = sqlite3_prepare_v2(conn, st->sql, (int)st->len, out, &tail);
	if (rc != SQLITE_OK)
		return query_error(g, conn, rc, err);
	if (!*out)
		return ayb_err_set(err, AYB_E_INVALID, "Query is empty");
	if (r->form != AYB_FORM_SQL &&
	    !ayb_hosted_sql_trivia(tail, (size_t)(st->sql + st->len - tail)))
		return ayb_err_set(err, AYB_E_INVALID,
				   "The query holds more than one statement: send each as its own entry of \"statements\"");
	if (g->file_list && !g->selecting && hide_file_list(conn, out, g, err) < 0)
		return -1;
	if (r->form == AYB_FORM_SQL)
		return 0;
	rc = ayb_hosted_bind(*out, st, err);
	return rc > 0 ? query_error(g, conn, rc, err) : rc;
}

/* The statements of a batch in one transaction on one connection: all of
 * them take effect or none.  A read-only caller's batch is prepared whole
 * before anything runs, so one write in it is refused at once.  The time
 * limit runs from the start of the batch (apply_limits), and its results
 * count together against the result limits. */
static int run_batch(sqlite3 *conn, const struct ayb_query_req *r, enum ayb_query_mode mode,
		     struct ayb_row_sink *rows, struct guard *g, int grouped, struct ayb_err *err)
{
	sqlite3_stmt **stmts = calloc(r->n, sizeof(*stmts));
	size_t i = 0;
	int rc, ret = -1;

	if (!stmts)
		return ayb_err_oom(err);
	/* Only the batch's own BEGIN, COMMIT and ROLLBACK run with in_batch
	 * off: a read-only batch's statements are prepared before its BEGIN. */
	g->in_batch = 1;
	if (mode == AYB_QUERY_READ_ONLY) {
		for (i = 0; i < r->n; i++) {
			if (prepare_statement(conn, r, i, g, &stmts[i], err) < 0)
				goto blame;
			if (!sqlite3_stmt_readonly(stmts[i])) {
				no_write_error(err);
				goto blame;
			}
		}
	}
	/* IMMEDIATE takes the write lock now, through the busy handler, rather
	 * than failing at once when a later write finds another writer. */
	g->in_batch = 0;
	rc = SQLITE_OK;
	if (!grouped)
		rc = sqlite3_exec(conn, mode == AYB_QUERY_READ_WRITE ? "BEGIN IMMEDIATE" : "BEGIN",
				  NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		query_error(g, conn, sqlite3_extended_errcode(conn), err);
		goto out;
	}
	g->in_batch = 1;
	for (i = 0; i < r->n; i++) {
		if (!stmts[i] && prepare_statement(conn, r, i, g, &stmts[i], err) < 0)
			goto blame;
		if (stream_result(conn, stmts[i], rows, g, err) < 0)
			goto blame;
		sqlite3_finalize(stmts[i]);
		stmts[i] = NULL;
	}
	g->in_batch = 0;
	rc = grouped ? SQLITE_OK : sqlite3_exec(conn, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		query_error(g, conn, sqlite3_extended_errcode(conn), err);
		goto out;
	}
	ret = 0;
	goto out;
blame:
	ayb_query_req_blame(err, i);
out:
	for (i = 0; i < r->n; i++)
		sqlite3_finalize(stmts[i]);
	free(stmts);
	/* In a group the caller rolls back to the request's savepoint. */
	if (ret < 0 && !grouped && !sqlite3_get_autocommit(conn)) {
		/* Past the deadline the progress handler would interrupt the
		 * rollback too; a connection left in its transaction is closed
		 * by the caller, which rolls back all the same. */
		g->in_batch = 0;
		sqlite3_progress_handler(conn, 0, NULL, NULL);
		sqlite3_exec(conn, "ROLLBACK", NULL, NULL, NULL);
	}
	return ret;
}

/* Whether a read-write request would write, found by preparing its
 * statements without running any: a statement SQLite calls a write, with
 * no pragma or temp object before it (those change the connection itself,
 * so they run where they always have), and no VACUUM.  A statement that does not prepare
 * fails the same way wherever it runs, so it stays here too.  The
 * authorizer's findings are the real run's to make. */
/* 1 when the statement at sql is a VACUUM, which SQLite calls a write (its
 * INTO form) but refuses inside a transaction: it stays where the guards
 * refuse it with their own words. */
static int is_vacuum(const char *sql, size_t n)
{
	const char *p = sql, *end = sql + n;

	while (p < end) {
		if (isspace((unsigned char)*p)) {
			p++;
		} else if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
			while (p < end && *p != '\n')
				p++;
		} else if (end - p >= 2 && p[0] == '/' && p[1] == '*') {
			for (p += 2; end - p >= 2 && !(p[0] == '*' && p[1] == '/'); p++)
				;
			p += 2;
		} else {
			break;
		}
	}
	return end - p >= 6 && sqlite3_strnicmp(p, "vacuum", 6) == 0;
}

static int writes(sqlite3 *conn, const struct ayb_query_req *r, struct guard *g)
{
	int found = 0;

	for (size_t i = 0; i < r->n && !found && !g->stateful; i++) {
		sqlite3_stmt *stmt = NULL;

		if (sqlite3_prepare_v2(conn, r->stmts[i].sql, (int)r->stmts[i].len, &stmt, NULL) !=
		    SQLITE_OK || !stmt)
			break;
		found = !sqlite3_stmt_readonly(stmt) && !g->stateful &&
			!is_vacuum(r->stmts[i].sql, r->stmts[i].len);
		sqlite3_finalize(stmt);
	}
	g->stateful = g->denied_write = g->denied_tx = 0;
	g->denied[0] = '\0';
	return found;
}

/* The writer's connection while its group's transaction is open (the
 * writer runs one group at a time on one thread). */
static _Thread_local sqlite3 *group_conn;
static _Thread_local int group_stateful;

enum run_how { RUN_HERE, RUN_OR_DEFER, RUN_IN_GROUP };

/* Ends a request of a group: its savepoint released, or rolled back alone.
 * -2 when the transaction itself is gone (SQLite rolls a whole transaction
 * back after some errors: a full disk, I/O, out of memory). */
static int group_end_request(sqlite3 *conn, struct guard *g, int ret, struct ayb_err *err)
{
	int fks = 0, high;

	g->in_batch = 0;
	sqlite3_progress_handler(conn, 0, NULL, NULL);
	if (sqlite3_get_autocommit(conn))
		return -2;
	/* A deferred foreign key left dangling would fail the group's COMMIT,
	 * where alone it fails this request's own: it fails it here, with
	 * the words of the COMMIT it would have met. */
	if (ret >= 0 && sqlite3_db_status(conn, SQLITE_DBSTATUS_DEFERRED_FKS, &fks, &high, 0) ==
	    SQLITE_OK && fks > 0) {
		ayb_err_set(err, sqlite_class(SQLITE_CONSTRAINT),
			    "SqliteFailure(Error { code: %s, extended_code: %d }, Some(\"FOREIGN KEY constraint failed\"))",
			    sqlite_code_name(SQLITE_CONSTRAINT), SQLITE_CONSTRAINT_FOREIGNKEY);
		ret = -1;
	}
	if (ret < 0)
		sqlite3_exec(conn, "ROLLBACK TO ayb_request", NULL, NULL, NULL);
	if (sqlite3_exec(conn, "RELEASE ayb_request", NULL, NULL, NULL) != SQLITE_OK)
		return -2;
	group_stateful |= g->stateful;
	return ret;
}

static int run_req(const struct ayb_layout_file *f, const struct ayb_query_req *r,
		   enum ayb_query_mode mode, const struct ayb_query_limits *lim,
		   struct ayb_row_sink *rows, enum run_how how, struct ayb_err *err)
{
	static const struct ayb_query_limits none;
	struct guard g;
	sqlite3 *conn = NULL;
	sqlite3_stmt *stmt = NULL;
	struct stat st;
	size_t valid, bad;
	int reused = 0, ret = -1;

	memset(&g, 0, sizeof(g));
	g.lim = lim ? lim : &none;
	g.dir = f->dir;
	g.read_only = mode == AYB_QUERY_READ_ONLY;
	for (size_t i = 0; i < r->n; i++) {
		/* The body is SQL text; ayb only ever sees it as a Rust String. */
		if (!ayb_utf8_check((const unsigned char *)r->stmts[i].sql, r->stmts[i].len,
				    &valid, &bad))
			return utf8_error(err, valid, bad);
		if (r->stmts[i].len > INT_MAX)
			return ayb_err_set(err, AYB_E_INVALID, "Query is too long");
	}
	if (g.lim->heap_bytes)
		heap_limit_enter(g.lim->heap_bytes);
	if (how == RUN_IN_GROUP) {
		conn = group_conn;
		apply_limits(conn, &g);
		sqlite3_set_authorizer(conn, authorize, &g);
		if (sqlite3_exec(conn, "SAVEPOINT ayb_request", NULL, NULL, NULL) != SQLITE_OK) {
			query_error(&g, conn, sqlite3_extended_errcode(conn), err);
			sqlite3_set_authorizer(conn, NULL, NULL);
			conn = NULL;
			ret = -2;
			goto out;
		}
		/* No statement of the tenant's may end the group's transaction. */
		g.in_batch = 1;
	} else if ((conn = kept_take(f, mode, g.lim->max_file_bytes, &st))) {
		reused = 1;
		apply_limits(conn, &g);
		sqlite3_set_authorizer(conn, authorize, &g);
	} else if (open_hosted(f->path, f->shown, mode, &g, &conn, err) < 0) {
		goto out;
	}
	if (how == RUN_OR_DEFER && mode == AYB_QUERY_READ_WRITE && writes(conn, r, &g))
		ret = 1;
	else if (r->form == AYB_FORM_BATCH)
		ret = run_batch(conn, r, mode, rows, &g, how == RUN_IN_GROUP, err);
	else if (prepare_statement(conn, r, 0, &g, &stmt, err) == 0)
		ret = stream_result(conn, stmt, rows, &g, err);
	sqlite3_finalize(stmt);
	stmt = NULL;
	if (how == RUN_IN_GROUP) {
		ret = group_end_request(conn, &g, ret, err);
		sqlite3_set_authorizer(conn, NULL, NULL);
		conn = NULL;
	}
out:
	sqlite3_finalize(stmt);
	if (conn && (ret >= 0 || err->kind == AYB_E_DISK_FULL) && !g.stateful &&
	    sqlite3_get_autocommit(conn)) {
		/* Nothing may point at this query's guard once it is over. */
		sqlite3_set_authorizer(conn, NULL, NULL);
		sqlite3_progress_handler(conn, 0, NULL, NULL);
		sqlite3_busy_handler(conn, NULL, NULL);
		kept_put(conn, f, mode, g.lim->max_file_bytes, reused ? &st : NULL);
	} else {
		sqlite3_close(conn);
	}
	if (g.lim->heap_bytes)
		heap_limit_leave();
	return ret;
}

int ayb_hosted_run(const struct ayb_layout_file *f, const char *sql, size_t len,
		   enum ayb_query_mode mode, const struct ayb_query_limits *lim,
		   struct ayb_row_sink *rows, struct ayb_err *err)
{
	struct ayb_query_req r;

	ayb_query_req_sql(&r, sql, len);
	return ayb_hosted_run_req(f, &r, mode, lim, rows, err);
}

int ayb_hosted_run_req(const struct ayb_layout_file *f, const struct ayb_query_req *r,
		       enum ayb_query_mode mode, const struct ayb_query_limits *lim,
		       struct ayb_row_sink *rows, struct ayb_err *err)
{
	return run_req(f, r, mode, lim, rows, RUN_HERE, err);
}

int ayb_hosted_run_or_defer(const struct ayb_layout_file *f, const struct ayb_query_req *r,
			    enum ayb_query_mode mode, const struct ayb_query_limits *lim,
			    struct ayb_row_sink *rows, struct ayb_err *err)
{
	return run_req(f, r, mode, lim, rows, RUN_OR_DEFER, err);
}

/* ---- the writer's group commit ------------------------------------------- */

int ayb_hosted_group_begin(const struct ayb_layout_file *f, const struct ayb_query_limits *lim,
			   struct ayb_err *err)
{
	static const struct ayb_query_limits none;
	struct guard g;
	struct stat st;
	int rc;

	memset(&g, 0, sizeof(g));
	g.lim = lim ? lim : &none;
	g.dir = f->dir;
	group_stateful = 0;
	if (!(group_conn = kept_take(f, AYB_QUERY_READ_WRITE, g.lim->max_file_bytes, &st)) &&
	    open_hosted(f->path, f->shown, AYB_QUERY_READ_WRITE, &g, &group_conn, err) < 0)
		return -1;
	apply_limits(group_conn, &g);
	if (wal_hook)
		sqlite3_wal_hook(group_conn, wal_hook, wal_hook_ctx);
	sqlite3_progress_handler(group_conn, 0, NULL, NULL);
	sqlite3_set_authorizer(group_conn, NULL, NULL);
	rc = sqlite3_exec(group_conn, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_busy_handler(group_conn, NULL, NULL);
	if (rc != SQLITE_OK) {
		query_error(&g, group_conn, sqlite3_extended_errcode(group_conn), err);
		sqlite3_close(group_conn);
		group_conn = NULL;
		return -1;
	}
	return 0;
}

int ayb_hosted_group_run(const struct ayb_layout_file *f, const struct ayb_query_req *r,
			 const struct ayb_query_limits *lim, struct ayb_row_sink *rows,
			 struct ayb_err *err)
{
	return run_req(f, r, AYB_QUERY_READ_WRITE, lim, rows, RUN_IN_GROUP, err);
}

int ayb_hosted_group_end(const struct ayb_layout_file *f, const struct ayb_query_limits *lim,
			 int commit, struct ayb_err *err)
{
	static const struct ayb_query_limits none;
	struct guard g;
	int rc = SQLITE_OK;

	memset(&g, 0, sizeof(g));
	g.lim = lim ? lim : &none;
	g.dir = f->dir;
	if (!group_conn)
		return -1;
	if (!sqlite3_get_autocommit(group_conn))
		rc = sqlite3_exec(group_conn, commit ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
	if (rc != SQLITE_OK && commit) {
		query_error(&g, group_conn, sqlite3_extended_errcode(group_conn), err);
		if (!sqlite3_get_autocommit(group_conn))
			sqlite3_exec(group_conn, "ROLLBACK", NULL, NULL, NULL);
	}
	/* A pragma of a batch may have changed the connection: not kept. */
	if (rc == SQLITE_OK && !group_stateful && sqlite3_get_autocommit(group_conn))
		kept_put(group_conn, f, AYB_QUERY_READ_WRITE, g.lim->max_file_bytes, NULL);
	else
		sqlite3_close(group_conn);
	group_conn = NULL;
	return rc == SQLITE_OK ? 0 : -1;
}

/* ---- whole-file work written elsewhere ------------------------------------- */

int ayb_hosted_own(const char *path, const struct ayb_query_limits *lim,
		   ayb_hosted_own_fn *fn, void *ctx, struct ayb_err *err)
{
	struct guard g;
	sqlite3 *conn = NULL;
	sqlite3_int64 heap_was;
	int rc, ret = -1;

	if (own_open(path, &g, lim, &conn, &heap_was, err) < 0)
		goto out;
	rc = fn(conn, ctx, err);
	if (rc > 0)
		own_error(&g, conn, rc, err);
	else
		ret = rc;
out:
	own_end(conn, NULL, heap_was);
	return ret;
}

/* Runs every statement of one complete chunk of a script; *done counts
 * them, for the message of the one that fails.  Rows are stepped through
 * and dropped: a dump's statements return none. */
static int script_run(sqlite3 *conn, struct guard *g, const char *sql, size_t len,
		      int64_t *done, struct ayb_err *err)
{
	const char *tail = sql, *end = sql + len;
	sqlite3_stmt *stmt = NULL;
	int rc;

	while (tail < end) {
		rc = sqlite3_prepare_v2(conn, tail, (int)(end - tail), &stmt, &tail);
		if (rc == SQLITE_OK && !stmt)
			break;
		(*done)++;
		g->stepping = 1;
		while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
			rc = SQLITE_OK;
		g->stepping = 0;
		sqlite3_finalize(stmt);
		stmt = NULL;
		if (rc != SQLITE_DONE) {
			query_error(g, conn, sqlite3_extended_errcode(conn), err);
			return ayb_err_prefix(err, "Statement %lld", (long long)*done);
		}
	}
	return 0;
}

/* Lines are read whole, as sqlite3's shell reads a script, and a statement
 * runs once the lines so far end one (sqlite3_complete, asked only after a
 * line with a ';'): a dump's rows are one line each, so the text is looked
 * at about twice.  A statement longer
 * than SQLite's own SQL length limit could never be prepared; it is
 * refused as soon as the text passes it. */
#define SCRIPT_CHUNK (64u * 1024)

static int too_long(const struct ayb_buf *stmt, size_t max, int64_t done, struct ayb_err *err)
{
	if (stmt->len <= max)
		return 0;
	return ayb_err_set(err, AYB_E_INVALID,
			   "Statement %lld is longer than %zu bytes (the server's limit)",
			   (long long)done + 1, max);
}

static int script_read(const struct ayb_layout_file *f, int fd,
		       const struct ayb_query_limits *lim, int64_t *statements,
		       struct ayb_err *err)
{
	static const struct ayb_query_limits none;
	struct guard g;
	sqlite3 *conn = NULL;
	struct ayb_buf stmt = { 0 };
	char *chunk = NULL, *p, *nl;
	ssize_t got;
	size_t have = 0, max;
	int semi = 0, ret = -1;

	*statements = 0;
	memset(&g, 0, sizeof(g));
	g.lim = lim ? lim : &none;
	g.dir = f->dir;
	if (g.lim->heap_bytes)
		heap_limit_enter(g.lim->heap_bytes);
	if (open_hosted(f->path, f->shown, AYB_QUERY_READ_WRITE, &g, &conn, err) < 0)
		goto out;
	max = (size_t)sqlite3_limit(conn, SQLITE_LIMIT_SQL_LENGTH, -1);
	if (!(chunk = malloc(SCRIPT_CHUNK))) {
		ayb_err_oom(err);
		goto out;
	}
	for (;;) {
		do
			got = read(fd, chunk + have, SCRIPT_CHUNK - have);
		while (got < 0 && errno == EINTR);
		if (got < 0) {
			ayb_err_set(err, AYB_E_INTERNAL, "Cannot read the script: %s",
				    strerror(errno));
			goto out;
		}
		have += (size_t)got;
		p = chunk;
		while ((nl = memchr(p, '\n', have - (size_t)(p - chunk))) ||
		       (got == 0 && p < chunk + have)) {
			size_t n = nl ? (size_t)(nl - p) + 1 : have - (size_t)(p - chunk);

			if (memchr(p, ';', n))
				semi = 1;
			if (ayb_buf_add(&stmt, p, n) < 0) {
				ayb_err_oom(err);
				goto out;
			}
			p += n;
			if (too_long(&stmt, max, *statements, err) < 0)
				goto out;
			/* A statement can only end on a line with a ';'. */
			if (!semi)
				continue;
			semi = 0;
			if (sqlite3_complete(stmt.data)) {
				if (script_run(conn, &g, stmt.data, stmt.len, statements, err) < 0)
					goto out;
				stmt.len = 0;
				stmt.data[0] = '\0';
			}
		}
		have -= (size_t)(p - chunk);
		memmove(chunk, p, have);
		if (got == 0)
			break;
		/* A line longer than the chunk goes to the statement as it is. */
		if (have == SCRIPT_CHUNK) {
			if (memchr(chunk, ';', have))
				semi = 1;
			if (ayb_buf_add(&stmt, chunk, have) < 0) {
				ayb_err_oom(err);
				goto out;
			}
			have = 0;
			if (too_long(&stmt, max, *statements, err) < 0)
				goto out;
		}
	}
	/* What is left is whitespace and comments, or a statement cut short. */
	if (stmt.len && script_run(conn, &g, stmt.data, stmt.len, statements, err) < 0)
		goto out;
	if (!sqlite3_get_autocommit(conn)) {
		ayb_err_set(err, AYB_E_INVALID, "The script leaves a transaction open");
		goto out;
	}
	ret = 0;
out:
	free(chunk);
	ayb_buf_free(&stmt);
	sqlite3_close(conn);
	if (g.lim->heap_bytes)
		heap_limit_leave();
	return ret;
}

int ayb_hosted_script(const struct ayb_layout_file *f, const char *script,
		      const struct ayb_query_limits *lim, struct ayb_err *err)
{
	int64_t n = 0;
	int fd, ret;

	if ((fd = open(script, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return ayb_err_set(err, AYB_E_INTERNAL, "Cannot open the script: %s",
				   strerror(errno));
	ret = script_read(f, fd, lim, &n, err);
	close(fd);
	return ret;
}
