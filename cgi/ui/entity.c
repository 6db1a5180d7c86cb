/* The entity page (README "Web UI"): profile, databases the viewer
 * may discover, editing one's own profile and creating a database. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "slug.h"
#include "ui.h"

/* Only ayb-query-worker links libduckdb; the form offers what it runs. */
#ifdef HAVE_DUCKDB
#define AYB_HOSTS_DUCKDB 1
#else
#define AYB_HOSTS_DUCKDB 0
#endif

/* The profile values shown in the edit form: the entity's own, or what was
 * just submitted when saving failed. */
struct profile_values {
	const char *display_name, *description, *organization, *location;
};

static void link_input(struct ayb_buf *b, const char *url)
{
	ui_html_printf(b,
			"<div class=\"link-input-group\"><input type=\"url\" name=\"link\" "
			"aria-label=\"Link\" placeholder=\"https://example.org\" maxlength=\"2048\" "
			"value=\"%s\"><button type=\"button\" class=\"btn btn-icon link-remove\" "
			"aria-label=\"Remove link\" title=\"Remove link\">&times;</button></div>",
			url);
}

static void edit_form(struct ui *ui, const struct ayb_entity *e,
		      const struct profile_values *v, const cJSON *links, const char *error)
{
	struct ayb_buf *b = &ui->page;
	const cJSON *l;

	ui_html_printf(b,
			"<details class=\"profile-edit\"%s><summary class=\"btn btn-secondary btn-sm\">"
			"Edit profile</summary>"
			"<form method=\"post\" action=\"/%s/update_profile\" class=\"stack\" "
			"id=\"profile-form\" data-fragment=\"#profile-section\" data-swap=\"outer\">",
			error ? " open" : "", e->slug);
	ui_csrf_field(ui);
	ayb_buf_adds(b, "<div id=\"profile-update-error\">");
	if (error)
		ui_alert(b, UI_ERROR, "Error updating profile", error);
	ui_html_printf(b,
			"</div>"
			"<label for=\"display_name\">Display name</label>"
			"<input id=\"display_name\" name=\"display_name\" maxlength=\"35\" "
			"placeholder=\"%s\" value=\"%s\">"
			"<label for=\"description\">Description</label>"
			"<textarea id=\"description\" name=\"description\" rows=\"3\" "
			"maxlength=\"100\">%s</textarea>"
			"<label for=\"organization\">Organization</label>"
			"<input id=\"organization\" name=\"organization\" maxlength=\"35\" value=\"%s\">"
			"<label for=\"location\">Location</label>"
			"<input id=\"location\" name=\"location\" maxlength=\"35\" value=\"%s\">"
			"<fieldset class=\"links-fieldset\"><legend>Links</legend><div id=\"links-list\">",
			e->slug, v->display_name, v->description, v->organization, v->location);
	cJSON_ArrayForEach(l, links) {
		const cJSON *url = cJSON_IsObject(l) ? cJSON_GetObjectItemCaseSensitive(l, "url")
						     : l;
		if (cJSON_IsString(url) && *url->valuestring)
			link_input(b, url->valuestring);
	}
	/* One empty field, so a link can be added without JavaScript. */
	link_input(b, "");
	ui_html_printf(b,
			"</div><button type=\"button\" id=\"add-link\" class=\"btn btn-ghost btn-sm\" "
			"hidden>+ Add link</button></fieldset>"
			"<div class=\"form-actions\"><a class=\"btn btn-secondary\" href=\"/%s\" "
			"id=\"profile-cancel\">Cancel</a>"
			"<button type=\"submit\" class=\"btn btn-primary\" id=\"profile-save\">Save</button>"
			"</div></form></details>",
			e->slug);
}

/* links holds the entity's stored links, or the submitted ones (plain
 * strings) after a failed save. */
static void profile_section(struct ui *ui, const struct ayb_entity *e,
			    const struct profile_values *v, const cJSON *links, const char *error)
{
	struct ayb_buf *b = &ui->page;
	const char *name = e->display_name && *e->display_name ? e->display_name : e->slug;
	cJSON *stored = e->links ? cJSON_Parse(e->links) : NULL;
	const cJSON *l;
	char initial[5] = { 0 };
	size_t n = 1;

	/* The avatar shows the first character of the name, whole even when it
	 * is several bytes of UTF-8. */
	while (name[n] && ((unsigned char)name[n] & 0xc0) == 0x80 && n < 4)
		n++;
	memcpy(initial, name, n);
	ui_html_printf(b,
			"<section id=\"profile-section\" class=\"card profile-section\" "
			"aria-label=\"Profile\"><div class=\"profile-head\">"
			"<div class=\"avatar avatar-lg\" aria-hidden=\"true\">%s</div>"
			"<div class=\"profile-title\"><h1 class=\"profile-name\">%s</h1>",
			initial, name);
	/* The slug under a display name; not twice when the name is the slug. */
	if (name != e->slug)
		ui_html_printf(b, "<p class=\"muted\">%s</p>", e->slug);
	ayb_buf_adds(b, "</div></div>");
	if (e->description && *e->description)
		ui_html_printf(b, "<p class=\"profile-description\">%s</p>", e->description);
	ayb_buf_adds(b, "<ul class=\"profile-meta\">");
	if (e->organization && *e->organization) {
		ayb_buf_adds(b, "<li>");
		ayb_buf_adds(b, ui_icon_building);
		ui_html_printf(b, "<span>%s</span></li>", e->organization);
	}
	if (e->location && *e->location) {
		ayb_buf_adds(b, "<li>");
		ayb_buf_adds(b, ui_icon_pin);
		ui_html_printf(b, "<span>%s</span></li>", e->location);
	}
	cJSON_ArrayForEach(l, stored) {
		const cJSON *url = cJSON_GetObjectItemCaseSensitive(l, "url");
		if (!cJSON_IsString(url))
			continue;
		ayb_buf_adds(b, "<li>");
		ayb_buf_adds(b, ui_icon_link);
		/* Only http(s) URLs become links: a javascript: URL is shown as
		 * text, never made clickable. */
		if (ui_html_safe_url(url->valuestring))
			ui_html_printf(b, "<a href=\"%s\" rel=\"nofollow me noopener\">%s</a>",
					url->valuestring, url->valuestring);
		else
			ui_html_printf(b, "<span>%s</span>", url->valuestring);
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(l, "verified")))
			ayb_buf_adds(b, ui_icon_check);
		ayb_buf_adds(b, "</li>");
	}
	ayb_buf_adds(b, "</ul>");
	if (ui->logged_in && ayb_app_is_profile_owner(ui->caller, e)) {
		struct profile_values own = {
			e->display_name ? e->display_name : "",
			e->description ? e->description : "",
			e->organization ? e->organization : "",
			e->location ? e->location : ""
		};
		edit_form(ui, e, v ? v : &own, links ? links : stored, error);
	}
	ayb_buf_adds(b, "</section>");
	cJSON_Delete(stored);
}

void ui_profile_section(struct ui *ui, const struct ayb_entity *e, const char *error)
{
	profile_section(ui, e, NULL, NULL, error);
}

static void create_form(struct ui *ui, const char *entity, int have_dbs, const char *error)
{
	struct ayb_buf *b = &ui->page;
	const char *level = error ? ui_field(ui, "public_sharing_level") : "no-access";
	const char *type = error && *ui_field(ui, "db_type") ? ui_field(ui, "db_type") : "sqlite";
	static const struct {
		const char *value, *label, *hint;
	} engines[] = {
		{ "sqlite", "SQLite", "Rows and transactions, the default" },
		{ "duckdb", "DuckDB", "Columnar: analytical queries over large tables" },
	};
	static const struct {
		const char *value, *label, *hint;
	} levels[] = {
		{ "no-access", "Private", "Only you and the people you share it with" },
		{ "fork", "Forkable", "Anyone may see that it exists" },
		{ "read-only", "Read-only", "Anyone logged in may query it, read-only" },
	};

	ui_html_printf(b,
			"<details id=\"create-database\" class=\"create-database\"%s>"
			"<summary class=\"btn %s\">Create database</summary>"
			"<div class=\"card create-card\"><h3>Create a new database</h3>"
			"<form method=\"post\" action=\"/%s/create_database\" class=\"stack\" "
			"id=\"create-database-form\" data-fragment=\"#create-database-error\">",
			error ? " open" : "", have_dbs ? "btn-secondary" : "btn-primary", entity);
	ui_csrf_field(ui);
	ui_html_printf(b,
			"<label for=\"database-slug\">Name</label>"
			"<input id=\"database-slug\" name=\"database_slug\" required maxlength=\"128\" "
			"placeholder=\"example.sqlite\" pattern=\"[A-Za-z0-9_.\\-]+\" "
			"title=\"Letters, digits, - _ and .\" autocomplete=\"off\" spellcheck=\"false\" "
			"autocapitalize=\"none\" value=\"%s\">"
			"%s<fieldset class=\"choice\"><legend>Public access</legend>",
			error ? ui_field(ui, "database_slug") : "",
			AYB_HOSTS_DUCKDB ? "" :
			"<input type=\"hidden\" name=\"db_type\" value=\"sqlite\">");
	/* The engine, where the server hosts DuckDB too (README "DuckDB
	 * databases"). */
	for (size_t i = 0; AYB_HOSTS_DUCKDB && i < sizeof(engines) / sizeof(engines[0]); i++)
		ui_html_printf(b,
				"%s<label class=\"choice-item\"><input type=\"radio\" "
				"name=\"db_type\" value=\"%s\" data-value=\"%s\"%s>"
				"<span class=\"choice-label\">%s</span>"
				"<span class=\"choice-hint\">%s</span></label>%s",
				i == 0 ? "<fieldset class=\"choice\"><legend>Engine</legend>" : "",
				engines[i].value, engines[i].value,
				strcmp(type, engines[i].value) == 0 ? " checked" : "",
				engines[i].label, engines[i].hint,
				i + 1 == sizeof(engines) / sizeof(engines[0]) ? "</fieldset>" : "");
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		ui_html_printf(b,
				"<label class=\"choice-item\"><input type=\"radio\" "
				"name=\"public_sharing_level\" value=\"%s\" data-value=\"%s\"%s>"
				"<span class=\"choice-label\">%s</span>"
				"<span class=\"choice-hint\">%s</span></label>",
				levels[i].value, levels[i].value,
				strcmp(level, levels[i].value) == 0 ? " checked" : "",
				levels[i].label, levels[i].hint);
	ayb_buf_adds(b, "</fieldset><div id=\"create-database-error\" aria-live=\"polite\">");
	if (error)
		ui_alert(b, UI_ERROR, "Error creating database", error);
	ayb_buf_adds(b, "</div><button type=\"submit\" id=\"create-database-submit\" "
			"class=\"btn btn-primary\">Create database</button></form></div></details>");
}

/* The whole entity page; create_error / profile_error reopen the form that
 * failed (plain form posts only). */
static void entity_page(struct ui *ui, const struct ayb_entity *e,
			const struct ayb_database *dbs, size_t n, const char *create_error,
			const struct profile_values *pv, const cJSON *plinks,
			const char *profile_error, int status)
{
	struct ayb_buf *b = &ui->page;
	int can_create = ui->logged_in && ayb_app_can_create_database(ui->caller, e);

	ui_page_open(ui, e->display_name && *e->display_name ? e->display_name : e->slug,
		     UI_CONTENT);
	ayb_buf_adds(b, "<div class=\"entity-grid\"><div class=\"entity-side\">");
	profile_section(ui, e, pv, plinks, profile_error);
	ayb_buf_adds(b, "</div><section class=\"entity-main\" aria-labelledby=\"databases-title\">"
			"<div class=\"section-head\"><h2 id=\"databases-title\">Databases</h2></div>");
	if (can_create)
		create_form(ui, e->slug, n > 0, create_error);
	if (n == 0) {
		ayb_buf_adds(b, "<div class=\"card empty-state\">");
		ayb_buf_adds(b, ui_icon_database);
		if (can_create)
			ayb_buf_adds(b, "<h3>No databases...yet!</h3>"
					"<p class=\"muted\">Let&#39;s fix "
					"that by creating your first database.</p></div>");
		else
			ayb_buf_adds(b, "<h3>No databases to show</h3>"
					"<p class=\"muted\">Nothing here "
					"is shared with you yet.</p></div>");
	} else {
		ayb_buf_adds(b, "<ul class=\"db-list\">");
		for (size_t i = 0; i < n; i++) {
			ui_html_printf(b, "<li><a class=\"db-card\" href=\"/%s/%s\">", e->slug,
					dbs[i].slug);
			ayb_buf_adds(b, ui_icon_database);
			ui_html_printf(b,
					"<span class=\"db-text\"><span class=\"db-name\">%s</span>"
					"<span class=\"muted small\">Type: %s</span></span></a></li>",
					dbs[i].slug, dbs[i].db_type ? "duckdb" : "sqlite");
		}
		ayb_buf_adds(b, "</ul>");
	}
	ayb_buf_adds(b, "</section></div>");
	ui_page_close(ui, UI_CONTENT);
	ui_send(ui, status);
}

/* Loads the entity of path segment 0 (lowercased).  0 found, or -1 when
 * the request was answered (404 page for a missing entity). */
static int load_entity(struct ui *ui, struct ayb_entity *e)
{
	struct ayb_err err = { 0 };
	const struct fcgi_segment *s = &ui->req->seg[0];
	int rc = ayb_app_entity_get(ui->ctx, s->s, s->len, e, &err);

	if (rc < 0 && err.kind == AYB_E_NOT_FOUND)
		ui_message_page(ui, 404, "Not found", UI_ERROR, "Entity not found",
				"There is no user or organization by that name.");
	else if (rc < 0)
		ui_message_page(ui, ui_err_status(ui, &err), "Server error", UI_ERROR,
				"Server error", err.message);
	ayb_err_clear(&err);
	return rc;
}

/* Renders the entity page for e as the viewer sees it. */
static void show_entity(struct ui *ui, const struct ayb_entity *e, const char *create_error,
			const struct profile_values *pv, const cJSON *plinks,
			const char *profile_error, int status)
{
	struct ayb_err err = { 0 };
	struct ayb_database *dbs = NULL;
	size_t n = 0;

	if (ayb_app_entity_databases(ui->ctx, ui->caller, e->id, &dbs, &n, &err) < 0)
		ui_message_page(ui, ui_err_status(ui, &err), "Server error", UI_ERROR,
				"Server error", err.message);
	else
		entity_page(ui, e, dbs, n, create_error, pv, plinks, profile_error, status);
	ayb_databases_free(dbs, n);
	ayb_err_clear(&err);
}

void ui_entity(struct fcgi_call *c)
{
	struct ui *ui = c->ui;
	struct ayb_entity e = { 0 };

	if (load_entity(ui, &e) == 0)
		show_entity(ui, &e, NULL, NULL, NULL, NULL, 200);
	ayb_entity_free(&e);
}

void ui_create_database(struct fcgi_call *c)
{
	struct ui *ui = c->ui;
	struct ayb_err err = { 0 };
	struct ayb_entity e = { 0 };
	char tmp[256], *path = NULL;
	const char *slug;

	if (load_entity(ui, &e) < 0)
		goto out;
	slug = ui_field(ui, "database_slug");
	if (!ui->logged_in) {
		ayb_err_set(&err, AYB_E_UNAUTHENTICATED, "Please log in to create a database.");
	} else if (!*slug) {
		ayb_err_set(&err, AYB_E_INVALID, "Please give the database a name.");
	} else {
		const char *type = ui_form_get(&ui->form, "db_type");
		const char *level = ui_form_get(&ui->form, "public_sharing_level");

		if (ayb_app_database_create(ui->ctx, ui->caller, e.slug, strlen(e.slug), slug,
					    strlen(slug), type ? type : "sqlite",
					    level ? level : "no-access", &err) == 0) {
			const char *next = ui_form_get(&ui->form, "next");

			/* A page that offers to create one (the OAuth consent
			 * page) asks to be shown again. */
			path = ui_safe_next(next) ? strdup(next) : ayb_fmt("/%s/%s", e.slug, slug);
			ui_redirect(ui, path ? path : "/");
			goto out;
		}
	}
	if (ui->fragment) {
		ui_alert(&ui->page, UI_ERROR, "Error creating database",
			 ui_err_text(&err, tmp, sizeof(tmp)));
		ui_send(ui, ui_err_status(ui, &err));
	} else {
		show_entity(ui, &e, ui_err_text(&err, tmp, sizeof(tmp)), NULL, NULL, NULL,
			    ui_err_status(ui, &err));
	}
out:
	free(path);
	ayb_entity_free(&e);
	ayb_err_clear(&err);
}

/* The submitted links (fields "link", in order, trimmed, empty ones
 * dropped) as the API's JSON text [{"url":"..."}], and as a list of
 * strings for re-showing the form.  Returns the malloc'd JSON or NULL. */
static char *submitted_links(const struct ui *ui, cJSON **shown)
{
	cJSON *api = cJSON_CreateArray();
	char *text = NULL;

	*shown = cJSON_CreateArray();
	if (!api || !*shown)
		goto out;
	for (size_t i = 0; i < ui->form.n; i++) {
		const struct ui_form_field *f = &ui->form.f[i];
		const char *v = f->value, *end;
		char *url;
		cJSON *o;

		if (strcmp(f->name, "link") != 0 || strlen(v) != f->len)
			continue;
		while (*v == ' ' || *v == '\t')
			v++;
		end = v + strlen(v);
		while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end == v || !(url = strndup(v, (size_t)(end - v))))
			continue;
		/* Out of memory drops no link silently: the update fails whole. */
		o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(api, o)) {
			cJSON_Delete(o);
			free(url);
			goto out;
		}
		if (!cJSON_AddStringToObject(o, "url", url) ||
		    !cJSON_AddItemToArray(*shown, cJSON_CreateString(url))) {
			free(url);
			goto out;
		}
		free(url);
	}
	text = cJSON_PrintUnformatted(api);
out:
	cJSON_Delete(api);
	return text;
}

/* A submitted profile field as an update: always present, NULL (which
 * clears the column) when the field is empty. */
static struct ayb_field_update sent_field(const char *value)
{
	return (struct ayb_field_update){ 1, *value ? value : NULL };
}

void ui_update_profile(struct fcgi_call *c)
{
	struct ui *ui = c->ui;
	struct ayb_err err = { 0 };
	struct ayb_entity e = { 0 }, fresh = { 0 };
	struct ayb_profile_update u;
	struct profile_values v;
	cJSON *shown = NULL;
	char *links = NULL, tmp[256];

	memset(&u, 0, sizeof(u));
	if (load_entity(ui, &e) < 0)
		goto out;
	v.display_name = ui_field(ui, "display_name");
	v.description = ui_field(ui, "description");
	v.organization = ui_field(ui, "organization");
	v.location = ui_field(ui, "location");
	links = submitted_links(ui, &shown);
	if (!ui->logged_in ||
	    ayb_app_profile_owner_check(ui->caller, e.slug, strlen(e.slug), &err) < 0) {
		ayb_err_set(&err, AYB_E_FORBIDDEN, "You can only edit your own profile");
		ui_message_page(ui, 403, "Unauthorized", UI_ERROR, "Unauthorized",
				err.message);
		goto out;
	}
	if (!links) {
		ayb_err_oom(&err);
	} else {
		/* Every field is sent: an empty one clears the value. */
		u.display_name = sent_field(v.display_name);
		u.description = sent_field(v.description);
		u.organization = sent_field(v.organization);
		u.location = sent_field(v.location);
		u.links = (struct ayb_field_update){ 1, links };
		if (ayb_app_profile_update(ui->ctx, ui->caller, &u, &err) == 0) {
			if (!ui->fragment) {
				char *path = ayb_fmt("/%s", e.slug);

				ui_redirect(ui, path ? path : "/");
				free(path);
				goto out;
			}
			if (ayb_app_entity_get(ui->ctx, e.slug, strlen(e.slug), &fresh,
					       &err) == 0) {
				ui_profile_section(ui, &fresh, NULL);
				ui_send(ui, 200);
				goto out;
			}
		}
	}
	if (ui->fragment) {
		profile_section(ui, &e, &v, shown, ui_err_text(&err, tmp, sizeof(tmp)));
		ui_send(ui, ui_err_status(ui, &err));
	} else {
		show_entity(ui, &e, NULL, &v, shown, ui_err_text(&err, tmp, sizeof(tmp)),
			    ui_err_status(ui, &err));
	}
out:
	cJSON_Delete(shown);
	free(links);
	ayb_entity_free(&fresh);
	ayb_entity_free(&e);
	ayb_err_clear(&err);
}
