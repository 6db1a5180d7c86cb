#include "autoconfig.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "log.h"

/* Appends s with every byte outside printable ASCII (newlines included)
 * written as \xNN, so a crafted path cannot start a forged log line. */
static void add_printable(struct ayb_buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '\\')
			ayb_buf_addc(b, (char)*p);
		else
			ayb_buf_printf(b, "\\x%02x", *p);
	}
}

static int word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-';
}

static size_t run_of_alnum(const char *s)
{
	size_t n = 0;

	while (isalnum((unsigned char)s[n]))
		n++;
	return n;
}

/* At s, an API token "ayb_<short>_<secret>"?  Returns the length of the
 * part to keep ("ayb_<short>_") and sets *skip to the secret's length, or
 * returns 0. */
static size_t api_token_at(const char *s, size_t *skip)
{
	size_t shortlen, secretlen;

	if (strncmp(s, "ayb_", 4) != 0)
		return 0;
	shortlen = run_of_alnum(s + 4);
	if (!shortlen || s[4 + shortlen] != '_')
		return 0;
	secretlen = run_of_alnum(s + 5 + shortlen);
	if (!secretlen)
		return 0;
	*skip = secretlen;
	return 5 + shortlen;
}

/* At s, "://user:password@"?  Returns the length to keep ("://user:") and
 * sets *skip to the password's length, or returns 0. */
static size_t url_password_at(const char *s, size_t *skip)
{
	size_t end, colon;

	if (strncmp(s, "://", 3) != 0)
		return 0;
	end = 3 + strcspn(s + 3, "/@ ?#");
	if (s[end] != '@')
		return 0;
	colon = 3 + strcspn(s + 3, ":");
	if (colon >= end)
		return 0;
	*skip = end - colon - 1;
	return colon + 1;
}

/* Copies s, replacing secrets with "***". */
static void add_masked(struct ayb_buf *b, const char *s)
{
	size_t i = 0;

	while (s[i]) {
		size_t keep = 0, skip = 0;

		if ((i == 0 || !word_char(s[i - 1])) && (keep = api_token_at(s + i, &skip))) {
			/* the secret of an API token */
		} else if ((keep = url_password_at(s + i, &skip))) {
			/* a URL password */
		} else if (strncasecmp(s + i, "Bearer ", 7) == 0) {
			keep = 7;
			skip = strcspn(s + i + 7, " ,;\"'");
		}
		if (keep) {
			ayb_buf_add(b, s + i, keep);
			if (skip)
				ayb_buf_adds(b, "***");
			i += keep + skip;
		} else {
			ayb_buf_addc(b, s[i++]);
		}
	}
}

char *fcgi_log_line(int status, const char *method, const char *path, const char *why)
{
	struct ayb_buf raw = { 0 }, line = { 0 };
	char *out = NULL;

	ayb_buf_printf(&raw, "ayb-api: %d ", status);
	add_printable(&raw, method ? method : "-");
	ayb_buf_addc(&raw, ' ');
	add_printable(&raw, path ? path : "-");
	ayb_buf_adds(&raw, ": ");
	add_printable(&raw, why ? why : "error");
	if (raw.oom)
		goto out;
	add_masked(&line, raw.data);
	ayb_buf_addc(&line, '\n');
	if (!line.oom)
		out = ayb_buf_take(&line);
out:
	ayb_buf_free(&raw);
	ayb_buf_free(&line);
	return out;
}
