/* What every web UI request shares: the login cookie and its validation,
 * CSRF tokens, the page layout and how a page is sent. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "cookie.h"
#include "ui.h"

#define LOGIN_COOKIE "auth"
/* The anonymous visitor's CSRF binding: a random value in its own cookie,
 * so register and log in forms are protected before anyone is logged in. */
#define ANON_COOKIE "ayb_csrf"
/* How the CSRF token and the anonymous binding are written: URL-safe
 * base64 without padding, safe in a cookie and a form field as it is. */
#define B64_URL_NOPAD sodium_base64_VARIANT_URLSAFE_NO_PADDING

/* Pages are per user and hold tokens in forms: never cached, never framed,
 * and only our own script and stylesheet run (any markup that slipped
 * past escaping still could not execute). */
#define CSP "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " \
	    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

const char *ui_me(const struct ui *ui)
{
	return ui->logged_in ? ui->caller->entity.slug : NULL;
}

const char *ui_field(const struct ui *ui, const char *name)
{
	const char *v = ui_form_get(&ui->form, name);

	return v ? v : "";
}

static int served_over_https(const struct ui *ui)
{
	const char *https = fcgi_request_param(ui->req, "HTTPS");
	const char *scheme = fcgi_request_param(ui->req, "REQUEST_SCHEME");

	if (https && *https && strcasecmp(https, "off") != 0)
		return 1;
	if (scheme && strcasecmp(scheme, "https") == 0)
		return 1;
	return strncmp(ui->ctx->cfg->public_url, "https://", 8) == 0;
}

static void set_cookie(struct ui *ui, const char *name, const char *value, const char *extra)
{
	char *line = ayb_fmt("%s=%s; Path=/; HttpOnly; SameSite=Lax%s%s", name, value,
			     ui->https ? "; Secure" : "", extra);

	if (!line)
		return;
	fcgi_response_header(ui->resp, "Set-Cookie", line);
	free(line);
}

void ui_set_login(struct ui *ui, const char *entity, const char *token)
{
	char *value = ayb_fmt("%s:%s", entity, token);

	if (!value)
		return;
	set_cookie(ui, LOGIN_COOKIE, value, "");
	sodium_memzero(value, strlen(value));
	free(value);
}

void ui_clear_login(struct ui *ui)
{
	set_cookie(ui, LOGIN_COOKIE, "", "; Max-Age=0");
}

/* HMAC-SHA256 of the binding under a key derived from fernet_key, so a
 * token is worthless for any other session and cannot be forged without
 * the server's key. */
static void csrf_for(const struct ui *ui, const char *binding, char out[UI_CSRF_LEN + 1])
{
	unsigned char key[crypto_auth_hmacsha256_KEYBYTES];
	unsigned char mac[crypto_auth_hmacsha256_BYTES];

	crypto_kdf_derive_from_key(key, sizeof(key), 1, "aybcsrf_", ui->ctx->cfg->key);
	crypto_auth_hmacsha256(mac, (const unsigned char *)binding, strlen(binding), key);
	sodium_bin2base64(out, UI_CSRF_LEN + 1, mac, sizeof(mac), B64_URL_NOPAD);
	sodium_memzero(key, sizeof(key));
}

void ui_sign(const struct ui *ui, const char *const *parts, size_t n,
	     char out[UI_CSRF_LEN + 1])
{
	unsigned char key[crypto_auth_hmacsha256_KEYBYTES];
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;

	/* Its own key, so a signature is never a valid CSRF token; each part
	 * with its length, so parts cannot shift into one another. */
	crypto_kdf_derive_from_key(key, sizeof(key), 2, "aybcsrf_", ui->ctx->cfg->key);
	crypto_auth_hmacsha256_init(&st, key, sizeof(key));
	for (size_t i = 0; i < n; i++) {
		char len[24];
		const char *p = parts[i] ? parts[i] : "";

		snprintf(len, sizeof(len), "%zu:", strlen(p));
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)len, strlen(len));
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)p, strlen(p));
	}
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2base64(out, UI_CSRF_LEN + 1, mac, sizeof(mac), B64_URL_NOPAD);
	sodium_memzero(key, sizeof(key));
}

/* Reads the login cookie "<entity>:<token>" and checks the token exactly as
 * a bearer token.  Anything wrong with it means "not logged in" (and the
 * cookie is cleared); only a store failure is an error. */
static int load_session(struct ui *ui, const char *cookies, struct ayb_err *err)
{
	char *value = ui_cookie_get(cookies, LOGIN_COOKIE);
	struct ayb_caller who;
	char *colon;
	int ret = 0;

	if (!value || !*value)
		goto out;
	colon = strchr(value, ':');
	if (!colon || !(ui->token = strdup(colon + 1))) {
		ui_clear_login(ui);
		goto out;
	}
	*colon = '\0';
	if (ayb_app_caller_from_token(ui->ctx, ui->token, ui->caller, err) < 0) {
		if (ayb_err_status(err) >= 500) {
			ret = -1;
			goto out;
		}
		ayb_err_clear(err);
		ui_clear_login(ui);
		goto out;
	}
	/* The cookie names the entity for display in ayb; here the token
	 * decides, and a cookie whose name disagrees is not a session. */
	who = ayb_app_perm_caller(ui->caller);
	if (strcmp(value, ui->caller->entity.slug) != 0 || !ayb_perm_can_hold_session(&who)) {
		ayb_app_caller_free(ui->caller);
		ui_clear_login(ui);
		goto out;
	}
	ui->logged_in = 1;
out:
	if (!ui->logged_in && ui->token) {
		sodium_memzero(ui->token, strlen(ui->token));
		free(ui->token);
		ui->token = NULL;
	}
	if (value)
		sodium_memzero(value, strlen(value));
	free(value);
	return ret;
}

/* The origin this request was addressed to, as a browser writes it. */
static int same_origin(const struct ui *ui, const char *origin)
{
	const char *host = fcgi_request_header(ui->req, "host");
	char *mine = NULL;
	int same;

	if (strcmp(origin, ui->ctx->cfg->public_url) == 0)
		return 1;
	if (!host || !(mine = ayb_fmt("%s://%s", ui->https ? "https" : "http", host)))
		return 0;
	same = strcmp(origin, mine) == 0;
	free(mine);
	return same;
}

/* A state-changing request must come from one of our own pages: the
 * browser's Origin (when sent) is ours, it is not marked cross-site, and it
 * carries the CSRF token of this session. */
static int csrf_ok(const struct ui *ui)
{
	const char *origin = fcgi_request_header(ui->req, "origin");
	const char *site = fcgi_request_header(ui->req, "sec-fetch-site");
	const char *sent = ui_form_get(&ui->form, "csrf");

	/* A streamed body (an import's file) is not read before the handler:
	 * its form carries the token in the action URL. */
	if (!sent && ui->req->body_read)
		sent = ui_form_get(&ui->query, "csrf");
	if (!sent)
		sent = fcgi_request_header(ui->req, "x-csrf-token");
	if (site && strcmp(site, "cross-site") == 0)
		return 0;
	if (origin && !same_origin(ui, origin))
		return 0;
	return sent && strlen(sent) == UI_CSRF_LEN &&
	       sodium_memcmp(sent, ui->csrf, UI_CSRF_LEN) == 0;
}

static int parse_body(struct ui *ui, struct ayb_err *err)
{
	const char *ct = fcgi_request_header(ui->req, "content-type");

	if (!ui->req->body || !ui->req->body_len)
		return 0;
	if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)
		return ayb_err_set(err, AYB_E_UNSUPPORTED_MEDIA,
				   "Forms must be sent as application/x-www-form-urlencoded");
	return ui_form_parse(ui->req->body, ui->req->body_len, &ui->form, err);
}

int ui_session_begin(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	struct fcgi_request *req = c->req;
	const char *qs = fcgi_request_param(req, "QUERY_STRING");
	const char *cookies = fcgi_request_header(req, "cookie");
	const char *hx = fcgi_request_header(req, "hx-request");
	struct ui *ui;
	char *anon = NULL;
	int ret = -1;

	if (!(ui = c->ui = calloc(1, sizeof(*ui)))) {
		ayb_err_oom(&err);
		fcgi_response_error(c->resp, &err);
		ayb_err_clear(&err);
		return -1;
	}
	ui->ctx = c->app;
	ui->req = req;
	ui->resp = c->resp;
	ui->caller = &c->caller;
	ui->https = served_over_https(ui);
	ui->fragment = hx && strcmp(hx, "true") == 0;
	/* The query string only carries optional hints (`next`): a malformed
	 * one is ignored rather than refused. */
	if (qs && ui_form_parse(qs, strlen(qs), &ui->query, &err) < 0)
		ayb_err_clear(&err);
	if (load_session(ui, cookies, &err) < 0) {
		fcgi_response_log_error(ui->resp, &err);
		ui_message_page(ui, 503, "Service unavailable", UI_ERROR,
				"Service unavailable",
				    "The server cannot reach its metadata store. Please try again shortly.");
		goto out;
	}
	if (ui->logged_in) {
		csrf_for(ui, ui->token, ui->csrf);
	} else {
		anon = ui_cookie_get(cookies, ANON_COOKIE);
		if (!anon || strlen(anon) < 32) {
			unsigned char rnd[24];
			char fresh[sodium_base64_ENCODED_LEN(24, B64_URL_NOPAD)];

			randombytes_buf(rnd, sizeof(rnd));
			sodium_bin2base64(fresh, sizeof(fresh), rnd, sizeof(rnd), B64_URL_NOPAD);
			free(anon);
			if (!(anon = strdup(fresh))) {
				ui_message_page(ui, 500, "Server error", UI_ERROR,
						"Server error", "Out of memory");
				goto out;
			}
			set_cookie(ui, ANON_COOKIE, anon, "");
		}
		csrf_for(ui, anon, ui->csrf);
	}
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		if (parse_body(ui, &err) < 0) {
			char tmp[256];
			ui_message_page(ui, ui_err_status(ui, &err), "Bad request", UI_ERROR,
					"Bad request", ui_err_text(&err, tmp, sizeof(tmp)));
			goto out;
		}
		if (!csrf_ok(ui)) {
			ui_message_page(ui, 403, "Request refused", UI_ERROR, "Request refused",
					"This form has expired or was sent from another site. "
					"Go back, reload the page and try again.");
			goto out;
		}
	}
	ret = 0;
out:
	free(anon);
	ayb_err_clear(&err);
	return ret;
}

/* The caller belongs to the call, which frees it. */
void ui_session_end(struct ui *ui)
{
	ui_form_free(&ui->form);
	ui_form_free(&ui->query);
	if (ui->token) {
		sodium_memzero(ui->token, strlen(ui->token));
		free(ui->token);
	}
	sodium_memzero(ui->csrf, sizeof(ui->csrf));
	ayb_buf_free(&ui->page);
	free(ui);
}

void ui_target_failed(struct ui *ui, const struct ayb_err *err)
{
	if (ayb_err_status(err) == 404)
		ui_message_page(ui, 404, "Not found", UI_ERROR, "Database not found",
				"It does not exist, or it is not shared with you.");
	else
		ui_message_page(ui, ui_err_status(ui, err), "Server error", UI_ERROR,
				"Server error", err->message);
}

const char *ui_err_text(const struct ayb_err *err, char *tmp, size_t tmpsize)
{
	static const struct {
		const char *type, *name;
	} names[] = {
		{ "database", "Database" },
		{ "entity", "Entity" },
		{ "api_token", "API token" },
	};

	if (err->kind == AYB_E_NOT_FOUND) {
		const char *name = "Record";
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (err->record_type && strcmp(err->record_type, names[i].type) == 0)
				name = names[i].name;
		snprintf(tmp, tmpsize, "%s %s not found", name, err->id ? err->id : "");
		return tmp;
	}
	if (err->kind == AYB_E_SNAPSHOT_MISSING)
		return "The snapshot does not exist";
	return err->message ? err->message : "Unknown error";
}

void ui_csrf_field(struct ui *ui)
{
	ui_html_printf(&ui->page, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", ui->csrf);
}

void ui_alert(struct ayb_buf *b, enum ui_alert kind, const char *title,
	      const char *message)
{
	static const char *const cls[] = { "alert-info", "alert-success", "alert-error" };

	ui_html_printf(b, "<div class=\"alert %s\" role=\"%s\"><div class=\"alert-title\">%s</div>",
			cls[kind], kind == UI_ERROR ? "alert" : "status", title);
	if (message && *message)
		ui_html_printf(b, "<p>%s</p>", message);
	ayb_buf_adds(b, "</div>");
}

static void nav(struct ui *ui)
{
	struct ayb_buf *b = &ui->page;
	const char *me = ui_me(ui);

	ayb_buf_adds(b, "<header class=\"topbar\"><div class=\"topbar-inner\">"
			"<a class=\"brand\" href=\"/\">ayb</a><nav class=\"topnav\" aria-label=\"Account\">");
	if (me) {
		ui_html_printf(b,
				"<details class=\"menu\" id=\"user-menu\"><summary class=\"menu-button\">"
				"<span class=\"avatar avatar-sm\" aria-hidden=\"true\">%c</span>"
				"<span class=\"menu-name\">%s</span>"
				"<svg class=\"chevron\" viewBox=\"0 0 16 16\" aria-hidden=\"true\">"
				"<path d=\"M4 6l4 4 4-4\"/></svg></summary>"
				"<div class=\"menu-panel\">"
				"<a href=\"/%s\">Profile</a><a href=\"/settings/tokens\">Tokens</a>"
				"<hr><form method=\"post\" action=\"/log_out\">",
				me[0], me, me);
		ui_csrf_field(ui);
		ayb_buf_adds(b, "<button type=\"submit\" class=\"menu-item\">Log out</button>"
				"</form></div></details>");
	} else {
		ayb_buf_adds(b, "<a class=\"nav-link\" href=\"/log_in\">Log in</a>"
				"<a class=\"btn btn-primary btn-sm\" href=\"/register\">Sign up</a>");
	}
	ayb_buf_adds(b, "</nav></div></header>");
}

void ui_page_open(struct ui *ui, const char *title, enum ui_layout layout)
{
	struct ayb_buf *b = &ui->page;

	ui_html_printf(b,
			"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
			"<title>%s - ayb</title>"
			"<link rel=\"stylesheet\" href=\"%s\">"
			"<link rel=\"icon\" type=\"image/svg+xml\" href=\"%s\">"
			"<script src=\"%s\" defer></script></head>",
			title, ui_asset_url("ayb.css"), ui_asset_url("favicon.svg"),
			ui_asset_url("ayb.js"));
	if (layout == UI_CONTENT) {
		ayb_buf_adds(b, "<body class=\"layout-content\">"
				"<a class=\"skip-link\" href=\"#main\">Skip to content</a>");
		nav(ui);
		ayb_buf_adds(b, "<main id=\"main\" class=\"container\">");
		return;
	}
	ayb_buf_adds(b, "<body class=\"layout-auth\"><div class=\"auth-grid\">"
			"<aside class=\"auth-aside\"><a class=\"brand brand-light\" href=\"/\">ayb</a>"
			"<blockquote class=\"auth-quote\">You&#39;re a minute away from creating, "
			"sharing, and querying a database.</blockquote></aside>"
			"<div class=\"auth-main\"><div class=\"auth-top\">");
	if (layout == UI_AUTH_REGISTER)
		ayb_buf_adds(b, "<a class=\"btn btn-ghost\" href=\"/register\">Create account</a>");
	else
		ayb_buf_adds(b, "<a class=\"btn btn-ghost\" href=\"/log_in\">Log in</a>");
	ayb_buf_adds(b, "</div><main id=\"main\" class=\"auth-center\">");
}

void ui_page_close(struct ui *ui, enum ui_layout layout)
{
	struct ayb_buf *b = &ui->page;

	ayb_buf_adds(b, "</main>");
	if (layout != UI_CONTENT)
		ayb_buf_adds(b, "</div></div>");
	/* One confirmation dialog for the whole page, driven by ayb.js; without
	 * JavaScript forms are sent at once. */
	ayb_buf_adds(b, "<dialog id=\"confirm-dialog\" class=\"dialog\" "
			"aria-labelledby=\"confirm-title\">"
			"<form method=\"dialog\"><h2 id=\"confirm-title\" class=\"dialog-title\"></h2>"
			"<p id=\"confirm-message\"></p><div class=\"dialog-actions\">"
			"<button value=\"cancel\" class=\"btn btn-secondary\">Cancel</button>"
			"<button value=\"ok\" id=\"confirm-ok\" class=\"btn btn-danger\">Confirm</button>"
			"</div></form></dialog></body></html>\n");
}

int ui_err_status(struct ui *ui, const struct ayb_err *err)
{
	fcgi_response_log_error(ui->resp, err);
	fcgi_response_retry_after(ui->resp, err);
	return ayb_err_status(err);
}

static void page_headers(struct ui *ui)
{
	struct fcgi_response *r = ui->resp;
	char csp[sizeof(CSP) + sizeof(ui->form_action) + 1];

	/* Chromium holds a form to form-action through its redirects too: the
	 * consent page's must reach the app it sends the user back to. */
	snprintf(csp, sizeof(csp), "%s%s%s", CSP, *ui->form_action ? " " : "", ui->form_action);
	r->content_type = "text/html; charset=utf-8";
	fcgi_response_header(r, "Content-Security-Policy", csp);
	fcgi_response_header(r, "X-Content-Type-Options", "nosniff");
	fcgi_response_header(r, "X-Frame-Options", "DENY");
	fcgi_response_header(r, "Referrer-Policy", "same-origin");
	fcgi_response_header(r, "Cache-Control", "no-store");
}

static int page_stream_write(void *ctx, const char *p, size_t n)
{
	struct ui *ui = ctx;

	if (!ui->streaming) {
		ui->out = fcgi_response_stream(ui->resp, 200);
		page_headers(ui);
		ui->streaming = 1;
	}
	return ayb_sink_write(&ui->out, p, n);
}

struct ayb_sink ui_page_stream(struct ui *ui)
{
	struct ayb_sink s = { page_stream_write, ui };

	return s;
}

void ui_send(struct ui *ui, int status)
{
	struct fcgi_response *r = ui->resp;
	struct ayb_err oom = { 0 };

	if (ui->page.oom) {
		ayb_buf_free(&ui->page);
		ayb_err_oom(&oom);
		if (fcgi_response_committed(r)) {
			/* Too late for a status: the page ends short, the log says why. */
			fcgi_response_abort(r, &oom);
			ayb_err_clear(&oom);
			return;
		}
		fcgi_response_discard(r);
		ayb_buf_adds(&ui->page, "Out of memory");
		status = 500;
		fcgi_response_log_error(r, &oom);
		ayb_err_clear(&oom);
	}
	/* Every 5xx reaches the error log, as the API's do, also one whose
	 * page had no error of ours to name; a client that went away is no
	 * fault of ours. */
	if (status >= 500 && !r->log && !r->failed)
		r->log = ayb_fmt("the web UI answered with an error page");
	if (!fcgi_response_committed(r))
		r->status = status;
	if (ui->streaming) {
		ayb_sink_write(&ui->out, ui->page.data ? ui->page.data : "", ui->page.len);
		ayb_buf_free(&ui->page);
		return;
	}
	page_headers(ui);
	ayb_buf_free(&r->body);
	r->body = ui->page;
	memset(&ui->page, 0, sizeof(ui->page));
}

void ui_message_page(struct ui *ui, int status, const char *page_title,
		     enum ui_alert kind, const char *title, const char *message)
{
	ayb_buf_free(&ui->page);
	if (ui->fragment) {
		ui_alert(&ui->page, kind, title, message);
	} else {
		ui_page_open(ui, page_title, UI_CONTENT);
		ayb_buf_adds(&ui->page, "<div class=\"narrow\">");
		ui_alert(&ui->page, kind, title, message);
		ayb_buf_adds(&ui->page, "<p class=\"back-link\">"
				"<a href=\"/\">Back to ayb</a></p></div>");
		ui_page_close(ui, UI_CONTENT);
	}
	ui_send(ui, status);
}

void ui_redirect_away(struct ui *ui, const char *url)
{
	ayb_buf_free(&ui->page);
	fcgi_response_header(ui->resp, "Location", url);
	ui_send(ui, 302);
}

void ui_redirect(struct ui *ui, const char *path)
{
	ayb_buf_free(&ui->page);
	if (ui->fragment) {
		fcgi_response_header(ui->resp, "HX-Redirect", path);
		ui_send(ui, 200);
		return;
	}
	fcgi_response_header(ui->resp, "Location", path);
	ui_send(ui, 303);
}

const char *const ui_icon_database =
	"<svg class=\"icon\" viewBox=\"0 0 24 24\" aria-hidden=\"true\"><ellipse cx=\"12\" cy=\"5\" "
	"rx=\"8\" ry=\"3\"/><path d=\"M4 5v14c0 1.7 3.6 3 8 3s8-1.3 8-3V5\"/>"
	"<path d=\"M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3\"/></svg>";
const char *const ui_icon_building =
	"<svg class=\"icon\" viewBox=\"0 0 24 24\" aria-hidden=\"true\"><rect x=\"5\" y=\"3\" "
	"width=\"14\" height=\"18\" rx=\"1\"/><path d=\"M9 7h2M13 7h2M9 11h2M13 11h2M9 15h2M13 15h2"
	"M10 21v-3h4v3\"/></svg>";
const char *const ui_icon_pin =
	"<svg class=\"icon\" viewBox=\"0 0 24 24\" aria-hidden=\"true\"><path d=\"M12 21s-6-5.4-6-11"
	"a6 6 0 0 1 12 0c0 5.6-6 11-6 11z\"/><circle cx=\"12\" cy=\"10\" r=\"2\"/></svg>";
const char *const ui_icon_link =
	"<svg class=\"icon\" viewBox=\"0 0 24 24\" aria-hidden=\"true\"><path d=\"M10 14a4 4 0 0 0 "
	"5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1\"/><path d=\"M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 "
	"5.7l1-1\"/></svg>";
const char *const ui_icon_check =
	"<svg class=\"icon icon-ok\" viewBox=\"0 0 24 24\" aria-label=\"verified\" role=\"img\">"
	"<path d=\"M5 12l5 5 9-10\"/></svg>";
