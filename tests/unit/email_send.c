/* Sends one confirmation email over SMTP without TLS, for
 * tests/e2e/email_smtp.sh.  Reads no config file: the config is built here
 * from the arguments.
 *
 *   email_send HOST PORT TO TOKEN [USER PASS]
 *
 * The environment may change two settings: EMAIL_SEND_TLS (implicit,
 * starttls or none, the default) and EMAIL_SEND_FROM (the From mailbox).
 * Exits 0 when sent; otherwise prints "Error: <message>" on stderr, 1. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "email.h"

int main(int argc, char **argv)
{
	struct ayb_smtp_config smtp = {
		.from = "Server Sender <server@example.org>",
		.reply_to = "Server Reply <replyto@example.org>",
		.tls = AYB_SMTP_TLS_NONE,
	};
	struct ayb_config cfg = { .public_url = "http://localhost:5433", .smtp = &smtp };
	struct ayb_err err = { 0 };
	const char *tls = getenv("EMAIL_SEND_TLS"), *from = getenv("EMAIL_SEND_FROM");

	if (argc != 5 && argc != 7) {
		fprintf(stderr, "usage: %s HOST PORT TO TOKEN [USER PASS]\n", argv[0]);
		return 2;
	}
	if (tls && strcmp(tls, "implicit") == 0)
		smtp.tls = AYB_SMTP_TLS_IMPLICIT;
	else if (tls && strcmp(tls, "starttls") == 0)
		smtp.tls = AYB_SMTP_TLS_STARTTLS;
	if (from)
		smtp.from = (char *)from;
	smtp.smtp_host = argv[1];
	smtp.smtp_port = atoi(argv[2]);
	smtp.smtp_username = argc == 7 ? argv[5] : "";
	smtp.smtp_password = argc == 7 ? argv[6] : "";
	if (ayb_email_send_confirmation(&cfg, argv[3], argv[4], (int64_t)time(NULL), &err) < 0) {
		fprintf(stderr, "Error: %s\n", err.message ? err.message : "Out of memory");
		ayb_err_clear(&err);
		return 1;
	}
	return 0;
}
