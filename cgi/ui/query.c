/* Query results in the browser (spec/UI.md §4.5 "Query endpoint"): an HTML
 * table of at most UI_MAX_ROWS rows with the total count, and CSV or
 * JSON downloads of the whole result.  All three read the hosted module's
 * JSON stream back row by row (result_rows.h), so no result is ever held
 * whole: the table keeps its first rows, the downloads stream. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result_rows.h"
#include "ui.h"
#include "utf8.h"

/* A cell longer than this is cut in the table (downloads have it whole). */
#define CELL_SHOWN_MAX 1000

struct table {
	struct ayb_buf b;            /* thead + tbody rows */
	unsigned long long total;
	size_t ncols;
};

static int table_fields(void *ctx, char **names, size_t n)
{
	struct table *t = ctx;

	t->ncols = n;
	if (!n)
		return 0;
	ayb_buf_adds(&t->b, "<thead><tr>");
	for (size_t i = 0; i < n; i++)
		ui_html_printf(&t->b, "<th scope=\"col\">%s</th>", names[i]);
	ayb_buf_adds(&t->b, "</tr></thead><tbody>");
	return t->b.oom ? -1 : 0;
}

static int table_row(void *ctx, char **cells, const size_t *len, size_t n)
{
	struct table *t = ctx;

	if (t->total++ >= UI_MAX_ROWS)
		return 0;
	ayb_buf_adds(&t->b, "<tr>");
	for (size_t i = 0; i < n; i++) {
		size_t shown = len[i];

		if (!cells[i]) {
			ayb_buf_adds(&t->b, "<td class=\"null\"></td>");
			continue;
		}
		/* Cut long values on a character boundary. */
		if (shown > CELL_SHOWN_MAX) {
			shown = CELL_SHOWN_MAX;
			while (shown && ((unsigned char)cells[i][shown] & 0xc0) == 0x80)
				shown--;
		}
		ayb_buf_adds(&t->b, "<td>");
		ui_html_escape_n(&t->b, cells[i], shown);
		if (shown < len[i])
			ayb_buf_adds(&t->b, "<span class=\"cut\">&hellip;</span>");
		ayb_buf_adds(&t->b, "</td>");
	}
	ayb_buf_adds(&t->b, "</tr>");
	return t->b.oom ? -1 : 0;
}

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

void ui_query_results(struct ui *ui, const struct ayb_app_target *t, const char *sql,
		      size_t len, int *status)
{
	struct ayb_err err = { 0 };
	struct table tab = { { 0 }, 0, 0 };
	struct ayb_result_cb cb = { table_fields, table_row, &tab };
	struct ayb_result_reader rows;
	struct ayb_sink sink;
	struct ayb_buf *b = &ui->page;
	char tmp[256];
	int rc;

	ayb_result_init(&rows, &cb);
	sink = ayb_result_sink(&rows);
	rc = ayb_app_query(ui->ctx, ui->caller, t, sql, len, &sink, &err);
	if (rc == 0 && ayb_result_finish(&rows) < 0)
		rc = ayb_err_set(&err, AYB_E_OTHER, 500, "The query result could not be read");
	if (rc == 0 && tab.b.oom)
		rc = ayb_err_oom(&err);
	if (rc < 0) {
		ui_alert(b, UI_ERROR, "Error running query",
			 ui_err_text(&err, tmp, sizeof(tmp)));
		*status = err.status ? err.status : 400;
		goto out;
	}
	*status = 200;
	ayb_buf_adds(b, "<div class=\"query-results-wrapper\">");
	if (tab.total > 0) {
		ayb_buf_adds(b, "<div class=\"results-toolbar\">");
		download_form(ui, t, sql, "csv", "Download CSV");
		download_form(ui, t, sql, "json", "Download JSON");
		ayb_buf_adds(b, "</div><div class=\"table-wrap\" tabindex=\"0\" "
				"aria-label=\"Query results\"><table class=\"table\">");
		ayb_buf_add(b, tab.b.data, tab.b.len);
		ayb_buf_adds(b, "</tbody></table></div>");
	}
	if (tab.total == 0)
		ayb_buf_adds(b, "<div class=\"result-summary\">Query executed successfully. "
				"No results returned.</div>");
	else if (tab.total > UI_MAX_ROWS)
		ui_html_printf(b, "<div class=\"result-summary\">%d/%llu rows. Download for full "
				   "dataset.</div>", UI_MAX_ROWS, tab.total);
	else
		ui_html_printf(b, "<div class=\"result-summary\">%llu row%s</div>", tab.total,
				tab.total == 1 ? "" : "s");
	ayb_buf_adds(b, "</div>");
out:
	ayb_result_free(&rows);
	ayb_buf_free(&tab.b);
	ayb_err_clear(&err);
}

/* ---- downloads ------------------------------------------------------------ */

struct download {
	struct ayb_sink *out;
	int json;
	int first_row;
	struct ayb_buf line;
};

static void csv_value(struct ayb_buf *b, const char *s, size_t n)
{
	/* RFC 4180: quote a value holding a comma, quote or line break. */
	if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\n', n) && !memchr(s, '\r', n)) {
		ayb_buf_add(b, s, n);
		return;
	}
	ayb_buf_addc(b, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			ayb_buf_addc(b, '"');
		ayb_buf_addc(b, s[i]);
	}
	ayb_buf_addc(b, '"');
}

static int flush_line(struct download *d)
{
	int rc = d->line.oom ? -1 : ayb_sink_write(d->out, d->line.data ? d->line.data : "",
						   d->line.len);
	d->line.len = 0;
	return rc;
}

/* The JSON download is pretty-printed with two-space indents, as ayb
 * writes it, one value per line. */
static int dl_fields(void *ctx, char **names, size_t n)
{
	struct download *d = ctx;

	if (d->json) {
		ayb_buf_adds(&d->line, n ? "{\n  \"fields\": [\n" : "{\n  \"fields\": [],\n");
		for (size_t i = 0; i < n; i++) {
			ayb_buf_adds(&d->line, "    ");
			ayb_buf_add_json_string(&d->line, names[i], strlen(names[i]));
			ayb_buf_adds(&d->line, i + 1 < n ? ",\n" : "\n  ],\n");
		}
		ayb_buf_adds(&d->line, "  \"rows\": [");
	} else {
		for (size_t i = 0; i < n; i++) {
			if (i)
				ayb_buf_addc(&d->line, ',');
			csv_value(&d->line, names[i], strlen(names[i]));
		}
		ayb_buf_addc(&d->line, '\n');
	}
	return flush_line(d);
}

static int dl_row(void *ctx, char **cells, const size_t *len, size_t n)
{
	struct download *d = ctx;

	if (d->json) {
		ayb_buf_adds(&d->line, d->first_row ? "\n    [" : ",\n    [");
		d->first_row = 0;
		for (size_t i = 0; i < n; i++) {
			ayb_buf_adds(&d->line, i ? ",\n      " : "\n      ");
			if (cells[i])
				ayb_buf_add_json_string(&d->line, cells[i], len[i]);
			else
				ayb_buf_adds(&d->line, "null");
		}
		ayb_buf_adds(&d->line, n ? "\n    ]" : "]");
	} else {
		for (size_t i = 0; i < n; i++) {
			if (i)
				ayb_buf_addc(&d->line, ',');
			if (cells[i])
				csv_value(&d->line, cells[i], len[i]);
		}
		ayb_buf_addc(&d->line, '\n');
	}
	return flush_line(d);
}

void ui_query_download(struct ui *ui, const struct ayb_app_target *t, const char *sql,
		       size_t len, int json)
{
	struct ayb_err err = { 0 };
	struct download d = { NULL, json, 1, { 0 } };
	struct ayb_result_cb cb = { dl_fields, dl_row, &d };
	struct ayb_result_reader rows;
	struct ayb_sink resp_sink, sink;
	struct fcgi_response *resp = ui->resp;
	char *disp = NULL, tmp[256];
	int rc;

	if (asprintf(&disp, "attachment; filename=\"query-result-%s-%s.%s\"", t->owner.slug,
		     t->db.slug, json ? "json" : "csv") < 0)
		disp = NULL;
	resp_sink = fcgi_response_stream(resp, 200);
	resp->content_type = json ? "application/json" : "text/csv; charset=utf-8";
	if (disp)
		fcgi_response_header(resp, "Content-Disposition", disp);
	fcgi_response_header(resp, "Cache-Control", "no-store");
	fcgi_response_header(resp, "X-Content-Type-Options", "nosniff");
	d.out = &resp_sink;
	ayb_result_init(&rows, &cb);
	sink = ayb_result_sink(&rows);
	rc = ayb_app_query(ui->ctx, ui->caller, t, sql, len, &sink, &err);
	if (rc == 0 && ayb_result_finish(&rows) < 0)
		rc = ayb_err_set(&err, AYB_E_OTHER, 500, "The query result could not be read");
	if (rc == 0) {
		if (json)
			ayb_buf_adds(&d.line, d.first_row ? "]\n}" : "\n  ]\n}");
		if (flush_line(&d) < 0)
			resp->failed = 1;
		goto out;
	}
	if (fcgi_response_committed(resp)) {
		/* Too late for a status: the download ends short, the log says why. */
		fcgi_response_abort(resp, &err);
		goto out;
	}
	fcgi_response_discard(resp);
	resp->status = err.status && err.status < 500 ? 400 : (err.status ? err.status : 500);
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
	ayb_result_free(&rows);
	ayb_buf_free(&d.line);
	free(disp);
	ayb_err_clear(&err);
}

