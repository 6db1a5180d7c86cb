/* SQLite metadata backend: one connection per process in WAL mode with a
 * busy timeout, every query prepared once and kept for the process's life. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "clock.h"
#include "disk.h"
#include "fs.h"
#include "store_impl.h"

#define MAX_QUERIES 128
/* How long a statement keeps being retried on SQLITE_BUSY, beyond the
 * busy timeout each attempt already waits. */
#define BUSY_RETRY_NS (15LL * 1000000000LL)

struct conn {
	sqlite3 *db;
	sqlite3_stmt *stmts[MAX_QUERIES];
};

/* ayb's schema at HEAD (README "Metadata store") in SQLite's dialect. */
static const char *const migrations[] = {
	"CREATE TABLE entity ("
	" id INTEGER PRIMARY KEY,"
	" slug VARCHAR(64) NOT NULL UNIQUE,"
	" entity_type SMALLINT NOT NULL,"
	" display_name VARCHAR(35),"
	" description VARCHAR(100),"
	" organization VARCHAR(35),"
	" location VARCHAR(35),"
	" links JSONB);"
	"CREATE TABLE database ("
	" id INTEGER PRIMARY KEY,"
	" slug VARCHAR(64) NOT NULL,"
	" db_type SMALLINT NOT NULL,"
	" entity_id INT NOT NULL REFERENCES entity(id),"
	" public_sharing_level SMALLINT NOT NULL DEFAULT 0,"
	" UNIQUE (entity_id, slug));"
	"CREATE TABLE authentication_method ("
	" id INTEGER PRIMARY KEY,"
	" entity_id INT NOT NULL REFERENCES entity(id),"
	" method_type SMALLINT NOT NULL,"
	" status SMALLINT NOT NULL,"
	" email_address VARCHAR(256) NOT NULL,"
	" UNIQUE (method_type, email_address));"
	"CREATE TABLE api_token ("
	" short_token VARCHAR(12) PRIMARY KEY,"
	" entity_id INT NOT NULL REFERENCES entity(id),"
	" hash VARCHAR(64) NOT NULL,"
	" database_id INT NULL REFERENCES database(id),"
	" query_permission_level SMALLINT NULL,"
	" app_name VARCHAR(255) NULL,"
	" created_at TIMESTAMP NULL,"
	" expires_at TIMESTAMP NULL,"
	" revoked_at TIMESTAMP NULL);"
	/* ayb's table has no key; ayb-c adds one so grants list in the
	 * order they were first given, in both stores. */
	"CREATE TABLE entity_database_permission ("
	" id INTEGER PRIMARY KEY,"
	" entity_id INT NOT NULL REFERENCES entity(id),"
	" database_id INT NOT NULL REFERENCES database(id),"
	" sharing_level SMALLINT NOT NULL,"
	" UNIQUE (entity_id, database_id));"
	"CREATE TABLE oauth_authorization_request ("
	" code VARCHAR(64) PRIMARY KEY,"
	" entity_id INT NOT NULL REFERENCES entity(id),"
	" code_challenge VARCHAR(128) NOT NULL,"
	" redirect_uri TEXT NOT NULL,"
	" app_name VARCHAR(255) NOT NULL,"
	" requested_query_permission_level SMALLINT NOT NULL,"
	" state VARCHAR(255) NULL,"
	" database_id INT NOT NULL REFERENCES database(id),"
	" query_permission_level SMALLINT NOT NULL,"
	" created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,"
	" expires_at TIMESTAMP NOT NULL,"
	" used_at TIMESTAMP NULL);",
	AYB_STORE_MIGRATION_2,
	AYB_STORE_MIGRATION_3,
	AYB_STORE_MIGRATION_4,
	/* 5: slugs up to 128 bytes (slug.h); SQLite does not enforce VARCHAR
	 * widths, so there is nothing to change. */
	"",
	AYB_STORE_MIGRATION_6,
	AYB_STORE_MIGRATION_7,
	AYB_STORE_MIGRATION_8,
};

static int fail(struct conn *c, struct ayb_err *err)
{
	int code = sqlite3_extended_errcode(c->db), sys = sqlite3_system_errno(c->db);

	/* No max_page_count here: SQLITE_FULL is the disk (ENOSPC, which
	 * SQLite's unix VFS reports without a system error). */
	if ((code & 0xff) == SQLITE_FULL ||
	    ((code & 0xff) == SQLITE_IOERR && ayb_disk_full_errno(sys)))
		ayb_disk_full_error(err, "the metadata store");
	else
		ayb_err_set(err,
			    (code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED
				    ? AYB_E_UNAVAILABLE : AYB_E_INTERNAL,
			    "Metadata store error: %s", sqlite3_errmsg(c->db));
	return (code & 0xff) == SQLITE_CONSTRAINT &&
		       (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY)
		       ? AYB_STORE_UNIQUE_VIOLATION : -1;
}

/* Whether to run a statement again after rc.  SQLITE_BUSY comes back when
 * the busy timeout ran out, but also at once when waiting could deadlock
 * (a writer holding a stale WAL snapshot, recovery after a crash), which
 * several FastCGI processes writing one metadata file do meet.  Outside an
 * explicit transaction a statement that failed with SQLITE_BUSY changed
 * nothing, so running it again is safe; inside one (migrations) the
 * caller's transaction decides.  Sleeps a little longer each time, with
 * jitter so that processes which collided do not collide again. */
static int busy_again(struct conn *c, int rc, int attempt, long long start)
{
	unsigned int jitter;
	struct timespec ts;

	if ((rc & 0xff) != SQLITE_BUSY || !sqlite3_get_autocommit(c->db) ||
	    ayb_clock_ns() - start > BUSY_RETRY_NS)
		return 0;
	sqlite3_randomness(sizeof(jitter), &jitter);
	ts.tv_sec = 0;
	ts.tv_nsec = (long)(attempt < 20 ? attempt + 1 : 20) * 1000000L + (long)(jitter % 1000000U);
	nanosleep(&ts, NULL);
	return 1;
}

/* Steps st to the end, appending rows when not NULL.  Returns SQLITE_DONE,
 * SQLITE_NOMEM, or the failing step's code. */
static int step_rows(sqlite3_stmt *st, struct ayb_rows *rows)
{
	size_t cap = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t nc = (size_t)sqlite3_column_count(st);
		if (!rows)
			continue;
		rows->ncols = nc;
		if ((rows->nrows + 1) * nc > cap) {
			size_t ncap = cap ? cap * 2 : nc * 4;
			char **p;
			while (ncap < (rows->nrows + 1) * nc)
				ncap *= 2;
			if (!(p = realloc(rows->cells, ncap * sizeof(*p))))
				return SQLITE_NOMEM;
			rows->cells = p;
			cap = ncap;
		}
		for (size_t j = 0; j < nc; j++) {
			const unsigned char *t = sqlite3_column_text(st, (int)j);
			char **cell = &rows->cells[rows->nrows * nc + j];
			*cell = t ? strdup((const char *)t) : NULL;
			if (t && !*cell) {
				/* Cells after j are unset: free only what is set. */
				for (size_t k = j + 1; k < nc; k++)
					rows->cells[rows->nrows * nc + k] = NULL;
				rows->nrows++;
				return SQLITE_NOMEM;
			}
		}
		rows->nrows++;
	}
	return rc;
}

static int sq_query(void *conn, int qid, const char *sql, const struct ayb_param *params,
		    size_t nparams, struct ayb_rows *rows, struct ayb_err *err)
{
	struct conn *c = conn;
	sqlite3_stmt *st;
	long long start = ayb_clock_ns();
	int rc, ret = 0;

	if (qid < 0 || qid >= MAX_QUERIES)
		return ayb_err_set(err, AYB_E_INTERNAL, "Metadata store error: query id %d", qid);
	if (!(st = c->stmts[qid])) {
		if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
		    SQLITE_OK)
			return fail(c, err);
		c->stmts[qid] = st;
	}
	/* Queries are written with $1..$n; bind by name so order of use is free. */
	for (size_t i = 0; i < nparams; i++) {
		char name[24];
		int idx;
		snprintf(name, sizeof(name), "$%zu", i + 1);
		idx = sqlite3_bind_parameter_index(st, name);
		if (!idx)
			continue;
		rc = params[i].value
			     ? sqlite3_bind_text(st, idx, params[i].value, -1, SQLITE_STATIC)
			     : sqlite3_bind_null(st, idx);
		if (rc != SQLITE_OK) {
			ret = fail(c, err);
			goto out;
		}
	}
	if (rows)
		memset(rows, 0, sizeof(*rows));
	for (int attempt = 0; (rc = step_rows(st, rows)) != SQLITE_DONE; attempt++) {
		if (rc == SQLITE_NOMEM || !busy_again(c, rc, attempt, start))
			break;
		sqlite3_reset(st);
		if (rows) {
			ayb_rows_free(rows);
			memset(rows, 0, sizeof(*rows));
		}
	}
	if (rc == SQLITE_NOMEM)
		ret = ayb_err_oom(err);
	else if (rc != SQLITE_DONE)
		ret = fail(c, err);
out:
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (ret && rows)
		ayb_rows_free(rows);
	return ret;
}

/* The scripts run outside a transaction (BEGIN, the PRAGMAs at open) are
 * idempotent, so SQLITE_BUSY retries them; inside a transaction (the
 * migrations) busy_again() declines. */
static int sq_exec(void *conn, const char *sql, struct ayb_err *err)
{
	struct conn *c = conn;
	long long start = ayb_clock_ns();
	int rc;

	for (int attempt = 0; (rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL)) != SQLITE_OK;
	     attempt++)
		if (!busy_again(c, rc, attempt, start))
			break;
	return rc == SQLITE_OK ? 0 : fail(c, err);
}

/* IMMEDIATE takes the write lock up front, so two processes applying the
 * same migration at start-up wait for each other instead of failing. */
static int sq_begin(void *conn, struct ayb_err *err)
{
	return sq_exec(conn, "BEGIN IMMEDIATE", err);
}

static int sq_commit(void *conn, struct ayb_err *err)
{
	return sq_exec(conn, "COMMIT", err);
}

static void sq_rollback(void *conn)
{
	struct conn *c = conn;

	sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

static void sq_close(void *conn)
{
	struct conn *c = conn;

	if (!c)
		return;
	for (size_t i = 0; i < MAX_QUERIES; i++)
		sqlite3_finalize(c->stmts[i]);
	sqlite3_close(c->db);
	free(c);
}

static const struct ayb_store_backend sqlite_backend = {
	.query = sq_query,
	.exec = sq_exec,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.close = sq_close,
	.migrations = migrations,
	.nmigrations = sizeof(migrations) / sizeof(migrations[0]),
};

int ayb_store_sqlite_open(const char *path, void **connp, const struct ayb_store_backend **be,
			  struct ayb_err *err)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return ayb_err_oom(err);
	/* Owner-only, -wal and -shm too; a failure here shows in the open. */
	ayb_fs_create_private(path);
	if (sqlite3_open_v2(path, &c->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		/* Not the path: this reaches every caller of the API. */
		ayb_err_set(err, AYB_E_INTERNAL, "Unable to open metadata store: %s",
			    c->db ? sqlite3_errmsg(c->db) : "out of memory");
		sq_close(c);
		return -1;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, 5000);
	if (sq_exec(c, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON",
		    err) < 0) {
		sq_close(c);
		return -1;
	}
	*connp = c;
	*be = &sqlite_backend;
	return 0;
}
