/* A query request (README "Parameters and batches"): bare SQL as ayb takes
 * it, or one of its JSON forms, a statement with bound parameters or a batch
 * of statements run as one transaction.  Parsed here from the request body
 * (hostile input: every byte is checked), carried to the query worker by
 * lib/worker_proto.c, bound and run by lib/hosted.c. */
#ifndef AYB_QUERY_REQ_H
#define AYB_QUERY_REQ_H

#include <stddef.h>

#include "error.h"
#include "row_sink.h"

enum ayb_query_form {
	AYB_FORM_SQL = 0,   /* a text body: its first statement runs, as in ayb */
	AYB_FORM_ONE = 1,   /* {"query": "...", "params": ...} */
	AYB_FORM_BATCH = 2, /* {"statements": [{"query": ..., "params": ...}, ...]} */
};

/* One bound value: positional (name NULL) or named by its key, which binds
 * :key, @key and $key (or the parameter spelled exactly so).  Booleans are
 * the integers 1 and 0, {"base64": ...} a blob. */
struct ayb_param {
	const char *name;   /* not NUL-terminated: name_len bytes */
	size_t name_len;
	struct ayb_value v;
};

struct ayb_statement {
	const char *sql;    /* len bytes, not NUL-terminated */
	size_t len;
	int has_params;     /* "params" was given (the SQL form never has them) */
	int named;          /* given as an object */
	struct ayb_param *params;
	size_t nparams;
};

/* Strings point into `arena` (the parsed body's decoded text), into a
 * worker frame, or at the caller's SQL; see each constructor. */
struct ayb_query_req {
	enum ayb_query_form form;
	struct ayb_statement *stmts;
	size_t n;
	char *arena;
	struct ayb_statement one;   /* the SQL form's statement */
};

/* The SQL form: the request borrows sql (len bytes), which must outlive it.
 * Nothing to free, though ayb_query_req_free is harmless. */
void ayb_query_req_sql(struct ayb_query_req *r, const char *sql, size_t len);

/* Parses a JSON query body (len bytes) into r, which owns what it holds
 * until ayb_query_req_free.  A batch may hold at most max_statements.
 * Errors (-1, err set, r empty): Other (400) naming what is wrong and
 * where: JSON that is not valid ("Invalid JSON in the query request at byte
 * 12: ..."), a missing or unknown field, a parameter of a type SQLite has
 * not (an array, an object other than {"base64": ...}), an integer outside
 * 64 bits, invalid base64, a key given twice, a batch with no statements or
 * too many; errors inside a batch's statement start "statements[<i>]: ". */
int ayb_query_req_parse(const char *body, size_t len, size_t max_statements,
			struct ayb_query_req *r, struct ayb_err *err);

/* Frees what r owns and empties it. */
void ayb_query_req_free(struct ayb_query_req *r);

/* The named parameters of st sorted by key, for ayb_query_req_find: a
 * malloc'd array of st->nparams pointers into st->params (the caller
 * frees it), or NULL on OOM.  Sorting keeps a statement with thousands of
 * keys and placeholders (a hostile request) at n log n. */
const struct ayb_param **ayb_query_req_sorted(const struct ayb_statement *st);
/* The parameter whose key is the n bytes at name, among the `count`
 * sorted ones, or NULL. */
const struct ayb_param *ayb_query_req_find(const struct ayb_param *const *sorted, size_t count,
					   const char *name, size_t n);

/* Prefixes err's message with "statements[<i>]: ", which says which
 * statement of a batch failed. */
void ayb_query_req_blame(struct ayb_err *err, size_t i);

#endif
