/* The web UI's pure parsers and writers: form data, cookies, HTML escaping
 * and the streaming reader of query results. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "cookie.h"
#include "form.h"
#include "html.h"
#include "result_rows.h"
#include "tap.h"

static void test_form(void)
{
	struct ui_form f;
	struct ayb_err err = { 0 };
	const struct ui_form_field *fld;
	const char *body = "username=Bob+Smith&email=a%40b.c&&empty=&bare&q=%3Cscript%3E&username=second";
	char *enc;

	ok(ui_form_parse(body, strlen(body), &f, &err) == 0, "form parses");
	is_int(f.n, 6, "empty pairs are skipped");
	is_str(ui_form_get(&f, "username"), "Bob Smith", "'+' decodes to a space; first value wins");
	is_str(ui_form_get(&f, "email"), "a@b.c", "%%40 decodes");
	is_str(ui_form_get(&f, "empty"), "", "empty value");
	is_str(ui_form_get(&f, "bare"), "", "a name without '=' has an empty value");
	is_str(ui_form_get(&f, "q"), "<script>", "escapes decode");
	ok(ui_form_get(&f, "missing") == NULL, "missing field is NULL");
	ui_form_free(&f);

	ok(ui_form_parse("a=%00b", 6, &f, &err) == 0, "a NUL byte in a value parses");
	fld = ui_form_field(&f, "a");
	ok(fld && fld->len == 2 && fld->value[0] == '\0' && fld->value[1] == 'b', "value keeps its NUL and length");
	ok(ui_form_get(&f, "a") == NULL, "but is not a text value");
	ui_form_free(&f);

	ok(ui_form_parse("a=%zz", 5, &f, &err) < 0 && err.status == 400, "bad escape refused (400)");
	is_str(err.message, "Malformed form data", "message");
	ok(f.n == 0 && f.f == NULL, "form left empty on failure");
	ayb_err_clear(&err);
	ok(ui_form_parse("a=%4", 4, &f, &err) < 0, "truncated escape refused");
	ayb_err_clear(&err);
	ok(ui_form_parse("a=%", 3, &f, &err) < 0, "lone %% refused");
	ayb_err_clear(&err);
	ok(ui_form_parse("a%00=1", 6, &f, &err) < 0, "NUL in a name refused");
	ayb_err_clear(&err);
	ok(ui_form_parse("x=1&y=2", 3, &f, &err) == 0 && f.n == 1 &&
	   strcmp(ui_form_get(&f, "x"), "1") == 0, "only len bytes are read");
	ui_form_free(&f);
	ok(ui_form_parse("", 0, &f, &err) == 0 && f.n == 0, "empty body: no fields");
	ui_form_free(&f);
	{
		size_t n = (AYB_FORM_MAX_FIELDS + 1) * 2;
		char *many = malloc(n + 1);
		for (size_t i = 0; i < n; i += 2)
			memcpy(many + i, "a&", 2);
		many[n] = '\0';
		ok(ui_form_parse(many, n, &f, &err) < 0 && err.status == 400, "too many fields refused");
		ayb_err_clear(&err);
		ok(ui_form_parse(many, n - 2, &f, &err) == 0 && f.n == AYB_FORM_MAX_FIELDS,
		   "exactly the maximum is accepted");
		ui_form_free(&f);
		free(many);
	}

	enc = ayb_url_encode("/a b?c=d&e/ü~");
	is_str(enc, "%2Fa%20b%3Fc%3Dd%26e%2F%C3%BC~", "url_encode keeps only unreserved characters");
	free(enc);
}

static void check_cookie(const char *header, const char *name, const char *want, const char *what)
{
	char *v = ui_cookie_get(header, name);

	if (want)
		is_str(v, want, "cookie: %s", what);
	else
		ok(v == NULL, "cookie: %s (absent)", what);
	free(v);
}

static void test_cookie(void)
{
	check_cookie("auth=bob:ayb_x_y", "auth", "bob:ayb_x_y", "single");
	check_cookie("a=1; auth=bob:t; c=3", "auth", "bob:t", "in the middle");
	check_cookie("xauth=1; auth=2", "auth", "2", "a name ending in the wanted name does not match");
	check_cookie("authx=1", "auth", NULL, "a longer name does not match");
	check_cookie("auth=1; auth=2", "auth", "1", "first wins");
	check_cookie("  auth = \"v\" ;x=1", "auth", "v", "spaces and quotes trimmed");
	check_cookie("auth=", "auth", "", "empty value");
	check_cookie("auth", "auth", NULL, "no '='");
	check_cookie("", "auth", NULL, "empty header");
	check_cookie(NULL, "auth", NULL, "no header");
	check_cookie(";;;", "auth", NULL, "only separators");
}

static void test_html(void)
{
	struct ayb_buf b = { 0 };

	ui_html_escape(&b, "<script>alert(\"x\" & 'y')</script>");
	is_str(b.data, "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;", "escape");
	ayb_buf_free(&b);
	ui_html_escape_n(&b, "a\0b\x01\tc\xff\xc3\xa9", 9);
	is_str(b.data, "a\xef\xbf\xbd" "b\xef\xbf\xbd\tc\xef\xbf\xbd\xc3\xa9",
	       "controls and invalid UTF-8 become U+FFFD, valid UTF-8 and tab stay");
	ayb_buf_free(&b);
	ui_html_printf(&b, "<a href=\"/%s\">%s</a> %d %u %ld %lu %lld %llu %zu %c 100%%", "x\"y",
			"<b>", -1, 2u, 3L, 6UL, 4LL, 7ULL, (size_t)5, '<');
	is_str(b.data, "<a href=\"/x&quot;y\">&lt;b&gt;</a> -1 2 3 6 4 7 5 &lt; 100%",
	       "printf escapes %%s and %%c");
	ayb_buf_free(&b);
	ok(ui_html_printf(&b, "a %x b", 1u) < 0, "an unsupported conversion fails");
	ayb_buf_free(&b);
	ui_html_printf(&b, "[%s]", getenv("AYB_TEST_UNSET_VARIABLE"));
	is_str(b.data, "[]", "NULL prints nothing");
	ayb_buf_free(&b);

	ok(ui_html_safe_url("https://example.org/x?y=1"), "https link is safe");
	ok(ui_html_safe_url("HTTP://example.org"), "scheme case-insensitive");
	ok(!ui_html_safe_url("javascript:alert(1)"), "javascript: is not");
	ok(!ui_html_safe_url(" https://x"), "leading space is not");
	ok(!ui_html_safe_url("https://x\ny"), "control character is not");
	ok(!ui_html_safe_url("data:text/html,x"), "data: is not");
	ok(!ui_html_safe_url(NULL), "NULL is not");
}

/* Collects what the reader reports as text: "f:a|b;r:1|~;" (~ for null). */
struct collect {
	struct ayb_buf out;
	int stop_after;
	int rows;
};

static void add_list(struct ayb_buf *b, char **v, const size_t *len, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			ayb_buf_addc(b, '|');
		if (!v[i])
			ayb_buf_addc(b, '~');
		else if (len)
			for (size_t j = 0; j < len[i]; j++)
				ayb_buf_addc(b, v[i][j] ? v[i][j] : '0');
		else
			ayb_buf_adds(b, v[i]);
	}
	ayb_buf_addc(b, ';');
}

static int on_fields(void *ctx, char **names, size_t n)
{
	struct collect *c = ctx;
	ayb_buf_adds(&c->out, "f:");
	add_list(&c->out, names, NULL, n);
	return 0;
}

static int on_row(void *ctx, char **cells, const size_t *len, size_t n)
{
	struct collect *c = ctx;
	if (c->stop_after && ++c->rows > c->stop_after)
		return -1;
	ayb_buf_adds(&c->out, "r:");
	add_list(&c->out, cells, len, n);
	return 0;
}

/* Parses doc fed in chunks of `chunk` bytes; returns the text or "ERR". */
static char *parse(const char *doc, size_t len, size_t chunk, int stop_after)
{
	struct collect c = { { 0 }, stop_after, 0 };
	struct ayb_result_cb cb = { on_fields, on_row, &c };
	struct ayb_result_reader r;
	int rc = 0;

	ayb_result_init(&r, &cb);
	for (size_t i = 0; i < len && rc == 0; i += chunk)
		rc = ayb_result_feed(&r, doc + i, len - i < chunk ? len - i : chunk);
	if (rc == 0)
		rc = ayb_result_finish(&r);
	ayb_result_free(&r);
	if (rc < 0) {
		ayb_buf_free(&c.out);
		return strdup("ERR");
	}
	return ayb_buf_take(&c.out);
}

static void rows_case(const char *doc, const char *want, const char *what)
{
	/* Every chunking must give the same answer: the hosted module may
	 * split its output anywhere. */
	size_t len = strlen(doc);
	for (size_t chunk = 1; chunk <= len + 1; chunk = chunk < 8 ? chunk + 1 : chunk * 3) {
		char *got = parse(doc, len, chunk, 0);
		if (strcmp(got, want) != 0) {
			is_str(got, want, "rows: %s (chunk %zu)", what, chunk);
			free(got);
			return;
		}
		free(got);
	}
	ok(1, "rows: %s (all chunk sizes)", what);
}

static void test_rows(void)
{
	struct ayb_buf b = { 0 };
	struct ayb_sink s;
	struct ayb_result_reader r;
	struct collect c = { { 0 }, 0, 0 };
	struct ayb_result_cb cb = { on_fields, on_row, &c };
	char *got;

	rows_case("{\"fields\":[],\"rows\":[]}", "f:;", "empty result");
	rows_case("{\"fields\":[\"fname\",\"lname\"],\"rows\":[[\"the first\",\"the last\"],[null,\"x\"]]}",
		  "f:fname|lname;r:the first|the last;r:~|x;", "two rows with a null");
	rows_case("{\"fields\":[\"a\"],\"rows\":[[\"q\\\"b\\\\s\\/\\n\\t\\r\\b\\f\"]]}",
		  "f:a;r:q\"b\\s/\n\t\r\b\f;", "simple escapes");
	rows_case("{\"fields\":[\"\\u00e9\"],\"rows\":[[\"\\u0000x\\ud83d\\ude00\\u20AC\"]]}",
		  "f:\xc3\xa9;r:0x\xf0\x9f\x98\x80\xe2\x82\xac;", "unicode escapes, surrogate pair, NUL");
	rows_case("{\"fields\":[\"n\"],\"rows\":[[\"<script>alert(1)</script>\"]]}",
		  "f:n;r:<script>alert(1)</script>;", "markup passes through untouched");
	rows_case("{\"fields\":[\"a\",\"b\"],\"rows\":[[\"1\"]]}", "ERR", "short row refused");
	rows_case("{\"fields\":[\"a\"],\"rows\":[[\"1\",\"2\"]]}", "ERR", "long row refused");
	rows_case("{\"fields\":[\"a\"],\"rows\":[[\"1\"]]", "ERR", "truncated document refused");
	rows_case("{\"fields\":[\"a\"],\"rows\":[[\"1\"]]}x", "ERR", "trailing byte refused");
	rows_case("{\"fields\":[\"a\"],\"rows\":[[nul]]}", "ERR", "bad literal refused");
	rows_case("{\"fields\":[\"a\"],\"rows\":[[\"\\ud83d\"]]}", "ERR", "lone high surrogate refused");
	rows_case("{\"fields\":[\"a\"],\"rows\":[[\"\\ude00\"]]}", "ERR", "lone low surrogate refused");
	rows_case("{\"fields\":[\"a\"],\"rows\":[[\"\\x\"]]}", "ERR", "unknown escape refused");
	rows_case("{\"fields\":[\"a\",],\"rows\":[]}", "ERR", "trailing comma refused");
	rows_case("{\"fields\":[\"a\"],\"rows\":[[\"a\nb\"]]}", "ERR", "raw control character refused");

	{
		const char *doc = "{\"fields\":[\"a\"],\"rows\":[[\"1\"],[\"2\"],[\"3\"]]}";
		got = parse(doc, strlen(doc), 5, 2);
	}
	is_str(got, "ERR", "a callback can stop the parse");
	free(got);

	/* Through the sink interface. */
	ayb_result_init(&r, &cb);
	s = ayb_result_sink(&r);
	ok(ayb_sink_write(&s, "{\"fields\":[\"x\"],", 16) == 0 &&
	   ayb_sink_write(&s, "\"rows\":[[\"1\"]]}", 15) == 0 && ayb_result_finish(&r) == 0,
	   "sink feeds the reader");
	is_int(r.nrows, 1, "row count");
	is_str(c.out.data, "f:x;r:1;", "sink result");
	ayb_result_free(&r);
	ayb_buf_free(&c.out);
	ayb_buf_free(&b);
}

int main(void)
{
	test_form();
	test_cookie();
	test_html();
	test_rows();
	return tap_done();
}
