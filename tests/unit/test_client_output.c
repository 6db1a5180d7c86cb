/* Table and CSV rendering of `ayb client` (cli/client_output.c), display width
 * and the snapshot timestamp format. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "tap.h"

/* How check() renders: for a pipe (the bytes exactly) or for a terminal. */
enum { RAW, VISIBLE };

static char *render(int visible, enum client_format f, size_t ncols, const char *const *header,
		    size_t nrows, const char *const *cells)
{
	struct ayb_buf b = {0};

	if (client_render(&b, f, visible, ncols, header, nrows, cells) < 0) {
		ayb_buf_free(&b);
		return NULL;
	}
	return ayb_buf_take(&b);
}

static void check(int visible, enum client_format f, size_t ncols, const char *const *header,
		  size_t nrows, const char *const *cells, const char *want, const char *name)
{
	char *got = render(visible, f, ncols, header, nrows, cells);

	is_str(got, want, "%s", name);
	free(got);
}

static void test_width(void)
{
	is_int(client_display_width("abc", 3), 3, "ASCII is one column per byte");
	is_int(client_display_width("", 0), 0, "empty text has no width");
	is_int(client_display_width("日本語", strlen("日本語")), 6, "CJK is two columns each");
	is_int(client_display_width("é", strlen("é")), 1, "precomposed e-acute is one column");
	is_int(client_display_width("e\xcc\x81", 3), 1, "combining acute takes no column");
	is_int(client_display_width("\x1b[31mred\x1b[0m", strlen("\x1b[31mred\x1b[0m")), 3,
	       "ANSI colour sequences are not counted");
	is_int(client_display_width("\xf0\x9f\x98\x80", 4), 2, "emoji is two columns");
	is_int(client_display_width("ｈｉ", strlen("ｈｉ")), 4, "fullwidth forms are two columns");
	is_int(client_display_width("a\tb", 3), 2, "controls take no column");
	is_int(client_display_width("\xff\xfe", 2), 2, "invalid bytes count one each");
	is_int(client_display_width("\xe6\x97", 2), 2, "a truncated sequence counts per byte");
	is_int(client_display_width("a\xe2\x80\x8b" "b", 5), 2, "zero-width space");
}

static void test_table(void)
{
	const char *const h2[] = {"fname", "lname"};
	const char *const r2[] = {"the first", "the last", "the first2", "the last2"};
	const char *const h1[] = {"the_count"};
	const char *const r1[] = {"4"};
	const char *const hw[] = {"name", "x"};
	const char *const rw[] = {"日本", "1", "ab", "2"};
	const char *const hm[] = {"a", "b", "c"};
	const char *const rm[] = {"one\ntwo\n", "x", "l1\r\nline2", "", "", ""};
	const char *const hn[] = {"Display name", "Description", "Organization", "Location",
				  "Links"};
	const char *const rn[] = {"Adam Marcus", "null", "null", "null", "http://marcua.net"};

	check(RAW, CLIENT_FORMAT_TABLE, 2, h2, 2, r2,
	      " fname      | lname \n"
	      "------------+-----------\n"
	      " the first  | the last \n"
	      " the first2 | the last2 \n",
	      "spec example: two columns, last column unpadded");
	check(RAW, CLIENT_FORMAT_TABLE, 1, h1, 1, r1, " the_count \n-----------\n 4 \n",
	      "spec example: one column");
	check(RAW, CLIENT_FORMAT_TABLE, 2, hw, 2, rw,
	      " name | x \n------+---\n 日本 | 1 \n ab   | 2 \n",
	      "wide characters pad by display width");
	check(RAW, CLIENT_FORMAT_TABLE, 3, hm, 2, rm,
	      " a   | b | c \n"
	      "-----+---+-------\n"
	      " one | x | l1 \n"
	      " two |   | line2 \n"
	      "     |   |  \n",
	      "multi-line cells span lines; CRLF split; trailing newline dropped; empty row kept");
	check(RAW, CLIENT_FORMAT_TABLE, 5, hn, 1, rn,
	      " Display name | Description | Organization | Location | Links \n"
	      "--------------+-------------+--------------+----------+-------------------\n"
	      " Adam Marcus  | null        | null         | null     | http://marcua.net \n",
	      "profile table");
}

static void test_csv(void)
{
	const char *const h2[] = {"fname", "lname"};
	const char *const r2[] = {"the first", "the last", "the first2", "the last2"};
	const char *const hq[] = {"a", "b"};
	const char *const rq[] = {"x,y", "say \"hi\"", "line1\nline2", "plain",
				  "trail\n", "", "cr\rhere", "NULL"};
	const char *const h1[] = {"only"};
	const char *const r1[] = {"", "v"};
	const char *const hl[] = {"Links"};
	const char *const rl[] = {"http://a (verified),http://b"};

	check(RAW, CLIENT_FORMAT_CSV, 2, h2, 2, r2,
	      "fname,lname\nthe first,the last\nthe first2,the last2\n", "spec example CSV");
	check(RAW, CLIENT_FORMAT_CSV, 2, hq, 4, rq,
	      "a,b\n"
	      "\"x,y\",\"say \"\"hi\"\"\"\n"
	      "\"line1\nline2\",plain\n"
	      "trail,\n"
	      "\"cr\rhere\",NULL\n",
	      "commas, quotes, newlines, CR and empty fields");
	check(RAW, CLIENT_FORMAT_CSV, 1, h1, 2, r1, "only\n\"\"\nv\n",
	      "a record of one empty field is written as \"\"");
	check(RAW, CLIENT_FORMAT_CSV, 1, hl, 1, rl, "Links\n\"http://a (verified),http://b\"\n",
	      "joined links are quoted");
}

/* client_visible() of s, as a string. */
static char *visible(const char *s)
{
	struct ayb_buf b = {0};

	if (client_visible(&b, s, strlen(s)) < 0) {
		ayb_buf_free(&b);
		return NULL;
	}
	return ayb_buf_take(&b);
}

static void test_visible(void)
{
	static const struct {
		const char *in, *want, *name;
	} cases[] = {
		{"\x1b]52;c;aGk=\x07", "\\x1b]52;c;aGk=\\x07", "OSC 52 (set the clipboard)"},
		{"\x1b]0;title\x07", "\\x1b]0;title\\x07", "OSC 0 (set the title)"},
		{"\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H", "clear the screen, cursor home"},
		{"a\xc2\x9b" "2J", "a\\u009b2J", "C1 CSI as a character"},
		{"\xc2\x85|\xc2\x9f|\xc2\xa0", "\\u0085|\\u009f|\xc2\xa0",
		 "C1 from U+0080 to U+009F; U+00A0 is text"},
		{"a\x7f" "b\x01", "a\\x7fb\\x01", "DEL and other C0 controls"},
		{"a\tb", "a\\x09b", "a tab is shown"},
		{"a\rb", "a\\x0db", "a lone CR is shown"},
		{"a\r\nb\nc\n", "a\r\nb\nc\n", "line breaks stay: LF and CR LF"},
		{"\xff\x9b" "x", "\\xff\\x9bx", "bytes that are not UTF-8, as bytes"},
		{"\xe6\x97", "\\xe6\\x97", "a truncated sequence, byte by byte"},
		{"日本 é \xf0\x9f\x98\x80 \\x1b", "日本 é \xf0\x9f\x98\x80 \\x1b",
		 "text, wide characters and emoji stay as they are"},
		{"", "", "empty text"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = visible(cases[i].in);

		is_str(got, cases[i].want, "visible: %s", cases[i].name);
		free(got);
	}
}

static void test_render_visible(void)
{
	const char *const he[] = {"v\x1b[1m", "n"};
	const char *const re[] = {"\x1b]52;c;aGk=\x07", "1", "a\tb\r\nline2", "2"};
	const char *const hc[] = {"v"};
	const char *const rc[] = {"\x1b]0;title\x07", "\x1b[2J"};

	check(VISIBLE, CLIENT_FORMAT_TABLE, 2, he, 2, re,
	      " v\\x1b[1m           | n \n"
	      "--------------------+---\n"
	      " \\x1b]52;c;aGk=\\x07 | 1 \n"
	      " a\\x09b             | 2 \n"
	      " line2              |  \n",
	      "a table for a terminal shows controls, with columns as wide as shown");
	check(RAW, CLIENT_FORMAT_TABLE, 2, he, 2, re,
	      " v\x1b[1m          | n \n"
	      "------------+---\n"
	      " \x1b]52;c;aGk=\x07 | 1 \n"
	      " a\tb         | 2 \n"
	      " line2      |  \n",
	      "a table for a pipe keeps the bytes");
	check(VISIBLE, CLIENT_FORMAT_CSV, 1, hc, 2, rc, "v\n\\x1b]0;title\\x07\n\\x1b[2J\n",
	      "CSV for a terminal shows controls");
	check(RAW, CLIENT_FORMAT_CSV, 1, hc, 2, rc, "v\n\x1b]0;title\x07\n\x1b[2J\n",
	      "CSV for a pipe is byte-exact");
}

static void test_rfc3339(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"2024-08-18T15:05:04Z", "2024-08-18T15:05:04+00:00"},
		{"2024-08-18T15:05:04.123Z", "2024-08-18T15:05:04.123+00:00"},
		{"2024-08-18T15:05:04.1Z", "2024-08-18T15:05:04.100+00:00"},
		{"2024-08-18T15:05:04.000Z", "2024-08-18T15:05:04+00:00"},
		{"2024-08-18T15:05:04.123456Z", "2024-08-18T15:05:04.123456+00:00"},
		{"2024-08-18T15:05:04.123456789Z", "2024-08-18T15:05:04.123456789+00:00"},
		{"2024-08-18T15:05:04.1234Z", "2024-08-18T15:05:04.123400+00:00"},
		{"2024-08-18T17:05:04+02:00", "2024-08-18T15:05:04+00:00"},
		{"2024-12-31T23:30:00-01:00", "2025-01-01T00:30:00+00:00"},
		{"not a date", "not a date"},
		{"2024-08-18T15:05:04", "2024-08-18T15:05:04"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = client_rfc3339_utc(cases[i].in);

		is_str(got, cases[i].want, "timestamp %s", cases[i].in);
		free(got);
	}
}

int main(void)
{
	test_width();
	test_table();
	test_csv();
	test_visible();
	test_render_visible();
	test_rfc3339();
	return tap_done();
}
