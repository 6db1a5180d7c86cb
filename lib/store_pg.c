/* PostgreSQL metadata backend over libpq.  One connection per process; each
 * query is prepared once per connection under the name "q<qid>" and run with
 * text parameters, rows coming back as text.
 *
 * The connection is a cache that may vanish at any time (server restart,
 * network cut, idle timeout).  Before sending a query outside a transaction
 * the socket is checked, and a connection the server has closed is replaced
 * first, so nothing is lost.  A read that fails because the connection died
 * under it is run once more on a fresh connection; anything else that meets a
 * dead connection fails with 503 "Metadata store unavailable: ...", and the
 * next request connects again. */
#include "autoconfig.h"

#include <ctype.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "store_impl.h"

#define MAX_QUERIES 128
#define MAX_PARAMS 32

/* Type OIDs from pg_type.h (stable since PostgreSQL 7), for the two output
 * formats that differ from SQLite's: booleans and timestamps. */
#define OID_BOOL 16
#define OID_TIMESTAMP 1114

/* The advisory lock that makes concurrent start-ups apply each migration
 * once ("ayb-c" in ASCII). */
#define MIGRATION_LOCK "SELECT pg_advisory_xact_lock(418363057763)"

struct conn {
	PGconn *pg;          /* NULL while disconnected */
	char *url;           /* as configured, password included: reconnects need it */
	char *shown;         /* the URL without its password, for messages */
	int in_tx;           /* between begin and commit/rollback */
	unsigned char prepared[MAX_QUERIES];
};

/* ayb's schema at HEAD (README "Metadata store") in PostgreSQL's dialect; the same
 * tables and columns as store_sqlite.c's migrations, in the same order. */
static const char *const migrations[] = {
	"CREATE TABLE entity ("
	" id SERIAL PRIMARY KEY,"
	" slug VARCHAR(64) NOT NULL UNIQUE,"
	" entity_type SMALLINT NOT NULL,"
	" display_name VARCHAR(35),"
	" description VARCHAR(100),"
	" organization VARCHAR(35),"
	" location VARCHAR(35),"
	" links JSONB);"
	"CREATE TABLE database ("
	" id SERIAL PRIMARY KEY,"
	" slug VARCHAR(64) NOT NULL,"
	" db_type SMALLINT NOT NULL,"
	" entity_id INT NOT NULL REFERENCES entity(id),"
	" public_sharing_level SMALLINT NOT NULL DEFAULT 0,"
	" UNIQUE (entity_id, slug));"
	"CREATE TABLE authentication_method ("
	" id SERIAL PRIMARY KEY,"
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
	"CREATE TABLE entity_database_permission ("
	" id SERIAL PRIMARY KEY,"
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
	/* 5: slugs up to 128 bytes, ayb's cap since its #822 (slug.h). */
	"ALTER TABLE entity ALTER COLUMN slug TYPE VARCHAR(128);"
	"ALTER TABLE database ALTER COLUMN slug TYPE VARCHAR(128);",
	AYB_STORE_MIGRATION_6,
	AYB_STORE_MIGRATION_7,
	AYB_STORE_MIGRATION_8,
};

/* The URL without its password, in a new string the caller frees (NULL on
 * OOM): "postgresql://u:pw@h/db?password=x&sslmode=y" becomes
 * "postgresql://u@h/db?sslmode=y". */
static char *url_without_password(const char *url)
{
	const char *auth = strstr(url, "://"), *end, *at = NULL, *colon, *q;
	size_t n = strlen(url);
	char *out = malloc(n + 1), *o = out;

	if (!out)
		return NULL;
	if (!auth) {
		memcpy(out, url, n + 1);
		return out;
	}
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	memcpy(o, url, (size_t)(auth - url));
	o += auth - url;
	if (at) {
		colon = memchr(auth, ':', (size_t)(at - auth));
		if (!colon)
			colon = at;
		memcpy(o, auth, (size_t)(colon - auth));
		o += colon - auth;
		auth = at;
	}
	/* Host, port and path as they are; then the query minus password=. */
	q = strchr(auth, '?');
	if (!q)
		q = auth + strlen(auth);
	memcpy(o, auth, (size_t)(q - auth));
	o += q - auth;
	if (*q == '?') {
		char sep = '?';
		for (const char *p = q + 1; *p;) {
			size_t len = strcspn(p, "&");
			if (!(len >= 9 && strncasecmp(p, "password=", 9) == 0)) {
				*o++ = sep;
				memcpy(o, p, len);
				o += len;
				sep = '&';
			}
			p += len;
			if (*p == '&')
				p++;
		}
	}
	*o = '\0';
	return out;
}

/* libpq's messages end in a newline and may add a hint line; the first line
 * says what happened. */
static void first_line(char *out, size_t n, const char *msg)
{
	size_t len;

	if (!msg || !*msg)
		msg = "unknown error";
	len = strcspn(msg, "\n");
	while (len && isspace((unsigned char)msg[len - 1]))
		len--;
	snprintf(out, n, "%.*s", (int)len, msg);
}

static void drop(struct conn *c)
{
	PQfinish(c->pg);
	c->pg = NULL;
	memset(c->prepared, 0, sizeof(c->prepared));
}

static int unavailable(struct ayb_err *err, const char *why)
{
	char line[512];

	first_line(line, sizeof(line), why);
	return ayb_err_set(err, AYB_E_UNAVAILABLE, "Metadata store unavailable: %s", line);
}

/* The server's notices ("relation already exists, skipping") are not for
 * users: without this, libpq prints them on stderr. */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static int connect_now(struct conn *c, struct ayb_err *err)
{
	/* Keywords before dbname are defaults: the URL's own parameters
	 * (expanded from dbname) override them. */
	static const char *const keys[] = { "connect_timeout", "application_name", "dbname", NULL };
	const char *vals[] = { "10", "ayb-c", c->url, NULL };
	PGresult *res;
	char line[512];
	int ret = 0;

	drop(c);
	c->pg = PQconnectdbParams(keys, vals, 1);
	if (!c->pg)
		return ayb_err_oom(err);
	if (PQstatus(c->pg) != CONNECTION_OK) {
		first_line(line, sizeof(line), PQerrorMessage(c->pg));
		ayb_err_set(err, AYB_E_UNAVAILABLE,
			    "Metadata store unavailable: cannot connect to %s: %s", c->shown, line);
		drop(c);
		return -1;
	}
	PQsetNoticeProcessor(c->pg, quiet, NULL);
	/* Timestamps are naive UTC (AUTH.md §9), in ISO text like SQLite's,
	 * whatever the server's defaults are. */
	res = PQexec(c->pg, "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD';"
			    " SET client_encoding = 'UTF8'");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		ret = unavailable(err, PQerrorMessage(c->pg));
		drop(c);
	}
	PQclear(res);
	return ret;
}

/* Makes sure a connection is there before anything is sent.  A server that
 * went away while we were idle (restart, pg_terminate_backend, an idle
 * timeout) has sent a FATAL message and closed its end; libpq would only
 * find out after sending the next statement.  So while idle, whatever the
 * socket has is read: the message, then the end of the stream, which marks
 * the connection bad and gets it replaced.  That is safe for any statement,
 * since none was sent on the old connection.  A harmless message (a
 * parameter change after a reload) leaves the connection in place. */
static int ensure_connected(struct conn *c, struct ayb_err *err)
{
	for (int i = 0; i < 4 && c->pg && PQstatus(c->pg) == CONNECTION_OK && !c->in_tx; i++) {
		struct pollfd p = { .fd = PQsocket(c->pg), .events = POLLIN };
		if (poll(&p, 1, 0) <= 0)
			break;
		if (!PQconsumeInput(c->pg) || PQstatus(c->pg) != CONNECTION_OK)
			drop(c);
	}
	if (c->pg && PQstatus(c->pg) == CONNECTION_OK)
		return 0;
	if (c->in_tx)
		return unavailable(err, c->pg ? PQerrorMessage(c->pg)
					      : "the connection was lost inside a transaction");
	return connect_now(c, err);
}

/* Did the server or the network end the connection?  Class 08 is
 * connection_exception; 57P01-57P03 are shutdowns and start-ups. */
static int connection_lost(const struct conn *c, const char *state)
{
	if (!c->pg || PQstatus(c->pg) != CONNECTION_OK)
		return 1;
	return state && (strncmp(state, "08", 2) == 0 || strncmp(state, "57P0", 4) == 0);
}

/* Turns a failed result into err; returns -1, AYB_STORE_UNIQUE_VIOLATION,
 * or -3 when the connection is gone (err set to 503, connection dropped). */
#define LOST (-3)
static int fail(struct conn *c, const PGresult *res, struct ayb_err *err)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char line[512];
	enum ayb_err_kind kind = AYB_E_INTERNAL;

	first_line(line, sizeof(line),
		   primary ? primary : res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg));
	if (connection_lost(c, state)) {
		ayb_err_set(err, AYB_E_UNAVAILABLE, "Metadata store unavailable: %s", line);
		drop(c);
		return LOST;
	}
	if (state && strcmp(state, "23505") == 0) {
		ayb_err_set(err, AYB_E_CONFLICT, "Metadata store error: %s", line);
		return AYB_STORE_UNIQUE_VIOLATION;
	}
	/* Serialization failures, deadlocks, lock and resource limits pass. */
	if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
		      strcmp(state, "55P03") == 0 || strncmp(state, "53", 2) == 0))
		kind = AYB_E_UNAVAILABLE;
	/* Data exceptions (a value too long for its column) are bad input. */
	else if (state && strncmp(state, "22", 2) == 0)
		kind = AYB_E_INVALID;
	ayb_err_set(err, kind, "Metadata store error: %s", line);
	return -1;
}

/* A cell as SQLite would give it: booleans as 1/0, timestamps with six
 * fractional digits (what store.c writes).  A new string the caller frees;
 * NULL on OOM. */
static char *cell_text(const PGresult *res, int row, int col)
{
	const char *v = PQgetvalue(res, row, col);
	size_t len = (size_t)PQgetlength(res, row, col);
	Oid type = PQftype(res, col);
	char *out;

	if (type == OID_BOOL)
		return strdup(v[0] == 't' ? "1" : "0");
	if (type == OID_TIMESTAMP && len >= 19 && (v[19] == '\0' || v[19] == '.') &&
	    len <= 26) {
		if (!(out = malloc(27)))
			return NULL;
		memcpy(out, v, len);
		if (len == 19)
			out[len++] = '.';
		while (len < 26)
			out[len++] = '0';
		out[26] = '\0';
		return out;
	}
	return strdup(v);
}

/* Fills rows (when not NULL) from res; the caller frees them with
 * ayb_rows_free(), also after an error (they are then empty). */
static int copy_rows(const PGresult *res, struct ayb_rows *rows, struct ayb_err *err)
{
	size_t nr = (size_t)PQntuples(res), nc = (size_t)PQnfields(res);

	if (!rows)
		return 0;
	if (nr * nc == 0)
		return 0;
	if (!(rows->cells = calloc(nr * nc, sizeof(*rows->cells))))
		return ayb_err_oom(err);
	rows->nrows = nr;
	rows->ncols = nc;
	for (size_t i = 0; i < nr; i++) {
		for (size_t j = 0; j < nc; j++) {
			if (PQgetisnull(res, (int)i, (int)j))
				continue;
			if (!(rows->cells[i * nc + j] = cell_text(res, (int)i, (int)j))) {
				ayb_rows_free(rows);
				return ayb_err_oom(err);
			}
		}
	}
	return 0;
}

/* One attempt: (re)connect if needed, prepare once, execute. */
static int query_once(struct conn *c, int qid, const char *sql, const char *const *values,
		      int nparams, struct ayb_rows *rows, struct ayb_err *err)
{
	char name[16];
	PGresult *res = NULL;
	ExecStatusType s;
	int ret;

	if (ensure_connected(c, err) < 0)
		return LOST;
	snprintf(name, sizeof(name), "q%d", qid);
	if (!c->prepared[qid]) {
		/* No parameter types given: the server infers them from the
		 * query, so text values are checked and converted there. */
		res = PQprepare(c->pg, name, sql, 0, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			ret = fail(c, res, err);
			goto out;
		}
		PQclear(res);
		c->prepared[qid] = 1;
	}
	res = PQexecPrepared(c->pg, name, nparams, values, NULL, NULL, 0);
	s = PQresultStatus(res);
	if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK)
		ret = copy_rows(res, rows, err);
	else
		ret = fail(c, res, err);
out:
	PQclear(res);
	return ret;
}

/* Reads can be repeated without changing anything. */
static int is_read(const char *sql)
{
	while (isspace((unsigned char)*sql))
		sql++;
	return strncasecmp(sql, "SELECT", 6) == 0;
}

static int pg_query(void *conn, int qid, const char *sql, const struct ayb_param *params,
		    size_t nparams, struct ayb_rows *rows, struct ayb_err *err)
{
	struct conn *c = conn;
	const char *values[MAX_PARAMS];
	int ret;

	if (rows)
		memset(rows, 0, sizeof(*rows));
	if (qid < 0 || qid >= MAX_QUERIES || nparams > MAX_PARAMS)
		return ayb_err_set(err, AYB_E_INTERNAL, "Metadata store error: query id %d", qid);
	for (size_t i = 0; i < nparams; i++)
		values[i] = params[i].value;
	ret = query_once(c, qid, sql, values, (int)nparams, rows, err);
	if (ret == LOST && !c->in_tx && is_read(sql)) {
		/* A success must not leave the first attempt's error behind:
		 * callers may look at err after a call that returned 0. */
		ayb_err_clear(err);
		ret = query_once(c, qid, sql, values, (int)nparams, rows, err);
	}
	return ret == LOST ? -1 : ret;
}

/* A statement outside the cache: BEGIN, COMMIT, the migration lock, or a
 * migration script (several statements). */
static int simple(struct conn *c, const char *sql, struct ayb_err *err)
{
	PGresult *res;
	ExecStatusType s;
	int ret = 0;

	if (ensure_connected(c, err) < 0)
		return -1;
	res = PQexec(c->pg, sql);
	s = PQresultStatus(res);
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		fail(c, res, err);
		ret = -1;
	}
	PQclear(res);
	return ret;
}

static int pg_exec(void *conn, const char *sql, struct ayb_err *err)
{
	return simple(conn, sql, err);
}

static int pg_begin(void *conn, struct ayb_err *err)
{
	struct conn *c = conn;

	if (simple(c, "BEGIN", err) < 0)
		return -1;
	c->in_tx = 1;
	return 0;
}

static int pg_commit(void *conn, struct ayb_err *err)
{
	struct conn *c = conn;
	int ret = simple(c, "COMMIT", err);

	c->in_tx = 0;
	return ret;
}

static void pg_rollback(void *conn)
{
	struct conn *c = conn;

	if (c->pg && PQstatus(c->pg) == CONNECTION_OK)
		PQclear(PQexec(c->pg, "ROLLBACK"));
	c->in_tx = 0;
}

/* Inside the migration transaction: a second process starting at the same
 * moment waits here, then finds the migrations applied. */
static int pg_lock_migrations(void *conn, struct ayb_err *err)
{
	return simple(conn, MIGRATION_LOCK, err);
}

static void pg_close(void *conn)
{
	struct conn *c = conn;

	if (!c)
		return;
	drop(c);
	free(c->url);
	free(c->shown);
	free(c);
}

static const struct ayb_store_backend pg_backend = {
	.query = pg_query,
	.exec = pg_exec,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.close = pg_close,
	.lock_migrations = pg_lock_migrations,
	.migrations = migrations,
	.nmigrations = sizeof(migrations) / sizeof(migrations[0]),
};

int ayb_store_pg_open(const char *url, void **connp, const struct ayb_store_backend **be,
		      struct ayb_err *err)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c || !(c->url = strdup(url)) || !(c->shown = url_without_password(url))) {
		pg_close(c);
		return ayb_err_oom(err);
	}
	if (connect_now(c, err) < 0) {
		pg_close(c);
		return -1;
	}
	*connp = c;
	*be = &pg_backend;
	return 0;
}
