/* The API tokens page (README "Web UI"): the logged-in entity's live
 * tokens, each with a Revoke button. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"

static void revoked_row(struct ayb_buf *b, const char *short_token)
{
	ui_html_printf(b,
			"<tr class=\"revoked-row\"><td colspan=\"7\">Token %s revoked successfully</td></tr>",
			short_token);
}

/* "2024-08-18 15:05:04.123456" (naive UTC from the store) as
 * "2024-08-18 15:05:04 UTC"; anything else as it is. */
static const char *when(const char *t, char out[32])
{
	if (!t)
		return "";
	if (strlen(t) < 19 || t[4] != '-' || (t[10] != ' ' && t[10] != 'T'))
		return t;
	snprintf(out, 32, "%.10s %.8s UTC", t, t + 11);
	return out;
}

static void tokens_page(struct ui *ui, const char *notice, const char *error, int status)
{
	struct ayb_err err = { 0 };
	struct ayb_buf *b = &ui->page;
	struct ayb_token_info *t = NULL;
	size_t n = 0;
	const char *me = ui_me(ui);
	char tmp[256];
	char *title = ayb_fmt("%s - API Tokens", me);

	ui_page_open(ui, title ? title : "API Tokens", UI_CONTENT);
	ui_html_printf(b,
			"<nav class=\"breadcrumb\" aria-label=\"Breadcrumb\"><a href=\"/%s\">%s</a>"
			"<span class=\"sep\" aria-hidden=\"true\">/</span><strong>API Tokens</strong></nav>"
			"<div class=\"panel-head\"><h1>API Tokens</h1><p class=\"muted\">The tokens that "
			"can act for %s: one per browser login or <code>ayb client</code> "
			"confirmation, and those granted to applications. Revoke any you do not "
			"recognise.</p></div>",
			me, me, me);
	if (notice)
		ui_alert(b, UI_SUCCESS, "Success", notice);
	if (error)
		ui_alert(b, UI_ERROR, "Error revoking token", error);
	if (ayb_app_tokens_list(ui->ctx, ui->caller, &t, &n, &err) < 0) {
		ui_alert(b, UI_ERROR, "Error loading tokens", ui_err_text(&err, tmp, sizeof(tmp)));
		status = ui_err_status(ui, &err);
		goto done;
	}
	if (n == 0) {
		ayb_buf_adds(b, "<div class=\"card empty-state\">"
				"<p>No active API tokens found.</p></div>");
		goto done;
	}
	ayb_buf_adds(b, "<div class=\"card flush\">"
			"<div class=\"table-wrap\"><table class=\"table\">"
			"<thead><tr><th scope=\"col\">Short token</th><th scope=\"col\">Scope</th>"
			"<th scope=\"col\">Permission</th><th scope=\"col\">App</th>"
			"<th scope=\"col\">Created</th><th scope=\"col\">Expires</th>"
			"<th scope=\"col\"><span class=\"sr-only\">Actions</span></th></tr></thead>"
			"<tbody id=\"tokens-table\">");
	for (size_t i = 0; i < n; i++) {
		int mine = strcmp(t[i].short_token, ui->caller->token.short_token) == 0;
		char created[32], expires[32];

		ui_html_printf(b, "<tr id=\"token-row-%s\"><td><code>%s</code></td><td>%s</td>"
				   "<td>%s</td><td>%s</td><td>%s</td><td>%s</td>",
				t[i].short_token, t[i].short_token,
				t[i].scoped_database ? t[i].scoped_database : "(all databases)",
				t[i].query_permission_level < 0 ? "(full access)"
				: t[i].query_permission_level ? "read-write" : "read-only",
				t[i].app_name ? t[i].app_name : "", when(t[i].created_at, created),
				t[i].expires_at ? when(t[i].expires_at, expires) : "(never)");
		if (mine)
			ayb_buf_adds(b, "<td class=\"actions\">"
					"<span class=\"badge\" title=\"The token "
					"this browser is logged in with\">This browser</span>");
		else
			ayb_buf_adds(b, "<td class=\"actions\">");
		ui_html_printf(b,
				"<form method=\"post\" action=\"/settings/tokens/%s/revoke\" "
				"class=\"inline-form\" data-fragment=\"#token-row-%s\" data-swap=\"outer\" "
				"data-confirm-title=\"Revoke token\" data-confirm=\"Are you sure you want "
				"to revoke token %s? This token will no longer be able to access the "
				"API.%s\" data-confirm-button=\"Revoke token\">",
				t[i].short_token, t[i].short_token, t[i].short_token,
				mine ? " This browser will be logged out." : "");
		ui_csrf_field(ui);
		ui_html_printf(b,
				"<button type=\"submit\" class=\"btn btn-ghost btn-sm btn-danger-text\" "
				"aria-label=\"Revoke token %s\">Revoke</button></form></td></tr>",
				t[i].short_token);
	}
	ayb_buf_adds(b, "</tbody></table></div></div>");
done:
	ui_page_close(ui, UI_CONTENT);
	ui_send(ui, status);
	ayb_token_infos_free(t, n);
	free(title);
	ayb_err_clear(&err);
}

void ui_tokens(struct fcgi_call *c)
{
	struct ui *ui = c->ui;

	if (!ui->logged_in)
		ui_redirect(ui, "/log_in?next=/settings/tokens");
	else
		tokens_page(ui, NULL, NULL, 200);
}

/* POST /settings/tokens/{short}/revoke (forms) and DELETE
 * /settings/tokens/{short} (scripts, as ayb's page did). */
void ui_token_revoke(struct fcgi_call *c)
{
	struct ui *ui = c->ui;
	struct ayb_err err = { 0 };
	const char *short_token = ui->req->seg[2].s;
	char msg[128], tmp[256];

	if (!ui->logged_in) {
		ui_message_page(ui, 401, "Log in", UI_ERROR, "Error revoking token",
				"Please log in first.");
		goto out;
	}
	if (strlen(short_token) != ui->req->seg[2].len ||
	    ayb_app_token_revoke(ui->ctx, ui->caller, short_token, &err) < 0) {
		if (!err.kind)
			ayb_err_not_found(&err, "", "api_token");
		if (ui->fragment)
			ui_message_page(ui, ui_err_status(ui, &err), "", UI_ERROR,
					"Error revoking token",
					ui_err_text(&err, tmp, sizeof(tmp)));
		else
			tokens_page(ui, NULL, ui_err_text(&err, tmp, sizeof(tmp)),
				    ui_err_status(ui, &err));
		goto out;
	}
	if (ui->fragment) {
		if (strcmp(short_token, ui->caller->token.short_token) == 0)
			ui_clear_login(ui);
		revoked_row(&ui->page, short_token);
		ui_send(ui, 200);
	} else if (strcmp(short_token, ui->caller->token.short_token) == 0) {
		/* This browser's own token: it is logged out now. */
		ui_clear_login(ui);
		ui_redirect(ui, "/log_in");
	} else {
		snprintf(msg, sizeof(msg), "Token %s revoked successfully", short_token);
		tokens_page(ui, msg, NULL, 200);
	}
out:
	ayb_err_clear(&err);
}
