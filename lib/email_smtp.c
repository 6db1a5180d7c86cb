#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "buf.h"
#include "email.h"
#include "email_impl.h"

/* The SMTP backend: one message through libcurl to [email.smtp]
 * smtp_host:smtp_port, over implicit TLS (smtps://, ayb's only mode), or
 * STARTTLS that must succeed, or (for a relay on the same host) no TLS.
 * Every header value comes from config or a request, so each is checked
 * for CR/LF before it goes near the wire. */

#define ADDRESS_MAX 256

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return 1;
	return 0;
}

/* A mailbox header value split for use: the bare address for MAIL FROM /
 * RCPT TO, and how many bytes of display name come before it. */
struct mailbox {
	const char *text;            /* the header value, borrowed */
	size_t name_len;             /* 0 for a bare address */
	char addr[ADDRESS_MAX + 1];
};

/* Parses "Name <addr>" or "addr".  Control characters anywhere (CR/LF above
 * all: header injection) make the mailbox invalid.  Returns 0 or -1. */
static int parse_mailbox(const char *mailbox, struct mailbox *mb)
{
	struct ayb_err err = { 0 };
	const char *start = mailbox, *end, *lt;
	size_t n;

	if (has_control(mailbox))
		return -1;
	while (*start == ' ')
		start++;
	end = start + strlen(start);
	while (end > start && end[-1] == ' ')
		end--;
	mb->text = mailbox;
	mb->name_len = 0;
	if (end > start && end[-1] == '>') {
		lt = end - 1;
		while (lt > start && *lt != '<')
			lt--;
		if (*lt != '<')
			return -1;
		mb->name_len = (size_t)(lt - mailbox);
		start = lt + 1;
		end--;
	}
	n = (size_t)(end - start);
	if (n > ADDRESS_MAX)
		return -1;
	memcpy(mb->addr, start, n);
	mb->addr[n] = '\0';
	if (strpbrk(mb->addr, "<>") || ayb_email_check_address(mb->addr, &err) < 0) {
		ayb_err_clear(&err);
		return -1;
	}
	return 0;
}

/* Non-ASCII header text as RFC 2047 encoded-words, folded one word per
 * line.  Each word carries at most 45 bytes (60 base64 characters, within
 * the 75-character limit), cut only between UTF-8 sequences. */
static void add_encoded_words(struct ayb_buf *b, const char *s, size_t n)
{
	char b64[sodium_base64_ENCODED_LEN(45, sodium_base64_VARIANT_ORIGINAL)];

	while (n) {
		size_t take = n < 45 ? n : 45;

		while (take < n && take > 1 && ((unsigned char)s[take] & 0xc0) == 0x80)
			take--;
		sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)s, take,
				  sodium_base64_VARIANT_ORIGINAL);
		ayb_buf_printf(b, "=?UTF-8?B?%s?=", b64);
		s += take;
		n -= take;
		if (n)
			ayb_buf_adds(b, "\r\n ");
	}
}

static void add_header_text(struct ayb_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] > 0x7f) {
			add_encoded_words(b, s, n);
			return;
		}
	}
	ayb_buf_add(b, s, n);
}

/* A mailbox header: an ASCII value as given; otherwise the display name is
 * encoded and the address kept as is. */
static void add_mailbox_header(struct ayb_buf *b, const char *name, const struct mailbox *mb)
{
	size_t n = mb->name_len;

	ayb_buf_printf(b, "%s: ", name);
	if (ayb_email_is_ascii(mb->text) || n == 0) {
		ayb_buf_adds(b, mb->text);
	} else {
		while (n && mb->text[n - 1] == ' ')
			n--;
		add_header_text(b, mb->text, n);
		ayb_buf_printf(b, " <%s>", mb->addr);
	}
	ayb_buf_adds(b, "\r\n");
}

/* The body with every line ending made CRLF (SMTP requires it; curl does
 * the dot-stuffing) and a final CRLF. */
static void add_body(struct ayb_buf *b, const char *body)
{
	for (const char *p = body; *p; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\n' || *p == '\r')
			ayb_buf_adds(b, "\r\n");
		else
			ayb_buf_addc(b, *p);
	}
	if (b->len < 2 || memcmp(b->data + b->len - 2, "\r\n", 2) != 0)
		ayb_buf_adds(b, "\r\n");
}

static void build_message(struct ayb_buf *b, const struct ayb_email_msg *m,
			  const struct mailbox *from, const struct mailbox *reply_to,
			  const struct mailbox *to)
{
	char date[AYB_EMAIL_DATE_MAX];
	unsigned char id[16];
	char idhex[2 * sizeof(id) + 1];

	ayb_email_format_date(m->now, date);
	randombytes_buf(id, sizeof(id));
	sodium_bin2hex(idhex, sizeof(idhex), id, sizeof(id));

	add_mailbox_header(b, "From", from);
	add_mailbox_header(b, "Reply-To", reply_to);
	add_mailbox_header(b, "To", to);
	ayb_buf_adds(b, "Subject: ");
	add_header_text(b, m->subject, strlen(m->subject));
	ayb_buf_printf(b, "\r\nDate: %s\r\n", date);
	/* Mail without a Message-ID is scored as spam by many receivers. */
	ayb_buf_printf(b, "Message-ID: <%s@%s>\r\n", idhex, strchr(from->addr, '@') + 1);
	ayb_buf_adds(b, "MIME-Version: 1.0\r\n"
			"Content-Type: text/plain; charset=utf-8\r\n");
	ayb_buf_printf(b, "Content-Transfer-Encoding: %s\r\n\r\n",
		       ayb_email_body_encoding(m->body));
	add_body(b, m->body);
}

/* Hosts go into a URL: allow names and IP literals only, so nothing can
 * add a path, credentials or another scheme. */
static int host_ok(const char *host)
{
	if (!host || !*host)
		return 0;
	return strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789.-:_") == strlen(host);
}

struct upload {
	const char *p;
	size_t left;
};

static size_t read_upload(char *dst, size_t size, size_t nitems, void *ctx)
{
	struct upload *u = ctx;
	size_t n = size * nitems;

	if (n > u->left)
		n = u->left;
	memcpy(dst, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

static int send_with_curl(const struct ayb_smtp_config *smtp, const char *url,
			  const char *from_addr, const char *to_addr, const struct ayb_buf *msg,
			  struct ayb_buf *why)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	char envelope_from[ADDRESS_MAX + 3], envelope_to[ADDRESS_MAX + 3];
	struct upload up = { msg->data, msg->len };
	struct curl_slist *rcpt = NULL;
	CURL *c = curl_easy_init();
	CURLcode cc = CURLE_OUT_OF_MEMORY;

	snprintf(envelope_from, sizeof(envelope_from), "<%s>", from_addr);
	snprintf(envelope_to, sizeof(envelope_to), "<%s>", to_addr);
	rcpt = curl_slist_append(NULL, envelope_to);
	if (!c || !rcpt)
		goto out;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_USE_SSL, smtp->tls == AYB_SMTP_TLS_STARTTLS
						     ? (long)CURLUSESSL_ALL
						     : (long)CURLUSESSL_NONE);
	if (smtp->smtp_username && *smtp->smtp_username) {
		curl_easy_setopt(c, CURLOPT_USERNAME, smtp->smtp_username);
		curl_easy_setopt(c, CURLOPT_PASSWORD,
				 smtp->smtp_password ? smtp->smtp_password : "");
	}
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, envelope_from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg->len);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_upload);
	curl_easy_setopt(c, CURLOPT_READDATA, &up);
	cc = curl_easy_perform(c);
out:
	if (cc != CURLE_OK)
		ayb_buf_printf(why, "Could not send email: %s",
			       errbuf[0] ? errbuf : curl_easy_strerror(cc));
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	return cc == CURLE_OK ? 0 : -1;
}

int ayb_email_smtp_send(const struct ayb_smtp_config *smtp, const struct ayb_email_msg *m,
			struct ayb_buf *why)
{
	struct mailbox from, reply_to, to;
	struct ayb_buf url = { 0 }, msg = { 0 };
	const char *bad = NULL;
	int rc = -1;

	if (parse_mailbox(m->from, &from) < 0)
		bad = m->from;
	else if (parse_mailbox(m->reply_to, &reply_to) < 0)
		bad = m->reply_to;
	else if (parse_mailbox(m->to, &to) < 0)
		bad = m->to;
	if (bad) {
		ayb_buf_printf(why, "Invalid email address: %s", bad);
		goto out;
	}
	if (has_control(m->subject)) {
		ayb_buf_adds(why, "Invalid subject: it contains a control character");
		goto out;
	}
	if (!host_ok(smtp->smtp_host) || smtp->smtp_port < 1 || smtp->smtp_port > 65535) {
		ayb_buf_printf(why, "Invalid SMTP server: %s:%d",
			       smtp->smtp_host ? smtp->smtp_host : "", smtp->smtp_port);
		goto out;
	}
	ayb_buf_printf(&url, strchr(smtp->smtp_host, ':') ? "%s://[%s]:%d" : "%s://%s:%d",
		       smtp->tls == AYB_SMTP_TLS_IMPLICIT ? "smtps" : "smtp", smtp->smtp_host,
		       smtp->smtp_port);
	build_message(&msg, m, &from, &reply_to, &to);
	if (url.oom || msg.oom) {
		ayb_buf_adds(why, "Could not send email: out of memory");
		goto out;
	}
	rc = send_with_curl(smtp, url.data, from.addr, to.addr, &msg, why);
out:
	ayb_buf_free(&url);
	ayb_buf_free(&msg);
	return rc;
}
