/* The metadata store's queries, written once for every backend, and the
 * migration bookkeeping.  Values travel as text ($1..$n) and come back as
 * text; the conversions live here. */
#include "autoconfig.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "store.h"
#include "store_impl.h"

struct ayb_store {
	void *conn;
	const struct ayb_store_backend *be;
};

enum qid {
	Q_MIGRATED,
	Q_MIGRATION_DONE,
	Q_ENTITY_BY_SLUG,
	Q_ENTITY_INSERT,
	Q_ENTITY_UPDATE,
	Q_AUTH_METHODS,
	Q_AUTH_INSERT,
	Q_DB_INSERT,
	Q_DB_GET,
	Q_DB_DELETE,
	Q_DB_LIST,
	Q_GRANT_GET,
	Q_TOKEN_INSERT,
	Q_TOKEN_GET,
	Q_TARGET_GET,
	Q_CALLER_TARGET_GET,
	Q_GRANT_UPSERT,
	Q_GRANT_DELETE,
	Q_GRANT_LIST,
	Q_DB_SET_PUBLIC,
	Q_TOKEN_LIST,
	Q_TOKEN_REVOKE,
	Q_EMAIL_TOKEN_USE,
	Q_EMAIL_QUOTA_COUNT,
	Q_EMAIL_QUOTA_EXPIRE,
	Q_ENTITY_SET_LINKS,
	Q_OAUTH_INSERT,
	Q_OAUTH_PURGE,
	Q_OAUTH_GET,
	Q_OAUTH_USE,
	Q_OAUTH_REVOKE,
	Q_OAUTH_RECENT,
	Q_DB_EXPLORE,
	Q_DB_CHANGED,
	Q_DB_SET_DESCRIPTION,
	Q_DB_DESCRIPTION,
};

#define ENTITY_COLS \
	"id, slug, entity_type, display_name, description, organization, location, links"
#define ENTITY_COLS_OF(t) t ".id, " t ".slug, " t ".entity_type, " t ".display_name, " \
	t ".description, " t ".organization, " t ".location, " t ".links"
#define DB_COLS "id, entity_id, slug, db_type, public_sharing_level"
/* A target's placement (README "Several machines"), read with the rest of
 * the request's metadata: no round trip of its own. */
#define PLACEMENT_COLS "pl.node, pl.epoch, pl.state, nd.url"
#define PLACEMENT_JOIN " LEFT JOIN placement pl ON pl.database_id = d.id" \
		       " LEFT JOIN node nd ON nd.name = pl.node"

/* Each query runs as written on SQLite and on PostgreSQL (store_pg.c).
 * PostgreSQL infers a parameter's type from where it appears, so a $n with
 * no column or typed operand beside it (SELECT $1, $1 || 'x') needs
 * CAST($n AS TEXT), which both accept ("::" is PostgreSQL only).  Both
 * backends return booleans as "1"/"0" and timestamps as now_text() writes
 * them ("YYYY-MM-DD HH:MM:SS.ffffff"); tests/e2e/pg/ runs the suite on both. */
static const char *const sql[] = {
	[Q_MIGRATED] = "SELECT version FROM ayb_migrations ORDER BY version",
	[Q_MIGRATION_DONE] = "INSERT INTO ayb_migrations (version, applied_at) VALUES ($1, $2)",
	[Q_ENTITY_BY_SLUG] = "SELECT " ENTITY_COLS " FROM entity WHERE slug = $1",
	[Q_ENTITY_INSERT] = "INSERT INTO entity (slug, entity_type) VALUES ($1, $2)"
			    " ON CONFLICT (slug) DO NOTHING",
	/* $2/$4/.. say whether the field is given ('1'), $3/$5/.. its value. */
	[Q_ENTITY_UPDATE] = "UPDATE entity SET"
			    " display_name = CASE WHEN $2 = '1' THEN $3 ELSE display_name END,"
			    " description = CASE WHEN $4 = '1' THEN $5 ELSE description END,"
			    " organization = CASE WHEN $6 = '1' THEN $7 ELSE organization END,"
			    " location = CASE WHEN $8 = '1' THEN $9 ELSE location END,"
			    " links = CASE WHEN $10 = '1' THEN $11 ELSE links END"
			    " WHERE id = $1",
	[Q_AUTH_METHODS] = "SELECT method_type, status, email_address FROM authentication_method"
			   " WHERE entity_id = $1 ORDER BY id",
	/* DO NOTHING rather than an error: on PostgreSQL a failed statement
	 * would end the confirmation's transaction before the loser could
	 * look at what won. */
	[Q_AUTH_INSERT] = "INSERT INTO authentication_method"
			  " (entity_id, method_type, status, email_address)"
			  " VALUES ($1, 0, 0, $2) ON CONFLICT DO NOTHING RETURNING id",
	[Q_DB_INSERT] = "INSERT INTO database (entity_id, slug, db_type, public_sharing_level,"
			" changed_at) VALUES ($1, $2, $3, $4, $5) RETURNING " DB_COLS,
	[Q_DB_GET] = "SELECT " DB_COLS " FROM database WHERE entity_id = $1 AND slug = $2",
	[Q_DB_DELETE] = "DELETE FROM database WHERE id = $1",
	[Q_DB_LIST] = "SELECT " DB_COLS " FROM database WHERE entity_id = $1 ORDER BY id DESC",
	/* An entity, one of its databases and a caller's grant on it: what
	 * every /v1/{entity}/{database}/... request needs, in one round trip.
	 * $3 is the caller's entity id (0 for none: no entity has it). */
	[Q_TARGET_GET] = "SELECT " ENTITY_COLS_OF("e") ", d.id, d.entity_id, d.slug, d.db_type,"
			 " d.public_sharing_level, g.sharing_level, " PLACEMENT_COLS
			 " FROM entity e"
			 " LEFT JOIN database d ON d.entity_id = e.id AND d.slug = $2"
			 " LEFT JOIN entity_database_permission g ON g.database_id = d.id"
			 " AND g.entity_id = $3" PLACEMENT_JOIN " WHERE e.slug = $1",
	/* A request's whole authentication and target in one statement, so
	 * one read transaction (one round trip to PostgreSQL): the token with
	 * its entity as in Q_TOKEN_GET, then the target as in Q_TARGET_GET with
	 * the token's entity as the grantee.  Each part may be missing: the
	 * one-row anchor keeps the row. */
	[Q_CALLER_TARGET_GET] = "SELECT t.short_token, t.entity_id, t.hash, t.database_id,"
				" t.query_permission_level, t.app_name, t.revoked_at IS NOT NULL,"
				" t.expires_at IS NOT NULL AND t.expires_at < $2, "
				ENTITY_COLS_OF("c") ", " ENTITY_COLS_OF("e") ", d.id, d.entity_id,"
				" d.slug, d.db_type, d.public_sharing_level, g.sharing_level, "
				PLACEMENT_COLS " FROM (SELECT 1 AS one) anchor"
				" LEFT JOIN api_token t ON t.short_token = $1"
				" LEFT JOIN entity c ON c.id = t.entity_id"
				" LEFT JOIN entity e ON e.slug = $3"
				" LEFT JOIN database d ON d.entity_id = e.id AND d.slug = $4"
				" LEFT JOIN entity_database_permission g ON g.database_id = d.id"
				" AND g.entity_id = t.entity_id" PLACEMENT_JOIN,
	[Q_GRANT_GET] = "SELECT sharing_level FROM entity_database_permission"
			" WHERE entity_id = $1 AND database_id = $2",
	[Q_TOKEN_INSERT] = "INSERT INTO api_token (short_token, entity_id, hash, database_id,"
			   " query_permission_level, app_name, created_at)"
			   " VALUES ($1, $2, $3, $4, $5, $6, $7)",
	/* With the token's entity: authentication is one round trip. */
	[Q_TOKEN_GET] = "SELECT t.short_token, t.entity_id, t.hash, t.database_id,"
			" t.query_permission_level, t.app_name, t.revoked_at IS NOT NULL,"
			" t.expires_at IS NOT NULL AND t.expires_at < $2, " ENTITY_COLS_OF("e")
			" FROM api_token t JOIN entity e ON e.id = t.entity_id"
			" WHERE t.short_token = $1",
	[Q_GRANT_UPSERT] = "INSERT INTO entity_database_permission"
			   " (entity_id, database_id, sharing_level)"
			   " VALUES ($1, $2, $3) ON CONFLICT (entity_id, database_id)"
			   " DO UPDATE SET sharing_level = excluded.sharing_level",
	[Q_GRANT_DELETE] = "DELETE FROM entity_database_permission"
			   " WHERE entity_id = $1 AND database_id = $2",
	[Q_GRANT_LIST] = "SELECT e.slug, p.sharing_level FROM entity_database_permission p"
			 " JOIN entity e ON e.id = p.entity_id WHERE p.database_id = $1 ORDER BY p.id",
	[Q_DB_SET_PUBLIC] = "UPDATE database SET public_sharing_level = $2 WHERE id = $1",
	[Q_TOKEN_LIST] = "SELECT t.short_token, e.slug || '/' || d.slug, t.query_permission_level,"
			 " t.app_name, t.created_at, t.expires_at, t.revoked_at FROM api_token t"
			 " LEFT JOIN database d ON d.id = t.database_id"
			 " LEFT JOIN entity e ON e.id = d.entity_id"
			 " WHERE t.entity_id = $1 AND t.revoked_at IS NULL"
			 " AND (t.expires_at IS NULL OR t.expires_at > $2)"
			 " ORDER BY t.created_at DESC NULLS LAST",
	[Q_TOKEN_REVOKE] = "UPDATE api_token SET revoked_at = $3"
			   " WHERE short_token = $1 AND entity_id = $2 AND revoked_at IS NULL"
			   " RETURNING short_token",
	[Q_EMAIL_TOKEN_USE] = "INSERT INTO used_email_token (token_id, used_at) VALUES ($1, $2)"
			      " ON CONFLICT (token_id) DO NOTHING RETURNING token_id",
	/* One more email for subject $1 at $2 (Unix seconds); a window that
	 * began at or before $3 (an hour ago) starts again now.  One
	 * statement, so two processes counting at once both count. */
	[Q_EMAIL_QUOTA_COUNT] = "INSERT INTO email_quota (subject, window_start, sent)"
				" VALUES ($1, $2, 1) ON CONFLICT (subject) DO UPDATE SET"
				" sent = CASE WHEN email_quota.window_start <= $3 THEN 1"
				" ELSE email_quota.sent + 1 END,"
				" window_start = CASE WHEN email_quota.window_start <= $3 THEN $2"
				" ELSE email_quota.window_start END"
				" RETURNING sent, window_start",
	[Q_EMAIL_QUOTA_EXPIRE] = "DELETE FROM email_quota WHERE window_start <= $1",
	/* Compare and set: PostgreSQL compares JSONB by value, SQLite the
	 * text, which is exactly what the checker read. */
	[Q_ENTITY_SET_LINKS] = "UPDATE entity SET links = $3 WHERE id = $1 AND links = $2"
			       " RETURNING id",
	/* Authorization codes: `code` holds the hash of the code, never the
	 * code (README "Apps: OAuth"). */
	[Q_OAUTH_INSERT] = "INSERT INTO oauth_authorization_request (code, entity_id,"
			   " code_challenge, redirect_uri, app_name,"
			   " requested_query_permission_level, state, database_id,"
			   " query_permission_level, created_at, expires_at)"
			   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
	[Q_OAUTH_PURGE] = "DELETE FROM oauth_authorization_request WHERE expires_at < $1",
	[Q_OAUTH_GET] = "SELECT o.entity_id, o.code_challenge, o.redirect_uri, o.app_name,"
			" o.requested_query_permission_level, o.state, o.database_id,"
			" o.query_permission_level, o.used_at IS NOT NULL, o.expires_at < $2,"
			" e.slug || '/' || d.slug FROM oauth_authorization_request o"
			" JOIN database d ON d.id = o.database_id JOIN entity e ON e.id = d.entity_id"
			" WHERE o.code = $1",
	/* Only while unused: of two redemptions at once, one wins. */
	[Q_OAUTH_USE] = "UPDATE oauth_authorization_request SET used_at = $2, short_token = $3"
			" WHERE code = $1 AND used_at IS NULL RETURNING code",
	[Q_OAUTH_REVOKE] = "UPDATE api_token SET revoked_at = $2 WHERE revoked_at IS NULL"
			   " AND short_token = (SELECT short_token FROM oauth_authorization_request"
			   " WHERE code = $1)",
	[Q_OAUTH_RECENT] = "SELECT count(*) FROM oauth_authorization_request"
			   " WHERE entity_id = $1 AND created_at > $2",
	/* The directory (README "Explore"): public databases whose owner, name
	 * or description holds $1 (a LIKE pattern, its wildcards escaped with
	 * backslashes), newest first, $2 rows from $3 on.  Both sides go
	 * through the backend's own lower(), so they fold alike. */
	[Q_DB_EXPLORE] = "SELECT e.slug, d.slug, d.db_type, d.public_sharing_level, d.description"
			 " FROM database d JOIN entity e ON e.id = d.entity_id"
			 " WHERE d.public_sharing_level IN (1, 2)"
			 " AND (lower(e.slug) LIKE lower(CAST($1 AS TEXT)) ESCAPE '\\'"
			 " OR lower(d.slug) LIKE lower(CAST($1 AS TEXT)) ESCAPE '\\'"
			 " OR lower(coalesce(d.description, ''))"
			 " LIKE lower(CAST($1 AS TEXT)) ESCAPE '\\')"
			 " ORDER BY d.changed_at DESC NULLS LAST, d.id DESC"
			 " LIMIT CAST($2 AS INTEGER) OFFSET CAST($3 AS INTEGER)",
	[Q_DB_SET_DESCRIPTION] = "UPDATE database SET description = $2 WHERE id = $1",
	[Q_DB_DESCRIPTION] = "SELECT description FROM database WHERE id = $1",
	[Q_DB_CHANGED] = "UPDATE database SET changed_at = $3 WHERE slug = $2"
			 " AND entity_id = (SELECT id FROM entity WHERE slug = $1)",
};

void ayb_rows_free(struct ayb_rows *r)
{
	if (!r->cells)
		return;
	for (size_t i = 0; i < r->nrows * r->ncols; i++)
		free(r->cells[i]);
	free(r->cells);
	memset(r, 0, sizeof(*r));
}

static int run(struct ayb_store *st, enum qid q, const struct ayb_param *p, size_t n,
	       struct ayb_rows *rows, struct ayb_err *err)
{
	return st->be->query(st->conn, (int)q, sql[q], p, n, rows, err);
}

/* Naive UTC with microseconds, as ayb stores timestamps, `offset` seconds
 * from now. */
static void time_text(char out[64], time_t offset)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += offset;
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(out, 64, "%04d-%02d-%02d %02d:%02d:%02d.%06ld", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000);
}

static void now_text(char out[64])
{
	time_text(out, 0);
}

void ayb_store_time_text(char out[64], long offset)
{
	time_text(out, (time_t)offset);
}

int ayb_store_run(struct ayb_store *st, int qid, const char *text, const struct ayb_param *p,
		  size_t n, struct ayb_rows *rows, struct ayb_err *err)
{
	return st->be->query(st->conn, qid, text, p, n, rows, err);
}

static int64_t num(const char *s)
{
	return s ? strtoll(s, NULL, 10) : 0;
}

/* A boolean cell: "1"/"0" on both backends, "t"/"f" should a driver say so. */
static int flag(const char *s)
{
	return s && (s[0] == 't' || num(s) != 0);
}

static char *dup_cell(const struct ayb_rows *r, size_t row, size_t col)
{
	const char *s = ayb_rows_get(r, row, col);
	return s ? strdup(s) : NULL;
}

/* ayb-c's migration bookkeeping: the versions applied, each once. */
static const char bookkeeping[] = "CREATE TABLE IF NOT EXISTS ayb_migrations"
				  " (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)";

int ayb_store_apply_migrations(void *conn, const struct ayb_store_backend *be,
				struct ayb_err *err)
{
	struct ayb_store st = { conn, be };
	struct ayb_rows rows;
	char ver[24], now[64];
	size_t done = 0;

	if (be->exec(conn, bookkeeping, err) < 0 || run(&st, Q_MIGRATED, NULL, 0, &rows, err) < 0)
		return -1;
	done = rows.nrows;
	ayb_rows_free(&rows);
	for (size_t i = done; i < be->nmigrations; i++) {
		struct ayb_param p[2] = { { ver }, { now } };
		snprintf(ver, sizeof(ver), "%zu", i + 1);
		now_text(now);
		if (be->exec(conn, be->migrations[i], err) < 0 ||
		    run(&st, Q_MIGRATION_DONE, p, 2, NULL, err) < 0)
			return -1;
	}
	return 0;
}

int ayb_store_record_migration_1(void *conn, const struct ayb_store_backend *be,
				 struct ayb_err *err)
{
	struct ayb_store st = { conn, be };
	char now[64];
	struct ayb_param p[2] = { { "1" }, { now } };

	now_text(now);
	if (be->exec(conn, bookkeeping, err) < 0)
		return -1;
	return run(&st, Q_MIGRATION_DONE, p, 2, NULL, err);
}

/* An ayb store has ayb's bookkeeping and not ours: ayb-c's migration 1
 * fails on its tables, and the operator is told what to run instead.
 * Probed after the rollback, since a failed statement ends a PostgreSQL
 * transaction. */
static int is_unadopted_ayb(struct ayb_store *st)
{
	struct ayb_err e = {0};
	int ayb = st->be->exec(st->conn, "SELECT version FROM _sqlx_migrations WHERE 1 = 0",
			       &e) == 0;
	int ours = ayb && st->be->exec(st->conn, "SELECT version FROM ayb_migrations WHERE 1 = 0",
				       &e) == 0;

	ayb_err_clear(&e);
	return ayb && !ours;
}

static int migrate(struct ayb_store *st, struct ayb_err *err)
{
	/* Everything under one transaction (and the backend's lock): processes
	 * starting together must not race even to create the bookkeeping. */
	if (st->be->begin(st->conn, err) < 0)
		return -1;
	if ((st->be->lock_migrations && st->be->lock_migrations(st->conn, err) < 0) ||
	    ayb_store_apply_migrations(st->conn, st->be, err) < 0) {
		st->be->rollback(st->conn);
		if (is_unadopted_ayb(st))
			ayb_err_set(err, AYB_E_CONFIGURATION,
				    "The metadata store is ayb's and not yet adopted: run"
				    " `ayb admin adopt --config <your ayb.conf>` once"
				    " (README \"Moving from ayb\")");
		return -1;
	}
	return st->be->commit(st->conn, err);
}

int ayb_store_connect(const char *url, void **conn, const struct ayb_store_backend **be,
		      struct ayb_err *err)
{
	if (strncmp(url, "sqlite://", 9) == 0)
		return ayb_store_sqlite_open(url + 9, conn, be, err);
	if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0)
		return ayb_store_pg_open(url, conn, be, err);
	return ayb_err_set(err, AYB_E_CONFIGURATION,
			   "Database type for %s is not supported (currently only SQLite and PostgreSQL)",
			   url);
}

int ayb_store_open(const char *url, struct ayb_store **out, struct ayb_err *err)
{
	struct ayb_store *st = calloc(1, sizeof(*st));

	if (!st)
		return ayb_err_oom(err);
	if (ayb_store_connect(url, &st->conn, &st->be, err) < 0)
		goto fail;
	if (migrate(st, err) < 0)
		goto fail;
	*out = st;
	return 0;
fail:
	ayb_store_close(st);
	return -1;
}

int ayb_store_begin(struct ayb_store *st, struct ayb_err *err)
{
	return st->be->begin(st->conn, err);
}

int ayb_store_commit(struct ayb_store *st, struct ayb_err *err)
{
	return st->be->commit(st->conn, err);
}

void ayb_store_rollback(struct ayb_store *st)
{
	st->be->rollback(st->conn);
}

void ayb_store_close(struct ayb_store *st)
{
	if (!st)
		return;
	if (st->be)
		st->be->close(st->conn);
	free(st);
}

void ayb_entity_free(struct ayb_entity *e)
{
	free(e->slug);
	free(e->display_name);
	free(e->description);
	free(e->organization);
	free(e->location);
	free(e->links);
	memset(e, 0, sizeof(*e));
}

void ayb_database_free(struct ayb_database *d)
{
	free(d->node_url);
	free(d->slug);
	memset(d, 0, sizeof(*d));
}

void ayb_token_row_free(struct ayb_token_row *t)
{
	free(t->short_token);
	free(t->hash);
	free(t->app_name);
	memset(t, 0, sizeof(*t));
}

/* The entity whose ENTITY_COLS start at column c of row i. */
static void entity_from_row(const struct ayb_rows *r, size_t i, size_t c, struct ayb_entity *out)
{
	out->id = num(ayb_rows_get(r, i, c));
	out->slug = dup_cell(r, i, c + 1);
	out->entity_type = (int)num(ayb_rows_get(r, i, c + 2));
	out->display_name = dup_cell(r, i, c + 3);
	out->description = dup_cell(r, i, c + 4);
	out->organization = dup_cell(r, i, c + 5);
	out->location = dup_cell(r, i, c + 6);
	out->links = dup_cell(r, i, c + 7);
}

static int entity_lookup(struct ayb_store *st, enum qid q, const char *key,
			 struct ayb_entity *out, struct ayb_err *err)
{
	struct ayb_param p[1] = { { key } };
	struct ayb_rows r;

	if (run(st, q, p, 1, &r, err) < 0)
		return -1;
	if (r.nrows == 0) {
		ayb_rows_free(&r);
		return 0;
	}
	entity_from_row(&r, 0, 0, out);
	ayb_rows_free(&r);
	return out->slug ? 1 : ayb_err_oom(err);
}

int ayb_store_entity_get(struct ayb_store *st, const char *slug, struct ayb_entity *out,
			 struct ayb_err *err)
{
	return entity_lookup(st, Q_ENTITY_BY_SLUG, slug, out, err);
}

int ayb_store_entity_get_or_create(struct ayb_store *st, const char *slug, int entity_type,
				   struct ayb_entity *out, struct ayb_err *err)
{
	char type[16];
	struct ayb_param p[2] = { { slug }, { type } };
	int rc;

	snprintf(type, sizeof(type), "%d", entity_type);
	/* ON CONFLICT DO NOTHING keeps an existing entity (and its type) and
	 * makes two concurrent confirmations of one slug both succeed. */
	if (run(st, Q_ENTITY_INSERT, p, 2, NULL, err) < 0)
		return -1;
	rc = ayb_store_entity_get(st, slug, out, err);
	if (rc == 0)
		return ayb_err_set(err, AYB_E_INTERNAL, "Entity %s vanished while being created",
				   slug);
	return rc < 0 ? -1 : 0;
}

int ayb_store_entity_update_profile(struct ayb_store *st, int64_t entity_id,
				    const struct ayb_profile_update *u, struct ayb_err *err)
{
	const struct ayb_field_update *f[5] = { &u->display_name, &u->description,
						&u->organization, &u->location, &u->links };
	struct ayb_param p[11];
	char id[24];

	snprintf(id, sizeof(id), "%" PRId64, entity_id);
	p[0].value = id;
	for (size_t i = 0; i < 5; i++) {
		p[1 + 2 * i].value = f[i]->present ? "1" : "0";
		p[2 + 2 * i].value = f[i]->present ? f[i]->value : NULL;
	}
	return run(st, Q_ENTITY_UPDATE, p, 11, NULL, err) < 0 ? -1 : 0;
}

int ayb_store_entity_set_links(struct ayb_store *st, int64_t entity_id, const char *expected,
			       const char *links, struct ayb_err *err)
{
	struct ayb_rows r = { 0 };
	struct ayb_param p[3] = { { NULL }, { expected }, { links } };
	char id[24];
	int rc;

	snprintf(id, sizeof(id), "%" PRId64, entity_id);
	p[0].value = id;
	if (run(st, Q_ENTITY_SET_LINKS, p, 3, &r, err) < 0)
		return -1;
	rc = r.nrows > 0;
	ayb_rows_free(&r);
	return rc;
}

void ayb_auth_methods_free(struct ayb_auth_method *m, size_t n)
{
	for (size_t i = 0; m && i < n; i++)
		free(m[i].email_address);
	free(m);
}

int ayb_store_auth_methods(struct ayb_store *st, int64_t entity_id, struct ayb_auth_method **out,
			   size_t *n, struct ayb_err *err)
{
	char id[24];
	struct ayb_param p[1] = { { id } };
	struct ayb_rows r;
	struct ayb_auth_method *m;

	snprintf(id, sizeof(id), "%" PRId64, entity_id);
	if (run(st, Q_AUTH_METHODS, p, 1, &r, err) < 0)
		return -1;
	if (!(m = calloc(r.nrows ? r.nrows : 1, sizeof(*m)))) {
		ayb_rows_free(&r);
		return ayb_err_oom(err);
	}
	for (size_t i = 0; i < r.nrows; i++) {
		m[i].method_type = (int)num(ayb_rows_get(&r, i, 0));
		m[i].status = (int)num(ayb_rows_get(&r, i, 1));
		m[i].email_address = dup_cell(&r, i, 2);
	}
	*out = m;
	*n = r.nrows;
	ayb_rows_free(&r);
	return 0;
}

int ayb_store_auth_method_create(struct ayb_store *st, int64_t entity_id, const char *email,
				 struct ayb_err *err)
{
	char id[24];
	struct ayb_param p[2] = { { id }, { email } };
	struct ayb_rows r;
	struct ayb_auth_method *m = NULL;
	size_t n = 0;
	int mine = 0, inserted;

	snprintf(id, sizeof(id), "%" PRId64, entity_id);
	if (run(st, Q_AUTH_INSERT, p, 2, &r, err) < 0)
		return -1;
	inserted = r.nrows > 0;
	ayb_rows_free(&r);
	if (inserted)
		return 0;
	/* A uniqueness constraint held: the address is taken, or the entity
	 * has its one method already (perhaps from a confirmation racing this
	 * one, which the constraint made wait for it).  Which, and whether it
	 * is this very address, the methods say. */
	if (ayb_store_auth_methods(st, entity_id, &m, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		mine |= m[i].method_type == 0 && m[i].email_address &&
			strcmp(m[i].email_address, email) == 0;
	ayb_auth_methods_free(m, n);
	if (mine)
		return 0;
	if (n)
		return 1;
	return ayb_err_set(err, AYB_E_CONFLICT,
			   "The email address %s is already used by another account", email);
}

int ayb_store_email_token_use(struct ayb_store *st, const char *token_id, struct ayb_err *err)
{
	char now[64];
	struct ayb_param p[2] = { { token_id }, { now } };
	struct ayb_rows r;
	int first;

	now_text(now);
	if (run(st, Q_EMAIL_TOKEN_USE, p, 2, &r, err) < 0)
		return -1;
	first = r.nrows > 0;
	ayb_rows_free(&r);
	return first;
}

/* The email quota's window, an hour. */
#define QUOTA_WINDOW 3600

/* Counts one more email for "<kind>:<who>": *sent in the window, which
 * began at *start. */
static int quota_count(struct ayb_store *st, char kind, const char *who, int64_t now,
		       int64_t *sent, int64_t *start, struct ayb_err *err)
{
	char *subject = ayb_fmt("%c:%s", kind, who), t_now[24], t_old[24];
	struct ayb_param p[3] = { { subject }, { t_now }, { t_old } };
	struct ayb_rows r;
	int rc;

	if (!subject)
		return ayb_err_oom(err);
	snprintf(t_now, sizeof(t_now), "%" PRId64, now);
	snprintf(t_old, sizeof(t_old), "%" PRId64, now - QUOTA_WINDOW);
	rc = run(st, Q_EMAIL_QUOTA_COUNT, p, 3, &r, err);
	free(subject);
	if (rc < 0)
		return -1;
	*sent = r.nrows ? num(ayb_rows_get(&r, 0, 0)) : 0;
	*start = r.nrows ? num(ayb_rows_get(&r, 0, 1)) : now;
	ayb_rows_free(&r);
	return 0;
}

int ayb_store_email_quota(struct ayb_store *st, const char *address, const char *client,
			  int64_t max_address, int64_t max_client, int64_t now, int *over,
			  int64_t *retry_after, struct ayb_err *err)
{
	const char *who[2] = { address, client };
	const int64_t max[2] = { max_address, max_client };
	struct ayb_err ignored = { 0 };
	char t_old[24];
	struct ayb_param p[1] = { { t_old } };
	int64_t sent = 0, start = now;

	if (ayb_store_begin(st, err) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		if (!who[i] || !*who[i] || !max[i])
			continue;
		if (quota_count(st, i ? 'c' : 'a', who[i], now, &sent, &start, err) < 0)
			goto rollback;
		if (sent > max[i]) {
			/* Refused: the refusal itself does not count. */
			ayb_store_rollback(st);
			*over = i;
			*retry_after = start + QUOTA_WINDOW > now ? start + QUOTA_WINDOW - now : 1;
			return 0;
		}
	}
	if (ayb_store_commit(st, err) < 0)
		goto rollback;
	/* Housekeeping, after the commit: a failure here loses nothing. */
	snprintf(t_old, sizeof(t_old), "%" PRId64, now - QUOTA_WINDOW);
	run(st, Q_EMAIL_QUOTA_EXPIRE, p, 1, NULL, &ignored);
	ayb_err_clear(&ignored);
	return 1;
rollback:
	ayb_store_rollback(st);
	return -1;
}

/* The database whose DB_COLS start at column c of row i. */
static int database_from_row(const struct ayb_rows *r, size_t i, size_t c, struct ayb_database *d)
{
	d->id = num(ayb_rows_get(r, i, c));
	d->entity_id = num(ayb_rows_get(r, i, c + 1));
	d->slug = dup_cell(r, i, c + 2);
	d->db_type = (int)num(ayb_rows_get(r, i, c + 3));
	d->public_sharing_level = (int)num(ayb_rows_get(r, i, c + 4));
	return d->slug ? 0 : -1;
}

int ayb_store_database_create(struct ayb_store *st, int64_t entity_id, const char *slug,
			      int db_type, int public_level, struct ayb_database *out,
			      struct ayb_err *err)
{
	char id[24], type[16], level[16], now[64];
	struct ayb_param p[5] = { { id }, { slug }, { type }, { level }, { now } };
	struct ayb_rows r;
	int rc;

	snprintf(id, sizeof(id), "%" PRId64, entity_id);
	snprintf(type, sizeof(type), "%d", db_type);
	snprintf(level, sizeof(level), "%d", public_level);
	now_text(now);
	rc = run(st, Q_DB_INSERT, p, 5, &r, err);
	if (rc == AYB_STORE_UNIQUE_VIOLATION)
		return ayb_err_set(err, AYB_E_CONFLICT, "Database already exists");
	if (rc < 0)
		return -1;
	rc = r.nrows == 1 && database_from_row(&r, 0, 0, out) == 0 ? 0 : ayb_err_oom(err);
	ayb_rows_free(&r);
	return rc;
}

int ayb_store_database_get(struct ayb_store *st, int64_t entity_id, const char *slug,
			   struct ayb_database *out, struct ayb_err *err)
{
	char id[24];
	struct ayb_param p[2] = { { id }, { slug } };
	struct ayb_rows r;
	int rc;

	snprintf(id, sizeof(id), "%" PRId64, entity_id);
	if (run(st, Q_DB_GET, p, 2, &r, err) < 0)
		return -1;
	rc = r.nrows == 0 ? 0 : database_from_row(&r, 0, 0, out) == 0 ? 1 : ayb_err_oom(err);
	ayb_rows_free(&r);
	return rc;
}

int ayb_store_database_delete(struct ayb_store *st, int64_t database_id, struct ayb_err *err)
{
	char id[24];
	struct ayb_param p[1] = { { id } };

	snprintf(id, sizeof(id), "%" PRId64, database_id);
	return run(st, Q_DB_DELETE, p, 1, NULL, err) < 0 ? -1 : 0;
}

void ayb_databases_free(struct ayb_database *d, size_t n)
{
	for (size_t i = 0; d && i < n; i++)
		ayb_database_free(&d[i]);
	free(d);
}

int ayb_store_database_list(struct ayb_store *st, int64_t entity_id, struct ayb_database **out,
			    size_t *n, struct ayb_err *err)
{
	char id[24];
	struct ayb_param p[1] = { { id } };
	struct ayb_rows r;
	struct ayb_database *d;

	snprintf(id, sizeof(id), "%" PRId64, entity_id);
	if (run(st, Q_DB_LIST, p, 1, &r, err) < 0)
		return -1;
	if (!(d = calloc(r.nrows ? r.nrows : 1, sizeof(*d)))) {
		ayb_rows_free(&r);
		return ayb_err_oom(err);
	}
	for (size_t i = 0; i < r.nrows; i++) {
		if (database_from_row(&r, i, 0, &d[i]) < 0) {
			ayb_databases_free(d, i + 1);
			ayb_rows_free(&r);
			return ayb_err_oom(err);
		}
	}
	*out = d;
	*n = r.nrows;
	ayb_rows_free(&r);
	return 0;
}

int ayb_store_grant_get(struct ayb_store *st, int64_t entity_id, int64_t database_id,
			int *level, struct ayb_err *err)
{
	char e[24], d[24];
	struct ayb_param p[2] = { { e }, { d } };
	struct ayb_rows r;
	int found;

	snprintf(e, sizeof(e), "%" PRId64, entity_id);
	snprintf(d, sizeof(d), "%" PRId64, database_id);
	if (run(st, Q_GRANT_GET, p, 2, &r, err) < 0)
		return -1;
	found = r.nrows > 0;
	if (found)
		*level = (int)num(ayb_rows_get(&r, 0, 0));
	ayb_rows_free(&r);
	return found;
}

int ayb_store_token_create(struct ayb_store *st, const struct ayb_token_row *t,
			   struct ayb_err *err)
{
	char e[24], db[24], lvl[16], now[64];
	struct ayb_param p[7] = { { t->short_token }, { e }, { t->hash }, { NULL }, { NULL },
				  { t->app_name }, { now } };

	snprintf(e, sizeof(e), "%" PRId64, t->entity_id);
	if (t->database_id) {
		snprintf(db, sizeof(db), "%" PRId64, t->database_id);
		p[3].value = db;
	}
	if (t->query_permission_level >= 0) {
		snprintf(lvl, sizeof(lvl), "%d", t->query_permission_level);
		p[4].value = lvl;
	}
	now_text(now);
	return run(st, Q_TOKEN_INSERT, p, 7, NULL, err) < 0 ? -1 : 0;
}

/* The token of row 0 from column 0, and its entity from column 8 when
 * entity is not NULL: 1, or -1 (out of memory). */
static int token_from_row(const struct ayb_rows *r, struct ayb_token_row *out,
			  struct ayb_entity *entity, struct ayb_err *err)
{
	out->short_token = dup_cell(r, 0, 0);
	out->entity_id = num(ayb_rows_get(r, 0, 1));
	out->hash = dup_cell(r, 0, 2);
	out->database_id = num(ayb_rows_get(r, 0, 3));
	out->query_permission_level = ayb_rows_get(r, 0, 4) ? (int)num(ayb_rows_get(r, 0, 4)) : -1;
	out->app_name = dup_cell(r, 0, 5);
	out->revoked = flag(ayb_rows_get(r, 0, 6));
	out->expired = flag(ayb_rows_get(r, 0, 7));
	if (entity)
		entity_from_row(r, 0, 8, entity);
	return out->short_token && out->hash && (!entity || entity->slug) ? 1 : ayb_err_oom(err);
}

/* PLACEMENT_COLS of row 0 from column c into db (node "" when there is no
 * placement): 0, or -1 out of memory. */
static int placement_from_row(const struct ayb_rows *r, size_t c, struct ayb_database *db)
{
	struct ayb_placement *p = &db->place;
	const char *node = ayb_rows_get(r, 0, c), *state = ayb_rows_get(r, 0, c + 2);

	memset(p, 0, sizeof(*p));
	if (!node)
		return 0;
	snprintf(p->node, sizeof(p->node), "%s", node);
	p->epoch = num(ayb_rows_get(r, 0, c + 1));
	p->state = state && strcmp(state, "serving") == 0 ? AYB_PLACEMENT_SERVING
							   : AYB_PLACEMENT_MOVING;
	db->node_url = dup_cell(r, 0, c + 3);
	return !db->node_url && ayb_rows_get(r, 0, c + 3) ? -1 : 0;
}

/* The target of row 0 from column c: Q_TARGET_GET's columns and results. */
static int target_from_row(const struct ayb_rows *r, size_t c, struct ayb_entity *entity,
			   struct ayb_database *db, int *grant, struct ayb_err *err)
{
	int rc;

	if (!ayb_rows_get(r, 0, c))
		return 0;
	entity_from_row(r, 0, c, entity);
	rc = entity->slug ? 1 : ayb_err_oom(err);
	if (rc == 1 && ayb_rows_get(r, 0, c + 8)) {
		rc = database_from_row(r, 0, c + 8, db) == 0 ? 2 : ayb_err_oom(err);
		*grant = ayb_rows_get(r, 0, c + 13) ? (int)num(ayb_rows_get(r, 0, c + 13)) : -1;
		if (rc == 2 && placement_from_row(r, c + 14, db) < 0)
			rc = ayb_err_oom(err);
	}
	return rc;
}

int ayb_store_token_get(struct ayb_store *st, const char *short_token, struct ayb_token_row *out,
			struct ayb_entity *entity, struct ayb_err *err)
{
	char now[64];
	struct ayb_param p[2] = { { short_token }, { now } };
	struct ayb_rows r;
	int rc = 0;

	now_text(now);
	if (run(st, Q_TOKEN_GET, p, 2, &r, err) < 0)
		return -1;
	if (r.nrows)
		rc = token_from_row(&r, out, entity, err);
	ayb_rows_free(&r);
	return rc;
}

int ayb_store_target_get(struct ayb_store *st, const char *entity_slug, const char *db_slug,
			 int64_t caller_id, struct ayb_entity *entity, struct ayb_database *db,
			 int *grant, struct ayb_err *err)
{
	char caller[24];
	struct ayb_param p[3] = { { entity_slug }, { db_slug }, { caller } };
	struct ayb_rows r;
	int rc = 0;

	snprintf(caller, sizeof(caller), "%" PRId64, caller_id);
	if (run(st, Q_TARGET_GET, p, 3, &r, err) < 0)
		return -1;
	if (r.nrows)
		rc = target_from_row(&r, 0, entity, db, grant, err);
	ayb_rows_free(&r);
	return rc;
}

int ayb_store_caller_target_get(struct ayb_store *st, const char *short_token,
				struct ayb_token_row *token, struct ayb_entity *caller,
				const char *entity_slug, const char *db_slug,
				struct ayb_entity *entity, struct ayb_database *db, int *grant,
				int *target, struct ayb_err *err)
{
	char now[64];
	struct ayb_param p[4] = { { short_token }, { now }, { entity_slug }, { db_slug } };
	struct ayb_rows r;
	int rc = 0;

	*target = 0;
	now_text(now);
	if (run(st, Q_CALLER_TARGET_GET, p, 4, &r, err) < 0)
		return -1;
	/* The anchor gives one row, always; a token without its entity (the
	 * schema forbids it) is no token, as for Q_TOKEN_GET's inner join. */
	if (r.nrows == 1 && ayb_rows_get(&r, 0, 0) && ayb_rows_get(&r, 0, 9)) {
		rc = token_from_row(&r, token, caller, err);
		if (rc == 1 && (*target = target_from_row(&r, 16, entity, db, grant, err)) < 0)
			rc = -1;
	}
	ayb_rows_free(&r);
	return rc;
}

int ayb_store_grant_set(struct ayb_store *st, int64_t entity_id, int64_t database_id, int level,
			struct ayb_err *err)
{
	char e[24], d[24], l[8];
	struct ayb_param p[3] = { { e }, { d }, { l } };

	snprintf(e, sizeof(e), "%" PRId64, entity_id);
	snprintf(d, sizeof(d), "%" PRId64, database_id);
	snprintf(l, sizeof(l), "%d", level);
	if (level == AYB_SHARE_NO_ACCESS)
		return run(st, Q_GRANT_DELETE, p, 2, NULL, err) < 0 ? -1 : 0;
	return run(st, Q_GRANT_UPSERT, p, 3, NULL, err) < 0 ? -1 : 0;
}

void ayb_grants_free(struct ayb_grant *g, size_t n)
{
	for (size_t i = 0; g && i < n; i++)
		free(g[i].entity_slug);
	free(g);
}

int ayb_store_grant_list(struct ayb_store *st, int64_t database_id, struct ayb_grant **out,
			 size_t *n, struct ayb_err *err)
{
	char d[24];
	struct ayb_param p[1] = { { d } };
	struct ayb_rows r;
	struct ayb_grant *g;

	snprintf(d, sizeof(d), "%" PRId64, database_id);
	if (run(st, Q_GRANT_LIST, p, 1, &r, err) < 0)
		return -1;
	if (!(g = calloc(r.nrows ? r.nrows : 1, sizeof(*g)))) {
		ayb_rows_free(&r);
		return ayb_err_oom(err);
	}
	for (size_t i = 0; i < r.nrows; i++) {
		g[i].entity_slug = dup_cell(&r, i, 0);
		g[i].sharing_level = (int)num(ayb_rows_get(&r, i, 1));
	}
	*out = g;
	*n = r.nrows;
	ayb_rows_free(&r);
	return 0;
}

int ayb_store_database_set_public_level(struct ayb_store *st, int64_t database_id, int level,
					struct ayb_err *err)
{
	char d[24], l[8];
	struct ayb_param p[2] = { { d }, { l } };

	snprintf(d, sizeof(d), "%" PRId64, database_id);
	snprintf(l, sizeof(l), "%d", level);
	return run(st, Q_DB_SET_PUBLIC, p, 2, NULL, err) < 0 ? -1 : 0;
}

void ayb_token_infos_free(struct ayb_token_info *t, size_t n)
{
	for (size_t i = 0; t && i < n; i++) {
		free(t[i].short_token);
		free(t[i].scoped_database);
		free(t[i].app_name);
		free(t[i].created_at);
		free(t[i].expires_at);
		free(t[i].revoked_at);
	}
	free(t);
}

int ayb_store_token_list(struct ayb_store *st, int64_t entity_id, struct ayb_token_info **out,
			 size_t *n, struct ayb_err *err)
{
	char e[24], now[64];
	struct ayb_param p[2] = { { e }, { now } };
	struct ayb_rows r;
	struct ayb_token_info *t;

	snprintf(e, sizeof(e), "%" PRId64, entity_id);
	now_text(now);
	if (run(st, Q_TOKEN_LIST, p, 2, &r, err) < 0)
		return -1;
	if (!(t = calloc(r.nrows ? r.nrows : 1, sizeof(*t)))) {
		ayb_rows_free(&r);
		return ayb_err_oom(err);
	}
	for (size_t i = 0; i < r.nrows; i++) {
		const char *lvl = ayb_rows_get(&r, i, 2);
		t[i].short_token = dup_cell(&r, i, 0);
		t[i].scoped_database = dup_cell(&r, i, 1);
		t[i].query_permission_level = lvl ? (int)num(lvl) : -1;
		t[i].app_name = dup_cell(&r, i, 3);
		t[i].created_at = dup_cell(&r, i, 4);
		t[i].expires_at = dup_cell(&r, i, 5);
		t[i].revoked_at = dup_cell(&r, i, 6);
	}
	*out = t;
	*n = r.nrows;
	ayb_rows_free(&r);
	return 0;
}

int ayb_store_token_revoke(struct ayb_store *st, int64_t entity_id, const char *short_token,
			   struct ayb_err *err)
{
	char e[24], now[64];
	struct ayb_param p[3] = { { short_token }, { e }, { now } };
	struct ayb_rows r;
	int done;

	snprintf(e, sizeof(e), "%" PRId64, entity_id);
	now_text(now);
	if (run(st, Q_TOKEN_REVOKE, p, 3, &r, err) < 0)
		return -1;
	done = r.nrows > 0;
	ayb_rows_free(&r);
	return done;
}

void ayb_oauth_code_free(struct ayb_oauth_code *c)
{
	free(c->code_challenge);
	free(c->redirect_uri);
	free(c->app_name);
	free(c->state);
	free(c->database);
	memset(c, 0, sizeof(*c));
}

int ayb_store_oauth_code_create(struct ayb_store *st, const char *code_hash,
				const struct ayb_oauth_code *c, int64_t ttl_seconds,
				struct ayb_err *err)
{
	char e[24], d[24], req[16], lvl[16], now[64], expires[64], stale[64];
	struct ayb_param p[11] = { { code_hash }, { e }, { c->code_challenge }, { c->redirect_uri },
				   { c->app_name }, { req }, { c->state }, { d }, { lvl },
				   { now }, { expires } };
	struct ayb_param old[1] = { { stale } };

	snprintf(e, sizeof(e), "%" PRId64, c->entity_id);
	snprintf(d, sizeof(d), "%" PRId64, c->database_id);
	snprintf(req, sizeof(req), "%d", c->requested_level);
	snprintf(lvl, sizeof(lvl), "%d", c->level);
	now_text(now);
	time_text(expires, (time_t)ttl_seconds);
	/* Codes a day past their expiry go as new ones come: long enough that
	 * a code presented again still finds the token to revoke. */
	time_text(stale, -24 * 3600);
	return run(st, Q_OAUTH_PURGE, old, 1, NULL, err) < 0 ||
	       run(st, Q_OAUTH_INSERT, p, 11, NULL, err) < 0 ? -1 : 0;
}

int ayb_store_oauth_code_get(struct ayb_store *st, const char *code_hash,
			     struct ayb_oauth_code *out, struct ayb_err *err)
{
	char now[64];
	struct ayb_param p[2] = { { code_hash }, { now } };
	struct ayb_rows r;

	now_text(now);
	if (run(st, Q_OAUTH_GET, p, 2, &r, err) < 0)
		return -1;
	if (r.nrows == 0) {
		ayb_rows_free(&r);
		return 0;
	}
	out->entity_id = num(ayb_rows_get(&r, 0, 0));
	out->code_challenge = dup_cell(&r, 0, 1);
	out->redirect_uri = dup_cell(&r, 0, 2);
	out->app_name = dup_cell(&r, 0, 3);
	out->requested_level = (int)num(ayb_rows_get(&r, 0, 4));
	out->state = dup_cell(&r, 0, 5);
	out->database_id = num(ayb_rows_get(&r, 0, 6));
	out->level = (int)num(ayb_rows_get(&r, 0, 7));
	out->used = flag(ayb_rows_get(&r, 0, 8));
	out->expired = flag(ayb_rows_get(&r, 0, 9));
	out->database = dup_cell(&r, 0, 10);
	ayb_rows_free(&r);
	return out->code_challenge && out->redirect_uri && out->app_name && out->database
		       ? 1 : ayb_err_oom(err);
}

int ayb_store_oauth_code_use(struct ayb_store *st, const char *code_hash,
			     const char *short_token, struct ayb_err *err)
{
	char now[64];
	struct ayb_param p[3] = { { code_hash }, { now }, { short_token } };
	struct ayb_rows r;
	int done;

	now_text(now);
	if (run(st, Q_OAUTH_USE, p, 3, &r, err) < 0)
		return -1;
	done = r.nrows > 0;
	ayb_rows_free(&r);
	return done;
}

int ayb_store_oauth_code_revoke_token(struct ayb_store *st, const char *code_hash,
				      struct ayb_err *err)
{
	char now[64];
	struct ayb_param p[2] = { { code_hash }, { now } };

	now_text(now);
	return run(st, Q_OAUTH_REVOKE, p, 2, NULL, err) < 0 ? -1 : 0;
}

int ayb_store_oauth_codes_since(struct ayb_store *st, int64_t entity_id, int64_t seconds,
				int64_t *count, struct ayb_err *err)
{
	char e[24], since[64];
	struct ayb_param p[2] = { { e }, { since } };
	struct ayb_rows r;

	snprintf(e, sizeof(e), "%" PRId64, entity_id);
	time_text(since, -(time_t)seconds);
	if (run(st, Q_OAUTH_RECENT, p, 2, &r, err) < 0)
		return -1;
	*count = r.nrows ? num(ayb_rows_get(&r, 0, 0)) : 0;
	ayb_rows_free(&r);
	return 0;
}

void ayb_explore_entries_free(struct ayb_explore_entry *e, size_t n)
{
	for (size_t i = 0; e && i < n; i++) {
		free(e[i].entity_slug);
		free(e[i].database_slug);
		free(e[i].description);
	}
	free(e);
}

int ayb_store_explore(struct ayb_store *st, const char *pattern, int64_t limit, int64_t offset,
		      struct ayb_explore_entry **out, size_t *n, struct ayb_err *err)
{
	char l[24], o[24];
	struct ayb_param p[3] = { { pattern }, { l }, { o } };
	struct ayb_rows r;
	struct ayb_explore_entry *e;

	snprintf(l, sizeof(l), "%" PRId64, limit);
	snprintf(o, sizeof(o), "%" PRId64, offset);
	if (run(st, Q_DB_EXPLORE, p, 3, &r, err) < 0)
		return -1;
	if (!(e = calloc(r.nrows ? r.nrows : 1, sizeof(*e)))) {
		ayb_rows_free(&r);
		return ayb_err_oom(err);
	}
	for (size_t i = 0; i < r.nrows; i++) {
		e[i].entity_slug = dup_cell(&r, i, 0);
		e[i].database_slug = dup_cell(&r, i, 1);
		e[i].db_type = (int)num(ayb_rows_get(&r, i, 2));
		e[i].public_sharing_level = (int)num(ayb_rows_get(&r, i, 3));
		e[i].description = dup_cell(&r, i, 4);
		if (!e[i].entity_slug || !e[i].database_slug ||
		    (ayb_rows_get(&r, i, 4) && !e[i].description)) {
			ayb_explore_entries_free(e, i + 1);
			ayb_rows_free(&r);
			return ayb_err_oom(err);
		}
	}
	*out = e;
	*n = r.nrows;
	ayb_rows_free(&r);
	return 0;
}

int ayb_store_database_set_description(struct ayb_store *st, int64_t database_id,
				       const char *description, struct ayb_err *err)
{
	char d[24];
	struct ayb_param p[2] = { { d }, { description } };

	snprintf(d, sizeof(d), "%" PRId64, database_id);
	return run(st, Q_DB_SET_DESCRIPTION, p, 2, NULL, err) < 0 ? -1 : 0;
}

int ayb_store_database_description(struct ayb_store *st, int64_t database_id, char **out,
				   struct ayb_err *err)
{
	char d[24];
	struct ayb_param p[1] = { { d } };
	struct ayb_rows r;
	int rc = 0;

	*out = NULL;
	snprintf(d, sizeof(d), "%" PRId64, database_id);
	if (run(st, Q_DB_DESCRIPTION, p, 1, &r, err) < 0)
		return -1;
	if (r.nrows == 1 && ayb_rows_get(&r, 0, 0) && !(*out = dup_cell(&r, 0, 0)))
		rc = ayb_err_oom(err);
	ayb_rows_free(&r);
	return rc;
}

int ayb_store_database_changed(struct ayb_store *st, const char *entity, const char *db,
			       struct ayb_err *err)
{
	char now[64];
	struct ayb_param p[3] = { { entity }, { db }, { now } };

	now_text(now);
	return run(st, Q_DB_CHANGED, p, 3, NULL, err) < 0 ? -1 : 0;
}
