#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "email_impl.h"
#include "fs.h"

/* The file backend: one JSON object per email and a '\n', in ayb's field
 * order, appended to [email.file] path.  Test helpers and operators read
 * the login tokens from it, so it is created 0600: it holds credentials. */

/* `content` is the body split as Rust's str::lines() splits it (ayb's
 * behaviour): on '\n', a '\r' before it dropped, no empty last line after
 * a final '\n'. */
static void add_content_lines(struct ayb_buf *b, const char *body)
{
	const char *line = body;
	int first = 1;

	ayb_buf_addc(b, '[');
	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);

		if (nl && n && line[n - 1] == '\r')
			n--;
		if (!first)
			ayb_buf_addc(b, ',');
		first = 0;
		ayb_buf_add_json_string(b, line, n);
		if (!nl)
			break;
		line = nl + 1;
	}
	ayb_buf_addc(b, ']');
}

static void add_field(struct ayb_buf *b, const char *name, const char *value)
{
	ayb_buf_printf(b, "%s\"%s\":", b->len > 1 ? "," : "", name);
	ayb_buf_add_json_string(b, value, strlen(value));
}

int ayb_email_file_send(const char *path, const struct ayb_email_msg *m, struct ayb_buf *why)
{
	struct ayb_buf rec = { 0 };
	char date[AYB_EMAIL_DATE_MAX];
	ssize_t n;
	int fd = -1, rc = -1;

	ayb_email_format_date(m->now, date);
	ayb_buf_addc(&rec, '{');
	add_field(&rec, "from", m->from);
	add_field(&rec, "to", m->to);
	add_field(&rec, "reply_to", m->reply_to);
	add_field(&rec, "subject", m->subject);
	add_field(&rec, "content_type", "text/plain");
	add_field(&rec, "content_transfer_encoding", ayb_email_body_encoding(m->body));
	add_field(&rec, "date", date);
	ayb_buf_adds(&rec, ",\"content\":");
	add_content_lines(&rec, m->body);
	ayb_buf_adds(&rec, "}\n");
	if (rec.oom) {
		ayb_buf_adds(why, "Out of memory");
		goto out;
	}

	/* Failures are left to open(2), which reports the reason that matters. */
	ayb_fs_mkdirs_for(path, 0755);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		ayb_buf_printf(why, "Could not open the email file: %s", strerror(errno));
		goto out;
	}
	/* One write(2) of the whole record with O_APPEND: concurrent
	 * processes appending to the same file never interleave lines.  A
	 * write cut short cannot be resumed without that risk, so it is an
	 * error; EINTR before any byte was written is retried. */
	do
		n = write(fd, rec.data, rec.len);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		ayb_buf_printf(why, "Could not write the email file: %s", strerror(errno));
		goto out;
	}
	if ((size_t)n != rec.len) {
		ayb_buf_adds(why, "Could not write the email file: short write");
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0 && close(fd) < 0 && rc == 0) {
		ayb_buf_printf(why, "Could not write the email file: %s", strerror(errno));
		rc = -1;
	}
	ayb_buf_free(&rec);
	return rc;
}
