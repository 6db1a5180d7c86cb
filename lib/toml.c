/* The TOML subset of ayb's configuration (toml.h), read line by line.  The
 * input is an operator's file, but it is read with the care of any input
 * from outside: bounded in size, every byte accounted for, every error
 * naming its line. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "toml.h"
#include "utf8.h"

struct reader {
	const char *p, *end;   /* the rest of the current line */
	int line;
	struct ayb_err *err;
};

static int fail(struct reader *r, const char *what)
{
	return ayb_err_set(r->err, AYB_E_CONFIGURATION, "line %d: %s", r->line, what);
}

static void skip_blank(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t'))
		r->p++;
}

/* After a value or a header: only blanks and a comment may follow. */
static int line_end(struct reader *r)
{
	skip_blank(r);
	if (r->p < r->end && *r->p != '#')
		return fail(r, "unexpected text after the value (a comment starts with #)");
	return 0;
}

static int bare_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* A bare key into b; quoted keys are not part of the subset. */
static int bare_key(struct reader *r, struct ayb_buf *b)
{
	const char *s = r->p;

	while (r->p < r->end && bare_char(*r->p))
		r->p++;
	if (r->p == s)
		return fail(r, s < r->end && (*s == '"' || *s == '\'')
				       ? "quoted keys are not supported"
				       : "expected a key (letters, digits, _ or -)");
	ayb_buf_add(b, s, (size_t)(r->p - s));
	return 0;
}

/* Out of memory in a buffer is found where the buffer is taken
 * (ayb_buf_take gives NULL), so appends here are not checked. */
static void add_utf8(struct ayb_buf *b, uint32_t cp)
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
	ayb_buf_add(b, u, n);
}

/* \uXXXX or \UXXXXXXXX: a Unicode scalar value (no surrogates). */
static int unicode_escape(struct reader *r, int digits, struct ayb_buf *b)
{
	uint32_t cp = 0;

	if (r->end - r->p < digits)
		return fail(r, "a \\u escape needs 4 hex digits, \\U 8");
	for (int i = 0; i < digits; i++, r->p++) {
		char c = *r->p;
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (v < 0)
			return fail(r, "a \\u escape needs 4 hex digits, \\U 8");
		cp = cp * 16 + (uint32_t)v;
	}
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return fail(r, "a \\u escape must name a Unicode scalar value");
	add_utf8(b, cp);
	return 0;
}

/* A string, the opening quote at r->p: "basic" with escapes, or 'literal'. */
static int string(struct reader *r, struct ayb_buf *b)
{
	char q = *r->p++;

	if (r->end - r->p >= 2 && r->p[0] == q && r->p[1] == q)
		return fail(r, "multi-line strings are not supported");
	while (r->p < r->end && *r->p != q) {
		unsigned char c = (unsigned char)*r->p;
		size_t n;

		if (c < 0x20 ? c != '\t' : c == 0x7f)
			return fail(r, "a control character in a string must be escaped");
		if (c == '\\' && q == '"') {
			if (++r->p >= r->end)
				break;
			c = (unsigned char)*r->p++;
			switch (c) {
			case 'b': ayb_buf_addc(b, '\b'); break;
			case 't': ayb_buf_addc(b, '\t'); break;
			case 'n': ayb_buf_addc(b, '\n'); break;
			case 'f': ayb_buf_addc(b, '\f'); break;
			case 'r': ayb_buf_addc(b, '\r'); break;
			case '"': ayb_buf_addc(b, '"'); break;
			case '\\': ayb_buf_addc(b, '\\'); break;
			case 'u':
			case 'U':
				if (unicode_escape(r, c == 'u' ? 4 : 8, b) < 0)
					return -1;
				break;
			default:
				return fail(r, "unknown escape in a string"
					    " (\\b \\t \\n \\f \\r \\\" \\\\ \\u \\U)");
			}
			continue;
		}
		n = ayb_utf8_seq_len((const unsigned char *)r->p, (size_t)(r->end - r->p));
		if (!n)
			return fail(r, "a string must be UTF-8");
		ayb_buf_add(b, r->p, n);
		r->p += n;
	}
	if (r->p >= r->end)
		return fail(r, "a string is not closed on its line");
	r->p++;
	return 0;
}

/* A decimal integer as TOML writes it: optional sign, no leading zero,
 * '_' only between digits; stored without '+' and '_'. */
static int integer(struct reader *r, struct ayb_buf *b)
{
	size_t digits = 0;

	if (*r->p == '+' || *r->p == '-') {
		if (*r->p == '-')
			ayb_buf_addc(b, '-');
		r->p++;
	}
	while (r->p < r->end && ((*r->p >= '0' && *r->p <= '9') || *r->p == '_')) {
		if (*r->p == '_') {
			if (!digits || r->p + 1 >= r->end || r->p[1] < '0' || r->p[1] > '9')
				return fail(r, "'_' in a number must sit between digits");
		} else {
			ayb_buf_addc(b, *r->p);
			digits++;
		}
		r->p++;
	}
	if (!digits)
		return fail(r, "expected a value: a \"string\", an integer, true or false");
	if (r->p < r->end && (*r->p == '.' || *r->p == 'e' || *r->p == 'E' || *r->p == ':' ||
			      *r->p == 'x' || *r->p == 'o' || *r->p == 'b' || *r->p == '-'))
		return fail(r, "only decimal integers are supported (no floats, dates or 0x)");
	if (digits > 1 && b->data && b->data[b->data[0] == '-'] == '0')
		return fail(r, "an integer may not start with 0");
	if (digits > 18)
		return fail(r, "an integer out of range");
	return 0;
}

/* The value after `key =`: fills type and b. */
static int value(struct reader *r, enum ayb_toml_type *type, struct ayb_buf *b)
{
	skip_blank(r);
	if (r->p >= r->end)
		return fail(r, "a key needs a value");
	if (*r->p == '"' || *r->p == '\'') {
		*type = AYB_TOML_STRING;
		return string(r, b);
	}
	if (*r->p == '[' || *r->p == '{')
		return fail(r, "arrays and inline tables are not supported");
	if (r->end - r->p >= 4 && !memcmp(r->p, "true", 4) &&
	    (r->end - r->p == 4 || !bare_char(r->p[4]))) {
		*type = AYB_TOML_BOOLEAN;
		r->p += 4;
		ayb_buf_adds(b, "true");
		return 0;
	}
	if (r->end - r->p >= 5 && !memcmp(r->p, "false", 5) &&
	    (r->end - r->p == 5 || !bare_char(r->p[5]))) {
		*type = AYB_TOML_BOOLEAN;
		r->p += 5;
		ayb_buf_adds(b, "false");
		return 0;
	}
	*type = AYB_TOML_INTEGER;
	return integer(r, b);
}

/* `[a]` or `[a.b]`: the dotted name into b. */
static int header(struct reader *r, struct ayb_buf *b)
{
	r->p++;
	if (r->p < r->end && *r->p == '[')
		return fail(r, "arrays of tables ([[...]]) are not supported");
	for (;;) {
		skip_blank(r);
		if (bare_key(r, b) < 0)
			return -1;
		skip_blank(r);
		if (r->p < r->end && *r->p == '.') {
			r->p++;
			ayb_buf_addc(b, '.');
			continue;
		}
		if (r->p < r->end && *r->p == ']')
			break;
		return fail(r, "a table header is [name] or [name.sub]");
	}
	r->p++;
	return line_end(r);
}

static int add_item(struct ayb_toml *doc, struct reader *r, enum ayb_toml_type type,
		    const char *table, char *key, char *val)
{
	struct ayb_toml_item *it;

	if (doc->n >= AYB_TOML_MAX_ITEMS) {
		free(key);
		free(val);
		return ayb_err_set(r->err, AYB_E_CONFIGURATION,
				   "line %d: more than %d keys and tables", r->line,
				   AYB_TOML_MAX_ITEMS);
	}
	/* Duplicates, as TOML forbids them; at most AYB_TOML_MAX_ITEMS make
	 * the quadratic look-up cheap. */
	for (size_t i = 0; i < doc->n; i++) {
		it = &doc->items[i];
		if (it->type == AYB_TOML_TABLE && type == AYB_TOML_TABLE &&
		    !strcmp(it->table, table)) {
			free(key);
			free(val);
			return ayb_err_set(r->err, AYB_E_CONFIGURATION,
					   "line %d: table [%s] is already defined on line %d",
					   r->line, table, it->line);
		}
		if (it->key && key && !strcmp(it->table, table) && !strcmp(it->key, key)) {
			free(key);
			free(val);
			return ayb_err_set(r->err, AYB_E_CONFIGURATION,
					   "line %d: key `%s` is already set on line %d", r->line,
					   it->key, it->line);
		}
	}
	it = realloc(doc->items, (doc->n + 1) * sizeof(*it));
	if (!it)
		goto oom;
	doc->items = it;
	it = &doc->items[doc->n];
	it->line = r->line;
	it->type = type;
	it->key = key;
	it->value = val;
	if (!(it->table = strdup(table)))
		goto oom;
	doc->n++;
	return 0;
oom:
	free(key);
	free(val);
	return ayb_err_oom(r->err);
}

/* One line: blank, a comment, a header, or key = value. */
static int parse_line(struct reader *r, struct ayb_toml *doc, char **table)
{
	struct ayb_buf k = {0}, v = {0};
	enum ayb_toml_type type = AYB_TOML_STRING;
	char *key, *val;

	skip_blank(r);
	if (r->p >= r->end || *r->p == '#')
		return 0;
	if (*r->p == '[') {
		if (header(r, &k) < 0) {
			ayb_buf_free(&k);
			return -1;
		}
		if (!(key = ayb_buf_take(&k)))
			return ayb_err_oom(r->err);
		free(*table);
		*table = key;
		return add_item(doc, r, AYB_TOML_TABLE, key, NULL, NULL);
	}
	if (bare_key(r, &k) < 0)
		goto fail;
	skip_blank(r);
	if (r->p < r->end && *r->p == '.') {
		fail(r, "dotted keys are not supported: use a [table] header");
		goto fail;
	}
	if (r->p >= r->end || *r->p != '=') {
		fail(r, "expected '=' after the key");
		goto fail;
	}
	r->p++;
	if (value(r, &type, &v) < 0 || line_end(r) < 0)
		goto fail;
	key = ayb_buf_take(&k);
	val = ayb_buf_take(&v);
	if (!key || !val) {
		free(key);
		free(val);
		return ayb_err_oom(r->err);
	}
	return add_item(doc, r, type, *table, key, val);
fail:
	ayb_buf_free(&k);
	ayb_buf_free(&v);
	return -1;
}

int ayb_toml_parse(const char *text, size_t len, struct ayb_toml *doc, struct ayb_err *err)
{
	struct reader r = { .err = err };
	const char *s = text, *end = text + len;
	char *table = strdup("");
	int ret = 0;

	memset(doc, 0, sizeof(*doc));
	if (!table)
		return ayb_err_oom(err);
	if (len > AYB_TOML_MAX_BYTES)
		ret = ayb_err_set(err, AYB_E_CONFIGURATION, "the file is over %d bytes",
				  AYB_TOML_MAX_BYTES);
	if (ret == 0 && memchr(text, '\0', len))
		ret = ayb_err_set(err, AYB_E_CONFIGURATION, "the file holds a NUL byte");
	/* A UTF-8 byte order mark is allowed before the first line. */
	if (len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
		s += 3;
	while (ret == 0 && s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl : end;

		r.line++;
		r.p = s;
		r.end = e > s && e[-1] == '\r' ? e - 1 : e;
		ret = parse_line(&r, doc, &table);
		s = nl ? nl + 1 : end;
	}
	free(table);
	if (ret < 0)
		ayb_toml_free(doc);
	return ret;
}

void ayb_toml_free(struct ayb_toml *doc)
{
	for (size_t i = 0; i < doc->n; i++) {
		free(doc->items[i].table);
		free(doc->items[i].key);
		free(doc->items[i].value);
	}
	free(doc->items);
	memset(doc, 0, sizeof(*doc));
}
