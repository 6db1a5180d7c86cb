/* What a metadata backend implements.  store.c owns every query (written
 * once, with $1..$n placeholders) and the migrations' bookkeeping; a backend
 * prepares each query once per connection and runs it with text parameters,
 * returning every row as text. */
#ifndef AYB_STORE_IMPL_H
#define AYB_STORE_IMPL_H

#include <stddef.h>

#include "error.h"

/* A parameter: text, or SQL NULL when value is NULL. */
struct ayb_param {
	const char *value;
};

/* Rows of text cells, row-major; a NULL cell is SQL NULL.  Owned by the
 * caller, freed with ayb_rows_free(). */
struct ayb_rows {
	size_t nrows, ncols;
	char **cells;
};

void ayb_rows_free(struct ayb_rows *r);
static inline const char *ayb_rows_get(const struct ayb_rows *r, size_t row, size_t col)
{
	return r->cells[row * r->ncols + col];
}

/* Migration 2, ayb-c's own, written alike for both dialects (README
 * "Metadata store"): an entity has one email method, so two confirmations
 * racing to register a name with two addresses cannot both win; the
 * entities such races gave two owners before keep their first method, the
 * one log in mails.  An emailed token works once: its id is recorded when
 * used. */
#define AYB_STORE_MIGRATION_2 \
	"DELETE FROM authentication_method WHERE id NOT IN" \
	" (SELECT min(id) FROM authentication_method GROUP BY entity_id);" \
	"CREATE UNIQUE INDEX authentication_method_entity ON authentication_method (entity_id);" \
	"CREATE TABLE used_email_token (" \
	" token_id VARCHAR(48) PRIMARY KEY," \
	" used_at TIMESTAMP NOT NULL);"

/* Migration 3, ayb-c's own, alike for both dialects (README "Isolation"):
 * the emails asked for in the current hour-long window of each address
 * ("a:<address>") and each client address ("c:<REMOTE_ADDR>"), kept here
 * so that the limits hold across processes and servers.  window_start is
 * in Unix seconds; windows over an hour old are deleted as emails go out. */
#define AYB_STORE_MIGRATION_3 \
	"CREATE TABLE email_quota (" \
	" subject VARCHAR(300) PRIMARY KEY," \
	" window_start BIGINT NOT NULL," \
	" sent INT NOT NULL);" \
	"CREATE INDEX email_quota_window ON email_quota (window_start);"

/* Migration 4, ayb-c's own, alike for both dialects (README "Apps:
 * OAuth"): the token minted from an authorization code, so that a code
 * presented twice revokes it (RFC 6749 4.1.2). */
#define AYB_STORE_MIGRATION_4 \
	"ALTER TABLE oauth_authorization_request ADD COLUMN short_token VARCHAR(12) NULL;"

/* Migration 6, ayb-c's own, alike for both dialects (README "Explore"):
 * a database's optional description, shown in the directory of public
 * databases, and an index that lists those newest first without reading
 * the private ones. */
#define AYB_STORE_MIGRATION_6 \
	"ALTER TABLE database ADD COLUMN description TEXT NULL;" \
	"CREATE INDEX database_public ON database (public_sharing_level, id);"

/* Migration 7, ayb-c's own, alike for both dialects (README "Explore"):
 * when a database last changed, so the directory lists the active ones
 * first: set at creation and whenever a snapshot pass finds new content.
 * Databases from before stay NULL and list after, newest first. */
#define AYB_STORE_MIGRATION_7 \
	"ALTER TABLE database ADD COLUMN changed_at TIMESTAMP NULL;" \
	"CREATE INDEX database_public_changed ON database (public_sharing_level, changed_at);"

/* Migration 8, ayb-c's own, alike for both dialects (README "Several
 * machines"): the nodes sharing this store, each with its last heartbeat,
 * and which node holds each database at which epoch.  The epoch grows on
 * every move, so a node that missed a move knows its copy is stale;
 * 'moving' fences a database while it changes node. */
#define AYB_STORE_MIGRATION_8 \
	"CREATE TABLE node (" \
	" name VARCHAR(64) PRIMARY KEY," \
	" url TEXT NOT NULL," \
	" heartbeat_at TIMESTAMP NULL);" \
	"CREATE TABLE placement (" \
	" database_id INT PRIMARY KEY REFERENCES database(id) ON DELETE CASCADE," \
	" node VARCHAR(64) NOT NULL," \
	" epoch BIGINT NOT NULL," \
	" state VARCHAR(8) NOT NULL CHECK (state IN ('serving', 'moving')));" \
	"CREATE INDEX placement_node ON placement (node);"

/* Backend results besides 0/-1. */
#define AYB_STORE_UNIQUE_VIOLATION (-2)

struct ayb_store_backend {
	/* Runs one query, identified by `qid` (stable per process: a backend may
	 * cache the prepared statement under it).  Fills rows when not NULL.
	 * Returns 0, -1 with err set, or AYB_STORE_UNIQUE_VIOLATION (err set). */
	int (*query)(void *conn, int qid, const char *sql, const struct ayb_param *params,
		     size_t nparams, struct ayb_rows *rows, struct ayb_err *err);
	/* Runs a script (migrations) outside the statement cache. */
	int (*exec)(void *conn, const char *sql, struct ayb_err *err);
	int (*begin)(void *conn, struct ayb_err *err);
	int (*commit)(void *conn, struct ayb_err *err);
	void (*rollback)(void *conn);
	void (*close)(void *conn);
	/* Called inside the migration transaction before anything is read, so
	 * that processes starting at the same moment apply each migration once;
	 * NULL when begin() already serialises writers (SQLite). */
	int (*lock_migrations)(void *conn, struct ayb_err *err);
	/* The migrations, in order, for this dialect. */
	const char *const *migrations;
	size_t nmigrations;
};

/* Opens a SQLite metadata file (path, created if missing). */
int ayb_store_sqlite_open(const char *path, void **conn, const struct ayb_store_backend **be,
			  struct ayb_err *err);

/* Connects to PostgreSQL (a postgres:// or postgresql:// URL).  Errors name
 * the URL without its password; an unreachable server or refused login is
 * 503 "Metadata store unavailable: cannot connect to <url>: <reason>". */
int ayb_store_pg_open(const char *url, void **conn, const struct ayb_store_backend **be,
		      struct ayb_err *err);

/* Connects to the store database_url names (sqlite://<path>, postgres:// or
 * postgresql://) without touching its schema; the caller closes with
 * be->close(conn).  0, or -1 with err. */
int ayb_store_connect(const char *url, void **conn, const struct ayb_store_backend **be,
		      struct ayb_err *err);

/* Inside the caller's transaction: creates the bookkeeping table if
 * missing and applies every migration it does not list.  0, or -1 with err
 * (the caller rolls back). */
int ayb_store_apply_migrations(void *conn, const struct ayb_store_backend *be,
			       struct ayb_err *err);

/* Inside the caller's transaction: creates the bookkeeping table and
 * records migration 1 (ayb's schema) as applied, for a store whose tables
 * ayb made (store_adopt.c).  0, or -1 with err. */
int ayb_store_record_migration_1(void *conn, const struct ayb_store_backend *be,
				 struct ayb_err *err);

/* Query ids from here on are store_adopt.c's (store.c's stay below). */
#define AYB_STORE_QID_ADOPT 100
/* ... and from here on placement.c's. */
#define AYB_STORE_QID_PLACEMENT 110

/* Runs one query of a module outside store.c on st's connection (qid from
 * that module's range above): the backend's query(). */
struct ayb_store;
int ayb_store_run(struct ayb_store *st, int qid, const char *sql, const struct ayb_param *p,
		  size_t n, struct ayb_rows *rows, struct ayb_err *err);

/* A timestamp as the store writes them ("YYYY-MM-DD HH:MM:SS.ffffff", UTC),
 * `offset` seconds from now. */
void ayb_store_time_text(char out[64], long offset);

#endif
