/* libFuzzer harness for the web UI's parsers of outside input: form data,
 * the Cookie header and HTML escaping.  The first input byte picks the
 * parser; the rest is its input.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. -Ilib -Icgi -Icgi/ui \
 *     $(pkg-config --cflags libcjson) tests/fuzz/fuzz_ui_parsers.c cgi/ui/form.c \
 *     cgi/ui/cookie.c cgi/ui/html.c lib/buf.c lib/error.c lib/utf8.c \
 *     $(pkg-config --libs libcjson) -o fuzz_ui_parsers
 *   ./fuzz_ui_parsers -max_total_time=60
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"
#include "form.h"
#include "html.h"

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
	switch (data[0] % 3) {
	case 0: {
		struct ui_form f;
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
