/* libFuzzer harness for the web UI's parsers of outside input: form data,
 * the Cookie header, HTML escaping and the reader of query results.  The
 * first input byte picks the parser; the rest is its input.  How it is
 * built and run: the README, "Building and testing".
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"
#include "form.h"
#include "html.h"
#include "result_rows.h"

static int on_fields(void *ctx, char **names, size_t n)
{
	size_t *count = ctx;

	for (size_t i = 0; i < n; i++)
		*count += strlen(names[i]);
	return 0;
}

static int on_row(void *ctx, char **cells, const size_t *len, size_t n)
{
	size_t *count = ctx;

	for (size_t i = 0; i < n; i++)
		if (cells[i])
			*count += len[i] + (cells[i][len[i]] == '\0'); /* each cell is terminated */
	return *count > (1u << 20) ? -1 : 0;
}

/* What ayb_url_encode makes of a value, the form parser reads back
 * unchanged: links the UI builds carry exactly what they were given. */
static void url_round_trip(const char *value)
{
	struct ayb_err err = { 0 };
	struct ayb_form f;
	char *enc = ayb_url_encode(value);
	char *field;

	if (!enc)
		return;
	if (asprintf(&field, "v=%s", enc) >= 0) {
		if (ayb_form_parse(field, strlen(field), &f, &err) == 0) {
			const char *back = ayb_form_get(&f, "v");
			if (!back || strcmp(back, value) != 0)
				abort();
			ayb_form_free(&f);
		}
		ayb_err_clear(&err);
		free(field);
	}
	free(enc);
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
	switch (data[0] % 4) {
	case 0: {
		struct ayb_form f;
		url_round_trip(text);
		if (ayb_form_parse(in, n, &f, &err) == 0) {
			for (size_t i = 0; i < f.n; i++)
				if (f.f[i].value[f.f[i].len] != '\0' || strlen(f.f[i].name) > n)
					abort();
			ayb_form_get(&f, "csrf");
			ayb_form_free(&f);
		}
		ayb_err_clear(&err);
		break;
	}
	case 1:
		free(ayb_cookie_get(text, "auth"));
		break;
	case 2: {
		struct ayb_buf b = { 0 };
		ayb_html_escape_n(&b, in, n);
		/* Nothing that could open markup survives escaping. */
		if (b.data && (memchr(b.data, '<', b.len) || memchr(b.data, '"', b.len)))
			abort();
		ayb_buf_free(&b);
		ayb_html_safe_url(text);
		break;
	}
	default: {
		size_t count = 0;
		struct ayb_result_cb cb = { on_fields, on_row, &count };
		struct ayb_result_reader r;
		size_t half = n / 2;
		ayb_result_init(&r, &cb);
		/* Two feeds: the split point must not matter. */
		if (ayb_result_feed(&r, in, half) == 0 &&
		    ayb_result_feed(&r, in + half, n - half) == 0)
			ayb_result_finish(&r);
		ayb_result_free(&r);
		break;
	}
	}
	free(text);
	return 0;
}
