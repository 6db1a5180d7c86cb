/* Query results rendered at the edges: the value texts ayb shows, and ayb's
 * {"fields":[...],"rows":[[...],...]} JSON written from a row sink. */
#ifndef AYB_RENDER_H
#define AYB_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "row_sink.h"

/* Shortest decimal text that round-trips to d, never in exponent notation,
 * no trailing ".0" ("2", "0.1", "100000000000000000000", "0.0000001"),
 * "inf"/"-inf"/"NaN".  Writes into out (size >= AYB_REAL_TEXT_MAX). */
#define AYB_REAL_TEXT_MAX 400
void ayb_render_real(double d, char *out);
/* The same found the slow, exact way only: what the tests hold the fast
 * path to. */
void ayb_render_real_exact(double d, char *out);

/* The text ayb shows for a value (README "Query results"): integers in
 * decimal, reals as ayb_render_real, text and blobs as they are.  Returns
 * NULL for NULL, else the text with its length in *len: in tmp (size >=
 * AYB_REAL_TEXT_MAX) for numbers, the value's own bytes otherwise.  A
 * binary value has no such text: see ayb_render_binary. */
const char *ayb_render_text(const struct ayb_value *v, char *tmp, size_t *len);

/* How a binary value (bytes that are not UTF-8) is shown, everywhere: the
 * JSON object {"base64":"<RFC 4648 base64>"}, the form a blob parameter
 * takes.  In JSON it is that object; in CSV and tables, its text.
 * ayb_render_binary appends it for p[0..n) to b (-1 on OOM); _len is its
 * length in bytes.  The form of a prefix of p whose length is a multiple
 * of 3 begins with the same bytes as p's. */
int ayb_render_binary(struct ayb_buf *b, const char *p, size_t n);
size_t ayb_render_binary_len(size_t n);

/* Bytes of JSON the renderer below writes: before the first row (the
 * fields), for a row (`first`: the result's first row, no comma before
 * it), and after the last row.  lib/hosted.c counts a result's size with
 * these, so the limit on "bytes of result JSON" means the same whoever
 * renders the rows. */
size_t ayb_render_json_head_len(const char *const *names, size_t n);
size_t ayb_render_json_row_len(const struct ayb_value *values, size_t n, int first);
#define AYB_RENDER_JSON_TAIL_LEN 2
#define AYB_RENDER_JSON_CHUNK 16384

/* A row sink writing ayb's JSON to `out`: values as strings ("1", "0.5",
 * "text"), NULL as null, binary values as ayb_render_binary's object.
 * Output goes to `out` in chunks: at the first row end where
 * AYB_RENDER_JSON_CHUNK bytes or more are pending, and at the end, so a
 * result smaller than that is written only once complete and an error
 * part-way through it leaves `out` untouched.  `out` must outlive the
 * renderer; ayb_render_json_free frees its buffer. */
struct ayb_render_json {
	struct ayb_row_sink rows;   /* hand this to the producer */
	struct ayb_sink *out;
	struct ayb_buf b;
	int64_t nrows;
	int batch;                  /* {"results":[...]}, held until the batch ends */
	const char *tail;           /* more members, ",\"next\":...", written before the
				     * result's closing brace; set it before end() */
	int64_t nresults;
};
void ayb_render_json_init(struct ayb_render_json *j, struct ayb_sink *out);
void ayb_render_json_free(struct ayb_render_json *j);

/* A batch's answer, {"results":[{"fields":...,"rows":...},...]}: each
 * result the producer hands over (fields, rows, end, again for each) is
 * one element.  Nothing reaches `out` until ayb_render_json_batch_end,
 * which the caller calls once the batch has committed: an answer is
 * either whole or never started.  Returns 0, or -1 when `out` refused. */
void ayb_render_json_init_batch(struct ayb_render_json *j, struct ayb_sink *out);
int ayb_render_json_batch_end(struct ayb_render_json *j);

#endif
