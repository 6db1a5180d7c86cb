#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "result_rows.h"

/* Where the parse is: what the next byte may be. */
enum {
	S_LITERAL,      /* matching r->lit, then r->after */
	S_FIELD_FIRST,  /* after "[": '"' or ']' */
	S_FIELD_NEXT,   /* after ',': '"' */
	S_FIELD_AFTER,  /* after a name: ',' or ']' */
	S_ROW_FIRST,    /* after "rows":[ : '[' or ']' */
	S_ROW_NEXT,     /* after ',': '[' */
	S_ROW_AFTER,    /* after a row: ',' or ']' */
	S_CELL_FIRST,   /* after '[': '"', 'n' or ']' */
	S_CELL_NEXT,    /* after ',': '"' or 'n' */
	S_CELL_AFTER,   /* after a cell: ',' or ']' */
	S_END,          /* the document is complete */
};

#define FAIL_MALFORMED 1
#define FAIL_STOPPED 2
#define FAIL_OOM 3

void ayb_result_init(struct ayb_result_reader *r, const struct ayb_result_cb *cb)
{
	memset(r, 0, sizeof(*r));
	r->cb = *cb;
	r->state = S_LITERAL;
	r->lit = "{\"fields\":[";
	r->after = S_FIELD_FIRST;
}

void ayb_result_free(struct ayb_result_reader *r)
{
	ayb_buf_free(&r->cells);
	free(r->off);
	free(r->ptr);
	free(r->len);
	memset(r, 0, sizeof(*r));
}

static int fail(struct ayb_result_reader *r, int why)
{
	if (!r->failed)
		r->failed = why;
	return -1;
}

/* Opens a new cell (a string, or null when is_null). */
static int cell_open(struct ayb_result_reader *r, int is_null)
{
	if (r->ncell == r->capcell) {
		size_t cap = r->capcell ? r->capcell * 2 : 16;
		size_t *off = realloc(r->off, cap * sizeof(*off));
		size_t *len;
		char **ptr;

		if (!off)
			return fail(r, FAIL_OOM);
		r->off = off;
		if (!(len = realloc(r->len, cap * sizeof(*len))))
			return fail(r, FAIL_OOM);
		r->len = len;
		if (!(ptr = realloc(r->ptr, cap * sizeof(*ptr))))
			return fail(r, FAIL_OOM);
		r->ptr = ptr;
		r->capcell = cap;
	}
	r->off[r->ncell] = is_null ? (size_t)-1 : r->cells.len;
	r->len[r->ncell] = 0;
	if (is_null)
		r->ncell++;
	return 0;
}

static int cell_close(struct ayb_result_reader *r)
{
	r->len[r->ncell] = r->cells.len - r->off[r->ncell];
	r->ncell++;
	return ayb_buf_addc(&r->cells, '\0') < 0 ? fail(r, FAIL_OOM) : 0;
}

/* Hands the collected list to the fields or row callback and empties it. */
static int emit(struct ayb_result_reader *r, int is_fields)
{
	int rc;

	if (r->cells.oom)
		return fail(r, FAIL_OOM);
	for (size_t i = 0; i < r->ncell; i++)
		r->ptr[i] = r->off[i] == (size_t)-1 ? NULL : r->cells.data + r->off[i];
	if (is_fields) {
		r->nfields = r->ncell;
		rc = r->cb.fields ? r->cb.fields(r->cb.ctx, r->ptr, r->ncell) : 0;
	} else {
		/* Every row has one cell per field. */
		if (r->ncell != r->nfields)
			return fail(r, FAIL_MALFORMED);
		r->nrows++;
		rc = r->cb.row ? r->cb.row(r->cb.ctx, r->ptr, r->len, r->ncell) : 0;
	}
	r->ncell = 0;
	r->cells.len = 0;
	return rc < 0 ? fail(r, FAIL_STOPPED) : 0;
}

static void literal(struct ayb_result_reader *r, const char *lit, int after)
{
	r->state = S_LITERAL;
	r->lit = lit;
	r->lit_pos = 0;
	r->after = after;
}

static int add_utf8(struct ayb_result_reader *r, unsigned cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return ayb_buf_add(&r->cells, u, n) < 0 ? fail(r, FAIL_OOM) : 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One byte inside a string literal (after its opening quote). */
static int string_byte(struct ayb_result_reader *r, char c)
{
	static const char simple[] = "\"\\/bfnrt";
	static const char value[] = "\"\\/\b\f\n\r\t";
	const char *s;
	int h;

	if (r->escape >= 2) {          /* in \uXXXX: escape 2..5 counts the digits */
		if ((h = hexval(c)) < 0)
			return fail(r, FAIL_MALFORMED);
		r->code = r->code * 16 + (unsigned)h;
		if (++r->escape < 6)
			return 0;
		r->escape = 0;
		if (r->code >= 0xd800 && r->code < 0xdc00) {
			if (r->high)
				return fail(r, FAIL_MALFORMED);
			r->high = r->code;
			return 0;
		}
		if (r->code >= 0xdc00 && r->code < 0xe000) {
			if (!r->high)
				return fail(r, FAIL_MALFORMED);
			r->code = 0x10000 + ((r->high - 0xd800) << 10) + (r->code - 0xdc00);
			r->high = 0;
		} else if (r->high) {
			return fail(r, FAIL_MALFORMED);
		}
		return add_utf8(r, r->code);
	}
	if (r->escape == 1) {
		r->escape = 0;
		if (c == 'u') {
			r->escape = 2;
			r->code = 0;
			return 0;
		}
		if (r->high || !(s = strchr(simple, c)) || !c)
			return fail(r, FAIL_MALFORMED);
		return ayb_buf_addc(&r->cells, value[s - simple]) < 0 ? fail(r, FAIL_OOM) : 0;
	}
	if (r->high && c != '\\')
		return fail(r, FAIL_MALFORMED);
	if (c == '\\') {
		r->escape = 1;
		return 0;
	}
	if (c == '"') {
		r->in_string = 0;
		return cell_close(r);
	}
	if ((unsigned char)c < 0x20)
		return fail(r, FAIL_MALFORMED);
	return ayb_buf_addc(&r->cells, c) < 0 ? fail(r, FAIL_OOM) : 0;
}

static int start_string(struct ayb_result_reader *r, int next)
{
	r->in_string = 1;
	r->escape = 0;
	r->high = 0;
	r->state = next;
	return cell_open(r, 0);
}

static int structural(struct ayb_result_reader *r, char c)
{
	switch (r->state) {
	case S_LITERAL:
		if (c != r->lit[r->lit_pos])
			return fail(r, FAIL_MALFORMED);
		if (!r->lit[++r->lit_pos])
			r->state = r->after;
		return 0;
	case S_FIELD_FIRST:
	case S_FIELD_NEXT:
		if (c == '"')
			return start_string(r, S_FIELD_AFTER);
		if (c != ']' || r->state != S_FIELD_FIRST)
			return fail(r, FAIL_MALFORMED);
		/* "[]": an empty list, closed below. */
		/* fall through */
	case S_FIELD_AFTER:
		if (c == ',' && r->state == S_FIELD_AFTER) {
			r->state = S_FIELD_NEXT;
			return 0;
		}
		if (c != ']')
			return fail(r, FAIL_MALFORMED);
		if (emit(r, 1) < 0)
			return -1;
		literal(r, ",\"rows\":[", S_ROW_FIRST);
		return 0;
	case S_ROW_FIRST:
	case S_ROW_NEXT:
		if (c == '[') {
			r->state = S_CELL_FIRST;
			return 0;
		}
		if (c != ']' || r->state != S_ROW_FIRST)
			return fail(r, FAIL_MALFORMED);
		literal(r, "}", S_END);
		return 0;
	case S_ROW_AFTER:
		if (c == ',') {
			r->state = S_ROW_NEXT;
			return 0;
		}
		if (c != ']')
			return fail(r, FAIL_MALFORMED);
		literal(r, "}", S_END);
		return 0;
	case S_CELL_FIRST:
	case S_CELL_NEXT:
		if (c == '"')
			return start_string(r, S_CELL_AFTER);
		if (c == 'n') {
			if (cell_open(r, 1) < 0)
				return -1;
			literal(r, "ull", S_CELL_AFTER);
			return 0;
		}
		if (c != ']' || r->state != S_CELL_FIRST)
			return fail(r, FAIL_MALFORMED);
		/* "[]": an empty row, closed below. */
		/* fall through */
	case S_CELL_AFTER:
		if (c == ',' && r->state == S_CELL_AFTER) {
			r->state = S_CELL_NEXT;
			return 0;
		}
		if (c != ']')
			return fail(r, FAIL_MALFORMED);
		if (emit(r, 0) < 0)
			return -1;
		r->state = S_ROW_AFTER;
		return 0;
	default:
		return fail(r, FAIL_MALFORMED);
	}
}

int ayb_result_feed(struct ayb_result_reader *r, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (r->failed)
			return -1;
		if (r->in_string ? string_byte(r, p[i]) < 0 : structural(r, p[i]) < 0)
			return -1;
	}
	return r->failed ? -1 : 0;
}

int ayb_result_finish(struct ayb_result_reader *r)
{
	return !r->failed && r->state == S_END ? 0 : -1;
}

static int sink_write(void *ctx, const char *p, size_t n)
{
	return ayb_result_feed(ctx, p, n);
}

struct ayb_sink ayb_result_sink(struct ayb_result_reader *r)
{
	struct ayb_sink s = { sink_write, r };
	return s;
}
