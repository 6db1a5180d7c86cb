/* libFuzzer harness for the web UI's parsers of outside input: form data,
 * the Cookie header, HTML escaping, and a table page's query string read
 * into the browse statement (first byte 'b').  The first input byte picks
 * the parser; the rest is its input.  How it is built and run: the README,
 * "Building and testing".
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"
#include "explore.h"
#include "form.h"
#include "html.h"

/* What ui_url_encode makes of a value, the form parser reads back
 * unchanged: links the UI builds carry exactly what they were given. */
static void url_round_trip(const char *value)
{
	struct ayb_err err = { 0 };
	struct ui_form f;
	char *enc = ui_url_encode(value);
	char *field;

	if (!enc)
		return;
	if (asprintf(&field, "v=%s", enc) >= 0) {
		if (ui_form_parse(field, strlen(field), &f, &err) == 0) {
			const char *back = ui_form_get(&f, "v");
			if (!back || strcmp(back, value) != 0)
				abort();
			ui_form_free(&f);
		}
		ayb_err_clear(&err);
		free(field);
	}
	free(enc);
}

/* Whatever the query string, the statement holds no string literal: a
 * value is always a parameter, a name always a quoted identifier. */
static void browse(const char *in, size_t n)
{
	static struct ayb_schema_column cols[] = {
		{ "id", "INTEGER", 1, 0 }, { "a\"b", "", 0, 0 }, { "c__d", "TEXT", 0, 1 },
	};
	static struct ayb_schema_table t = { "t", 0, 0, cols, 3, NULL, 0, -1, 0 };
	struct ayb_err err = { 0 };
	struct ayb_param params[AYB_BROWSE_FILTERS_MAX + 1];
	struct ayb_browse *b = calloc(1, sizeof(*b));
	struct ayb_buf sql = { 0 };
	struct ui_form f;
	size_t np = 0;
	int rc = 0;

	if (!b || ui_form_parse(in, n, &f, &err) < 0) {
		free(b);
		ayb_err_clear(&err);
		return;
	}
	b->table = t.name;
	b->size = AYB_BROWSE_SIZE;
	for (size_t i = 0; i < f.n && rc == 0; i++)
		rc = ayb_browse_param(b, f.f[i].name, f.f[i].value, &err);
	t.view = f.n % 2;
	if (rc == 0 && ayb_browse_sql(&ayb_explore_sqlite, &t, b, &sql, params, &np, &err) == 0 &&
	    (np > AYB_BROWSE_FILTERS_MAX + 1 || (sql.data && strchr(sql.data, '\''))))
		abort();
	ayb_buf_free(&sql);
	ui_form_free(&f);
	ayb_err_clear(&err);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ayb_err err = { 0 };
	const char *in = (const char *)data + 1;
	size_t n = size ? size - 1 : 0;
	char *text;

	if (!size)
		return 0;
	if (!(text = malloc(n + 1)))
		return 0;
	memcpy(text, in, n);
	text[n] = '\0';
	if (data[0] == 'b') {
		browse(in, n);
		free(text);
		return 0;
	}
	switch (data[0] % 3) {
	case 0: {
		struct ui_form f;
		url_round_trip(text);
		if (ui_form_parse(in, n, &f, &err) == 0) {
			for (size_t i = 0; i < f.n; i++)
				if (f.f[i].value[f.f[i].len] != '\0' || strlen(f.f[i].name) > n)
					abort();
			ui_form_get(&f, "csrf");
			ui_form_free(&f);
		}
		ayb_err_clear(&err);
		break;
	}
	case 1:
		free(ui_cookie_get(text, "auth"));
		break;
	default: {
		struct ayb_buf b = { 0 };
		ui_html_escape_n(&b, in, n);
		/* Nothing that could open markup survives escaping. */
		if (b.data && (memchr(b.data, '<', b.len) || memchr(b.data, '"', b.len)))
			abort();
		ayb_buf_free(&b);
		ui_html_safe_url(text);
		break;
	}
	}
	free(text);
	return 0;
}
