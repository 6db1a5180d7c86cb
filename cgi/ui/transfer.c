/* The database page's Export and import tab (README "Web UI"): downloads
 * of the database file and of its SQL dump for whoever may read it, and an
 * import form for its managers.  The import posts the file as
 * multipart/form-data, streamed (cgi/upload.h): its CSRF token rides in the
 * form's action URL, since no form field is read before the file. */
#include "autoconfig.h"

#include <string.h>

#include "upload.h"
#include "ui.h"

#define SQLITE_MAGIC "SQLite format 3"

void ui_transfer_tab(struct ui *ui, const struct ayb_app_target *t, int manage,
		     enum ui_alert kind, const char *title, const char *msg)
{
	struct ayb_buf *b = &ui->page;
	int duck = t->db.db_type == AYB_DB_DUCKDB;

	ui_html_printf(b,
			"<section id=\"transfer\" class=\"tab-panel\" aria-labelledby=\"transfer-h\">"
			"<div class=\"panel-head\"><h2 id=\"transfer-h\">Export and import</h2>"
			"<p class=\"muted\">Take a copy of the whole database%s.</p></div>"
			"<div class=\"two-cols\"><div class=\"card\"><h3>Export</h3>"
			"<p class=\"muted\">A consistent copy, as %s.</p><p>"
			"<a class=\"btn btn-primary\" id=\"export-file\" href=\"/%s/%s/export\" "
			"download>Export file</a> ",
			manage ? ", or replace it with another" : "",
			duck ? "its DuckDB file" :
			"an SQLite file or as the SQL text <code>sqlite3 .dump</code> writes",
			t->owner.slug, t->db.slug);
	/* SQL dumps are SQLite's (README "DuckDB databases"). */
	if (!duck)
		ui_html_printf(b, "<a class=\"btn btn-secondary\" id=\"export-sql\" "
				"href=\"/%s/%s/export?format=sql\" download>Export SQL</a>",
				t->owner.slug, t->db.slug);
	ayb_buf_adds(b, "</p></div>");
	if (manage) {
		ui_html_printf(b,
				"<div class=\"card\"><h3>Import</h3><p class=\"muted\">Replaces the "
				"whole database with %s. The file is "
				"checked first; if anything is wrong, nothing changes.</p>"
				"<form method=\"post\" enctype=\"multipart/form-data\" class=\"stack\" "
				"id=\"import-form\" action=\"/%s/%s/import?csrf=%s\" "
				"data-confirm-title=\"Import\" data-confirm=\"Replace the whole "
				"database with this file?\" data-confirm-button=\"Import\">"
				"<label for=\"import-file\">Database file or SQL dump</label>"
				"<input type=\"file\" id=\"import-file\" name=\"database\" required>"
				"<div id=\"import-results\" aria-live=\"polite\">",
				duck ? "a DuckDB file" : "an SQLite file or an SQL dump",
				t->owner.slug, t->db.slug, ui->csrf);
		if (title)
			ui_alert(b, kind, title, msg);
		ayb_buf_adds(b, "</div><button type=\"submit\" id=\"import-btn\" "
				"class=\"btn btn-primary\">Import</button></form></div>");
	}
	ayb_buf_adds(b, "</div></section>");
}

void ui_export(struct fcgi_call *c)
{
	struct ui *ui = c->ui;
	struct ayb_err err = { 0 };
	struct ayb_export e;
	const char *format = ui_form_get(&ui->query, "format");
	char tmp[256];

	if (!ui->logged_in) {
		ui_message_page(ui, 401, "Log in", UI_ERROR, "Export",
				"Please log in to export this database.");
		return;
	}
	if (ayb_app_export(ui->ctx, ui->caller, &c->target, format && strcmp(format, "sql") == 0,
			   &e, &err) < 0) {
		ui_message_page(ui, ui_err_status(ui, &err), "Export", UI_ERROR,
				"The database could not be exported",
				ui_err_text(&err, tmp, sizeof(tmp)));
		ayb_err_clear(&err);
		return;
	}
	fcgi_response_file(ui->resp, e.fd, e.size, e.content_type, e.filename);
	ayb_export_close(&e);
}

/* The form's file, with its first bytes looked at: an SQLite file or,
 * anything else, an SQL dump.  The bytes looked at are handed out first. */
struct sniffed {
	struct fcgi_upload up;
	char head[sizeof(SQLITE_MAGIC)];
	size_t n, given;
};

static long sniffed_read(void *ctx, char *p, size_t n, struct ayb_err *err)
{
	struct sniffed *s = ctx;

	if (s->given < s->n) {
		size_t k = s->n - s->given < n ? s->n - s->given : n;

		memcpy(p, s->head + s->given, k);
		s->given += k;
		return (long)k;
	}
	return fcgi_upload_read(&s->up, p, n, err);
}

static int sniff(struct sniffed *s, struct ayb_err *err)
{
	long got;

	while (s->n < sizeof(s->head)) {
		got = fcgi_upload_read(&s->up, s->head + s->n, sizeof(s->head) - s->n, err);
		if (got < 0)
			return -1;
		if (got == 0)
			break;
		s->n += (size_t)got;
	}
	return s->n == sizeof(s->head) && memcmp(s->head, SQLITE_MAGIC, sizeof(s->head)) == 0
	       ? 0
	       : 1;
}

void ui_import(struct fcgi_call *c)
{
	struct ui *ui = c->ui;
	struct ayb_err err = { 0 };
	struct sniffed s;
	char tmp[256];
	int sql, status = 200;

	memset(&s, 0, sizeof(s));
	if (!ui->logged_in) {
		ui_message_page(ui, 401, "Log in", UI_ERROR, "Import",
				"Please log in to import into this database.");
		return;
	}
	/* A DuckDB database takes its DuckDB file only (README "DuckDB
	 * databases"): never read as SQL. */
	if (fcgi_upload_open(&s.up, c->req, &err) == 0 && (sql = sniff(&s, &err)) >= 0 &&
	    ayb_app_import(ui->ctx, ui->caller, &c->target,
			   sql && c->target.db.db_type != AYB_DB_DUCKDB, sniffed_read, &s,
			   &err) == 0) {
		ui_database_transfer(ui, &c->target, 200, UI_SUCCESS, "Imported",
				     "The database was replaced with the file.");
	} else {
		status = ui_err_status(ui, &err);
		ui_database_transfer(ui, &c->target, status, UI_ERROR,
				     "The file was not imported",
				     ui_err_text(&err, tmp, sizeof(tmp)));
	}
	fcgi_upload_close(&s.up);
	ayb_err_clear(&err);
}
