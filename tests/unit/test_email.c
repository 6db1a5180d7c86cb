/* lib/email*.c without a network: the confirmation text, the date format,
 * address checks, the file backend's exact JSON lines, and how failures of
 * several backends are reported.  SMTP itself: tests/e2e/email_smtp.sh. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "email.h"
#include "email_impl.h"
#include "tap.h"

/* is_str() on an array would warn (-Waddress) that it is never NULL. */
static const char *S(const char *s)
{
	return s;
}

#define JAN_1_2024 ((int64_t)1704067200)
#define MAR_9_2024 ((int64_t)1710000000)

static char tmpdir[] = "/tmp/ayb-test-email-XXXXXX";

/* The whole file, or NULL when it cannot be read. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		p = calloc(1, (size_t)n + 1);
		if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
			free(p);
			p = NULL;
		}
	}
	fclose(f);
	return p;
}

static void test_body(void)
{
	struct ayb_config cfg = { .public_url = "http://localhost:5433" };
	char *body;

	body = ayb_email_confirmation_body(&cfg, "gAAAA+/x=%~.-_");
	is_str(body,
	       "To complete your registration, visit\n"
	       "\thttp://localhost:5433/confirm/gAAAA%2B%2Fx%3D%25~.-_\n"
	       "\n"
	       "Or type\n"
	       "\tayb client confirm gAAAA+/x=%~.-_",
	       "confirmation body is ayb's text; the URL form is percent-encoded");
	free(body);

	cfg.public_url = "https://ayb.example.com";
	body = ayb_email_confirmation_body(&cfg, "AbC-_09");
	is_str(body,
	       "To complete your registration, visit\n"
	       "\thttps://ayb.example.com/confirm/AbC-_09\n"
	       "\n"
	       "Or type\n"
	       "\tayb client confirm AbC-_09",
	       "public_url is used as given; base64url passes unencoded");
	free(body);
}

static void test_date(void)
{
	char d[AYB_EMAIL_DATE_MAX];

	ayb_email_format_date(JAN_1_2024, d);
	is_str(S(d), "Mon, 1 Jan 2024 00:00:00 +0000", "day of month is not zero-padded");
	ayb_email_format_date(MAR_9_2024, d);
	is_str(S(d), "Sat, 9 Mar 2024 16:00:00 +0000", "a March afternoon");
	ayb_email_format_date(1700000000, d);
	is_str(S(d), "Tue, 14 Nov 2023 22:13:20 +0000", "two-digit day");
	ayb_email_format_date(0, d);
	is_str(S(d), "Thu, 1 Jan 1970 00:00:00 +0000", "the epoch");
	ayb_email_format_date(253402300799LL, d);
	is_str(S(d), "Fri, 31 Dec 9999 23:59:59 +0000", "the last four-digit year");
}

static void check_addr(const char *addr, int want_ok, const char *what)
{
	struct ayb_err err = { 0 };
	char want[512];
	int rc = ayb_email_check_address(addr, &err);

	if (want_ok) {
		is_int(rc, 0, "accepts %s", what);
	} else {
		snprintf(want, sizeof(want), "Invalid email address: %s", addr);
		ok(rc == -1 && strcmp(ayb_err_kind_name(err.kind), "Other") == 0 &&
			   ayb_err_status(&err) == 400 && err.message &&
			   strcmp(err.message, want) == 0,
		   "refuses %s", what);
	}
	ayb_err_clear(&err);
}

static void test_addresses(void)
{
	char long_addr[300];

	check_addr("e2e@example.org", 1, "a plain address");
	check_addr("a.b+tag@sub.example.co", 1, "dots and plus");
	check_addr("", 0, "the empty string");
	check_addr("no-at-sign", 0, "no '@'");
	check_addr("@example.org", 0, "nothing before '@'");
	check_addr("user@", 0, "nothing after '@'");
	check_addr("a@b@c", 0, "two '@'");
	check_addr("a b@c", 0, "a space");
	check_addr("a@b\r\nBcc: x@y", 0, "CR/LF (header injection)");
	check_addr("a\t@b", 0, "a tab");
	check_addr("a\x7f@b", 0, "DEL");
	check_addr("Name <a@b>", 0, "a display name");

	memset(long_addr, 'a', sizeof(long_addr));
	memcpy(long_addr + 256 - 4, "@b.c", 5);
	check_addr(long_addr, 1, "256 bytes");
	memset(long_addr, 'a', sizeof(long_addr));
	memcpy(long_addr + 257 - 4, "@b.c", 5);
	check_addr(long_addr, 0, "257 bytes");
}

static void test_file_backend(void)
{
	struct ayb_config cfg = { .public_url = "http://localhost:5433" };
	struct ayb_err err = { 0 };
	char path[256], blocker[256], *text;
	struct stat st;
	const char *line1 =
		"{\"from\":\"ayb <noreply@localhost>\",\"to\":\"e2e@example.org\","
		"\"reply_to\":\"ayb <noreply@localhost>\",\"subject\":\"Your login credentials\","
		"\"content_type\":\"text/plain\",\"content_transfer_encoding\":\"7bit\","
		"\"date\":\"Mon, 1 Jan 2024 00:00:00 +0000\","
		"\"content\":[\"To complete your registration, visit\","
		"\"\\thttp://localhost:5433/confirm/tok%3D\",\"\",\"Or type\","
		"\"\\tayb client confirm tok=\"]}\n";
	const char *line2 =
		"{\"from\":\"ayb <noreply@localhost>\",\"to\":\"o\\\"dd@example.org\","
		"\"reply_to\":\"ayb <noreply@localhost>\",\"subject\":\"Caf\xc3\xa9 \\\"quoted\\\"\","
		"\"content_type\":\"text/plain\",\"content_transfer_encoding\":\"8bit\","
		"\"date\":\"Sat, 9 Mar 2024 16:00:00 +0000\","
		"\"content\":[\"a\",\"\",\"b\\\\c\",\"caf\xc3\xa9\"]}\n";
	char *both = malloc(strlen(line1) + strlen(line2) + 1);

	snprintf(path, sizeof(path), "%s/made/by/send/emails.jsonl", tmpdir);
	cfg.email_file_path = path;

	is_int(ayb_email_send_confirmation(&cfg, "e2e@example.org", "tok=", JAN_1_2024, &err), 0,
	       "file backend: send succeeds (parents created)");
	text = slurp(path);
	is_str(text, line1, "file backend: the whole first line is exact");
	free(text);
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "file backend: file is 0600");

	/* Rust's str::lines(): CRLF ends a line too, no empty last line. */
	is_int(ayb_email_send(&cfg, "o\"dd@example.org", "Caf\xc3\xa9 \"quoted\"",
			      "a\r\n\nb\\c\ncaf\xc3\xa9\n", MAR_9_2024, &err),
	       0, "file backend: second send succeeds");
	text = slurp(path);
	strcpy(both, line1);
	strcat(both, line2);
	is_str(text, both, "file backend: the second send appends a second exact line");
	free(text);
	free(both);

	is_int(ayb_email_send(&cfg, "a@b\nBcc: c@d", "s", "b", JAN_1_2024, &err), -1,
	       "a bad recipient is refused before any backend");
	is_int(ayb_err_status(&err), 400, "bad recipient: 400");
	text = slurp(path);
	ok(text && strchr(strchr(text, '\n') + 1, '\n')[1] == '\0',
	   "bad recipient: nothing appended");
	free(text);

	/* Root can write anywhere, so make the path impossible instead: a
	 * regular file where a directory has to be. */
	snprintf(blocker, sizeof(blocker), "%s/blocker", tmpdir);
	fclose(fopen(blocker, "w"));
	snprintf(path, sizeof(path), "%s/blocker/emails.jsonl", tmpdir);
	is_int(ayb_email_send_confirmation(&cfg, "e2e@example.org", "tok", JAN_1_2024, &err), -1,
	       "unwritable path fails");
	is_int(err.kind, AYB_E_EMAIL, "unwritable path: EmailError");
	is_int(ayb_err_status(&err), 503, "unwritable path: 503");
	ok(err.message && strncmp(err.message, "File backend failed: ", 21) == 0 &&
		   strstr(err.message, "Not a directory"),
	   "unwritable path: \"File backend failed: \" and the reason (%s)",
	   err.message ? err.message : "(null)");
	ayb_err_clear(&err);
	unlink(blocker);
}

/* Both backends configured and both failing: each failure reported, SMTP
 * first, joined by "; ".  The SMTP failure happens before any connection
 * (a From with a line break), so this needs no server. */
static void test_two_failures(void)
{
	struct ayb_smtp_config smtp = {
		.from = "Evil\r\nBcc: x@y <s@example.org>",
		.reply_to = "r@example.org",
		.smtp_host = "127.0.0.1",
		.smtp_port = 9,
		.tls = AYB_SMTP_TLS_NONE,
	};
	struct ayb_config cfg = { .public_url = "http://localhost:5433", .smtp = &smtp };
	struct ayb_err err = { 0 };
	char path[256], want[512];

	snprintf(path, sizeof(path), "%s/blocker2", tmpdir);
	fclose(fopen(path, "w"));
	snprintf(path, sizeof(path), "%s/blocker2/x.jsonl", tmpdir);
	cfg.email_file_path = path;
	is_int(ayb_email_send(&cfg, "e2e@example.org", "s", "b", JAN_1_2024, &err), -1,
	       "two failing backends fail");
	snprintf(want, sizeof(want),
		 "SMTP backend failed: Invalid email address: %s; "
		 "File backend failed: Could not open the email file: Not a directory",
		 smtp.from);
	is_str(err.message, want, "both failures, SMTP first, joined by \"; \"");
	ayb_err_clear(&err);

	smtp.from = "Server <s@example.org>";
	smtp.reply_to = "not an address";
	cfg.email_file_path = NULL;
	ayb_email_send(&cfg, "e2e@example.org", "s", "b", JAN_1_2024, &err);
	is_str(err.message, "SMTP backend failed: Invalid email address: not an address",
	       "a bad reply_to is named");
	smtp.reply_to = "r@example.org";
	ayb_email_send(&cfg, "e2e@example.org", "s\r\nBcc: x@y", "b", JAN_1_2024, &err);
	is_str(err.message, "SMTP backend failed: Invalid subject: it contains a control character",
	       "a subject with CR/LF is refused");
	smtp.smtp_host = "evil.example/path";
	ayb_email_send(&cfg, "e2e@example.org", "s", "b", JAN_1_2024, &err);
	is_str(err.message, "SMTP backend failed: Invalid SMTP server: evil.example/path:9",
	       "a host that would change the URL is refused");
	ayb_err_clear(&err);
	snprintf(path, sizeof(path), "%s/blocker2", tmpdir);
	unlink(path);
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_body();
	test_date();
	test_addresses();
	test_file_backend();
	test_two_failures();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return tap_done();
}
