/* The web UI's pure parsers and writers: form data, cookies, HTML escaping
 * and the renderers of query results (table, CSV and JSON downloads). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "cookie.h"
#include "form.h"
#include "html.h"
#include "render.h"
#include "row_sink.h"
#include "tap.h"
#include "render_rows.h"

static void test_form(void)
{
	struct ui_form f;
	struct ayb_err err = { 0 };
	const struct ui_form_field *fld;
	const char *body = "username=Bob+Smith&email=a%40b.c&&empty=&bare&q=%3Cscript%3E"
			   "&username=second";
	char *enc;

	ok(ui_form_parse(body, strlen(body), &f, &err) == 0, "form parses");
	is_int(f.n, 6, "empty pairs are skipped");
	is_str(ui_form_get(&f, "username"), "Bob Smith",
	       "'+' decodes to a space; first value wins");
	is_str(ui_form_get(&f, "email"), "a@b.c", "%%40 decodes");
	is_str(ui_form_get(&f, "empty"), "", "empty value");
	is_str(ui_form_get(&f, "bare"), "", "a name without '=' has an empty value");
	is_str(ui_form_get(&f, "q"), "<script>", "escapes decode");
	ok(ui_form_get(&f, "missing") == NULL, "missing field is NULL");
	ui_form_free(&f);

	ok(ui_form_parse("a=%00b", 6, &f, &err) == 0, "a NUL byte in a value parses");
	fld = ui_form_field(&f, "a");
	ok(fld && fld->len == 2 && fld->value[0] == '\0' && fld->value[1] == 'b',
	   "value keeps its NUL and length");
	ok(ui_form_get(&f, "a") == NULL, "but is not a text value");
	ui_form_free(&f);

	ok(ui_form_parse("a=%zz", 5, &f, &err) < 0 && ayb_err_status(&err) == 400,
	   "bad escape refused (400)");
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
		ok(ui_form_parse(many, n, &f, &err) < 0 && ayb_err_status(&err) == 400,
		   "too many fields refused");
		ayb_err_clear(&err);
		ok(ui_form_parse(many, n - 2, &f, &err) == 0 && f.n == AYB_FORM_MAX_FIELDS,
		   "exactly the maximum is accepted");
		ui_form_free(&f);
		free(many);
	}

	enc = ui_url_encode("/a b?c=d&e/ü~");
	is_str(enc, "%2Fa%20b%3Fc%3Dd%26e%2F%C3%BC~",
	       "url_encode keeps only unreserved characters");
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
	check_cookie("xauth=1; auth=2", "auth", "2",
		     "a name ending in the wanted name does not match");
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
	is_str(b.data, "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;",
	       "escape");
	ayb_buf_free(&b);
	ui_html_escape_n(&b, "a\0b\x01\tc\xff\xc3\xa9", 9);
	is_str(b.data, "a\xef\xbf\xbd" "b\xef\xbf\xbd\tc\xef\xbf\xbd\xc3\xa9",
	       "controls and invalid UTF-8 become U+FFFD, valid UTF-8 and tab stay");
	ayb_buf_free(&b);
	is_int((int)ui_html_escape_max(&b, "ab<cd", 5, 5), 2, "a bounded escape stops before an "
	       "entity that does not fit");
	is_str(b.data, "ab", "never writing part of it");
	is_int((int)ui_html_escape_max(&b, "\xc3\xa9x", 3, 1), 0, "nor part of a character");
	is_int((int)ui_html_escape_max(&b, "a&b", 3, 7), 3, "and takes what fits exactly");
	is_str(b.data, "aba&amp;b", "(appended)");
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

/* A small result: NULL, an integer, a real, text, a blob. */
static const char *const names[] = { "n", "i", "r", "t<", "b" };

static void result_row(struct ayb_value *v, const char *text)
{
	v[0].type = AYB_VALUE_NULL;
	v[1].type = AYB_VALUE_INTEGER;
	v[1].u.i = -42;
	v[2].type = AYB_VALUE_REAL;
	v[2].u.r = 0.5;
	v[3].type = AYB_VALUE_TEXT;
	v[3].u.s.p = text;
	v[3].u.s.n = strlen(text);
	v[4].type = AYB_VALUE_BLOB;
	v[4].u.s.p = "x\ty";
	v[4].u.s.n = 3;
}

/* Feeds `rows` the fields above and nrows rows, then the end. */
static int feed(struct ayb_row_sink *rows, int nrows, const char *text)
{
	struct ayb_value v[5];

	if (rows->fields(rows->ctx, names, 5) < 0)
		return -1;
	for (int i = 0; i < nrows; i++) {
		result_row(v, text);
		if (rows->row(rows->ctx, v, 5) < 0)
			return -1;
	}
	return rows->end(rows->ctx);
}

/* A sink keeping what it is given, and how many writes. */
struct kept {
	struct ayb_buf b;
	int writes;
};

static int keep(void *ctx, const char *p, size_t n)
{
	struct kept *k = ctx;

	k->writes++;
	return ayb_buf_add(&k->b, p, n);
}

static int count(const char *s, const char *what)
{
	int n = 0;

	while (s && (s = strstr(s, what))) {
		n++;
		s += strlen(what);
	}
	return n;
}

static void test_table(void)
{
	struct ui_table t;
	struct ayb_buf page = { 0 }, long_text = { 0 };
	struct kept k = { { 0 }, 0 };
	struct ayb_sink out = { keep, &k };
	const char *cell;

	ui_table_init(&t, &page, &out, 2, 1 << 20);
	ok(feed(&t.rows, 3, "a<b\"c") == 0, "table takes rows");
	is_int((int)t.total, 3, "every row counted");
	is_int((int)t.shown, 2, "as many shown as allowed");
	ok(!t.cut && !t.full && !t.flushed && k.writes == 0, "nothing cut, nothing written yet");
	is_str(page.data,
	       "<thead><tr><th scope=\"col\">n</th><th scope=\"col\">i</th>"
	       "<th scope=\"col\">r</th><th scope=\"col\">t&lt;</th><th scope=\"col\">b</th>"
	       "</tr></thead><tbody>"
	       "<tr><td class=\"null\"></td><td>-42</td><td>0.5</td><td>a&lt;b&quot;c</td>"
	       "<td>x\ty</td></tr>"
	       "<tr><td class=\"null\"></td><td>-42</td><td>0.5</td><td>a&lt;b&quot;c</td>"
	       "<td>x\ty</td></tr>",
	       "two rows shown, escaped, NULL as an empty cell");
	ayb_buf_free(&page);

	/* A long cell is cut on a character boundary. */
	for (int i = 0; i < 999; i++)
		ayb_buf_addc(&long_text, 'a');
	ayb_buf_adds(&long_text, "\xc3\xa9tail");
	ui_table_init(&t, &page, &out, 10, 1 << 20);
	ok(feed(&t.rows, 1, long_text.data) == 0, "a long value");
	cell = page.data ? strstr(page.data, "aaa\xc3\xa9") : NULL;
	ok(!cell && strstr(page.data, "a<span class=\"cut\">&hellip;</span>"),
	   "is cut before a character that does not fit");
	ok(t.cut && !t.full, "a cut cell is noted");
	ayb_buf_free(&page);
	ayb_buf_free(&long_text);

	/* The byte cap: "-42" and "0.5" take 6 bytes, "a&lt;b" 6 more; the
	 * rest of the row is cut and no later row is shown, but all counted. */
	ui_table_init(&t, &page, &out, 10, 12);
	ok(feed(&t.rows, 3, "a<b<c") == 0, "rows past the byte cap");
	is_int((int)t.total, 3, "are counted");
	is_int((int)t.shown, 1, "but not shown");
	ok(t.full && t.cut, "the table says it is full and cut");
	cell = page.data ? strstr(page.data, "<tbody>") : NULL;
	is_str(cell, "<tbody><tr><td class=\"null\"></td><td>-42</td><td>0.5</td>"
	       "<td>a&lt;b<span class=\"cut\">&hellip;</span></td>"
	       "<td><span class=\"cut\">&hellip;</span></td></tr>",
	       "the cell where the bytes ran out is cut, the rest of its row empty");
	ayb_buf_free(&page);

	/* Past UI_TABLE_CHUNK the page goes out and starts again. */
	ui_table_init(&t, &page, &out, 1000, 1 << 20);
	ok(feed(&t.rows, 1000, "0123456789abcdef") == 0, "many rows");
	ok(t.flushed && k.writes > 1, "are written out in chunks");
	ok(page.len < UI_TABLE_CHUNK, "the page keeps less than a chunk");
	ayb_buf_add(&k.b, page.data, page.len);
	is_int(count(k.b.data, "</tr>"), 1001, "nothing is lost or written twice");
	ok(k.b.data && strncmp(k.b.data, "<thead>", 7) == 0, "the first chunk starts the table");
	ayb_buf_free(&page);
	ayb_buf_free(&k.b);

	ui_table_init(&t, &page, &out, 10, 1 << 20);
	ok(t.rows.fields(t.rows.ctx, NULL, 0) == 0 && t.rows.end(t.rows.ctx) == 0 &&
	   page.len == 0 && t.total == 0, "no columns: no table");
	ayb_buf_free(&page);
}

static int refusing(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
	return -1;
}

/* The rows at which a sink was written to, as "12,25,". */
static int row_now;

static int note_write(void *ctx, const char *p, size_t n)
{
	(void)p;
	(void)n;
	return ayb_buf_printf(ctx, "%d,", row_now);
}

/* Writes of a download happen at the rows where the API's JSON goes out. */
static void test_download_chunks(int json)
{
	struct ayb_buf api = { 0 }, dl = { 0 };
	struct ayb_sink api_sink = { note_write, &api }, dl_sink = { note_write, &dl };
	struct ayb_render_json j;
	struct ui_download d;
	struct ayb_value v[5];

	ayb_render_json_init(&j, &api_sink);
	ui_download_init(&d, &dl_sink, json);
	j.rows.fields(j.rows.ctx, names, 5);
	d.rows.fields(d.rows.ctx, names, 5);
	for (row_now = 0; row_now < 3000; row_now++) {
		result_row(v, row_now % 7 ? "text" : "a longer text with \"quotes\"");
		j.rows.row(j.rows.ctx, v, 5);
		d.rows.row(d.rows.ctx, v, 5);
	}
	j.rows.end(j.rows.ctx);
	d.rows.end(d.rows.ctx);
	ok(api.len > 8 && api.data && dl.data && strcmp(api.data, dl.data) == 0,
	   "%s download written at the rows the API's JSON is (%s)", json ? "JSON" : "CSV",
	   dl.data ? dl.data : "");
	ayb_render_json_free(&j);
	ui_download_free(&d);
	ayb_buf_free(&api);
	ayb_buf_free(&dl);
}

static void test_download(void)
{
	struct ayb_buf out = { 0 };
	struct ayb_sink sink = ayb_buf_sink(&out);
	struct ayb_sink refuse = { refusing, NULL };
	struct ui_download d;

	ui_download_init(&d, &sink, 0);
	ok(feed(&d.rows, 2, "a,\"b\"") == 0, "CSV download");
	is_str(out.data, "n,i,r,t<,b\n"
			 ",-42,0.5,\"a,\"\"b\"\"\",x\ty\n"
			 ",-42,0.5,\"a,\"\"b\"\"\",x\ty\n",
	       "CSV: names, quoting, NULL empty, blob as is");
	ui_download_free(&d);
	ayb_buf_free(&out);

	sink = ayb_buf_sink(&out);
	ui_download_init(&d, &sink, 1);
	ok(feed(&d.rows, 1, "q\"") == 0, "JSON download");
	is_str(out.data,
	       "{\n  \"fields\": [\n    \"n\",\n    \"i\",\n    \"r\",\n    \"t<\",\n    \"b\"\n"
	       "  ],\n  \"rows\": [\n    [\n      null,\n      \"-42\",\n      \"0.5\",\n"
	       "      \"q\\\"\",\n      \"x\\ty\"\n    ]\n  ]\n}",
	       "JSON: pretty-printed as ayb writes it");
	ui_download_free(&d);
	ayb_buf_free(&out);

	sink = ayb_buf_sink(&out);
	ui_download_init(&d, &sink, 1);
	ok(feed(&d.rows, 0, "") == 0, "empty JSON download");
	is_str(out.data,
	       "{\n  \"fields\": [\n    \"n\",\n    \"i\",\n    \"r\",\n    \"t<\",\n    \"b\"\n"
	       "  ],\n  \"rows\": []\n}", "JSON: no rows");
	ui_download_free(&d);
	ayb_buf_free(&out);

	ui_download_init(&d, &refuse, 0);
	ok(feed(&d.rows, 1, "x") < 0, "a refusing response stops the download");
	ui_download_free(&d);

	test_download_chunks(0);
	test_download_chunks(1);
}

/* Binary values: the API's {"base64":"..."} in every form, cut in the
 * table like any long value. */
static void test_binary(void)
{
	static const char *const bnames[] = { "b" };
	static unsigned char big[4000];
	struct ayb_buf page = { 0 }, out = { 0 };
	struct ayb_sink sink = ayb_buf_sink(&out);
	struct ui_table t;
	struct ui_download d;
	struct ayb_value v = { AYB_VALUE_BINARY, { 0 } };
	char want[64];

	v.u.s.p = "\xff\x00";
	v.u.s.n = 2;
	ui_table_init(&t, &page, &sink, 10, 1 << 20);
	t.rows.fields(t.rows.ctx, bnames, 1);
	t.rows.row(t.rows.ctx, &v, 1);
	ok(strstr(page.data,
		  "<td class=\"binary\">{&quot;base64&quot;:&quot;/wA=&quot;}</td>") != NULL,
	   "table: the form, escaped");
	v.u.s.p = (const char *)big;
	v.u.s.n = sizeof(big);
	page.len = 0;
	t.rows.row(t.rows.ctx, &v, 1);
	snprintf(want, sizeof(want), "<td class=\"binary\">{&quot;base64&quot;:&quot;AAAA");
	ok(strstr(page.data, want) && strstr(page.data, "<span class=\"cut\">") &&
	   page.len < 1200, "table: a long binary value is cut (%zu bytes)", page.len);
	ayb_buf_free(&page);

	v.u.s.p = "\xfe";
	v.u.s.n = 1;
	ui_download_init(&d, &sink, 0);
	d.rows.fields(d.rows.ctx, bnames, 1);
	d.rows.row(d.rows.ctx, &v, 1);
	d.rows.end(d.rows.ctx);
	is_str(out.data, "b\n\"{\"\"base64\"\":\"\"/g==\"\"}\"\n", "CSV: the form, quoted");
	ui_download_free(&d);
	ayb_buf_free(&out);

	sink = ayb_buf_sink(&out);
	ui_download_init(&d, &sink, 1);
	d.rows.fields(d.rows.ctx, bnames, 1);
	d.rows.row(d.rows.ctx, &v, 1);
	d.rows.end(d.rows.ctx);
	is_str(out.data, "{\n  \"fields\": [\n    \"b\"\n  ],\n  \"rows\": [\n    [\n"
			 "      {\"base64\":\"/g==\"}\n    ]\n  ]\n}", "JSON: the object");
	ui_download_free(&d);
	ayb_buf_free(&out);
}

int main(void)
{
	test_form();
	test_cookie();
	test_html();
	test_table();
	test_download();
	test_binary();
	return tap_done();
}
