/* The JSON forms of a query request, parsed by hand rather than with
 * cJSON: cJSON keeps every number as a double, and an integer parameter
 * must bind exactly, all 64 bits of it.  The grammar is fixed (an object
 * of statements of parameters), so the parser is a few functions deep and
 * nothing in the body can make it recurse. */
#include "autoconfig.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "query_req.h"
#include "utf8.h"

struct parser {
	const char *start, *p, *end;
	char *arena;             /* decoded strings: never longer than their JSON */
	size_t used;
	struct ayb_err *err;
};

static int syntax(struct parser *ps, const char *what)
{
	return ayb_err_set(ps->err, AYB_E_INVALID,
			   "Invalid JSON in the query request at byte %zu: %s",
			   (size_t)(ps->p - ps->start), what);
}

static int expected(struct parser *ps, char c)
{
	return ayb_err_set(ps->err, AYB_E_INVALID,
			   "Invalid JSON in the query request at byte %zu: expected '%c'",
			   (size_t)(ps->p - ps->start), c);
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

/* Skips whitespace, then takes c if it comes next.  1 taken, 0 not. */
static int take(struct parser *ps, char c)
{
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == c) {
		ps->p++;
		return 1;
	}
	return 0;
}

static int expect(struct parser *ps, char c)
{
	return take(ps, c) ? 0 : expected(ps, c);
}

static int hex4(const char *s, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (d < 0)
			return -1;
		*v = *v << 4 | (uint32_t)d;
	}
	return 0;
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A string, decoded into the arena: *s and *n.  The body was checked to be
 * UTF-8 as a whole, so only escapes can make invalid text (a lone
 * surrogate), and they are refused. */
static int parse_string(struct parser *ps, const char **s, size_t *n)
{
	char *o = ps->arena + ps->used, *start = o;
	uint32_t cp, lo;

	if (!take(ps, '"'))
		return syntax(ps, "expected a string");
	for (;;) {
		if (ps->p >= ps->end)
			return syntax(ps, "unterminated string");
		unsigned char c = (unsigned char)*ps->p;

		if (c == '"')
			break;
		if (c < 0x20)
			return syntax(ps, "control character in a string");
		if (c != '\\') {
			*o++ = (char)c;
			ps->p++;
			continue;
		}
		if (ps->end - ps->p < 2)
			return syntax(ps, "unterminated string");
		c = (unsigned char)ps->p[1];
		ps->p += 2;
		switch (c) {
		case '"': case '\\': case '/': *o++ = (char)c; continue;
		case 'b': *o++ = '\b'; continue;
		case 'f': *o++ = '\f'; continue;
		case 'n': *o++ = '\n'; continue;
		case 'r': *o++ = '\r'; continue;
		case 't': *o++ = '\t'; continue;
		case 'u': break;
		default: return syntax(ps, "invalid escape in a string");
		}
		if (ps->end - ps->p < 4 || hex4(ps->p, &cp) < 0)
			return syntax(ps, "invalid \\u escape");
		ps->p += 4;
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return syntax(ps, "lone surrogate in a \\u escape");
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' ||
			    hex4(ps->p + 2, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
				return syntax(ps, "lone surrogate in a \\u escape");
			ps->p += 6;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		/* Six bytes of escape never decode to more than four. */
		o += put_utf8(o, cp);
	}
	ps->p++;
	*s = start;
	*n = (size_t)(o - start);
	ps->used += *n;
	return 0;
}

/* A JSON number: an integer without fraction or exponent binds as a 64-bit
 * integer, exactly or not at all; anything else as a double. */
static int parse_number(struct parser *ps, struct ayb_value *v, const char *who)
{
	const char *s = ps->p, *q = s;
	int integral = 1;
	char text[400], *endp;

	if (q < ps->end && *q == '-')
		q++;
	if (q < ps->end && *q == '0')
		q++;
	else if (q < ps->end && *q >= '1' && *q <= '9')
		while (q < ps->end && *q >= '0' && *q <= '9')
			q++;
	else
		return syntax(ps, "invalid number");
	if (q < ps->end && *q == '.') {
		integral = 0;
		if (++q >= ps->end || *q < '0' || *q > '9')
			return syntax(ps, "invalid number");
		while (q < ps->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < ps->end && (*q == 'e' || *q == 'E')) {
		integral = 0;
		if (++q < ps->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= ps->end || *q < '0' || *q > '9')
			return syntax(ps, "invalid number");
		while (q < ps->end && *q >= '0' && *q <= '9')
			q++;
	}
	if ((size_t)(q - s) >= sizeof(text))
		return ayb_err_set(ps->err, AYB_E_INVALID, "%s: number too long", who);
	memcpy(text, s, (size_t)(q - s));
	text[q - s] = '\0';
	ps->p = q;
	errno = 0;
	if (integral) {
		v->type = AYB_VALUE_INTEGER;
		v->u.i = strtoll(text, &endp, 10);
	} else {
		v->type = AYB_VALUE_REAL;
		v->u.r = strtod(text, &endp);
	}
	/* An underflow reads as the nearest double (0 or subnormal), as JSON
	 * parsers do; only what no double can hold is refused. */
	if (errno == ERANGE && (integral || isinf(v->u.r)))
		return ayb_err_set(ps->err, AYB_E_INVALID,
				   "%s: %s is out of range (%s)", who, text,
				   integral ? "integers are 64-bit" : "reals are 64-bit doubles");
	return 0;
}

static int keyword(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return 0;
	ps->p += n;
	return 1;
}

static int bad_type(struct parser *ps, const char *who)
{
	return ayb_err_set(ps->err, AYB_E_INVALID,
			   "%s must be null, a number, a string, a boolean or {\"base64\": \"...\"}",
			   who);
}

/* {"base64": "..."}, the opening brace taken: a blob, whose bytes take the
 * place of its text in the arena (they are fewer). */
static int parse_blob(struct parser *ps, struct ayb_value *v, const char *who)
{
	const char *key, *b64;
	unsigned char *bytes;
	size_t klen, n, len;
	int rc;

	if (parse_string(ps, &key, &klen) < 0)
		return -1;
	if (klen != 6 || memcmp(key, "base64", 6) != 0)
		return bad_type(ps, who);
	if (expect(ps, ':') < 0 || parse_string(ps, &b64, &n) < 0 || expect(ps, '}') < 0)
		return -1;
	if (!(bytes = malloc(ayb_base64_max_decoded(n))))
		return ayb_err_oom(ps->err);
	rc = ayb_base64_decode(b64, n, bytes, &len);
	if (rc == 0)
		memcpy(ps->arena + (b64 - ps->arena), bytes, len);
	free(bytes);
	if (rc < 0)
		return ayb_err_set(ps->err, AYB_E_INVALID,
				   "%s: {\"base64\": ...} holds invalid base64", who);
	v->type = AYB_VALUE_BLOB;
	v->u.s.p = b64;
	v->u.s.n = len;
	ps->used = (size_t)(b64 - ps->arena) + len;
	return 0;
}

static int parse_value(struct parser *ps, struct ayb_value *v, const char *who)
{
	skip_ws(ps);
	if (ps->p >= ps->end)
		return syntax(ps, "unexpected end");
	switch (*ps->p) {
	case '"':
		v->type = AYB_VALUE_TEXT;
		return parse_string(ps, &v->u.s.p, &v->u.s.n);
	case '{':
		ps->p++;
		return parse_blob(ps, v, who);
	case '[':
		return bad_type(ps, who);
	case 'n':
	case 't':
	case 'f':
		v->type = AYB_VALUE_INTEGER;
		if (keyword(ps, "null"))
			v->type = AYB_VALUE_NULL;
		else if (keyword(ps, "true"))
			v->u.i = 1;
		else if (keyword(ps, "false"))
			v->u.i = 0;
		else
			return syntax(ps, "invalid literal");
		return 0;
	default:
		return parse_number(ps, v, who);
	}
}

static int key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	return c ? c : an < bn ? -1 : an > bn;
}

static int param_cmp(const void *a, const void *b)
{
	const struct ayb_param *p = *(const struct ayb_param *const *)a;
	const struct ayb_param *q = *(const struct ayb_param *const *)b;

	return key_cmp(p->name, p->name_len, q->name, q->name_len);
}

const struct ayb_param **ayb_query_req_sorted(const struct ayb_statement *st)
{
	const struct ayb_param **v = malloc((st->nparams ? st->nparams : 1) * sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < st->nparams; i++)
		v[i] = &st->params[i];
	qsort(v, st->nparams, sizeof(*v), param_cmp);
	return v;
}

const struct ayb_param *ayb_query_req_find(const struct ayb_param *const *sorted, size_t count,
					   const char *name, size_t n)
{
	size_t lo = 0, hi = count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(name, n, sorted[mid]->name, sorted[mid]->name_len);

		if (c == 0)
			return sorted[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* A key given twice would bind one value and silently drop the other. */
static int no_key_twice(struct parser *ps, const struct ayb_statement *st)
{
	const struct ayb_param **v = ayb_query_req_sorted(st);
	int rc = 0;

	if (!v)
		return ayb_err_oom(ps->err);
	for (size_t i = 1; i < st->nparams && rc == 0; i++) {
		const struct ayb_param *p = v[i];

		if (param_cmp(&v[i - 1], &v[i]) == 0)
			rc = ayb_err_set(ps->err, AYB_E_INVALID,
					 "Parameter \"%.*s\" is given twice",
					 (int)(p->name_len > 64 ? 64 : p->name_len), p->name);
	}
	free(v);
	return rc;
}

static int add_param(struct ayb_statement *st, size_t *cap)
{
	struct ayb_param *grown;

	if (st->nparams < *cap)
		return 0;
	*cap = *cap ? *cap * 2 : 8;
	if (!(grown = realloc(st->params, *cap * sizeof(*grown))))
		return -1;
	st->params = grown;
	return 0;
}

/* "params": an array binds positionally, an object by name. */
static int parse_params(struct parser *ps, struct ayb_statement *st)
{
	char who[96];
	size_t cap = 0;
	int named;
	char close;

	skip_ws(ps);
	if (take(ps, '['))
		named = 0;
	else if (take(ps, '{'))
		named = 1;
	else
		return ayb_err_set(ps->err, AYB_E_INVALID,
				   "\"params\" must be an array (positional) or an object (named)");
	close = named ? '}' : ']';
	st->has_params = 1;
	st->named = named;
	if (take(ps, close))
		return 0;
	do {
		struct ayb_param *prm;

		if (add_param(st, &cap) < 0)
			return ayb_err_oom(ps->err);
		prm = &st->params[st->nparams];
		memset(prm, 0, sizeof(*prm));
		if (named) {
			if (parse_string(ps, &prm->name, &prm->name_len) < 0 || expect(ps, ':') < 0)
				return -1;
			snprintf(who, sizeof(who), "Parameter \"%.*s\"",
				 (int)(prm->name_len > 64 ? 64 : prm->name_len), prm->name);
		} else {
			snprintf(who, sizeof(who), "Parameter %zu", st->nparams + 1);
		}
		if (parse_value(ps, &prm->v, who) < 0)
			return -1;
		st->nparams++;
	} while (take(ps, ','));
	if (expect(ps, close) < 0)
		return -1;
	return named ? no_key_twice(ps, st) : 0;
}

/* An object of "query" and "params" (and at the top, "statements", which
 * sets *batch_at to where the array starts). */
static int parse_object(struct parser *ps, struct ayb_statement *st, const char **batch_at)
{
	const char *key;
	size_t klen;
	int have_query = 0;

	if (expect(ps, '{') < 0)
		return -1;
	if (take(ps, '}'))
		goto done;
	do {
		if (parse_string(ps, &key, &klen) < 0 || expect(ps, ':') < 0)
			return -1;
		if (klen == 5 && memcmp(key, "query", 5) == 0 && !have_query) {
			if (parse_string(ps, &st->sql, &st->len) < 0)
				return -1;
			have_query = 1;
		} else if (klen == 6 && memcmp(key, "params", 6) == 0 && !st->has_params) {
			if (parse_params(ps, st) < 0)
				return -1;
		} else if (batch_at && klen == 10 && memcmp(key, "statements", 10) == 0 &&
			   !*batch_at) {
			skip_ws(ps);
			*batch_at = ps->p;
			if (!take(ps, '['))
				return ayb_err_set(ps->err, AYB_E_INVALID,
						   "\"statements\" must be an array of {\"query\": ..., \"params\": ...}");
			/* The caller parses it: skip to its end for now. */
			return 1;
		} else {
			return ayb_err_set(ps->err, AYB_E_INVALID,
					   "Unexpected field \"%.*s\" in the query request (expected \"query\", \"params\"%s)",
					   (int)(klen > 64 ? 64 : klen), key,
					   batch_at ? " or \"statements\"" : "");
		}
	} while (take(ps, ','));
	if (expect(ps, '}') < 0)
		return -1;
done:
	if (!have_query)
		return ayb_err_set(ps->err, AYB_E_INVALID, "%s needs \"query\"%s",
				   batch_at ? "A JSON query request" : "A statement",
				   batch_at ? " or \"statements\"" : "");
	return 0;
}

/* "statements": [...], the '[' taken, then the rest of the top object
 * (nothing but its closing brace). */
static int parse_batch(struct parser *ps, struct ayb_query_req *r, size_t max)
{
	size_t cap = 0;
	struct ayb_statement *grown;

	r->form = AYB_FORM_BATCH;
	if (take(ps, ']'))
		return ayb_err_set(ps->err, AYB_E_INVALID, "A batch needs at least one statement");
	do {
		if (r->n == max)
			return ayb_err_set(ps->err, AYB_E_INVALID,
					   "A batch may hold at most %zu statements (the server's limit)",
					   max);
		if (r->n == cap) {
			cap = cap ? cap * 2 : 16;
			if (!(grown = realloc(r->stmts, cap * sizeof(*grown))))
				return ayb_err_oom(ps->err);
			r->stmts = grown;
		}
		memset(&r->stmts[r->n], 0, sizeof(r->stmts[0]));
		r->n++;
		if (parse_object(ps, &r->stmts[r->n - 1], NULL) < 0) {
			ayb_query_req_blame(ps->err, r->n - 1);
			return -1;
		}
	} while (take(ps, ','));
	if (expect(ps, ']') < 0)
		return -1;
	if (take(ps, ','))
		return ayb_err_set(ps->err, AYB_E_INVALID,
				   "\"statements\" comes alone: each statement has its own \"query\" and \"params\"");
	return expect(ps, '}');
}

void ayb_query_req_sql(struct ayb_query_req *r, const char *sql, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->form = AYB_FORM_SQL;
	r->one.sql = sql ? sql : "";
	r->one.len = sql ? len : 0;
	r->stmts = &r->one;
	r->n = 1;
}

int ayb_query_req_parse(const char *body, size_t len, size_t max_statements,
			struct ayb_query_req *r, struct ayb_err *err)
{
	struct parser ps = { body, body, body + len, NULL, 0, err };
	const char *batch_at = NULL;
	size_t valid, bad;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!body)
		ps.start = ps.p = ps.end = body = "";
	if (!ayb_utf8_check((const unsigned char *)body, len, &valid, &bad))
		return ayb_err_set(err, AYB_E_INVALID,
				   "Invalid JSON in the query request at byte %zu: not UTF-8",
				   valid);
	if (!(ps.arena = r->arena = malloc(len + 1)))
		return ayb_err_oom(err);
	skip_ws(&ps);
	if (ps.p < ps.end && *ps.p != '{') {
		rc = ayb_err_set(err, AYB_E_INVALID,
				 "A JSON query request is an object: {\"query\": ...} or {\"statements\": [...]}");
		goto out;
	}
	r->form = AYB_FORM_ONE;
	r->stmts = &r->one;
	r->n = 1;
	rc = parse_object(&ps, &r->one, &batch_at);
	if (rc == 1) {
		if (r->one.sql || r->one.has_params) {
			rc = ayb_err_set(err, AYB_E_INVALID,
					 "\"statements\" comes alone: each statement has its own \"query\" and \"params\"");
			goto out;
		}
		r->stmts = NULL;
		r->n = 0;
		rc = parse_batch(&ps, r, max_statements);
	}
	if (rc == 0) {
		skip_ws(&ps);
		if (ps.p != ps.end)
			rc = syntax(&ps, "unexpected text after the request");
	}
out:
	if (rc < 0)
		ayb_query_req_free(r);
	return rc < 0 ? -1 : 0;
}

void ayb_query_req_free(struct ayb_query_req *r)
{
	if (r->stmts != &r->one) {
		for (size_t i = 0; i < r->n; i++)
			free(r->stmts[i].params);
		free(r->stmts);
	}
	free(r->one.params);
	free(r->arena);
	memset(r, 0, sizeof(*r));
}

void ayb_query_req_blame(struct ayb_err *err, size_t i)
{
	char *m = err->message;

	err->message = NULL;
	ayb_err_set(err, err->kind, "statements[%zu]: %s", i, m ? m : "");
	free(m);
}
