/* `ayb admin adopt`: an ayb metadata store becomes ayb-c's in place.
 *
 * ayb's schema at its HEAD is ayb-c's migration 1 but for one thing: ayb's
 * grants table has no key, and ayb-c lists grants in the order they were
 * given by one.  ayb keeps OAuth authorization codes as they were handed
 * out, ayb-c by their SHA-256 (README "Apps: OAuth").  Everything else
 * (entities, email methods, databases, tokens with ayb's SHA-256 hashes,
 * grants, public levels) is read by ayb-c as ayb wrote it.  ayb's own
 * bookkeeping, `_sqlx_migrations`, stays: it is how a store is recognised as
 * ayb's, and it costs nothing. */
#include "autoconfig.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layout.h"
#include "oauth.h"
#include "store_adopt.h"
#include "store_impl.h"

enum adopt_qid {
	Q_SQLX = AYB_STORE_QID_ADOPT,
	Q_COUNTS,
	Q_CODES,
	Q_CODE_SET,
	Q_DATABASES,
};

static const char *const sql[] = {
	[Q_SQLX - Q_SQLX] = "SELECT count(*),"
			    " sum(CASE WHEN success THEN 0 ELSE 1 END) FROM _sqlx_migrations",
	[Q_COUNTS - Q_SQLX] =
		"SELECT (SELECT count(*) FROM entity WHERE entity_type = 0),"
		" (SELECT count(*) FROM entity WHERE entity_type = 1),"
		" (SELECT count(*) FROM authentication_method),"
		/* What ayb-c's migration 2 drops: an entity has one method. */
		" (SELECT count(*) FROM authentication_method WHERE id NOT IN"
		" (SELECT min(id) FROM authentication_method GROUP BY entity_id)),"
		" (SELECT count(*) FROM database), (SELECT count(*) FROM database WHERE db_type = 1),"
		" (SELECT count(*) FROM api_token),"
		" (SELECT count(*) FROM api_token WHERE revoked_at IS NOT NULL),"
		" (SELECT count(*) FROM api_token WHERE database_id IS NOT NULL),"
		" (SELECT count(*) FROM entity_database_permission),"
		" (SELECT count(*) FROM oauth_authorization_request)",
	[Q_CODES - Q_SQLX] = "SELECT code FROM oauth_authorization_request",
	[Q_CODE_SET - Q_SQLX] = "UPDATE oauth_authorization_request SET code = $2 WHERE code = $1",
	[Q_DATABASES - Q_SQLX] = "SELECT e.slug, d.slug, d.db_type FROM database d"
				 " JOIN entity e ON e.id = d.entity_id ORDER BY e.slug, d.slug",
};

/* The columns ayb-c reads and writes, table by table: a store lacking one
 * is not one ayb-c can serve. */
static const char *const needed[] = {
	"SELECT id, slug, entity_type, display_name, description, organization, location, links"
	" FROM entity WHERE 1 = 0",
	"SELECT id, slug, db_type, entity_id, public_sharing_level FROM database WHERE 1 = 0",
	"SELECT id, entity_id, method_type, status, email_address"
	" FROM authentication_method WHERE 1 = 0",
	"SELECT short_token, entity_id, hash, database_id, query_permission_level, app_name,"
	" created_at, expires_at, revoked_at FROM api_token WHERE 1 = 0",
	"SELECT entity_id, database_id, sharing_level FROM entity_database_permission WHERE 1 = 0",
	"SELECT code, entity_id, code_challenge, redirect_uri, app_name,"
	" requested_query_permission_level, state, database_id, query_permission_level,"
	" created_at, expires_at, used_at FROM oauth_authorization_request WHERE 1 = 0",
};

/* The grants table with ayb-c's key, the rows kept in the order ayb
 * inserted them.  SQLite cannot add a primary key to a table, so it is
 * rebuilt (the CREATE is migration 1's); PostgreSQL numbers the rows as it
 * adds the column. */
static const char grants_key_sqlite[] =
	"CREATE TABLE entity_database_permission_adopted ("
	" id INTEGER PRIMARY KEY,"
	" entity_id INT NOT NULL REFERENCES entity(id),"
	" database_id INT NOT NULL REFERENCES database(id),"
	" sharing_level SMALLINT NOT NULL,"
	" UNIQUE (entity_id, database_id));"
	"INSERT INTO entity_database_permission_adopted (entity_id, database_id, sharing_level)"
	" SELECT entity_id, database_id, sharing_level FROM entity_database_permission"
	" ORDER BY rowid;"
	"DROP TABLE entity_database_permission;"
	"ALTER TABLE entity_database_permission_adopted RENAME TO entity_database_permission;";
static const char grants_key_pg[] =
	"ALTER TABLE entity_database_permission ADD COLUMN id SERIAL PRIMARY KEY;";

struct adopt {
	void *conn;
	const struct ayb_store_backend *be;
	int pg;
};

static int query(struct adopt *a, enum adopt_qid q, const struct ayb_param *p, size_t n,
		 struct ayb_rows *rows, struct ayb_err *err)
{
	return a->be->query(a->conn, (int)q, sql[q - Q_SQLX], p, n, rows, err);
}

/* Whether a statement runs: how a table or column is probed alike on both
 * dialects.  1 or 0; -1 with err when the store cannot answer at all (down,
 * busy), which must not pass for "no such table".  Only outside a
 * transaction, which a failure on PostgreSQL would end. */
static int runs(struct adopt *a, const char *stmt, struct ayb_err *err)
{
	struct ayb_err e = {0};
	int ret = a->be->exec(a->conn, stmt, &e) == 0;

	if (!ret && e.kind == AYB_E_UNAVAILABLE) {
		ayb_err_set(err, e.kind, "%s",
			    e.message ? e.message : "Metadata store unavailable");
		ret = -1;
	}
	ayb_err_clear(&e);
	return ret;
}

static int64_t cell_num(const struct ayb_rows *r, size_t col)
{
	const char *s = ayb_rows_get(r, 0, col);

	return s ? strtoll(s, NULL, 10) : 0;
}

/* Recognises ayb's store: 1 when it is one to adopt, 0 when there is
 * nothing to do (adopted before, or ayb-c's own), -1 with err when it is
 * neither. */
static int recognise(struct adopt *a, struct ayb_adopt_report *r, struct ayb_err *err)
{
	struct ayb_rows rows = {0};
	int64_t failed;
	int ran;

	if ((ran = runs(a, "SELECT version FROM ayb_migrations WHERE 1 = 0", err)) != 0) {
		r->already = 1;
		return ran < 0 ? -1 : 0;
	}
	if ((ran = runs(a, "SELECT version, success FROM _sqlx_migrations WHERE 1 = 0", err)) < 0)
		return -1;
	if (!ran)
		return ayb_err_set(err, AYB_E_CONFIGURATION,
				   "Not an ayb metadata store: it has no _sqlx_migrations table"
				   " (ayb's record of its migrations); nothing was changed");
	if (query(a, Q_SQLX, NULL, 0, &rows, err) < 0)
		return -1;
	r->ayb_migrations = cell_num(&rows, 0);
	failed = cell_num(&rows, 1);
	ayb_rows_free(&rows);
	if (failed > 0)
		return ayb_err_set(err, AYB_E_CONFIGURATION,
				   "ayb's migrations did not all succeed (%lld failed in"
				   " _sqlx_migrations): start ayb once to finish them, then adopt",
				   (long long)failed);
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		if ((ran = runs(a, needed[i], err)) < 0)
			return -1;
		if (!ran)
			return ayb_err_set(err, AYB_E_CONFIGURATION,
					   "Not an ayb metadata store at ayb's current schema: `%s`"
					   " fails; upgrade ayb and start it once, then adopt",
					   needed[i]);
	}
	/* Before ayb's 2025122602, a revoked token was marked in `status`:
	 * adopting that store would bring revoked tokens back to life. */
	if ((ran = runs(a, "SELECT status FROM api_token WHERE 1 = 0", err)) < 0)
		return -1;
	if (ran)
		return ayb_err_set(err, AYB_E_CONFIGURATION,
				   "This ayb metadata store predates ayb's migration 2025122602"
				   " (api_token.status): upgrade ayb and start it once, then adopt");
	return 1;
}

/* Every pending or spent authorization code, stored from now on by the
 * hash ayb-c looks codes up by (a code in flight keeps working). */
static int hash_codes(struct adopt *a, struct ayb_err *err)
{
	struct ayb_rows rows = {0};
	int ret = 0;

	if (query(a, Q_CODES, NULL, 0, &rows, err) < 0)
		return -1;
	for (size_t i = 0; i < rows.nrows && ret == 0; i++) {
		char hash[65];
		struct ayb_param p[2] = { { ayb_rows_get(&rows, i, 0) }, { hash } };

		ayb_oauth_code_hash(p[0].value, hash);
		ret = query(a, Q_CODE_SET, p, 2, NULL, err);
	}
	ayb_rows_free(&rows);
	return ret < 0 ? -1 : 0;
}

static int count(struct adopt *a, struct ayb_adopt_report *r, struct ayb_err *err)
{
	struct ayb_rows rows = {0};

	if (query(a, Q_COUNTS, NULL, 0, &rows, err) < 0)
		return -1;
	r->users = cell_num(&rows, 0);
	r->organizations = cell_num(&rows, 1);
	r->emails = cell_num(&rows, 2);
	r->extra_emails = cell_num(&rows, 3);
	r->databases = cell_num(&rows, 4);
	r->duckdb = cell_num(&rows, 5);
	r->tokens = cell_num(&rows, 6);
	r->revoked = cell_num(&rows, 7);
	r->scoped = cell_num(&rows, 8);
	r->grants = cell_num(&rows, 9);
	r->oauth_codes = cell_num(&rows, 10);
	ayb_rows_free(&rows);
	return 0;
}

/* The metadata, in one transaction: rolled back on a dry run. */
static int convert(struct adopt *a, int dry_run, struct ayb_adopt_report *r,
		   struct ayb_err *err)
{
	if (a->be->begin(a->conn, err) < 0)
		return -1;
	if (a->be->lock_migrations && a->be->lock_migrations(a->conn, err) < 0)
		goto fail;
	if (count(a, r, err) < 0)
		goto fail;
	if (a->be->exec(a->conn, a->pg ? grants_key_pg : grants_key_sqlite, err) < 0 ||
	    hash_codes(a, err) < 0 || ayb_store_record_migration_1(a->conn, a->be, err) < 0 ||
	    ayb_store_apply_migrations(a->conn, a->be, err) < 0)
		goto fail;
	if (dry_run) {
		a->be->rollback(a->conn);
		return 0;
	}
	return a->be->commit(a->conn, err);
fail:
	a->be->rollback(a->conn);
	return -1;
}

/* A `current` that dangles: ayb wrote the absolute path of the version
 * directory, so a data_path moved or restored elsewhere leaves the link
 * naming the old place.  When the same version directory is here, the link
 * is pointed at it (by layout.c's swap, which checks it is one of this
 * database's).  1 when it was (or would be), 0 when there is nothing to
 * point at, -1 with err. */
static int relink(const char *data_path, const char *e, const char *d, int dry_run,
		  struct ayb_err *err)
{
	char target[PATH_MAX], *cur, *local = NULL, *canon = NULL;
	const char *base;
	ssize_t n;
	int ret = 0;

	if (!(cur = ayb_layout_current_path(data_path, e, d, err)))
		return -1;
	n = readlink(cur, target, sizeof(target) - 1);
	if (n <= 0)
		goto out;
	target[n] = '\0';
	base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		goto out;
	cur[strlen(cur) - strlen("current")] = '\0';
	if (!(local = ayb_fmt("%s%s", cur, base))) {
		ret = ayb_err_oom(err);
		goto out;
	}
	if (!(canon = realpath(local, NULL)))
		goto out;
	if (dry_run)
		ret = 1;
	else
		ret = ayb_layout_swap(data_path, e, d, canon, err) < 0 ? -1 : 1;
out:
	free(canon);
	free(local);
	free(cur);
	return ret;
}

/* Each database's files under data_path, in ayb's layout, which is ayb-c's. */
static int check_files(struct adopt *a, const char *data_path, int dry_run,
		       struct ayb_adopt_report *r, struct ayb_err *err)
{
	struct ayb_rows rows = {0};
	int ret = 0;

	if (query(a, Q_DATABASES, NULL, 0, &rows, err) < 0)
		return -1;
	for (size_t i = 0; i < rows.nrows && ret == 0; i++) {
		const char *e = ayb_rows_get(&rows, i, 0), *d = ayb_rows_get(&rows, i, 1);
		struct ayb_layout_file f = {0};
		struct ayb_err lerr = {0};
		struct stat st;
		int found;

		if (ayb_layout_locate(data_path, e, d, &f, &lerr) == 0) {
			if (stat(f.path, &st) == 0)
				r->files++;
			else
				r->empty++;
			ayb_layout_file_free(&f);
			ayb_err_clear(&lerr);
			continue;
		}
		ayb_err_clear(&lerr);
		found = relink(data_path, e, d, dry_run, err);
		if (found < 0) {
			ret = -1;
		} else if (found) {
			r->relinked++;
			ayb_buf_printf(&r->notes, "%s/%s: `current` pointed outside data_path;"
				       " %s at the same version here\n", e, d,
				       dry_run ? "would be re-pointed" : "re-pointed");
		} else {
			r->missing++;
			ayb_buf_printf(&r->notes, "%s/%s: no databases/%s/%s/current under"
				       " data_path: queries will fail until it is restored\n",
				       e, d, e, d);
		}
	}
	ayb_rows_free(&rows);
	return r->notes.oom ? ayb_err_oom(err) : ret;
}

/* SQLite would create a missing file, and adopting it would then refuse an
 * empty store having made one: a missing file is refused first. */
static int sqlite_exists(const char *url, struct ayb_err *err)
{
	struct stat st;

	if (strncmp(url, "sqlite://", 9) != 0 || stat(url + 9, &st) == 0)
		return 0;
	return ayb_err_set(err, AYB_E_CONFIGURATION,
			   "No metadata store at %s: nothing to adopt", url + 9);
}

int ayb_store_adopt(const char *database_url, const char *data_path, int dry_run,
		    struct ayb_adopt_report *r, struct ayb_err *err)
{
	struct adopt a = {0};
	int ret = -1, kind;

	memset(r, 0, sizeof(*r));
	if (sqlite_exists(database_url, err) < 0 ||
	    ayb_store_connect(database_url, &a.conn, &a.be, err) < 0)
		return -1;
	a.pg = strncmp(database_url, "sqlite://", 9) != 0;
	kind = recognise(&a, r, err);
	if (kind < 0)
		goto out;
	if (kind == 1 && convert(&a, dry_run, r, err) < 0)
		goto out;
	/* The files are checked on every run: a second adopt after a data_path
	 * was moved re-points its links too. */
	ret = check_files(&a, data_path, dry_run, r, err);
out:
	a.be->close(a.conn);
	return ret;
}

void ayb_adopt_report_free(struct ayb_adopt_report *r)
{
	ayb_buf_free(&r->notes);
}
