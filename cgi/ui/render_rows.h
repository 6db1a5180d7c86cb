/* Query results in the browser, rendered straight from rows (lib/row_sink.h):
 * the HTML table of the query page, and the CSV and JSON downloads.  Pure,
 * no FastCGI. */
#ifndef UI_RENDER_ROWS_H
#define UI_RENDER_ROWS_H

#include <stddef.h>

#include "buf.h"
#include "row_sink.h"

/* The table: <thead> and the <tbody> rows, without the <table> and
 * </tbody> around them, appended to `b` (the page being built) as rows
 * come.  It shows at most `max_rows` rows and `max_bytes` bytes of cell
 * text as sent (escaped); a cell is cut at UI_CELL_SHOWN_MAX bytes, and
 * where the bytes run out, the rest of that row's cells are cut too (`cut`
 * says a cell was) and no more rows are shown (`full`).  Every row is
 * counted in `total`, whether shown or not.  Whenever `b` holds
 * UI_TABLE_CHUNK bytes after a row, it is written to `out` and emptied
 * (`flushed` says it was), so the page never holds more than that and one
 * row of the table. */
#define UI_CELL_SHOWN_MAX 1000
#define UI_TABLE_CHUNK (16 * 1024)
struct ui_table {
	struct ayb_row_sink rows;    /* hand this to the query */
	struct ayb_buf *b;
	struct ayb_sink *out;
	unsigned long long max_rows;
	size_t bytes_left;
	unsigned long long total;
	unsigned long long shown;
	int cut;
	int full;
	int flushed;
};
void ui_table_init(struct ui_table *t, struct ayb_buf *b, struct ayb_sink *out,
		   unsigned long long max_rows, size_t max_bytes);

/* A download written to `out` as rows come: CSV (RFC 4180, a header line
 * of the names) or JSON pretty-printed as ayb writes it (`json`).  It goes
 * out at the rows where the API's JSON of the same result would
 * (AYB_RENDER_JSON_CHUNK), so an error part-way through a result cuts a
 * download short exactly when it would cut the API's answer short.  `out`
 * must outlive it; ui_download_free frees its buffer. */
struct ui_download {
	struct ayb_row_sink rows;    /* hand this to the query */
	struct ayb_sink *out;
	int json;
	int first_row;
	struct ayb_buf pending;      /* rendered, not yet written */
	size_t json_pending;         /* the size of the same rows in ayb's JSON */
};
void ui_download_init(struct ui_download *d, struct ayb_sink *out, int json);
void ui_download_free(struct ui_download *d);

#endif
