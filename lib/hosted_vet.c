/* The schema checks of a database file that comes from outside (an import),
 * after its integrity check.  A tenant's own SQL can only make schemas
 * SQLite accepts under the guards of lib/hosted.c; a file can hold
 * anything a crafted sqlite_schema says.  So every object is compiled the
 * way a later statement would compile it, with trusted_schema=OFF: what
 * fails to compile now would fail (or do what the guards refuse) later. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "buf.h"
#include "hosted_vet.h"

struct vet {
	const struct ayb_query_limits *lim;
};

static int refuse(struct ayb_err *err, const char *what, const char *name, const char *why)
{
	return ayb_err_set(err, AYB_E_INVALID, "The database's schema is refused: %s %.80s: %.200s",
			   what, name, why);
}

/* The names SQLite gives its own objects; any other "sqlite_" name was
 * written into sqlite_schema by hand. */
static int own_name(const char *type, const char *name)
{
	if (strncmp(name, "sqlite_", 7) != 0)
		return 1;
	if (strcmp(type, "table") == 0)
		return strcmp(name, "sqlite_sequence") == 0 ||
		       sqlite3_strglob("sqlite_stat[1234]", name) == 0;
	return strcmp(type, "index") == 0 && strncmp(name, "sqlite_autoindex_", 17) == 0;
}

/* Compiles one statement and throws it away. */
static int compiles(sqlite3 *conn, const char *sql, const char **why)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(conn, sql, -1, &st, NULL);

	sqlite3_finalize(st);
	*why = rc == SQLITE_OK ? NULL : sqlite3_errmsg(conn);
	return rc;
}

/* SELECT, INSERT, UPDATE of every stored column, DELETE on a table or a
 * view: compiling them compiles its triggers, CHECK constraints, defaults,
 * generated columns, foreign keys and the expressions of its indexes.  A
 * view without INSTEAD OF triggers cannot be written to: only SELECT. */
static int compile_uses(sqlite3 *conn, const char *type, const char *name, int writable,
			struct ayb_err *err)
{
	struct ayb_buf q = { 0 }, set = { 0 };
	sqlite3_stmt *st = NULL;
	const char *why = NULL;
	char *quoted = sqlite3_mprintf("\"%w\"", name);
	int rc = quoted ? SQLITE_OK : SQLITE_NOMEM;

	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(conn,
					"SELECT name FROM pragma_table_xinfo(?1) WHERE hidden = 0",
					-1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char *c = sqlite3_mprintf("\"%w\"", (const char *)sqlite3_column_text(st, 0));

		ayb_buf_printf(&set, "%s%s = %s", set.len ? ", " : "", c ? c : "", c ? c : "");
		sqlite3_free(c);
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_DONE) {
		why = sqlite3_errmsg(conn);
		goto out;
	}
	ayb_buf_printf(&q, "SELECT * FROM %s", quoted);
	if (set.oom || q.oom || compiles(conn, q.data, &why) != SQLITE_OK || !writable)
		goto out;
	q.len = 0;
	ayb_buf_printf(&q, "INSERT INTO %s DEFAULT VALUES", quoted);
	if (q.oom || compiles(conn, q.data, &why) != SQLITE_OK)
		goto out;
	q.len = 0;
	ayb_buf_printf(&q, "DELETE FROM %s", quoted);
	if (q.oom || compiles(conn, q.data, &why) != SQLITE_OK || !set.len)
		goto out;
	q.len = 0;
	ayb_buf_printf(&q, "UPDATE %s SET %s", quoted, set.data);
	if (!q.oom)
		compiles(conn, q.data, &why);
out:
	sqlite3_finalize(st);
	sqlite3_free(quoted);
	if (!why && (set.oom || q.oom || !quoted))
		why = "out of memory";
	ayb_buf_free(&q);
	ayb_buf_free(&set);
	return why ? refuse(err, type, name, why) : 0;
}

/* A view can be written to only through INSTEAD OF triggers. */
static int has_triggers(sqlite3 *conn, const char *name)
{
	sqlite3_stmt *st = NULL;
	int yes = 0;

	if (sqlite3_prepare_v2(conn, "SELECT 1 FROM sqlite_schema WHERE type = 'trigger' "
			       "AND tbl_name = ?1", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) == SQLITE_OK)
		yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

static int size_fits(sqlite3 *conn, const struct ayb_query_limits *lim, struct ayb_err *err)
{
	sqlite3_stmt *st = NULL;
	sqlite3_int64 bytes = 0;
	int rc;

	rc = sqlite3_prepare_v2(conn, "SELECT page_count * page_size FROM pragma_page_count, "
				"pragma_page_size", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		bytes = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return rc;
	if (lim && lim->max_file_bytes && bytes > lim->max_file_bytes)
		return ayb_err_set(err, AYB_E_INVALID,
				   "The database is larger than the server allows (%lld bytes, the limit is %lld)",
				   (long long)bytes, (long long)lim->max_file_bytes);
	return 0;
}

static int vet_all(sqlite3 *conn, void *ctx, struct ayb_err *err)
{
	struct vet *v = ctx;
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_exec(conn, "PRAGMA trusted_schema=OFF", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return rc;
	if ((rc = size_fits(conn, v->lim, err)) != 0)
		return rc;
	rc = sqlite3_prepare_v2(conn, "SELECT type, name FROM sqlite_schema", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return refuse(err, "file", "", sqlite3_errmsg(conn));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);

		if (!type || !name) {
			rc = refuse(err, "object", "", "it has no type or no name");
			break;
		}
		if (!own_name(type, name)) {
			rc = refuse(err, type, name,
				    "the name is reserved for SQLite's own objects");
			break;
		}
		if (strcmp(type, "table") == 0 || strcmp(type, "view") == 0) {
			int writable = strcmp(type, "table") == 0 || has_triggers(conn, name);

			if ((rc = compile_uses(conn, type, name, writable, err)) < 0)
				break;
		}
	}
	sqlite3_finalize(st);
	if (rc < 0)
		return -1;
	return rc == SQLITE_DONE ? 0 : refuse(err, "file", "", sqlite3_errstr(rc));
}

int ayb_hosted_vet(const char *path, const struct ayb_query_limits *lim, struct ayb_err *err)
{
	struct vet v = { lim };

	if (ayb_hosted_check(path, lim, err) < 0)
		return -1;
	return ayb_hosted_own(path, lim, vet_all, &v, err);
}
