/* The consent page of OAuth (README "Apps: OAuth"): GET /oauth/authorize
 * checks what the app asks for and, once the user is logged in, asks them;
 * POST /oauth/authorize sends the browser back to the app with a code or
 * with error=access_denied.  Errors are pages, never redirects: until it
 * is checked, a redirect_uri is not trusted with anything. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "oauth.h"
#include "ui.h"

/* The fields of the consent form, as signed by consent_mac. */
enum { F_REDIRECT, F_STATE, F_CHALLENGE, F_APP, F_SCOPE, NFIELDS };
static const char *const field_names[NFIELDS] = {
	"redirect_uri", "state", "code_challenge", "app_name", "requested_scope",
};

static void error_page(struct ui *ui, const char *code, const struct ayb_err *err)
{
	struct ayb_buf *b = &ui->page;
	/* The app's mistakes are 400 (ayb's status); the server's, and a
	 * limit's 429 with its Retry-After, keep theirs. */
	int status = ayb_err_status(err) >= 500 || err->kind == AYB_E_RATE_LIMITED
			     ? ui_err_status(ui, err) : 400;

	ayb_buf_free(b);
	ui_page_open(ui, "Authorization error", UI_CONTENT);
	ui_html_printf(b, "<div class=\"card narrow\" id=\"oauth-error\">"
			  "<h1 class=\"card-title\">Authorization error</h1>"
			  "<p class=\"muted\">The application that sent you here asked for something "
			  "this server cannot give it.</p>");
	ui_alert(b, UI_ERROR, code, err->message);
	ayb_buf_adds(b, "<p class=\"back-link\"><a href=\"/\">Back to ayb</a></p></div>");
	ui_page_close(ui, UI_CONTENT);
	ui_send(ui, status);
}

static void request_from_query(const struct ui *ui, struct ayb_oauth_request *r)
{
	const struct ui_form *q = &ui->query;

	r->response_type = ui_form_get(q, "response_type");
	r->redirect_uri = ui_form_get(q, "redirect_uri");
	r->scope = ui_form_get(q, "scope");
	r->state = ui_form_get(q, "state");
	r->code_challenge = ui_form_get(q, "code_challenge");
	r->code_challenge_method = ui_form_get(q, "code_challenge_method");
	r->app_name = ui_form_get(q, "app_name");
}

/* The consent form carries the request in hidden fields; what the page
 * only implied (response_type, the method) was checked when it was shown. */
static void request_from_form(const struct ui *ui, struct ayb_oauth_request *r)
{
	const struct ui_form *f = &ui->form;

	r->response_type = "code";
	r->code_challenge_method = "S256";
	r->redirect_uri = ui_form_get(f, "redirect_uri");
	r->state = ui_form_get(f, "state");
	r->code_challenge = ui_form_get(f, "code_challenge");
	r->app_name = ui_form_get(f, "app_name");
	r->scope = ui_form_get(f, "requested_scope");
	if (r->state && !*r->state)
		r->state = NULL;
}

/* Binds the form to what the page showed and to this login: the
 * redirect_uri, challenge, app and scope that come back are the ones the
 * user saw. */
static void consent_mac(const struct ui *ui, const struct ayb_oauth_request *r,
			char out[UI_CSRF_LEN + 1])
{
	const char *parts[] = { "oauth-consent", ui->token, r->redirect_uri, r->state,
				r->code_challenge, r->app_name, r->scope };

	ui_sign(ui, parts, sizeof(parts) / sizeof(parts[0]), out);
}

/* Not logged in: to the log in page, which brings the user back here once
 * the emailed link is opened in this browser. */
static void to_log_in(struct ui *ui)
{
	const char *uri = fcgi_request_param(ui->req, "REQUEST_URI");
	char *next = ui_url_encode(uri ? uri : "/oauth/authorize");
	char *to = next ? ayb_fmt("/log_in?next=%s", next) : NULL;

	ayb_buf_free(&ui->page);
	fcgi_response_header(ui->resp, "Location", to ? to : "/log_in");
	ui_send(ui, 302);
	free(to);
	free(next);
}

static void hidden(struct ayb_buf *b, const char *name, const char *value)
{
	ui_html_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"%s\">", name,
		       value ? value : "");
}

static void consent_page(struct ui *ui, const struct ayb_oauth_request *r, int level,
			 const struct ayb_database *dbs, size_t n)
{
	struct ayb_buf *b = &ui->page;
	const char *me = ui_me(ui);
	const char *values[NFIELDS] = { r->redirect_uri, r->state, r->code_challenge, r->app_name,
					r->scope };
	const char *uri = fcgi_request_param(ui->req, "REQUEST_URI");
	char mac[UI_CSRF_LEN + 1];

	/* Checked by ayb_oauth_redirect_ok: an origin of plain characters. */
	if (ayb_oauth_redirect_origin(r->redirect_uri, ui->form_action,
				      sizeof(ui->form_action)) < 0)
		ui->form_action[0] = '\0';
	consent_mac(ui, r, mac);
	ui_page_open(ui, "Authorize application", UI_CONTENT);
	ui_html_printf(b,
		       "<div class=\"card narrow consent\" id=\"oauth-consent\">"
		       "<h1 class=\"card-title\">Authorize %s</h1>"
		       "<p><strong id=\"consent-app\">%s</strong> is requesting "
		       "<strong id=\"consent-scope\">%s</strong> access to one of your databases.</p>"
		       "<p class=\"muted small\">You will be sent back to <code>%s</code>. The app "
		       "gets a token for the one database you pick, which you can revoke at any "
		       "time under <a href=\"/settings/tokens\">Tokens</a>.</p>"
		       "<form method=\"post\" action=\"/oauth/authorize\" class=\"stack\">",
		       r->app_name, r->app_name, r->scope, ui->form_action);
	ui_csrf_field(ui);
	for (int i = 0; i < NFIELDS; i++)
		hidden(b, field_names[i], values[i]);
	hidden(b, "consent", mac);
	ayb_buf_adds(b, "<label for=\"consent-database\">Database</label>");
	if (n == 0)
		ayb_buf_adds(b, "<p class=\"muted\" id=\"consent-no-database\">You have no "
				"databases yet: create one below first.</p>");
	else
		ayb_buf_adds(b, "<select id=\"consent-database\" name=\"database\">");
	for (size_t i = 0; i < n; i++)
		ui_html_printf(b, "<option value=\"%s/%s\">%s/%s</option>", me, dbs[i].slug, me,
			       dbs[i].slug);
	if (n)
		ayb_buf_adds(b, "</select>");
	/* The user may grant less than asked; the app learns which. */
	if (level == AYB_LEVEL_READ_WRITE)
		ayb_buf_adds(b, "<label for=\"consent-level\">Permission</label>"
				"<select id=\"consent-level\" name=\"granted_scope\">"
				"<option value=\"read-write\">read-write</option>"
				"<option value=\"read-only\">read-only</option></select>");
	ui_html_printf(b,
		       "<div class=\"dialog-actions\">"
		       "<button type=\"submit\" name=\"action\" value=\"deny\" id=\"consent-deny\" "
		       "class=\"btn btn-secondary\" formnovalidate>Deny</button>"
		       "<button type=\"submit\" name=\"action\" value=\"authorize\" "
		       "id=\"consent-authorize\" class=\"btn btn-primary\"%s>Authorize</button>"
		       "</div></form>",
		       n ? "" : " disabled");
	/* A separate form (forms do not nest): back here once created, where
	 * the newest database comes first and so is selected. */
	ui_html_printf(b,
		       "<details class=\"create-database\" id=\"consent-create\"%s>"
		       "<summary>+ Create new database</summary>"
		       "<form method=\"post\" action=\"/%s/create_database\" class=\"stack\">",
		       n ? "" : " open", me);
	ui_csrf_field(ui);
	hidden(b, "next", uri);
	hidden(b, "db_type", "sqlite");
	ayb_buf_adds(b, "<label for=\"consent-new-slug\">Name</label>"
			"<input id=\"consent-new-slug\" name=\"database_slug\" required maxlength=\"128\" "
			"placeholder=\"app.sqlite\" pattern=\"[A-Za-z0-9_.\\-]+\" "
			"autocomplete=\"off\" spellcheck=\"false\" autocapitalize=\"none\">"
			"<label for=\"consent-new-level\">Public access</label>"
			"<select id=\"consent-new-level\" name=\"public_sharing_level\">"
			"<option value=\"no-access\">Private</option>"
			"<option value=\"fork\">Forkable</option>"
			"<option value=\"read-only\">Read-only</option></select>"
			"<button type=\"submit\" id=\"consent-create-submit\" class=\"btn btn-secondary\">"
			"Create database</button></form></details></div>");
	ui_page_close(ui, UI_CONTENT);
	ui_send(ui, 200);
}

void ui_oauth_authorize_form(struct fcgi_call *c)
{
	struct ui *ui = c->ui;
	struct ayb_err err = { 0 };
	struct ayb_oauth_request r;
	struct ayb_database *dbs = NULL;
	const char *code = NULL;
	size_t n = 0;
	int level;

	request_from_query(ui, &r);
	if (ayb_app_oauth_check(&r, &level, &code, &err) < 0)
		error_page(ui, code, &err);
	else if (!ui->logged_in)
		to_log_in(ui);
	else if (ayb_app_entity_databases(ui->ctx, ui->caller, ui->caller->entity.id, &dbs, &n,
					  &err) < 0)
		error_page(ui, "server_error", &err);
	else
		consent_page(ui, &r, level, dbs, n);
	ayb_databases_free(dbs, n);
	ayb_err_clear(&err);
}

/* redirect_uri + ("?" or "&") + the answer's parameters + state. */
static char *back_to_app(const char *redirect_uri, const char *params, const char *state)
{
	char *st = state ? ui_url_encode(state) : NULL;
	char *url;

	if (state && !st)
		return NULL;
	url = ayb_fmt("%s%c%s%s%s", redirect_uri, strchr(redirect_uri, '?') ? '&' : '?', params,
		      st ? "&state=" : "", st ? st : "");
	free(st);
	return url;
}

void ui_oauth_authorize(struct fcgi_call *c)
{
	struct ui *ui = c->ui;
	struct ayb_err err = { 0 };
	struct ayb_oauth_request r;
	const char *code = "invalid_request", *action = ui_field(ui, "action");
	const char *sent = ui_form_get(&ui->form, "consent");
	char mac[UI_CSRF_LEN + 1], *granted = NULL, *params = NULL, *url = NULL;
	int level;

	request_from_form(ui, &r);
	if (!ui->logged_in) {
		ayb_err_set(&err, AYB_E_INVALID, "Not logged in");
		error_page(ui, "unauthorized", &err);
		goto out;
	}
	if (ayb_app_oauth_check(&r, &level, &code, &err) < 0) {
		error_page(ui, code, &err);
		goto out;
	}
	consent_mac(ui, &r, mac);
	if (!sent || strlen(sent) != UI_CSRF_LEN || sodium_memcmp(sent, mac, UI_CSRF_LEN) != 0) {
		ayb_err_set(&err, AYB_E_INVALID, "The consent form was changed or has expired. "
						 "Start again from the application.");
		error_page(ui, "invalid_request", &err);
		goto out;
	}
	if (strcmp(action, "deny") == 0) {
		params = strdup("error=access_denied");
	} else if (ayb_app_oauth_authorize(ui->ctx, ui->caller, &r, ui_field(ui, "database"),
					   ui_form_get(&ui->form, "granted_scope"), &granted,
					   &code, &err) < 0) {
		error_page(ui, code, &err);
		goto out;
	} else {
		params = ayb_fmt("code=%s", granted);
	}
	if (!params || !(url = back_to_app(r.redirect_uri, params, r.state))) {
		ayb_err_oom(&err);
		error_page(ui, "server_error", &err);
		goto out;
	}
	ui_redirect_away(ui, url);
out:
	if (granted)
		sodium_memzero(granted, strlen(granted));
	free(granted);
	free(params);
	free(url);
	ayb_err_clear(&err);
}
