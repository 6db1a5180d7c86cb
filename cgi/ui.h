/* The web UI (spec/UI.md): server-rendered pages served by ayb-api.fcgi
 * itself, working without JavaScript; cgi/ui/ayb.js only enhances them.
 *
 * Every UI handler starts with ayb_ui_begin(), which reads the login cookie
 * and checks its token against the metadata store (a stale, revoked or
 * forged cookie is simply "not logged in"), parses the form, and refuses a
 * state-changing request without a valid CSRF token or from another
 * origin.  Pages are built in ui->page with ayb_html_printf (every %s
 * escaped) and sent with ayb_ui_send().
 *
 * A request sent by the page script carries "HX-Request: true" (htmx's
 * header, which ayb's pages used): it gets an HTML fragment for the part of
 * the page it updates.  Without it, the same URL answers with a whole page,
 * so every form also works as a plain HTML form. */
#ifndef AYB_CGI_UI_H
#define AYB_CGI_UI_H

#include "form.h"
#include "handlers.h"
#include "html.h"

/* base64url of an HMAC-SHA256, no padding. */
#define AYB_UI_CSRF_LEN 43

struct ayb_ui {
	struct ayb_ctx *ctx;
	struct ayb_request *req;
	struct ayb_response *resp;
	struct ayb_form form;        /* the POST body's fields (empty otherwise) */
	struct ayb_form query;       /* the query string's fields */
	int logged_in;
	struct ayb_auth auth;        /* the cookie's token, valid when logged_in */
	char *token;                 /* the raw API token of the cookie, or NULL */
	char csrf[AYB_UI_CSRF_LEN + 1];
	int https;                   /* served over HTTPS: cookies get Secure */
	int fragment;                /* asked for by the page script */
	struct ayb_buf page;         /* the HTML being built */
};

/* Sets up ui for one request.  Returns 0 to go on, or -1 when the request
 * was already answered (refused form, metadata store down).  Always call
 * ayb_ui_end() afterwards. */
int ayb_ui_begin(struct ayb_ui *ui, struct ayb_ctx *ctx, struct ayb_request *req,
		 struct ayb_response *resp);
void ayb_ui_end(struct ayb_ui *ui);

/* The logged-in entity's slug, or NULL. */
const char *ayb_ui_me(const struct ayb_ui *ui);

/* Cookies: the login cookie "auth=<entity>:<token>" (HttpOnly,
 * SameSite=Lax, Secure over HTTPS, a session cookie) and its removal. */
void ayb_ui_set_login(struct ayb_ui *ui, const char *entity, const char *token);
void ayb_ui_clear_login(struct ayb_ui *ui);

enum ayb_ui_layout {
	AYB_UI_CONTENT,       /* top navigation, centred content */
	AYB_UI_AUTH_LOG_IN,   /* register / log in / confirm; top-right link to log in */
	AYB_UI_AUTH_REGISTER, /* the same with a top-right link to register */
};

/* Opens a page: doctype, head with "<title> - ayb", and the layout's
 * header.  Closed by ayb_ui_page_close(). */
void ayb_ui_page_open(struct ayb_ui *ui, const char *title, enum ayb_ui_layout layout);
void ayb_ui_page_close(struct ayb_ui *ui, enum ayb_ui_layout layout);

/* The hidden CSRF field every state-changing form carries. */
void ayb_ui_csrf_field(struct ayb_ui *ui);

enum ayb_ui_alert { AYB_UI_INFO, AYB_UI_SUCCESS, AYB_UI_ERROR };
/* A role=alert box with a title and a message (both escaped). */
void ayb_ui_alert(struct ayb_buf *b, enum ayb_ui_alert kind, const char *title,
		  const char *message);

/* The text to show for err: its message, or for RecordNotFound
 * "<record_type> <id> not found". */
const char *ayb_ui_err_text(const struct ayb_err *err, char *tmp, size_t tmpsize);

/* Answers with ui->page as text/html (the buffer moves into the response),
 * with the headers every UI page carries (CSP, nosniff, no framing). */
void ayb_ui_send(struct ayb_ui *ui, int status);
/* A whole page holding one alert: for errors and simple outcomes. */
void ayb_ui_message_page(struct ayb_ui *ui, int status, const char *page_title,
			 enum ayb_ui_alert kind, const char *title, const char *message);
/* 303 See Other to a local path (the page after a plain form post), or for
 * the page script: 200 with "HX-Redirect: <path>". */
void ayb_ui_redirect(struct ayb_ui *ui, const char *path);

/* The form fields of the upload as text, or "" when absent (never NULL). */
const char *ayb_ui_field(const struct ayb_ui *ui, const char *name);

/* Inline SVG icons (trusted markup). */
extern const char *const ayb_ui_icon_database;
extern const char *const ayb_ui_icon_building;
extern const char *const ayb_ui_icon_pin;
extern const char *const ayb_ui_icon_link;
extern const char *const ayb_ui_icon_check;

/* The URL of a built-in asset with its version ("/static/ayb.css?v=..."). */
const char *ayb_ui_asset_url(const char *name);

/* The profile part of the entity page: shared by the page and the
 * update_profile fragment.  `error`, when set, opens the edit form with the
 * submitted values and shows the error. */
void ayb_ui_profile_section(struct ayb_ui *ui, const struct ayb_entity *e, const char *error);

/* The results of one query as the HTML fragment of the query console
 * (at most AYB_UI_MAX_ROWS rows shown, the total counted). */
#define AYB_UI_MAX_ROWS 500
void ayb_ui_query_results(struct ayb_ui *ui, const struct ayb_target *t, const char *sql,
			  size_t len, int *status);
/* The whole result as a download: CSV (RFC 4180 quoting, NULL empty) or
 * JSON pretty-printed as ayb writes it; streamed, so any size works. */
void ayb_ui_query_download(struct ayb_ui *ui, const struct ayb_target *t, const char *sql,
			   size_t len, int json);

ayb_handler ayb_ui_home;
ayb_handler ayb_ui_static;
ayb_handler ayb_ui_register_form;
ayb_handler ayb_ui_register;
ayb_handler ayb_ui_log_in_form;
ayb_handler ayb_ui_log_in;
ayb_handler ayb_ui_log_out_form;
ayb_handler ayb_ui_log_out;
ayb_handler ayb_ui_confirm;
ayb_handler ayb_ui_entity;
ayb_handler ayb_ui_create_database;
ayb_handler ayb_ui_update_profile;
ayb_handler ayb_ui_database;
ayb_handler ayb_ui_query;
ayb_handler ayb_ui_update_public_sharing;
ayb_handler ayb_ui_share;
ayb_handler ayb_ui_permissions;
ayb_handler ayb_ui_snapshots;
ayb_handler ayb_ui_restore_snapshot;
ayb_handler ayb_ui_tokens;
ayb_handler ayb_ui_token_revoke;

#endif
