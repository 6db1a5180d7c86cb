/* Reads the query result the hosted module streams -- exactly
 * {"fields":[...],"rows":[[...],...]} with string or null cells and no
 * whitespace -- back into fields and rows as they arrive, so the web UI can
 * render an HTML table, CSV or pretty JSON from any size of result while
 * holding only one row at a time.  Pure, no FastCGI. */
#ifndef AYB_CGI_RESULT_ROWS_H
#define AYB_CGI_RESULT_ROWS_H

#include <stddef.h>

#include "buf.h"

/* The callbacks get arrays valid only during the call.  A cell is NULL for
 * SQL NULL; len[i] is its length (a string may hold NUL bytes).  A callback
 * returns 0, or -1 to stop the parse. */
struct ayb_result_cb {
	int (*fields)(void *ctx, char **names, size_t n);
	int (*row)(void *ctx, char **cells, const size_t *len, size_t n);
	void *ctx;
};

struct ayb_result_reader {
	struct ayb_result_cb cb;
	int state;
	const char *lit;          /* literal being matched, its position, and */
	size_t lit_pos;           /* the state once it is matched */
	int after;
	int in_string, escape;    /* escape: 1 after '\\', 2..5 reading \uXXXX */
	unsigned code, high;      /* \uXXXX being read; pending high surrogate */
	struct ayb_buf cells;     /* the current list's strings, each NUL-terminated */
	size_t *off;              /* start of each cell in `cells`; (size_t)-1 for null */
	size_t ncell, capcell;
	char **ptr;
	size_t *len;
	size_t nfields;
	unsigned long long nrows;
	int failed;               /* 1 malformed, 2 a callback stopped, 3 out of memory */
};

/* Starts a parse; free with ayb_result_free(). */
void ayb_result_init(struct ayb_result_reader *r, const struct ayb_result_cb *cb);
void ayb_result_free(struct ayb_result_reader *r);

/* Feeds n more bytes.  Returns 0, or -1 once the input is malformed, a
 * callback stopped, or memory ran out (then every later call fails too). */
int ayb_result_feed(struct ayb_result_reader *r, const char *p, size_t n);

/* 0 when the whole document was read, else -1. */
int ayb_result_finish(struct ayb_result_reader *r);

/* A sink that feeds r, for ayb_hosted_query(). */
struct ayb_sink ayb_result_sink(struct ayb_result_reader *r);

#endif
