/* The web UI's renderers of query results: each a row sink, so a result
 * goes from the worker's frames to HTML or CSV without any JSON in
 * between.  A value shows as ayb shows it (ayb_render_text), NULL as an
 * empty cell, a binary value as the API's {"base64":"..."}
 * (ayb_render_binary). */
#include "autoconfig.h"

#include <string.h>

#include "html.h"
#include "render.h"
#include "render_rows.h"

static int table_fields(void *ctx, const char *const *names, size_t n)
{
	struct ui_table *t = ctx;

	if (!n)
		return 0;
	ayb_buf_adds(t->b, "<thead><tr>");
	for (size_t i = 0; i < n; i++)
		ui_html_printf(t->b, "<th scope=\"col\">%s</th>", names[i]);
	ayb_buf_adds(t->b, "</tr></thead><tbody>");
	return t->b->oom ? -1 : 0;
}

/* The cell of a binary value: the start of its form, enough for the
 * cut below (a multiple of 3 bytes, so the start is exact), and the
 * length of the whole form. */
#define BINARY_SHOWN_IN (UI_CELL_SHOWN_MAX / 3 * 3)
static const char *binary_cell(struct ayb_buf *tmp, const struct ayb_value *v, size_t *len)
{
	ayb_render_binary(tmp, v->u.s.p, v->u.s.n < BINARY_SHOWN_IN ? v->u.s.n : BINARY_SHOWN_IN);
	*len = ayb_render_binary_len(v->u.s.n);
	return tmp->oom ? NULL : tmp->data;
}

/* One cell of a shown row, within what is left of the table's bytes. */
static void table_cell(struct ui_table *t, const struct ayb_value *v)
{
	char tmp[AYB_REAL_TEXT_MAX];
	struct ayb_buf binary = { 0 };
	size_t len, shown, before, done;
	const char *cell = v->type == AYB_VALUE_BINARY ? binary_cell(&binary, v, &len)
						       : ayb_render_text(v, tmp, &len);

	if (!cell) {
		ayb_buf_adds(t->b, binary.oom ? "<td></td>" : "<td class=\"null\"></td>");
		t->b->oom |= binary.oom;
		ayb_buf_free(&binary);
		return;
	}
	/* Cut long values on a character boundary. */
	shown = len;
	if (shown > UI_CELL_SHOWN_MAX) {
		shown = UI_CELL_SHOWN_MAX;
		while (shown && ((unsigned char)cell[shown] & 0xc0) == 0x80)
			shown--;
	}
	ayb_buf_adds(t->b, v->type == AYB_VALUE_BINARY ? "<td class=\"binary\">" : "<td>");
	before = t->b->len;
	done = t->full ? 0 : ui_html_escape_max(t->b, cell, shown, t->bytes_left);
	t->bytes_left -= t->b->len - before;
	if (done < shown)
		t->full = 1;
	if (done < len) {
		t->cut = 1;
		ayb_buf_adds(t->b, "<span class=\"cut\">&hellip;</span>");
	}
	ayb_buf_adds(t->b, "</td>");
	ayb_buf_free(&binary);
}

static int table_row(void *ctx, const struct ayb_value *values, size_t n)
{
	struct ui_table *t = ctx;
	struct ayb_buf *b = t->b;

	if (t->total++ >= t->max_rows || t->full)
		return 0;
	t->shown++;
	ayb_buf_adds(b, "<tr>");
	for (size_t i = 0; i < n; i++)
		table_cell(t, &values[i]);
	ayb_buf_adds(b, "</tr>");
	if (b->oom)
		return -1;
	if (b->len < UI_TABLE_CHUNK)
		return 0;
	t->flushed = 1;
	if (ayb_sink_write(t->out, b->data, b->len) < 0)
		return -1;
	b->len = 0;
	b->data[0] = '\0';
	return 0;
}

static int table_end(void *ctx)
{
	struct ui_table *t = ctx;

	return t->b->oom ? -1 : 0;
}

void ui_table_init(struct ui_table *t, struct ayb_buf *b, struct ayb_sink *out,
		   unsigned long long max_rows, size_t max_bytes)
{
	memset(t, 0, sizeof(*t));
	t->rows = (struct ayb_row_sink){ table_fields, table_row, table_end, t };
	t->b = b;
	t->out = out;
	t->max_rows = max_rows;
	t->bytes_left = max_bytes;
}

/* ---- downloads ------------------------------------------------------------ */

static void csv_value(struct ayb_buf *b, const char *s, size_t n)
{
	/* RFC 4180: quote a value holding a comma, quote or line break. */
	if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\n', n) &&
	    !memchr(s, '\r', n)) {
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

/* Writes what is pending once the API's JSON renderer would have written
 * its chunk, or always when `all`. */
static int flush_pending(struct ui_download *d, int all)
{
	int rc;

	if (!all && d->json_pending < AYB_RENDER_JSON_CHUNK)
		return d->pending.oom ? -1 : 0;
	rc = d->pending.oom ? -1 : ayb_sink_write(d->out, d->pending.data ? d->pending.data : "",
						   d->pending.len);
	d->pending.len = 0;
	d->json_pending = 0;
	return rc;
}

/* The JSON download is pretty-printed with two-space indents, as ayb
 * writes it, one value per line. */
static int dl_fields(void *ctx, const char *const *names, size_t n)
{
	struct ui_download *d = ctx;

	d->json_pending = ayb_render_json_head_len(names, n);
	if (d->json) {
		ayb_buf_adds(&d->pending, n ? "{\n  \"fields\": [\n" : "{\n  \"fields\": [],\n");
		for (size_t i = 0; i < n; i++) {
			ayb_buf_adds(&d->pending, "    ");
			ayb_buf_add_json_string(&d->pending, names[i], strlen(names[i]));
			ayb_buf_adds(&d->pending, i + 1 < n ? ",\n" : "\n  ],\n");
		}
		ayb_buf_adds(&d->pending, "  \"rows\": [");
	} else {
		for (size_t i = 0; i < n; i++) {
			if (i)
				ayb_buf_addc(&d->pending, ',');
			csv_value(&d->pending, names[i], strlen(names[i]));
		}
		ayb_buf_addc(&d->pending, '\n');
	}
	return d->pending.oom ? -1 : 0;
}

/* A binary value in CSV: its form is JSON, which has quotes to double. */
static void csv_binary(struct ayb_buf *b, const struct ayb_value *v)
{
	struct ayb_buf form = { 0 };

	if (ayb_render_binary(&form, v->u.s.p, v->u.s.n) < 0)
		b->oom = 1;
	else
		csv_value(b, form.data, form.len);
	ayb_buf_free(&form);
}

static int dl_row(void *ctx, const struct ayb_value *values, size_t n)
{
	struct ui_download *d = ctx;
	char tmp[AYB_REAL_TEXT_MAX];
	const char *cell;
	size_t len;

	d->json_pending += ayb_render_json_row_len(values, n, d->first_row);
	if (d->json) {
		ayb_buf_adds(&d->pending, d->first_row ? "\n    [" : ",\n    [");
		for (size_t i = 0; i < n; i++) {
			ayb_buf_adds(&d->pending, i ? ",\n      " : "\n      ");
			if (values[i].type == AYB_VALUE_BINARY)
				ayb_render_binary(&d->pending, values[i].u.s.p, values[i].u.s.n);
			else if ((cell = ayb_render_text(&values[i], tmp, &len)))
				ayb_buf_add_json_string(&d->pending, cell, len);
			else
				ayb_buf_adds(&d->pending, "null");
		}
		ayb_buf_adds(&d->pending, n ? "\n    ]" : "]");
	} else {
		for (size_t i = 0; i < n; i++) {
			if (i)
				ayb_buf_addc(&d->pending, ',');
			if (values[i].type == AYB_VALUE_BINARY)
				csv_binary(&d->pending, &values[i]);
			else if ((cell = ayb_render_text(&values[i], tmp, &len)))
				csv_value(&d->pending, cell, len);
		}
		ayb_buf_addc(&d->pending, '\n');
	}
	d->first_row = 0;
	return flush_pending(d, 0);
}

static int dl_end(void *ctx)
{
	struct ui_download *d = ctx;

	if (d->json)
		ayb_buf_adds(&d->pending, d->first_row ? "]\n}" : "\n  ]\n}");
	return flush_pending(d, 1);
}

void ui_download_init(struct ui_download *d, struct ayb_sink *out, int json)
{
	memset(d, 0, sizeof(*d));
	d->rows = (struct ayb_row_sink){ dl_fields, dl_row, dl_end, d };
	d->out = out;
	d->json = json;
	d->first_row = 1;
}

void ui_download_free(struct ui_download *d)
{
	ayb_buf_free(&d->pending);
}
