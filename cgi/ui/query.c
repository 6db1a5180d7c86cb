/* Query results in the browser (README "Web UI"): an HTML table of at most
 * UI_MAX_ROWS rows and UI_MAX_TABLE_BYTES of cell text with the total
 * count, and CSV or JSON downloads of the whole result.  All three are
 * rendered from the query's rows as they come (render_rows.h) and streamed,
 * so no result is ever held whole. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_rows.h"
#include "ui.h"

static void download_form(struct ui *ui, const struct ayb_app_target *t, const char *sql,
			  const char *format, const char *label)
{
	ui_html_printf(&ui->page,
			"<form method=\"post\" action=\"/%s/%s/query\" class=\"inline-form\">"
			"<input type=\"hidden\" name=\"format\" value=\"%s\">"
			"<input type=\"hidden\" name=\"query\" value=\"%s\">",
			t->owner.slug, t->db.slug, format, sql);
	ui_csrf_field(ui);
	ui_html_printf(&ui->page,
			"<button type=\"submit\" class=\"btn btn-secondary btn-sm\">%s</button></form>",
			label);
}

static void downloads(struct ui *ui, const struct ayb_app_target *t, const char *sql)
{
	download_form(ui, t, sql, "csv", "Download CSV");
	download_form(ui, t, sql, "json", "Download JSON");
}

/* What the table left out, and where to get it. */
static void left_out_note(struct ui *ui, const struct ayb_app_target *t, const char *sql,
			  const struct ui_table *tab)
{
	struct ayb_buf *b = &ui->page;

	ayb_buf_adds(b, "<div class=\"result-note\" role=\"note\"><p>");
	if (tab->shown + 1 == tab->total)
		ayb_buf_adds(b, "The last row is not shown: ");
	else if (tab->shown < tab->total)
		ui_html_printf(b, "The other %llu rows are not shown: ", tab->total - tab->shown);
	if (tab->shown < tab->total)
		ui_html_printf(b, "a page shows at most %d rows and %d MiB of text. ", UI_MAX_ROWS,
				UI_MAX_TABLE_BYTES / (1024 * 1024));
	if (tab->cut)
		ayb_buf_adds(b, "Values cut short end in &hellip;.");
	ayb_buf_adds(b, "</p><p>The downloads have the whole result: ");
	downloads(ui, t, sql);
	ayb_buf_adds(b, "</p></div>");
}

void ui_query_results(struct ui *ui, const struct ayb_app_target *t, const char *sql,
		      size_t len, int *status)
{
	struct ayb_err err = { 0 };
	struct ui_table tab;
	struct ayb_buf *b = &ui->page;
	struct ayb_sink out = ui_page_stream(ui);
	char tmp[256];
	size_t table_start;
	int rc;

	ui_table_init(&tab, b, &out, UI_MAX_ROWS, UI_MAX_TABLE_BYTES);
	ayb_buf_adds(b, "<div class=\"query-results-wrapper\">");
	/* The toolbar and the table head go first, so that rows can follow
	 * them out; a result without rows takes them back. */
	table_start = b->len;
	ayb_buf_adds(b, "<div class=\"results-toolbar\">");
	downloads(ui, t, sql);
	ayb_buf_adds(b, "</div><div class=\"table-wrap\" tabindex=\"0\" "
			"aria-label=\"Query results\"><table class=\"table\">");
	rc = ayb_app_query(ui->ctx, ui->caller, t, sql, len, &tab.rows, &err);
	if (rc == 0 && b->oom)
		rc = ayb_err_oom(&err);
	if (!tab.flushed && (rc < 0 || tab.total == 0) && b->data) {
		b->len = table_start;
		b->data[b->len] = '\0';
	}
	*status = rc < 0 ? ui_err_status(ui, &err) : 200;
	if (tab.flushed || (rc == 0 && tab.total > 0))
		ayb_buf_adds(b, "</tbody></table></div>");
	if (rc < 0)
		ui_alert(b, UI_ERROR, "Error running query", ui_err_text(&err, tmp, sizeof(tmp)));
	else if (tab.total == 0)
		ayb_buf_adds(b, "<div class=\"result-summary\">Query executed successfully. "
				"No results returned.</div>");
	else if (tab.shown < tab.total)
		ui_html_printf(b, "<div class=\"result-summary\">%llu/%llu rows</div>", tab.shown,
				tab.total);
	else
		ui_html_printf(b, "<div class=\"result-summary\">%llu row%s</div>", tab.total,
				tab.total == 1 ? "" : "s");
	if (rc == 0 && (tab.shown < tab.total || tab.cut))
		left_out_note(ui, t, sql, &tab);
	ayb_buf_adds(b, "</div>");
	ayb_err_clear(&err);
}

void ui_download_send(struct ui *ui, const char *filename, int json, ui_rows_fn *run,
		      void *ctx)
{
	struct ayb_err err = { 0 };
	struct ui_download d;
	struct ayb_sink resp_sink;
	struct fcgi_response *resp = ui->resp;
	char *disp = NULL, tmp[256];
	int rc;

	disp = ayb_fmt("attachment; filename=\"%s.%s\"", filename, json ? "json" : "csv");
	resp_sink = fcgi_response_stream(resp, 200);
	resp->content_type = json ? "application/json" : "text/csv; charset=utf-8";
	if (disp)
		fcgi_response_header(resp, "Content-Disposition", disp);
	fcgi_response_header(resp, "Cache-Control", "no-store");
	fcgi_response_header(resp, "X-Content-Type-Options", "nosniff");
	ui_download_init(&d, &resp_sink, json);
	rc = run(ctx, &d.rows, &err);
	if (rc == 0)
		goto out;
	if (fcgi_response_committed(resp)) {
		/* Too late for a status: the download ends short, the log says why. */
		fcgi_response_abort(resp, &err);
		goto out;
	}
	fcgi_response_discard(resp);
	rc = ui_err_status(ui, &err);
	/* A query over a cap says so (429): trying again later works. */
	resp->status = rc < 500 && rc != 429 ? 400 : rc;
	if (json) {
		cJSON *o = cJSON_CreateObject();
		char *s;
		cJSON_AddStringToObject(o, "error", ui_err_text(&err, tmp, sizeof(tmp)));
		s = cJSON_PrintUnformatted(o);
		ayb_buf_adds(&resp->body, s ? s : "{\"error\":\"Out of memory\"}");
		cJSON_free(s);
		cJSON_Delete(o);
	} else {
		resp->content_type = "text/plain; charset=utf-8";
		ayb_buf_adds(&resp->body, "error,message\n\"");
		for (const char *p = ui_err_text(&err, tmp, sizeof(tmp)); *p; p++) {
			if (*p == '"')
				ayb_buf_addc(&resp->body, '"');
			ayb_buf_addc(&resp->body, *p);
		}
		ayb_buf_adds(&resp->body, "\"\n");
	}
out:
	ui_download_free(&d);
	free(disp);
	ayb_err_clear(&err);
}

struct query_run {
	struct ui *ui;
	const struct ayb_app_target *t;
	const char *sql;
	size_t len;
};

static int run_query(void *ctx, struct ayb_row_sink *rows, struct ayb_err *err)
{
	struct query_run *q = ctx;

	return ayb_app_query(q->ui->ctx, q->ui->caller, q->t, q->sql, q->len, rows, err);
}

void ui_query_download(struct ui *ui, const struct ayb_app_target *t, const char *sql,
		       size_t len, int json)
{
	struct query_run q = { ui, t, sql, len };
	char *name = ayb_fmt("query-result-%s-%s", t->owner.slug, t->db.slug);

	ui_download_send(ui, name ? name : "query-result", json, run_query, &q);
	free(name);
}
