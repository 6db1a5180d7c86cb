/* A query result as rows: what travels between the layers from the moment
 * SQLite produces it (lib/hosted.c) until a renderer at the edge turns it
 * into bytes (JSON for the API in lib/render_json.c, HTML, CSV or JSON
 * downloads in the web UI).  Between a worker and its parent the rows
 * cross the pipe as typed values too (lib/worker_proto.c). */
#ifndef AYB_ROW_SINK_H
#define AYB_ROW_SINK_H

#include <stddef.h>
#include <stdint.h>

/* SQLite's storage classes, and the bytes that are not UTF-8. */
enum ayb_value_type {
	AYB_VALUE_NULL = 0,
	AYB_VALUE_INTEGER = 1,
	AYB_VALUE_REAL = 2,
	AYB_VALUE_TEXT = 3,
	AYB_VALUE_BLOB = 4,
	AYB_VALUE_BINARY = 5,    /* a blob or text whose bytes are not UTF-8 */
};

/* One value, borrowed: text, blob and binary point at bytes owned by
 * whoever produced the row (SQLite's statement, a worker frame) and are
 * valid only during the call that hands them over.  Text is valid UTF-8
 * and so is a blob: ayb shows both as strings.  Any other bytes are
 * binary, which ayb-c shows in base64 (lib/render.h) where ayb failed the
 * whole query. */
struct ayb_value {
	enum ayb_value_type type;
	union {
		int64_t i;
		double r;
		struct {
			const char *p;
			size_t n;
		} s;
	} u;
};

/* Where a producer hands a result: fields() once, row() for each row,
 * end() once the result is complete (never after an error).  Names are
 * NUL-terminated UTF-8.  Arrays are valid only during the call.  Each
 * callback returns 0, or -1 when the consumer cannot take more (client
 * gone, out of memory): the producer stops. */
struct ayb_row_sink {
	int (*fields)(void *ctx, const char *const *names, size_t n);
	int (*row)(void *ctx, const struct ayb_value *values, size_t n);
	int (*end)(void *ctx);
	void *ctx;
};

#endif
