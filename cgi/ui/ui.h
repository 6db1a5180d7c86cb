/* The web UI (README "Web UI"): server-rendered pages served by ayb-api.fcgi
 * itself, working without JavaScript; cgi/ui/assets/ayb.js only enhances them.
 *
 * Every page's route has the cookie posture: before its handler runs, the
 * front calls ui_session_begin(), which reads the login cookie and checks
 * its token against the metadata store (a stale, revoked or forged cookie
 * is simply "not logged in"), parses the form, and refuses a
 * state-changing request without a valid CSRF token or from another
 * origin.  Pages are built in ui->page with ui_html_printf (every %s
 * escaped) and sent with ui_send(); a page holding a query result is sent
 * as it is built (ui_page_stream).
 *
 * A request sent by the page script carries "HX-Request: true" (htmx's
 * header, which ayb's pages used): it gets an HTML fragment for the part of
 * the page it updates.  Without it, the same URL answers with a whole page,
 * so every form also works as a plain HTML form. */
#ifndef AYB_CGI_UI_H
#define AYB_CGI_UI_H

#include "call.h"
#include "form.h"
#include "html.h"

/* base64url of an HMAC-SHA256, no padding. */
#define UI_CSRF_LEN 43

struct ui {
	struct ayb_app_ctx *ctx;
	struct fcgi_request *req;
	struct fcgi_response *resp;
	struct ui_form form;        /* the POST body's fields (empty otherwise) */
	struct ui_form query;       /* the query string's fields */
	int logged_in;
	struct ayb_app_caller *caller; /* the call's caller: the cookie's token when logged_in */
	char *token;                 /* the raw API token of the cookie, or NULL */
	char csrf[UI_CSRF_LEN + 1];
	int https;                   /* served over HTTPS: cookies get Secure */
	int fragment;                /* asked for by the page script */
	struct ayb_buf page;         /* the HTML being built */
	struct ayb_sink out;         /* the response's stream, once streaming */
	int streaming;
	char form_action[272];       /* an origin the page's forms may also go to, or "" */
};

/* Sets up the session of call c in c->ui (malloc'd; freed with
 * ui_session_end, which fcgi_call_end calls) and fills c->caller from the
 * login cookie.  Returns 0 to go on, or -1 when the request was already
 * answered (refused form, metadata store down). */
int ui_session_begin(struct fcgi_call *c);
void ui_session_end(struct ui *ui);
/* Answers for a database of the path that could not be loaded: a 404 page
 * for one that is missing or hidden from the viewer, else the error. */
void ui_target_failed(struct ui *ui, const struct ayb_err *err);

/* The logged-in entity's slug, or NULL. */
const char *ui_me(const struct ui *ui);

/* Cookies: the login cookie "auth=<entity>:<token>" (HttpOnly,
 * SameSite=Lax, Secure over HTTPS, a session cookie) and its removal. */
void ui_set_login(struct ui *ui, const char *entity, const char *token);
void ui_clear_login(struct ui *ui);

enum ui_layout {
	UI_CONTENT,       /* top navigation, centred content */
	UI_AUTH_LOG_IN,   /* register / log in / confirm; top-right link to log in */
	UI_AUTH_REGISTER, /* the same with a top-right link to register */
};

/* Opens a page: doctype, head with "<title> - ayb", and the layout's
 * header.  Closed by ui_page_close(). */
void ui_page_open(struct ui *ui, const char *title, enum ui_layout layout);
void ui_page_close(struct ui *ui, enum ui_layout layout);

/* An HMAC of parts under a key of the server's, as UI_CSRF_LEN characters:
 * what a page signs in a form it shows can be checked when the form comes
 * back unchanged.  Bind it to the session by including ui->token. */
void ui_sign(const struct ui *ui, const char *const *parts, size_t n,
	     char out[UI_CSRF_LEN + 1]);

/* The hidden CSRF field every state-changing form carries. */
void ui_csrf_field(struct ui *ui);

enum ui_alert { UI_INFO, UI_SUCCESS, UI_ERROR };
/* A role=alert box with a title and a message (both escaped). */
void ui_alert(struct ayb_buf *b, enum ui_alert kind, const char *title,
	      const char *message);

/* The text to show for err: its message, or for RecordNotFound
 * "<record_type> <id> not found". */
const char *ui_err_text(const struct ayb_err *err, char *tmp, size_t tmpsize);

/* err's status; a 5xx (the server's fault, not the visitor's) also gives
 * the request its line in the error log, with err's reason. */
int ui_err_status(struct ui *ui, const struct ayb_err *err);

/* Answers with ui->page as text/html (the buffer moves into the response),
 * with the headers every UI page carries (CSP, nosniff, no framing).  A 5xx
 * is logged, with the reason ui_err_status kept if any. */
void ui_send(struct ui *ui, int status);
/* A sink to which the page built so far can be written out, so that a page
 * holding a large result is sent as it is built: the first write starts
 * the response (with the page headers, status 200 until ui_send says
 * otherwise, which it can until FCGI_STREAM_THRESHOLD bytes went out), and
 * ui_send then writes the rest.  The caller empties ui->page after each
 * write. */
struct ayb_sink ui_page_stream(struct ui *ui);
/* A whole page holding one alert: for errors and simple outcomes. */
void ui_message_page(struct ui *ui, int status, const char *page_title,
		     enum ui_alert kind, const char *title, const char *message);
/* 303 See Other to a local path (the page after a plain form post), or for
 * the page script: 200 with "HX-Redirect: <path>". */
void ui_redirect(struct ui *ui, const char *path);

/* 302 Found to a URL of another site (an app's redirect_uri). */
void ui_redirect_away(struct ui *ui, const char *url);

/* 1 when next is a path on this site, safe to go back to after logging in. */
int ui_safe_next(const char *next);
/* Forking (fork.c): may the viewer fork t, and the card with the form
 * that does, on t's page (nothing when it may not). */
int ui_can_fork(const struct ui *ui, const struct ayb_app_target *t);
void ui_fork_card(struct ui *ui, const struct ayb_app_target *t);

/* The form fields of the upload as text, or "" when absent (never NULL). */
const char *ui_field(const struct ui *ui, const char *name);

/* Inline SVG icons (trusted markup). */
extern const char *const ui_icon_database;
extern const char *const ui_icon_building;
extern const char *const ui_icon_pin;
extern const char *const ui_icon_link;
extern const char *const ui_icon_check;

/* The URL of a built-in asset with its version ("/static/ayb.css?v=..."). */
const char *ui_asset_url(const char *name);

/* The profile part of the entity page: shared by the page and the
 * update_profile fragment.  `error`, when set, opens the edit form with the
 * submitted values and shows the error. */
void ui_profile_section(struct ui *ui, const struct ayb_entity *e, const char *error);

/* The results of one query as the HTML fragment of the query console,
 * written into ui->page and streamed out of it as the rows come: at most
 * UI_MAX_ROWS rows and UI_MAX_TABLE_BYTES bytes of cell text shown, the
 * total counted, and a note with the downloads when anything was left out.
 * *status is the query's (an error found after part of the table went out
 * is shown below it). */
#define UI_MAX_ROWS 500
#define UI_MAX_TABLE_BYTES (1024 * 1024)
void ui_query_results(struct ui *ui, const struct ayb_app_target *t, const char *sql,
		      size_t len, int *status);
/* The whole result as a download: CSV (RFC 4180 quoting, NULL empty) or
 * JSON pretty-printed as ayb writes it; streamed, so any size works. */
void ui_query_download(struct ui *ui, const struct ayb_app_target *t, const char *sql,
		       size_t len, int json);

/* The Export and import tab of the database page (ui/transfer.c): export
 * links, and the import form when `manage`, with an outcome above its
 * button when title is set. */
void ui_transfer_tab(struct ui *ui, const struct ayb_app_target *t, int manage,
		     enum ui_alert kind, const char *title, const char *msg);
/* The database page with that tab open and an import's outcome in it. */
void ui_database_transfer(struct ui *ui, const struct ayb_app_target *t, int status,
			  enum ui_alert kind, const char *title, const char *msg);

fcgi_handler ui_home;
fcgi_handler ui_static;
fcgi_handler ui_register_form;
fcgi_handler ui_register;
fcgi_handler ui_log_in_form;
fcgi_handler ui_log_in;
fcgi_handler ui_log_out_form;
fcgi_handler ui_log_out;
fcgi_handler ui_confirm_form;
fcgi_handler ui_confirm;
fcgi_handler ui_entity;
fcgi_handler ui_create_database;
fcgi_handler ui_update_profile;
fcgi_handler ui_database;
fcgi_handler ui_fork;
fcgi_handler ui_query;
fcgi_handler ui_update_public_sharing;
fcgi_handler ui_share;
fcgi_handler ui_permissions;
fcgi_handler ui_snapshots;
fcgi_handler ui_restore_snapshot;
fcgi_handler ui_export;
fcgi_handler ui_import;
fcgi_handler ui_tokens;
fcgi_handler ui_oauth_authorize_form;
fcgi_handler ui_oauth_authorize;
fcgi_handler ui_token_revoke;

#endif
