/* Register, log in, confirm and log out in the browser (README "Web UI"),
 * and the home page.  The same actions as /v1/register, /v1/log_in and
 * /v1/confirm; confirming sets the login cookie. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token.h"
#include "ui.h"

/* A `next` target must stay on this site: a path, not "//host" or "/\host"
 * (which browsers treat as another host), with no control characters. */
int ui_safe_next(const char *next)
{
	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' || strlen(next) > 2048)
		return 0;
	for (const unsigned char *p = (const unsigned char *)next; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

void ui_home(struct fcgi_call *c)
{
	struct ui *ui = c->ui;
	struct ayb_buf *b = &ui->page;
	char *path = NULL;

	if (ui->logged_in) {
		path = ayb_fmt("/%s", ui_me(ui));
		ui_redirect(ui, path ? path : "/settings/tokens");
		goto out;
	}
	ui_page_open(ui, "Databases you can share", UI_CONTENT);
	ui_html_printf(b,
			"<section class=\"hero\"><h1>Create, share and query databases</h1>"
			"<p class=\"lead\">ayb hosts SQLite databases for you. Create one in a minute, "
			"query it from this page, from the <code>ayb</code> command line or over "
			"HTTP, and share it with the people who need it.</p>"
			"<div class=\"hero-actions\">"
			"<a class=\"btn btn-primary\" href=\"/register\">Create account</a>"
			"<a class=\"btn btn-secondary\" href=\"/log_in\">Log in</a></div></section>");
	ui_page_close(ui, UI_CONTENT);
	ui_send(ui, 200);
out:
	free(path);
}

/* The card of the register page; values are kept after an error. */
static void register_form(struct ui *ui, const char *error)
{
	struct ayb_buf *b = &ui->page;

	ayb_buf_adds(b, "<div class=\"card auth-card\"><h1 class=\"card-title\">Create account</h1>"
			"<p class=\"muted\">Pick a username and give your email address: "
			"we will send you a link that logs you in.</p>");
	if (error)
		ui_alert(b, UI_ERROR, "Unable to create the account", error);
	ayb_buf_adds(b, "<form method=\"post\" action=\"/register\" class=\"stack\">");
	ui_csrf_field(ui);
	ui_html_printf(b,
			"<label for=\"username\">Username</label>"
			"<input id=\"username\" name=\"username\" type=\"text\" required maxlength=\"128\" "
			"autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" "
			"pattern=\"[A-Za-z0-9_.\\-]+\" title=\"Letters, digits, _ . and -\" "
			"value=\"%s\" autofocus>"
			"<label for=\"email\">Email</label>"
			"<input id=\"email\" name=\"email\" type=\"email\" required maxlength=\"256\" "
			"autocomplete=\"email\" value=\"%s\">"
			"<button type=\"submit\" class=\"btn btn-primary btn-block\">Create account</button>"
			"</form><p class=\"muted small center\">Already have an account? "
			"<a href=\"/log_in\">Log in</a></p></div>",
			ui_field(ui, "username"), ui_field(ui, "email"));
}

static void check_email_page(struct ui *ui, const char *next)
{
	struct ayb_buf *b = &ui->page;

	ui_page_open(ui, "Check email", UI_AUTH_LOG_IN);
	ayb_buf_adds(b, "<div class=\"card auth-card\">");
	ui_alert(b, UI_SUCCESS, "Check email",
		 "Please check your email for a confirmation link.");
	ayb_buf_adds(b, "<p class=\"muted small\">The link works once and expires after a while. "
			"Open it in this browser to be logged in here.</p>");
	/* The page script keeps `next` until the confirmation page reads it. */
	if (ui_safe_next(next))
		ui_html_printf(b, "<div id=\"login-next\" data-next=\"%s\" hidden></div>", next);
	ayb_buf_adds(b, "</div>");
	ui_page_close(ui, UI_AUTH_LOG_IN);
	ui_send(ui, 200);
}

void ui_register_form(struct fcgi_call *c)
{
	struct ui *ui = c->ui;

	ui_page_open(ui, "Create account", UI_AUTH_LOG_IN);
	register_form(ui, NULL);
	ui_page_close(ui, UI_AUTH_LOG_IN);
	ui_send(ui, 200);
}

void ui_register(struct fcgi_call *c)
{
	struct ui *ui = c->ui;
	struct ayb_err err = { 0 };
	char tmp[256];

	if (!*ui_field(ui, "username") || !*ui_field(ui, "email")) {
		ayb_err_set(&err, AYB_E_INVALID, "Please give a username and an email address.");
	} else if (ayb_app_register(ui->ctx, ui_field(ui, "username"), ui_field(ui, "email"),
				    "user", &err) == 0) {
		check_email_page(ui, NULL);
		goto out;
	}
	ui_page_open(ui, "Registration error", UI_AUTH_LOG_IN);
	register_form(ui, ui_err_text(&err, tmp, sizeof(tmp)));
	ui_page_close(ui, UI_AUTH_LOG_IN);
	ui_send(ui, ui_err_status(ui, &err));
out:
	ayb_err_clear(&err);
}

static void log_in_form(struct ui *ui, const char *next, const char *error)
{
	struct ayb_buf *b = &ui->page;

	ayb_buf_adds(b, "<div class=\"card auth-card\"><h1 class=\"card-title\">Log in</h1>"
			"<p class=\"muted\">Enter your username: we will email you a link that logs "
			"you in.</p>");
	if (error)
		ui_alert(b, UI_ERROR, "Unable to log in", error);
	ayb_buf_adds(b, "<form method=\"post\" action=\"/log_in\" class=\"stack\">");
	ui_csrf_field(ui);
	if (ui_safe_next(next))
		ui_html_printf(b, "<input type=\"hidden\" name=\"next\" value=\"%s\">", next);
	ui_html_printf(b,
			"<label for=\"username\">Username</label>"
			"<input id=\"username\" name=\"username\" type=\"text\" required maxlength=\"128\" "
			"autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" "
			"value=\"%s\" autofocus>"
			"<button type=\"submit\" class=\"btn btn-primary btn-block\">Log in</button>"
			"</form><p class=\"muted small center\">New here? "
			"<a href=\"/register\">Create an account</a></p></div>",
			ui_field(ui, "username"));
}

void ui_log_in_form(struct fcgi_call *c)
{
	struct ui *ui = c->ui;

	ui_page_open(ui, "Log in", UI_AUTH_REGISTER);
	log_in_form(ui, ui_form_get(&ui->query, "next"), NULL);
	ui_page_close(ui, UI_AUTH_REGISTER);
	ui_send(ui, 200);
}

void ui_log_in(struct fcgi_call *c)
{
	struct ui *ui = c->ui;
	struct ayb_err err = { 0 };
	char tmp[256];

	if (!*ui_field(ui, "username")) {
		ayb_err_set(&err, AYB_E_INVALID, "Please give your username.");
	} else if (ayb_app_log_in(ui->ctx, ui_field(ui, "username"), &err) == 0) {
		check_email_page(ui, ui_form_get(&ui->form, "next"));
		goto out;
	}
	ui_page_open(ui, "Login error", UI_AUTH_REGISTER);
	log_in_form(ui, ui_form_get(&ui->form, "next"), ui_err_text(&err, tmp, sizeof(tmp)));
	ui_page_close(ui, UI_AUTH_REGISTER);
	ui_send(ui, ui_err_status(ui, &err));
out:
	ayb_err_clear(&err);
}

/* The page of a confirmation link that cannot be used. */
static void confirm_failed(struct ui *ui, const struct ayb_err *err)
{
	struct ayb_buf *b = &ui->page;
	char tmp[256];

	ui_page_open(ui, "Confirmation error", UI_AUTH_LOG_IN);
	ayb_buf_adds(b, "<div class=\"card auth-card\">");
	ui_alert(b, UI_ERROR, "Unable to log in",
		 ayb_err_status(err) >= 500
		 ? ui_err_text(err, tmp, sizeof(tmp))
		 : "Invalid or expired confirmation link. Please try again.");
	ayb_buf_adds(b, "<p class=\"center\">"
			"<a class=\"btn btn-secondary\" href=\"/log_in\">"
			"Send a new link</a></p></div>");
	ui_page_close(ui, UI_AUTH_LOG_IN);
	ui_send(ui, ui_err_status(ui, err));
}

/* The token of /confirm/<token>, or NULL when it holds a NUL byte. */
static const char *confirm_token(const struct ui *ui)
{
	const struct fcgi_segment *seg = &ui->req->seg[1];

	return strlen(seg->s) == seg->len ? seg->s : NULL;
}

/* Opening the emailed link only asks: a link that logged in on a GET
 * would let another site log a visitor into the other site's account
 * (login CSRF), dropping their own session.  The button posts the link
 * back with this browser's CSRF token, and only that logs in. */
void ui_confirm_form(struct fcgi_call *c)
{
	struct ui *ui = c->ui;
	struct ayb_err err = { 0 };
	struct ayb_buf *b = &ui->page;
	const char *token = confirm_token(ui);
	const char *me = ui_me(ui);
	char *entity = NULL;

	if (!token || ayb_app_confirm_peek(ui->ctx, token, &entity, &err) < 0) {
		if (!token)
			ayb_token_email_invalid(&err);
		confirm_failed(ui, &err);
		goto out;
	}
	ui_page_open(ui, "Confirm log in", UI_AUTH_LOG_IN);
	ui_html_printf(b,
			"<div class=\"card auth-card\"><h1 class=\"card-title\">Log in as %s</h1>"
			"<p class=\"muted\">You opened a link from ayb&#39;s email to log in as "
			"<strong>%s</strong> in this browser.</p>",
			entity, entity);
	if (me && strcmp(me, entity) != 0)
		ui_html_printf(b, "<p>This browser is logged in as <strong>%s</strong> now: "
				   "logging in as %s logs %s out.</p>",
				me, entity, me);
	ui_html_printf(b, "<form method=\"post\" action=\"/confirm/%s\" class=\"stack\">",
			token);
	ui_csrf_field(ui);
	ui_html_printf(b,
			"<button type=\"submit\" id=\"confirm-log-in\" "
			"class=\"btn btn-primary btn-block\">Log in as %s</button></form>"
			"<p class=\"muted small center\">Not you, or did not ask for this? Close "
			"this page: nothing happens until you press the button.</p></div>",
			entity);
	ui_page_close(ui, UI_AUTH_LOG_IN);
	ui_send(ui, 200);
out:
	free(entity);
	ayb_err_clear(&err);
}

void ui_confirm(struct fcgi_call *c)
{
	struct ui *ui = c->ui;
	struct ayb_err err = { 0 };
	struct ayb_buf *b = &ui->page;
	const char *link = confirm_token(ui);
	char *entity = NULL, *token = NULL;

	if (!link || ayb_app_confirm(ui->ctx, link, &entity, &token, &err) < 0) {
		if (!link)
			ayb_token_email_invalid(&err);
		confirm_failed(ui, &err);
		goto out;
	}
	/* This browser's previous session (if any) is replaced: its token
	 * has no other holder, so it is revoked rather than left behind. */
	if (ui->logged_in) {
		struct ayb_err ignored = { 0 };
		ayb_app_token_revoke(ui->ctx, ui->caller, ui->caller->token.short_token, &ignored);
		ayb_err_clear(&ignored);
	}
	ui_set_login(ui, entity, token);
	ui_page_open(ui, "Confirmation successful", UI_AUTH_LOG_IN);
	ui_html_printf(b,
			"<div class=\"card auth-card\"><h1 class=\"card-title\">Success</h1>"
			"<p>Confirmation complete. You are now logged in.</p>"
			"<div id=\"default-redirect\" data-url=\"/%s\" hidden></div>"
			"<a class=\"btn btn-primary btn-block\" id=\"continue-link\" href=\"/%s\">Continue</a>"
			"</div>",
			entity, entity);
	ui_page_close(ui, UI_AUTH_LOG_IN);
	ui_send(ui, 200);
out:
	if (token)
		memset(token, 0, strlen(token));
	free(token);
	free(entity);
	ayb_err_clear(&err);
}

void ui_log_out_form(struct fcgi_call *c)
{
	struct ui *ui = c->ui;

	if (!ui->logged_in) {
		ui_redirect(ui, "/log_in");
		return;
	}
	/* Logging out changes state, so it takes a form with a CSRF token: a
	 * link on another site cannot log anyone out. */
	ui_page_open(ui, "Log out", UI_CONTENT);
	ui_html_printf(&ui->page,
			"<div class=\"card narrow\"><h1 class=\"card-title\">Log out</h1>"
			"<p>You are logged in as <strong>%s</strong>.</p>"
			"<form method=\"post\" action=\"/log_out\">",
			ui_me(ui));
	ui_csrf_field(ui);
	ayb_buf_adds(&ui->page, "<button type=\"submit\" class=\"btn btn-primary\">Log out</button>"
			       "</form></div>");
	ui_page_close(ui, UI_CONTENT);
	ui_send(ui, 200);
}

void ui_log_out(struct fcgi_call *c)
{
	struct ui *ui = c->ui;

	/* The cookie's token exists only for this browser: revoke it, so a
	 * copy of the cookie is worthless after logging out. */
	if (ui->logged_in) {
		struct ayb_err ignored = { 0 };
		ayb_app_token_revoke(ui->ctx, ui->caller, ui->caller->token.short_token, &ignored);
		ayb_err_clear(&ignored);
	}
	ui_clear_login(ui);
	ui_redirect(ui, "/log_in");
}
