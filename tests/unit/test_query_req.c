/* The JSON forms of a query request (lib/query_req.c): what each JSON value
 * parses to, exactly; the errors; a hostile request with thousands of keys;
 * and the request's round trip through the query worker protocol
 * (lib/worker_proto.c), which a worker decodes. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "query_req.h"
#include "tap.h"
#include "worker_impl.h"

static struct ayb_query_req r;
static struct ayb_err err;

static int parse(const char *json)
{
	ayb_query_req_free(&r);
	ayb_err_clear(&err);
	return ayb_query_req_parse(json, strlen(json), 8, &r, &err);
}

static int is_text(const struct ayb_value *v, const char *s, size_t n)
{
	return (v->type == AYB_VALUE_TEXT || v->type == AYB_VALUE_BLOB) && v->u.s.n == n &&
	       memcmp(v->u.s.p, s, n) == 0;
}

static void values(void)
{
	const struct ayb_param *p;

	ok(parse("{\"query\": \"SELECT ?\", \"params\": [9223372036854775807, "
		 "-9223372036854775808, 9007199254740993, 0.5, -1e3, true, false, null, "
		 "\"a\\u00e9\\ud83d\\ude00\\n\", {\"base64\": \"AAEC/w==\"}, \"\"]}") == 0,
	   "positional parameters parse");
	is_int(r.form, AYB_FORM_ONE, "the single form");
	is_int(r.n, 1, "one statement");
	ok(r.stmts[0].len == 8 && memcmp(r.stmts[0].sql, "SELECT ?", 8) == 0, "its SQL");
	is_int(r.stmts[0].nparams, 11, "eleven parameters");
	p = r.stmts[0].params;
	ok(p[0].v.type == AYB_VALUE_INTEGER && p[0].v.u.i == INT64_MAX, "INT64_MAX exactly");
	ok(p[1].v.type == AYB_VALUE_INTEGER && p[1].v.u.i == INT64_MIN, "INT64_MIN exactly");
	ok(p[2].v.type == AYB_VALUE_INTEGER && p[2].v.u.i == 9007199254740993LL,
	   "2^53 + 1 exactly (a double would round it)");
	ok(p[3].v.type == AYB_VALUE_REAL && p[3].v.u.r == 0.5, "a real");
	ok(p[4].v.type == AYB_VALUE_REAL && p[4].v.u.r == -1000, "an exponent makes a real");
	ok(p[5].v.type == AYB_VALUE_INTEGER && p[5].v.u.i == 1, "true is 1");
	ok(p[6].v.type == AYB_VALUE_INTEGER && p[6].v.u.i == 0, "false is 0");
	ok(p[7].v.type == AYB_VALUE_NULL, "null");
	ok(p[8].v.type == AYB_VALUE_TEXT && is_text(&p[8].v, "a\xc3\xa9\xf0\x9f\x98\x80\n", 8),
	   "escapes decode to UTF-8, a surrogate pair to one character");
	ok(p[9].v.type == AYB_VALUE_BLOB && is_text(&p[9].v, "\0\1\2\xff", 4),
	   "base64 decodes to the blob's bytes");
	ok(p[10].v.type == AYB_VALUE_TEXT && p[10].v.u.s.n == 0, "an empty string");
	ok(!p[0].name, "positional parameters have no name");

	ok(parse("{\"params\": {\"b\": 1, \"a\": \"x\"}, \"query\": \"SELECT :a, :b\"}") == 0,
	   "named parameters parse, in any field order");
	ok(r.stmts[0].named && r.stmts[0].has_params, "named");
	ok(r.stmts[0].params[0].name_len == 1 && r.stmts[0].params[0].name[0] == 'b', "a key");

	ok(parse("{\"query\": \"SELECT 1\"}") == 0 && !r.stmts[0].has_params,
	   "no params: none given");
	ok(parse("{\"statements\": [{\"query\": \"A\"}, "
		 "{\"query\": \"B\", \"params\": [1]}]}") == 0,
	   "a batch parses");
	ok(r.form == AYB_FORM_BATCH && r.n == 2 && r.stmts[1].nparams == 1, "two statements");
	ok(parse("{\"query\": \"x\", \"params\": [1e-310, 1e-999]}") == 0 &&
	   r.stmts[0].params[0].v.u.r > 0 && r.stmts[0].params[1].v.u.r == 0,
	   "an underflow reads as the nearest double (subnormal, or 0)");
}

static void errors(void)
{
	static const struct {
		const char *json, *message;
	} bad[] = {
		{ "", "Invalid JSON in the query request at byte 0: expected '{'" },
		{ "{\"query\": \"x\"} x",
		  "Invalid JSON in the query request at byte 15: "
		  "unexpected text after the request" },
		{ "{\"query\": 1}",
		  "Invalid JSON in the query request at byte 10: expected a string" },
		{ "{\"query\": \"x\", \"query\": \"y\"}",
		  "Unexpected field \"query\" in the query request (expected \"query\", \"params\" "
		  "or \"statements\")" },
		{ "{\"query\": \"x\", \"params\": [01]}",
		  "Invalid JSON in the query request at byte 27: expected ']'" },
		{ "{\"query\": \"x\", \"params\": [-]}",
		  "Invalid JSON in the query request at byte 26: invalid number" },
		{ "{\"query\": \"x\", \"params\": [1.]}",
		  "Invalid JSON in the query request at byte 26: invalid number" },
		{ "{\"query\": \"x\", \"params\": [nul]}",
		  "Invalid JSON in the query request at byte 26: invalid literal" },
		{ "{\"query\": \"x\", \"params\": [\"\x01\"]}",
		  "Invalid JSON in the query request at byte 27: control character in a string" },
		{ "{\"query\": \"x\", \"params\": [\"\\q\"]}",
		  "Invalid JSON in the query request at byte 29: invalid escape in a string" },
		{ "{\"query\": \"x\", \"params\": [\"\\udc00\"]}",
		  "Invalid JSON in the query request at byte 33: lone surrogate in a \\u escape" },
		{ "{\"query\": \"\xff\"}",
		  "Invalid JSON in the query request at byte 11: not UTF-8" },
		{ "{\"query\": \"x\", \"params\": [-9223372036854775809]}",
		  "Parameter 1: -9223372036854775809 is out of range (integers are 64-bit)" },
		{ "{\"query\": \"x\", \"params\": {\"a\": 1, \"b\": 2, \"a\": 3}}",
		  "Parameter \"a\" is given twice" },
		{ "{\"query\": \"x\", \"params\": {\"a\": {\"base64\": \"====\"}}}",
		  "Parameter \"a\": {\"base64\": ...} holds invalid base64" },
		{ "{\"query\": \"x\", \"params\": [{\"base64\": \"AA==\", \"x\": 1}]}",
		  "Invalid JSON in the query request at byte 43: expected '}'" },
		{ "{\"statements\": [{\"query\": \"x\", \"statements\": []}]}",
		  "statements[0]: Unexpected field \"statements\" in the query request (expected "
		  "\"query\", \"params\")" },
		{ "{\"statements\": [1,2,3,4,5,6,7,8,9]}",
		  "statements[0]: Invalid JSON in the query request at byte 16: expected '{'" },
		{ "{\"statements\": [{\"query\": \"1\"},{\"query\": \"2\"},{\"query\": \"3\"},"
		  "{\"query\": \"4\"},{\"query\": \"5\"},{\"query\": \"6\"},{\"query\": \"7\"},"
		  "{\"query\": \"8\"},{\"query\": \"9\"}]}",
		  "A batch may hold at most 8 statements (the server's limit)" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ok(parse(bad[i].json) < 0 && r.n == 0 && !r.stmts, "refused: %s", bad[i].json);
		is_str(err.message, bad[i].message, "  with its message");
		is_int(err.kind, AYB_E_INVALID, "  a 400");
	}
}

/* 20,000 distinct keys: the duplicate check sorts rather than comparing
 * every pair, and every key can be found. */
static void many_keys(void)
{
	struct ayb_buf b = { 0 };
	const struct ayb_param **sorted;
	int found = 1;
	char key[16];

	ayb_buf_adds(&b, "{\"query\": \"x\", \"params\": {");
	for (int i = 0; i < 20000; i++)
		ayb_buf_printf(&b, "%s\"k%d\": %d", i ? "," : "", i, i);
	ayb_buf_adds(&b, "}}");
	ok(parse(b.data) == 0 && r.stmts[0].nparams == 20000, "20,000 named parameters parse");
	sorted = ayb_query_req_sorted(&r.stmts[0]);
	for (int i = 0; sorted && i < 20000; i += 997) {
		const struct ayb_param *p;

		snprintf(key, sizeof(key), "k%d", i);
		p = ayb_query_req_find(sorted, 20000, key, strlen(key));
		found &= p && p->v.u.i == i;
	}
	ok(sorted && found, "each found by its key");
	ok(sorted && !ayb_query_req_find(sorted, 20000, "k20000", 6), "and no other");
	free(sorted);
	ayb_buf_free(&b);
}

/* What the parent encodes the worker decodes, value for value. */
static void wire(void)
{
	struct ayb_query_limits lim = { 1000, 2, 3, 4, 5 }, got_lim;
	struct ayb_query_req got;
	struct ayb_buf b = { 0 };
	enum ayb_query_mode mode;
	int type, same = 1;
	uint32_t len;

	ok(parse("{\"statements\": [{\"query\": \"SELECT :a\", \"params\": {\"a\": "
		 "{\"base64\": \"AP8=\"}}}, {\"query\": \"SELECT ?, ?\", \"params\": "
		 "[-5, 2.5]}, {\"query\": \"SELECT 1\"}]}") == 0, "a batch to send");
	ok(ayb_worker_put_query(&b, AYB_QUERY_READ_ONLY, &lim, &r) == 0, "encoded");
	ayb_worker_get_header((const unsigned char *)b.data, &type, &len);
	ok(type == AYB_F_QUERY && len == b.len - AYB_WORKER_HEADER, "one 'Q' frame, its length");
	ok(ayb_worker_get_query((const unsigned char *)b.data + AYB_WORKER_HEADER, len, &mode,
				&got_lim, &got) == 0, "decoded");
	ok(mode == AYB_QUERY_READ_ONLY && got_lim.timeout_ms == 1000 &&
	   got_lim.max_file_bytes == 5, "mode and limits");
	ok(got.form == AYB_FORM_BATCH && got.n == 3, "form and statements");
	for (size_t i = 0; i < got.n && i < r.n; i++) {
		const struct ayb_statement *a = &r.stmts[i], *c = &got.stmts[i];

		same &= a->len == c->len && memcmp(a->sql, c->sql, a->len) == 0 &&
			a->has_params == c->has_params && a->named == c->named &&
			a->nparams == c->nparams;
		for (size_t k = 0; same && k < a->nparams; k++) {
			const struct ayb_value *x = &a->params[k].v, *y = &c->params[k].v;

			same &= x->type == y->type &&
				a->params[k].name_len == c->params[k].name_len;
			if (x->type == AYB_VALUE_INTEGER)
				same &= x->u.i == y->u.i;
			else if (x->type == AYB_VALUE_REAL)
				same &= x->u.r == y->u.r;
			else if (x->type == AYB_VALUE_BLOB || x->type == AYB_VALUE_TEXT)
				same &= is_text(y, x->u.s.p, x->u.s.n);
		}
	}
	ok(same, "every statement and parameter as sent");
	ayb_query_req_free(&got);
	/* A payload cut anywhere is refused, never read past. */
	for (uint32_t cut = 0; cut < len; cut++)
		if (ayb_worker_get_query((const unsigned char *)b.data + AYB_WORKER_HEADER, cut,
					 &mode, &got_lim, &got) == 0) {
			ayb_query_req_free(&got);
			same = 0;
		}
	ok(same, "every truncation of it is refused");
	ayb_buf_free(&b);
}

int main(void)
{
	values();
	errors();
	many_keys();
	wire();
	ayb_query_req_free(&r);
	ayb_err_clear(&err);
	return tap_done();
}
