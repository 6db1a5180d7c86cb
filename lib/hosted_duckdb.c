/* Hosted DuckDB databases (README "DuckDB databases"): the DuckDB engine
 * of lib/engine.h, run by ayb-query-worker inside the database's sandbox.
 *
 * Every open sets the guards in the configuration the database is opened
 * with, so no tenant statement ever runs without them: one thread, the
 * memory cap, no extension installed or loaded on demand, no file or
 * network access beyond the database itself (enable_external_access), and
 * the configuration locked so that no SET undoes any of it.  A database is
 * opened for each query, read-only or read-write by the caller's level,
 * and closed after it: DuckDB locks its file for as long as it is open,
 * and another process's worker may need it next. */
#include "autoconfig.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <duckdb.h>

#include "duckdb_render.h"
#include "engine.h"
#include "render.h"
#include "utf8.h"

/* ayb retries an open that finds the file locked for up to 5 s. */
#define LOCK_RETRY_MS 5000
#define LOCK_RETRY_STEP_MS 100
#define DEFAULT_MEMORY (128 << 20)

struct duck {
	duckdb_database db;
	duckdb_connection conn;
	const struct ayb_query_limits *lim;
	int64_t rows, bytes;
};

static int set(duckdb_config c, const char *name, const char *value)
{
	return duckdb_set_config(c, name, value) == DuckDBSuccess ? 0 : -1;
}

/* The guards, and `lock` the configuration against any change. */
static int guard_config(duckdb_config c, int64_t memory, int lock)
{
	char mem[32];

	snprintf(mem, sizeof(mem), "%" PRId64 "KiB", (memory > 0 ? memory : DEFAULT_MEMORY) >> 10);
	return set(c, "threads", "1") | set(c, "memory_limit", mem) |
	       set(c, "autoinstall_known_extensions", "false") |
	       set(c, "autoload_known_extensions", "false") |
	       set(c, "allow_community_extensions", "false") |
	       set(c, "allow_persistent_secrets", "false") |
	       /* No spilling to disk: the memory cap is the query's. */
	       set(c, "temp_directory", "") |
	       (lock ? set(c, "enable_external_access", "false") |
			       set(c, "lock_configuration", "true") : 0);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Opens path ("" or NULL: in memory) with the guards; read_only or not.
 * A file another process holds is retried for a while, as ayb does. */
static int duck_open(struct duck *d, const char *path, int read_only, int64_t memory, int lock,
		     struct ayb_err *err)
{
	duckdb_config c = NULL;
	char *why = NULL;
	int ret = -1;

	memset(d, 0, sizeof(*d));
	if (duckdb_create_config(&c) != DuckDBSuccess)
		return ayb_err_oom(err);
	if (guard_config(c, memory, lock) < 0 ||
	    (path && set(c, "access_mode", read_only ? "READ_ONLY" : "READ_WRITE") < 0)) {
		ayb_err_set(err, AYB_E_INTERNAL, "DuckDB refused the server's settings");
		goto out;
	}
	for (int waited = 0;; waited += LOCK_RETRY_STEP_MS) {
		if (duckdb_open_ext(path, &d->db, c, &why) == DuckDBSuccess)
			break;
		if (!why || !strstr(why, "lock") || waited >= LOCK_RETRY_MS) {
			ayb_err_set(err, strstr(why ? why : "", "lock") ? AYB_E_UNAVAILABLE :
					 AYB_E_INVALID, "Cannot open the database: %s",
				    why ? why : "unknown error");
			goto out;
		}
		duckdb_free(why);
		why = NULL;
		sleep_ms(LOCK_RETRY_STEP_MS);
	}
	if (duckdb_connect(d->db, &d->conn) != DuckDBSuccess) {
		ayb_err_set(err, AYB_E_INTERNAL, "DuckDB could not connect");
		goto out;
	}
	ret = 0;
out:
	duckdb_free(why);
	duckdb_destroy_config(&c);
	return ret;
}

static void duck_close(struct duck *d)
{
	duckdb_disconnect(&d->conn);
	duckdb_close(&d->db);
}

/* An error of DuckDB's, classed: what the guards refuse is forbidden, a
 * write on a read-only database is ayb's NoWriteAccessError. */
static int duck_error(duckdb_error_type type, const char *msg, struct ayb_err *err)
{
	if (!msg)
		msg = "unknown error";
	if (strstr(msg, "read-only") || strstr(msg, "Cannot execute write"))
		return ayb_err_set(err, AYB_E_NO_WRITE,
				   "Attempted to write to database while in read-only mode");
	if (type == DUCKDB_ERROR_PERMISSION || strncmp(msg, "Permission Error", 16) == 0 ||
	    strstr(msg, "Cannot change configuration"))
		return ayb_err_set(err, AYB_E_FORBIDDEN,
				   "Forbidden operation: not allowed on this server (%s)", msg);
	if (type == DUCKDB_ERROR_OUT_OF_MEMORY)
		return ayb_err_set(err, AYB_E_INVALID, "Query ran out of memory: %s", msg);
	return ayb_err_set(err, AYB_E_INVALID, "%s", msg);
}

static int bind_value(duckdb_prepared_statement s, idx_t i, const struct ayb_value *v)
{
	switch (v->type) {
	case AYB_VALUE_NULL: return duckdb_bind_null(s, i);
	case AYB_VALUE_INTEGER: return duckdb_bind_int64(s, i, v->u.i);
	case AYB_VALUE_REAL: return duckdb_bind_double(s, i, v->u.r);
	case AYB_VALUE_TEXT: return duckdb_bind_varchar_length(s, i, v->u.s.p, v->u.s.n);
	default: return duckdb_bind_blob(s, i, v->u.s.p, v->u.s.n);
	}
}

/* The parameters of st: by position, or by name ($name's key is "name"). */
static int bind(duckdb_prepared_statement s, const struct ayb_statement *st, struct ayb_err *err)
{
	idx_t count = duckdb_nparams(s);
	const struct ayb_param **sorted = NULL, *p;
	int ret = -1;

	if (!st->named && st->nparams != count)
		return ayb_err_set(err, AYB_E_INVALID,
				   "The query has %llu parameter%s, %zu given",
				   (unsigned long long)count, count == 1 ? "" : "s", st->nparams);
	if (st->named && !(sorted = ayb_query_req_sorted(st)) && st->nparams)
		return ayb_err_oom(err);
	for (idx_t i = 1; i <= count; i++) {
		const char *name = st->named ? duckdb_parameter_name(s, i) : NULL;

		p = &st->params[i - 1];
		if (st->named && !(p = ayb_query_req_find(sorted, st->nparams, name ? name : "",
							  name ? strlen(name) : 0))) {
			ayb_err_set(err, AYB_E_INVALID, "Missing value for parameter $%.64s",
				    name ? name : "?");
			duckdb_free((void *)name);
			goto out;
		}
		duckdb_free((void *)name);
		if (bind_value(s, i, &p->v) != DuckDBSuccess) {
			ayb_err_set(err, AYB_E_INVALID, "Cannot bind parameter %llu",
				    (unsigned long long)i);
			goto out;
		}
	}
	if (st->named && count != st->nparams) {
		ayb_err_set(err, AYB_E_INVALID,
			    "The query has %llu parameter%s, %zu given",
			    (unsigned long long)count, count == 1 ? "" : "s", st->nparams);
		goto out;
	}
	ret = 0;
out:
	free(sorted);
	return ret;
}

/* Prepares statement i of r: its first statement (the SQL form, as ayb),
 * or its only one (the JSON forms); a batch may not hold its own
 * transaction statements. */
static int prepare(struct duck *d, const struct ayb_query_req *r, size_t i,
		   duckdb_prepared_statement *out, struct ayb_err *err)
{
	const struct ayb_statement *st = &r->stmts[i];
	duckdb_extracted_statements ex = NULL;
	char *sql = malloc(st->len + 1);
	idx_t n;
	int ret = -1;

	*out = NULL;
	if (!sql)
		return ayb_err_oom(err);
	memcpy(sql, st->sql, st->len);
	sql[st->len] = 0;
	n = duckdb_extract_statements(d->conn, sql, &ex);
	if (n == 0) {
		const char *why = duckdb_extract_statements_error(ex);

		if (why)
			duck_error(DUCKDB_ERROR_PARSER, why, err);
		else
			ayb_err_set(err, AYB_E_INVALID, "Query is empty");
		goto out;
	}
	if (n > 1 && r->form != AYB_FORM_SQL) {
		ayb_err_set(err, AYB_E_INVALID,
			    "The query holds more than one statement: send each as its own entry of \"statements\"");
		goto out;
	}
	if (duckdb_prepare_extracted_statement(d->conn, ex, 0, out) != DuckDBSuccess) {
		duck_error(DUCKDB_ERROR_INVALID, duckdb_prepare_error(*out), err);
		goto out;
	}
	if (r->form == AYB_FORM_BATCH &&
	    duckdb_prepared_statement_type(*out) == DUCKDB_STATEMENT_TYPE_TRANSACTION) {
		ayb_err_set(err, AYB_E_INVALID,
			    "A batch runs in its own transaction: BEGIN, COMMIT and ROLLBACK are not allowed in it");
		goto out;
	}
	if (r->form != AYB_FORM_SQL && bind(*out, st, err) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		duckdb_destroy_prepare(out);
	duckdb_destroy_extracted(&ex);
	free(sql);
	return ret;
}

static int too_large_bytes(struct duck *d, size_t n, struct ayb_err *err)
{
	d->bytes += (int64_t)n;
	if (d->lim->max_bytes && d->bytes > d->lim->max_bytes)
		return ayb_err_set(err, AYB_E_INVALID,
				   "Query result too large: more than %" PRId64
				   " MiB of JSON (the server's limit)", d->lim->max_bytes >> 20);
	return 0;
}

/* Runs a prepared statement and hands its result to `rows`, within the
 * result limits (counted as lib/hosted.c counts SQLite's). */
/* Returns 0, -1 with err set, or -2 when the statement was refused as a
 * write before anything of it reached `rows` (the first chunk is read
 * before the fields are handed on), which a caller may run again on a
 * read-write open. */
static int stream(struct duck *d, duckdb_prepared_statement s, struct ayb_row_sink *rows,
		  struct ayb_err *err)
{
	duckdb_result res;
	duckdb_logical_type *types = NULL;
	const char **names = NULL;
	struct ayb_duckdb_row row = { 0 };
	duckdb_data_chunk chunk = NULL;
	idx_t ncol = 0;
	int ret = -1, first = 1;

	if (duckdb_execute_prepared_streaming(s, &res) != DuckDBSuccess) {
		duck_error(duckdb_result_error_type(&res), duckdb_result_error(&res), err);
		duckdb_destroy_result(&res);
		return err->kind == AYB_E_NO_WRITE ? -2 : -1;
	}
	ncol = duckdb_column_count(&res);
	types = calloc(ncol ? ncol : 1, sizeof(*types));
	names = calloc(ncol ? ncol : 1, sizeof(*names));
	if (!types || !names || ayb_duckdb_row_init(&row, ncol) < 0) {
		ayb_err_oom(err);
		goto out;
	}
	for (idx_t c = 0; c < ncol; c++) {
		size_t valid, bad;

		types[c] = duckdb_column_logical_type(&res, c);
		names[c] = duckdb_column_name(&res, c);
		if (!names[c] || !ayb_utf8_check((const unsigned char *)names[c], strlen(names[c]),
						 &valid, &bad)) {
			ayb_err_set(err, AYB_E_INVALID, "A column name is not UTF-8");
			goto out;
		}
	}
	if (!(chunk = duckdb_fetch_chunk(res)) && duckdb_result_error(&res)) {
		duck_error(duckdb_result_error_type(&res), duckdb_result_error(&res), err);
		ret = err->kind == AYB_E_NO_WRITE ? -2 : -1;
		goto out;
	}
	d->bytes += (int64_t)ayb_render_json_head_len(names, ncol);
	if (rows->fields(rows->ctx, names, ncol) < 0)
		goto undelivered;
	for (; chunk; chunk = duckdb_fetch_chunk(res)) {
		idx_t n = duckdb_data_chunk_get_size(chunk);

		if (n == 0)
			break;
		for (idx_t i = 0; i < n; i++) {
			if (d->lim->max_rows && d->rows + 1 > d->lim->max_rows) {
				ayb_err_set(err, AYB_E_INVALID,
					    "Query result too large: more than %lld rows (the server's limit)",
					    (long long)d->lim->max_rows);
				goto out;
			}
			if (ayb_duckdb_row_read(&row, chunk, types, i, err) < 0 ||
			    too_large_bytes(d, ayb_render_json_row_len(row.values, ncol, first),
					    err) < 0)
				goto out;
			first = 0;
			d->rows++;
			if (rows->row(rows->ctx, row.values, ncol) < 0)
				goto undelivered;
		}
		duckdb_destroy_data_chunk(&chunk);
	}
	if (duckdb_result_error(&res)) {
		duck_error(duckdb_result_error_type(&res), duckdb_result_error(&res), err);
		goto out;
	}
	if (too_large_bytes(d, AYB_RENDER_JSON_TAIL_LEN, err) < 0)
		goto out;
	if (rows->end(rows->ctx) < 0)
		goto undelivered;
	ret = 0;
	goto out;
undelivered:
	ayb_err_set(err, AYB_E_INTERNAL, "The query result could not be delivered");
out:
	if (chunk)
		duckdb_destroy_data_chunk(&chunk);
	for (idx_t c = 0; types && c < ncol; c++)
		duckdb_destroy_logical_type(&types[c]);
	free(types);
	free(names);
	ayb_duckdb_row_free(&row);
	duckdb_destroy_result(&res);
	return ret;
}

static int exec(struct duck *d, const char *sql, struct ayb_err *err)
{
	duckdb_result res;
	int ret = 0;

	if (duckdb_query(d->conn, sql, &res) != DuckDBSuccess)
		ret = duck_error(duckdb_result_error_type(&res), duckdb_result_error(&res), err);
	duckdb_destroy_result(&res);
	return ret;
}

/* A batch: every statement in one transaction, all or nothing. */
static int run_batch(struct duck *d, const struct ayb_query_req *r, struct ayb_row_sink *rows,
		     struct ayb_err *err)
{
	duckdb_prepared_statement s = NULL;
	size_t i;

	if (exec(d, "BEGIN TRANSACTION", err) < 0)
		return -1;
	for (i = 0; i < r->n; i++) {
		int rc = prepare(d, r, i, &s, err);

		if (rc == 0)
			rc = stream(d, s, rows, err);
		duckdb_destroy_prepare(&s);
		if (rc < 0) {
			struct ayb_err ignored = { 0 };

			ayb_query_req_blame(err, i);
			exec(d, "ROLLBACK", &ignored);
			ayb_err_clear(&ignored);
			return -1;
		}
	}
	return exec(d, "COMMIT", err);
}

/* DuckDB names the file by its absolute path in some messages; a caller
 * sees it relative to data_path, as SQLite's are shown. */
static void hide_path(struct ayb_err *err, const char *path, const char *shown)
{
	struct ayb_buf b = { 0 };
	const char *m = err->message, *at;

	if (!m || !shown || !(at = strstr(m, path)))
		return;
	ayb_buf_add(&b, m, (size_t)(at - m));
	ayb_buf_adds(&b, shown);
	ayb_buf_adds(&b, at + strlen(path));
	if (ayb_buf_addc(&b, 0) == 0) {
		free(err->message);
		err->message = ayb_buf_take(&b);
	}
	ayb_buf_free(&b);
}

/* One statement on an open of its own: read-only, or read-write.  With
 * `try`, what needs a read-write open answers -2 instead: a file not made
 * yet, a statement other than a SELECT, one DuckDB refuses as a write. */
static int run_one(const struct ayb_layout_file *f, const struct ayb_query_req *r, int read_only,
		   int try, const struct ayb_query_limits *lim, struct ayb_row_sink *rows,
		   struct ayb_err *err)
{
	duckdb_prepared_statement s = NULL;
	struct duck d;
	int ret = -1;

	if (duck_open(&d, f->path, read_only, lim->heap_bytes, 1, err) < 0)
		return try ? -2 : -1;
	d.lim = lim;
	if (prepare(&d, r, 0, &s, err) < 0)
		ret = try && err->kind == AYB_E_NO_WRITE ? -2 : -1;
	else if (try && duckdb_prepared_statement_type(s) != DUCKDB_STATEMENT_TYPE_SELECT)
		ret = -2;
	else if ((ret = stream(&d, s, rows, err)) == -2 && !try)
		ret = -1;
	duckdb_destroy_prepare(&s);
	duck_close(&d);
	return ret;
}

/* DuckDB lets any number of processes read a file at once but only one
 * have it open read-write, so a read-write caller's statement runs on a
 * read-only open first: reads never wait for each other, and what writes
 * is refused there before anything of it was delivered and runs again on
 * a read-write open.  A batch takes the open its caller's level gives. */
static int duck_run_req(const struct ayb_layout_file *f, const struct ayb_query_req *r,
			enum ayb_query_mode mode, const struct ayb_query_limits *lim,
			struct ayb_row_sink *rows, struct ayb_err *err)
{
	static const struct ayb_query_limits none;
	struct duck d;
	size_t valid, bad;
	int ret = -1;

	if (!lim)
		lim = &none;
	for (size_t i = 0; i < r->n; i++)
		if (!ayb_utf8_check((const unsigned char *)r->stmts[i].sql, r->stmts[i].len,
				    &valid, &bad))
			return ayb_err_set(err, AYB_E_INVALID, "The query is not UTF-8");
	if (r->form != AYB_FORM_BATCH) {
		ret = run_one(f, r, 1, mode == AYB_QUERY_READ_WRITE, lim, rows, err);
		if (ret == -2) {
			ayb_err_clear(err);
			ret = run_one(f, r, 0, 0, lim, rows, err);
		}
	} else if (duck_open(&d, f->path, mode == AYB_QUERY_READ_ONLY, lim->heap_bytes, 1,
			     err) == 0) {
		d.lim = lim;
		ret = run_batch(&d, r, rows, err);
		duck_close(&d);
	}
	if (ret < 0)
		hide_path(err, f->path, f->shown);
	return ret;
}

/* A SQL string literal of s: quoted, quotes doubled. */
static int add_literal(struct ayb_buf *b, const char *s)
{
	ayb_buf_addc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			ayb_buf_addc(b, '\'');
		ayb_buf_addc(b, *s);
	}
	return ayb_buf_addc(b, '\'');
}

/* DuckDB's words alone as a SnapshotError, for the caller to say what
 * failed (lib/hosted.h); a query's memory limit stays what it is. */
static int as_snapshot_error(struct ayb_err *err)
{
	char *msg;

	if (err->kind == AYB_E_INVALID && err->message &&
	    strncmp(err->message, "Query ran out", 13) == 0)
		return -1;
	msg = err->message;
	err->message = NULL;
	ayb_err_clear(err);
	ayb_err_set(err, AYB_E_SNAPSHOT, "%s", msg ? msg : "Out of memory");
	free(msg);
	return -1;
}

/* The server's own statement, retried as an open is while another
 * process holds a file it attaches. */
static int own(struct duck *d, const char *sql, struct ayb_err *err)
{
	for (int waited = 0; exec(d, sql, err) < 0; waited += LOCK_RETRY_STEP_MS) {
		if (!err->message || !strstr(err->message, "lock") || waited >= LOCK_RETRY_MS)
			return as_snapshot_error(err);
		ayb_err_clear(err);
		sleep_ms(LOCK_RETRY_STEP_MS);
	}
	return 0;
}

/* The check of a copy: open it read-only as a query would and read every
 * table whole, which verifies each block's checksum. */
static int duck_check(const char *path, const struct ayb_query_limits *lim, struct ayb_err *err)
{
	struct duck d;
	duckdb_result res;
	struct ayb_buf q = { 0 };
	int ret = -1;

	if (duck_open(&d, path, 1, lim ? lim->heap_bytes : 0, 1, err) < 0)
		return as_snapshot_error(err);
	/* count(x) of the whole row x: every column is read. */
	if (duckdb_query(d.conn, "SELECT 'SELECT count(x) FROM \"' || replace(schema_name, '\"',"
			 " '\"\"') || '\".\"' || replace(table_name, '\"', '\"\"') || '\" AS x'"
			 " FROM duckdb_tables() WHERE database_name = current_database()",
			 &res) != DuckDBSuccess) {
		ayb_err_set(err, AYB_E_SNAPSHOT, "%s", duckdb_result_error(&res));
		goto out;
	}
	for (idx_t i = 0; i < duckdb_row_count(&res); i++) {
		char *sql = duckdb_value_varchar(&res, 0, i);

		q.len = 0;
		ayb_buf_adds(&q, sql ? sql : "SELECT 1");
		ayb_buf_addc(&q, 0);
		duckdb_free(sql);
		if (q.oom) {
			ayb_err_oom(err);
			goto out;
		}
		if (own(&d, q.data, err) < 0)
			goto out;
	}
	ret = 0;
out:
	duckdb_destroy_result(&res);
	ayb_buf_free(&q);
	duck_close(&d);
	return ret;
}

/* ayb's copy: both files attached to an in-memory database, then COPY
 * FROM DATABASE, with the guards locked once both are attached. */
static int duck_copy(const char *src, const char *dst, const struct ayb_query_limits *lim,
		     struct ayb_err *err)
{
	struct duck d;
	struct ayb_buf q = { 0 };
	struct stat st;
	int ret = -1;

	/* DuckDB makes the copy itself, owner-only as every tenant file; an
	 * empty file made ready for it is not a database to DuckDB. */
	if (stat(dst, &st) == 0 && st.st_size == 0)
		unlink(dst);
	umask(077);
	if (duck_open(&d, NULL, 0, lim ? lim->heap_bytes : 0, 0, err) < 0)
		return -1;
	ayb_buf_adds(&q, "ATTACH ");
	add_literal(&q, src);
	ayb_buf_adds(&q, " AS src (READ_ONLY); ATTACH ");
	add_literal(&q, dst);
	ayb_buf_adds(&q, " AS dst; SET enable_external_access = false;"
		     " SET lock_configuration = true;");
	ayb_buf_addc(&q, 0);
	if (q.oom) {
		ayb_err_oom(err);
		goto out;
	}
	if (own(&d, q.data, err) < 0 || own(&d, "COPY FROM DATABASE src TO dst", err) < 0 ||
	    own(&d, "DETACH dst", err) < 0)
		goto out;
	ret = 0;
out:
	ayb_buf_free(&q);
	duck_close(&d);
	return ret;
}

/* Nothing outside the directory: DuckDB reads what it needs when a
 * database opens, inside it. */
static void duck_prepare(const char *dir)
{
	(void)dir;
	tzset();
}

const struct ayb_engine ayb_engine_duckdb = {
	duck_prepare, duck_run_req, duck_check, duck_copy,
};
