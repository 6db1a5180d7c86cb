/* Forking from the database page (README "Web UI"): a card with the
 * fork's name, shown to those allowed to fork, and the form's handler. */
#include "autoconfig.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "slug.h"
#include "ui.h"

int ui_can_fork(const struct ui *ui, const struct ayb_app_target *t)
{
	return ui->logged_in && ayb_perm_can_fork(&t->caller, &t->db);
}

void ui_fork_card(struct ui *ui, const struct ayb_app_target *t)
{
	struct ayb_buf *b = &ui->page;

	if (!ui_can_fork(ui, t))
		return;
	ui_html_printf(b,
			"<section class=\"card\" id=\"fork\" aria-labelledby=\"fork-h\">"
			"<h3 id=\"fork-h\">Fork this database</h3>"
			"<p class=\"muted\">Copy it into a new private database of yours, %s/&hellip;"
			" Changes to either never reach the other.</p>"
			"<form method=\"post\" action=\"/%s/%s/fork\" class=\"stack\" "
			"id=\"fork-form\" data-fragment=\"#fork-results\">",
			ui_me(ui), t->owner.slug, t->db.slug);
	ui_csrf_field(ui);
	ui_html_printf(b,
			"<label for=\"fork-name\">Name of the fork</label>"
			"<input id=\"fork-name\" name=\"database_slug\" required maxlength=\"128\" "
			"value=\"%s\" pattern=\"[A-Za-z0-9\\-_\\.]+\" autocomplete=\"off\" "
			"autocapitalize=\"none\" spellcheck=\"false\">"
			"<div id=\"fork-results\" aria-live=\"polite\"></div>"
			"<button type=\"submit\" id=\"fork-btn\" class=\"btn btn-secondary\">Fork"
			"</button></form></section>",
			t->db.slug);
}

/* POST /<entity>/<database>/fork: the fork's page on success, else the
 * error in place of the form's results (or on a page of its own). */
void ui_fork(struct fcgi_call *c)
{
	struct ui *ui = c->ui;
	struct ayb_err err = { 0 };
	struct ayb_entity owner = { 0 };
	struct ayb_database db = { 0 };
	const char *raw = ui_field(ui, "database_slug");
	char *slug = NULL, *to = NULL, *path = NULL, tmp[256];
	size_t n;

	while (isspace((unsigned char)*raw))
		raw++;
	n = strlen(raw);
	while (n && isspace((unsigned char)raw[n - 1]))
		n--;
	if (!ui->logged_in) {
		ayb_err_set(&err, AYB_E_UNAUTHENTICATED, "Please log in to fork a database.");
	} else if (!(slug = strndup(raw, n))) {
		ayb_err_oom(&err);
	} else if (ayb_slug_check(AYB_SLUG_DATABASE, slug, n, &err) == 0) {
		/* The fork is the caller's own: the only entity it may create
		 * databases for. */
		if (!(to = ayb_fmt("%s/%s", ui_me(ui), slug)))
			ayb_err_oom(&err);
		else if (ayb_app_fork(ui->ctx, ui->caller, &c->target, to, &owner, &db,
				      &err) == 0 &&
			 !(path = ayb_fmt("/%s/%s", owner.slug, db.slug)))
			ayb_err_oom(&err);
	}
	if (path)
		ui_redirect(ui, path);
	else if (ui->fragment) {
		ui_alert(&ui->page, UI_ERROR, "Error forking database",
			 ui_err_text(&err, tmp, sizeof(tmp)));
		ui_send(ui, ui_err_status(ui, &err));
	} else {
		ui_message_page(ui, ui_err_status(ui, &err), "Fork", UI_ERROR,
				"Error forking database", ui_err_text(&err, tmp, sizeof(tmp)));
	}
	ayb_entity_free(&owner);
	ayb_database_free(&db);
	free(path);
	free(to);
	free(slug);
	ayb_err_clear(&err);
}
