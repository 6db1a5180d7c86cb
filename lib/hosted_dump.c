/* A database as SQL text (README "The HTTP API": export): what sqlite3's
 * `.dump` writes, statement for statement, so that the text loads into
 * sqlite3 or back into ayb-c (an import's application/sql) and gives the
 * same database.  It runs in a query worker (lib/worker.h) like a
 * snapshot's copy: reading the tables evaluates what the tenant's schema
 * defines (virtual tables, generated columns are skipped), and the text is
 * written to a file as it is read, in constant memory. */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "fs.h"
#include "hosted_dump.h"

#define FLUSH_AT (64u * 1024)

struct dump {
	int fd;
	struct ayb_buf out;
};

static int flush(struct dump *d, struct ayb_err *err)
{
	if (d->out.oom)
		return ayb_err_oom(err);
	if (d->out.len && ayb_fs_write_all(d->fd, d->out.data, d->out.len) < 0) {
		if (errno == EFBIG || errno == ENOSPC || errno == EDQUOT)
			return ayb_err_set(err, AYB_E_INVALID,
					   "The SQL dump is larger than the server allows");
		return ayb_err_set(err, AYB_E_INTERNAL, "Cannot write the SQL dump: %s",
				   strerror(errno));
	}
	d->out.len = 0;
	return 0;
}

/* sqlite3's shell quotes a name only when it must: not a plain identifier,
 * or a keyword. */
static int needs_quotes(const char *name)
{
	size_t i;

	if (!isalpha((unsigned char)name[0]) && name[0] != '_')
		return 1;
	for (i = 0; name[i]; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_')
			return 1;
	return sqlite3_keyword_check(name, (int)i);
}

static void add_quoted(struct ayb_buf *b, const char *s, size_t n, char q)
{
	ayb_buf_addc(b, q);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == q)
			ayb_buf_addc(b, q);
		ayb_buf_addc(b, s[i]);
	}
	ayb_buf_addc(b, q);
}

static void add_name(struct ayb_buf *b, const char *name)
{
	if (needs_quotes(name))
		add_quoted(b, name, strlen(name), '"');
	else
		ayb_buf_adds(b, name);
}

/* X'<hex>' (lowercase, as the shell writes blobs), a table lookup per
 * byte and one append per 256 bytes: a dump is mostly this. */
static void add_hex(struct ayb_buf *b, const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char out[512];

	ayb_buf_adds(b, "X'");
	while (n) {
		size_t k = n < sizeof(out) / 2 ? n : sizeof(out) / 2;

		for (size_t i = 0; i < k; i++) {
			out[2 * i] = digits[p[i] >> 4];
			out[2 * i + 1] = digits[p[i] & 15];
		}
		ayb_buf_add(b, out, 2 * k);
		p += k;
		n -= k;
	}
	ayb_buf_addc(b, '\'');
}

/* An escape for c that the text does not hold, as the shell picks it:
 * "\n", else "\012", else "\n<k>" for the first k that is absent. */
static void unused_escape(const char *s, size_t n, const char *a, const char *b, char *out,
			  size_t len)
{
	unsigned k = 0;

	snprintf(out, len, "%s", a);
	while (memmem(s, n, out, strlen(out))) {
		if (k == 0 && strcmp(out, b) != 0)
			snprintf(out, len, "%s", b);
		else
			snprintf(out, len, "%s%u", a, k++);
	}
}

/* Text as the shell writes it: '...' with quotes doubled, and newlines
 * and carriage returns spelled with replace() so that each row stays on
 * one line.  Text with a NUL byte inside, which the shell would cut, is
 * written whole as a blob cast to text. */
static void add_text(struct ayb_buf *b, const char *s, size_t n)
{
	char nl[24], cr[24];
	int has_nl = memchr(s, '\n', n) != NULL, has_cr = memchr(s, '\r', n) != NULL;

	if (memchr(s, '\0', n)) {
		ayb_buf_adds(b, "CAST(");
		add_hex(b, (const unsigned char *)s, n);
		ayb_buf_adds(b, " AS TEXT)");
		return;
	}
	if (has_nl) {
		ayb_buf_adds(b, "replace(");
		unused_escape(s, n, "\\n", "\\012", nl, sizeof(nl));
	}
	if (has_cr) {
		ayb_buf_adds(b, "replace(");
		unused_escape(s, n, "\\r", "\\015", cr, sizeof(cr));
	}
	ayb_buf_addc(b, '\'');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\'')
			ayb_buf_adds(b, "''");
		else if (s[i] == '\n')
			ayb_buf_adds(b, nl);
		else if (s[i] == '\r')
			ayb_buf_adds(b, cr);
		else
			ayb_buf_addc(b, s[i]);
	}
	ayb_buf_addc(b, '\'');
	if (has_cr)
		ayb_buf_printf(b, ",'%s',char(13))", cr);
	if (has_nl)
		ayb_buf_printf(b, ",'%s',char(10))", nl);
}

static void add_value(struct ayb_buf *b, sqlite3_stmt *stmt, int col)
{
	const unsigned char *p;
	char num[64];
	double r;
	sqlite3_int64 ir;
	int n;

	switch (sqlite3_column_type(stmt, col)) {
	case SQLITE_NULL:
		ayb_buf_adds(b, "NULL");
		break;
	case SQLITE_INTEGER:
		ayb_buf_printf(b, "%lld", (long long)sqlite3_column_int64(stmt, col));
		break;
	case SQLITE_FLOAT:
		/* The shell's spelling: whole numbers with ".0", infinities as
		 * 1e999, the rest with 20 significant digits. */
		r = sqlite3_column_double(stmt, col);
		ir = (sqlite3_int64)r;
		if (r > 1e308 || r < -1e308)
			ayb_buf_adds(b, r > 0 ? "1e999" : "-1e999");
		else if (r == (double)ir)
			ayb_buf_printf(b, "%lld.0", (long long)ir);
		else
			ayb_buf_adds(b, sqlite3_snprintf(sizeof(num), num, "%!.20g", r));
		break;
	case SQLITE_TEXT:
		p = sqlite3_column_text(stmt, col);
		add_text(b, p ? (const char *)p : "", (size_t)sqlite3_column_bytes(stmt, col));
		break;
	default:
		p = sqlite3_column_blob(stmt, col);
		n = sqlite3_column_bytes(stmt, col);
		add_hex(b, p ? p : (const unsigned char *)"", (size_t)n);
		break;
	}
}

/* "SELECT <the stored columns> FROM <table>" into sel, the column count in
 * *ncol; generated and hidden columns are left out, as the shell does
 * (INSERT computes them again). */
static int table_select(sqlite3 *conn, const char *table, struct ayb_buf *sel, int *ncol)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*ncol = 0;
	ayb_buf_adds(sel, "SELECT ");
	rc = sqlite3_prepare_v2(conn, "SELECT name FROM pragma_table_xinfo(?1) WHERE hidden = 0",
				-1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);

		if (*ncol)
			ayb_buf_addc(sel, ',');
		add_quoted(sel, name ? name : "", name ? strlen(name) : 0, '"');
		(*ncol)++;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	ayb_buf_adds(sel, " FROM ");
	add_quoted(sel, table, strlen(table), '"');
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int dump_rows(sqlite3 *conn, struct dump *d, const char *table, struct ayb_err *err)
{
	struct ayb_buf sel = { 0 };
	sqlite3_stmt *st = NULL;
	int rc, ncol;

	rc = table_select(conn, table, &sel, &ncol);
	if (sel.oom)
		rc = SQLITE_NOMEM;
	if (rc == SQLITE_OK && ncol)
		rc = sqlite3_prepare_v2(conn, sel.data, -1, &st, NULL);
	while (rc == SQLITE_OK && st && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		ayb_buf_adds(&d->out, "INSERT INTO ");
		add_name(&d->out, table);
		ayb_buf_adds(&d->out, " VALUES(");
		for (int i = 0; i < ncol; i++) {
			if (i)
				ayb_buf_addc(&d->out, ',');
			add_value(&d->out, st, i);
		}
		ayb_buf_adds(&d->out, ");\n");
		rc = SQLITE_OK;
		if (d->out.len >= FLUSH_AT && flush(d, err) < 0) {
			rc = -1;
			break;
		}
	}
	sqlite3_finalize(st);
	ayb_buf_free(&sel);
	return rc == SQLITE_DONE || (rc == SQLITE_OK && !st) ? 0 : rc;
}

/* 1 when the table is a virtual table's shadow table: its rows come back
 * when the virtual table's are inserted. */
static int is_shadow(sqlite3 *conn, const char *table)
{
	sqlite3_stmt *st = NULL;
	int shadow = 0;

	if (sqlite3_prepare_v2(conn, "SELECT 1 FROM pragma_table_list WHERE name = ?1 "
			       "AND schema = 'main' AND type = 'shadow'", -1, &st, NULL) ==
	    SQLITE_OK &&
	    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC) == SQLITE_OK)
		shadow = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return shadow;
}

/* One table: its CREATE statement (the shell's choices for SQLite's own
 * tables), then its rows. */
static int dump_table(sqlite3 *conn, struct dump *d, const char *name, const char *sql,
		      struct ayb_err *err)
{
	if (strcmp(name, "sqlite_sequence") == 0)
		ayb_buf_adds(&d->out, "DELETE FROM sqlite_sequence;\n");
	else if (sqlite3_strglob("sqlite_stat?", name) == 0)
		ayb_buf_adds(&d->out, "ANALYZE sqlite_schema;\n");
	else if (strncmp(name, "sqlite_", 7) == 0 || is_shadow(conn, name))
		return 0;
	else if (sqlite3_strglob("CREATE TABLE ['\"]*", sql) == 0)
		ayb_buf_printf(&d->out, "CREATE TABLE IF NOT EXISTS %s;\n", sql + 13);
	else
		ayb_buf_printf(&d->out, "%s;\n", sql);
	return dump_rows(conn, d, name, err);
}

static int dump_all(sqlite3 *conn, void *ctx, struct ayb_err *err)
{
	struct dump *d = ctx;
	sqlite3_stmt *st = NULL;
	int rc;

	/* One read transaction: every table as of one moment. */
	rc = sqlite3_exec(conn, "BEGIN", NULL, NULL, NULL);
	ayb_buf_adds(&d->out, "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n");
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(conn,
					"SELECT name, sql FROM sqlite_schema WHERE type = 'table' "
					"AND sql NOT NULL ORDER BY tbl_name = 'sqlite_sequence', rowid",
					-1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *sql = (const char *)sqlite3_column_text(st, 1);

		rc = name && sql ? dump_table(conn, d, name, sql, err) : SQLITE_NOMEM;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == SQLITE_DONE)
		rc = sqlite3_prepare_v2(conn,
					"SELECT sql FROM sqlite_schema WHERE sql NOT NULL "
					"AND type IN ('index', 'trigger', 'view')",
					-1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		ayb_buf_printf(&d->out, "%s;\n", (const char *)sqlite3_column_text(st, 0));
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	sqlite3_exec(conn, "COMMIT", NULL, NULL, NULL);
	if (rc < 0)
		return -1;
	if (rc != SQLITE_DONE)
		return rc;
	ayb_buf_adds(&d->out, "COMMIT;\n");
	return flush(d, err);
}

int ayb_hosted_dump(const char *src, const char *dst, const struct ayb_query_limits *lim,
		    struct ayb_err *err)
{
	struct dump d = { -1, { 0 } };
	int ret = -1;

	d.fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (d.fd < 0)
		return ayb_err_set(err, AYB_E_INTERNAL, "Cannot create the SQL dump: %s",
				   strerror(errno));
	/* A database never written has no file yet: its dump is empty. */
	if (access(src, F_OK) < 0 && errno == ENOENT) {
		ayb_buf_adds(&d.out, "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCOMMIT;\n");
		ret = flush(&d, err);
	} else {
		ret = ayb_hosted_own(src, lim, dump_all, &d, err);
	}
	if (ret == 0 && fsync(d.fd) < 0)
		ret = ayb_err_set(err, AYB_E_INTERNAL, "Cannot write the SQL dump: %s",
				  strerror(errno));
	close(d.fd);
	ayb_buf_free(&d.out);
	return ret;
}
