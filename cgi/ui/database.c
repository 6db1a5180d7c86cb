/* The database page (README "Web UI"): the query console, and for managers
 * the sharing and snapshots tabs.  Without JavaScript each form posts and
 * gets the whole page back with its outcome in place; the page script asks
 * for just the part that changed. */
#include "autoconfig.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "slug.h"
#include "snapshot.h"
#include "ui.h"

/* ayb's limit on SQL bodies, applied to the decoded query field. */
#define SQL_LIMIT (256u * 1024)

/* What a page shows beyond the database itself: the outcome of the form
 * that was just posted, and which tab it belongs to. */
struct db_page {
	const char *tab;             /* "query", "transfer", "sharing" or "snapshots" */
	const char *sql;             /* the query to re-show and run, or NULL */
	size_t sql_len;
	enum ui_alert public_kind, share_kind, snap_kind;
	const char *public_title, *public_msg;
	const char *share_title, *share_msg;
	const char *snap_title, *snap_msg;
	int list_snapshots;          /* render the snapshot list (it costs an S3 call) */
	enum ui_alert xfer_kind;     /* an import's outcome */
	const char *xfer_title, *xfer_msg;
};

static const struct {
	const char *value, *label, *hint;
} public_levels[] = {
	{ "no-access", "Private", "Only the people it is shared with" },
	{ "fork", "Forkable", "Anyone may see that it exists" },
	{ "read-only", "Read-only", "Anyone logged in may query it" },
}, share_levels[] = {
	{ "read-only", "Read-only", "Query without changing anything" },
	{ "read-write", "Read-write", "Query and change data" },
	{ "manager", "Manager", "Also share it and restore snapshots" },
};

static int can_manage(const struct ui *ui, const struct ayb_app_target *t)
{
	struct ayb_app_database_rights r;

	ayb_app_database_rights(t, &r);
	return ui->logged_in && r.can_manage;
}

static void choice(struct ayb_buf *b, const char *name, const char *value, const char *label,
		   const char *hint, int checked)
{
	ui_html_printf(b,
			"<label class=\"choice-item\"><input type=\"radio\" name=\"%s\" value=\"%s\" "
			"data-value=\"%s\"%s><span class=\"choice-label\">%s</span>"
			"<span class=\"choice-hint\">%s</span></label>",
			name, value, value, checked ? " checked" : "", label, hint);
}

/* The grants table of the sharing tab (README "Web UI"). */
static void permissions_list(struct ui *ui, const struct ayb_app_target *t)
{
	struct ayb_err err = { 0 };
	struct ayb_buf *b = &ui->page;
	struct ayb_grant *g = NULL;
	size_t n = 0;

	if (ayb_app_permissions(ui->ctx, ui->caller, t, &g, &n, &err) < 0) {
		ui_alert(b, UI_ERROR, "Error loading permissions", err.message);
		goto out;
	}
	if (n == 0) {
		ayb_buf_adds(b, "<p class=\"muted\">Not shared with anyone yet.</p>");
		goto out;
	}
	ayb_buf_adds(b, "<h3>Current permissions</h3>"
			"<div class=\"table-wrap\"><table class=\"table\">"
			"<thead><tr><th scope=\"col\">Username</th><th scope=\"col\">Access level</th>"
			"<th scope=\"col\"><span class=\"sr-only\">Actions</span></th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		const char *who = g[i].entity_slug ? g[i].entity_slug : "";

		ui_html_printf(b,
				"<tr><td><a href=\"/%s\">%s</a></td><td><span class=\"badge\">%s</span></td>"
				"<td class=\"actions\"><form method=\"post\" action=\"/%s/%s/share\" "
				"class=\"inline-form\" data-fragment=\"#sharing-area\" "
				"data-confirm=\"Are you sure you want to remove access for %s?\" "
				"data-confirm-title=\"Remove access\" data-confirm-button=\"Remove access\">"
				"<input type=\"hidden\" name=\"entity\" value=\"%s\">"
				"<input type=\"hidden\" name=\"sharing_level\" value=\"no-access\">",
				who, who, ayb_app_sharing_level_name(g[i].sharing_level),
				t->owner.slug, t->db.slug, who, who);
		ui_csrf_field(ui);
		ui_html_printf(b,
				"<button type=\"submit\" class=\"btn btn-ghost btn-sm btn-danger-text\" "
				"aria-label=\"Remove access for %s\">Remove</button></form></td></tr>",
				who);
	}
	ayb_buf_adds(b, "</tbody></table></div>");
out:
	ayb_grants_free(g, n);
	ayb_err_clear(&err);
}

/* The part of the sharing tab a share form replaces. */
static void sharing_area(struct ui *ui, const struct ayb_app_target *t, const struct db_page *p)
{
	ayb_buf_adds(&ui->page, "<div id=\"sharing-results\" aria-live=\"polite\">");
	if (p->share_title)
		ui_alert(&ui->page, p->share_kind, p->share_title, p->share_msg);
	ayb_buf_adds(&ui->page, "</div><div id=\"share-list-container\">");
	permissions_list(ui, t);
	ayb_buf_adds(&ui->page, "</div>");
}

static void sharing_tab(struct ui *ui, const struct ayb_app_target *t, const struct db_page *p)
{
	struct ayb_buf *b = &ui->page;

	ayb_buf_adds(b, "<section id=\"sharing\" class=\"tab-panel\" aria-labelledby=\"sharing-h\">"
			"<div class=\"panel-head\"><h2 id=\"sharing-h\">Sharing</h2>"
			"<p class=\"muted\">Decide who can find and query this database.</p></div>"
			"<div class=\"two-cols\"><div class=\"card\"><h3>Public sharing level</h3>");
	ui_html_printf(b,
			"<form method=\"post\" action=\"/%s/%s/update_public_sharing\" class=\"stack\" "
			"id=\"public-sharing-form\" data-fragment=\"#public-sharing-results\">",
			t->owner.slug, t->db.slug);
	ui_csrf_field(ui);
	ayb_buf_adds(b, "<fieldset class=\"choice\"><legend class=\"sr-only\">Public sharing level"
			"</legend>");
	for (size_t i = 0; i < sizeof(public_levels) / sizeof(public_levels[0]); i++)
		choice(b, "public_sharing_level", public_levels[i].value, public_levels[i].label,
		       public_levels[i].hint, (int)i == t->db.public_sharing_level);
	ayb_buf_adds(b, "</fieldset><div id=\"public-sharing-results\" aria-live=\"polite\">");
	if (p->public_title)
		ui_alert(b, p->public_kind, p->public_title, p->public_msg);
	ayb_buf_adds(b, "</div><button type=\"submit\" id=\"update-public-sharing-btn\" "
			"class=\"btn btn-primary\">Update sharing level</button></form></div>"
			"<div class=\"card\"><h3>Share with specific user</h3>");
	ui_html_printf(b,
			"<form method=\"post\" action=\"/%s/%s/share\" class=\"stack\" "
			"id=\"entity-sharing-form\" data-fragment=\"#sharing-area\" data-reset>",
			t->owner.slug, t->db.slug);
	ui_csrf_field(ui);
	ayb_buf_adds(b, "<label for=\"share-entity\">Username</label>"
			"<input id=\"share-entity\" name=\"entity\" required maxlength=\"64\" "
			"placeholder=\"Enter username\" autocomplete=\"off\" autocapitalize=\"none\" "
			"spellcheck=\"false\"><fieldset class=\"choice\"><legend>Access</legend>");
	for (size_t i = 0; i < sizeof(share_levels) / sizeof(share_levels[0]); i++)
		choice(b, "sharing_level", share_levels[i].value, share_levels[i].label,
		       share_levels[i].hint, i == 0);
	ayb_buf_adds(b, "</fieldset><button type=\"submit\" id=\"share-entity-btn\" "
			"class=\"btn btn-primary\">Update access</button></form></div></div>"
			"<div id=\"sharing-area\">");
	sharing_area(ui, t, p);
	ayb_buf_adds(b, "</div></section>");
}

/* With continuous backup, a time picker for a point-in-time restore
 * (README "Snapshots"): a datetime-local input read as UTC, within the
 * window. */
static void pitr_form(struct ui *ui, const struct ayb_app_target *t)
{
	struct ayb_err err = { 0 };
	struct ayb_buf *b = &ui->page;
	int64_t from, to;
	char lo[40], hi[40], shown_lo[40], shown_hi[40];
	struct tm tm;
	time_t sec;

	if (ayb_app_snapshots_window(ui->ctx, ui->caller, t, &from, &to, &err) <= 0) {
		ayb_err_clear(&err);
		return;
	}
	sec = (time_t)(from / 1000);
	gmtime_r(&sec, &tm);
	strftime(lo, sizeof(lo), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(shown_lo, sizeof(shown_lo), "%Y-%m-%d %H:%M:%S UTC", &tm);
	sec = (time_t)(to / 1000);
	gmtime_r(&sec, &tm);
	strftime(hi, sizeof(hi), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(shown_hi, sizeof(shown_hi), "%Y-%m-%d %H:%M:%S UTC", &tm);
	ui_html_printf(b,
			"<h3>Restore to a point in time</h3>"
			"<p class=\"muted\">Continuous backup can restore any instant from %s to "
			"%s.</p><form method=\"post\" action=\"/%s/%s/restore_snapshot\" "
			"class=\"inline-form\" data-fragment=\"#snapshots-area\" "
			"data-confirm-title=\"Restore to a point in time\" "
			"data-confirm=\"Restore the database to its state at the chosen instant? This "
			"replaces the current database content.\" "
			"data-confirm-button=\"Restore database\">"
			"<label for=\"restore-at\">Instant (UTC)</label>"
			"<input id=\"restore-at\" type=\"datetime-local\" name=\"at\" step=\"1\" "
			"required min=\"%s\" max=\"%s\" value=\"%s\">",
			shown_lo, shown_hi, t->owner.slug, t->db.slug, lo, hi, hi);
	ui_csrf_field(ui);
	ayb_buf_adds(b, "<button type=\"submit\" class=\"btn btn-secondary btn-sm\">"
			"Restore</button></form>");
}

/* The snapshots table (README "Web UI"), with the outcome of a
 * restore above it. */
static void snapshots_area(struct ui *ui, const struct ayb_app_target *t, const struct db_page *p)
{
	struct ayb_err err = { 0 };
	struct ayb_buf *b = &ui->page;
	struct ayb_snapshot *snaps = NULL;
	size_t n = 0;
	char tmp[256];

	ayb_buf_adds(b, "<div id=\"restore-snapshot-results\" aria-live=\"polite\">");
	if (p->snap_title)
		ui_alert(b, p->snap_kind, p->snap_title, p->snap_msg);
	ayb_buf_adds(b, "</div><div id=\"snapshots-list-container\">");
	if (ayb_app_snapshots_list(ui->ctx, ui->caller, t, &snaps, &n, &err) < 0) {
		ui_alert(b, UI_ERROR, "Error loading snapshots",
			 ui_err_text(&err, tmp, sizeof(tmp)));
		goto out;
	}
	if (n == 0) {
		ayb_buf_adds(b, "<p class=\"muted\">No snapshots available for this database.</p>");
		goto out;
	}
	ayb_buf_adds(b, "<h3>Available snapshots</h3>"
			"<div class=\"table-wrap\"><table class=\"table\">"
			"<thead><tr><th scope=\"col\">Snapshot ID</th><th scope=\"col\">Created</th>"
			"<th scope=\"col\"><span class=\"sr-only\">Actions</span></th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		char when[40], short_id[11];
		struct tm tm;
		time_t sec = (time_t)snaps[i].seconds;

		gmtime_r(&sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		memcpy(short_id, snaps[i].snapshot_id, sizeof(short_id) - 1);
		short_id[sizeof(short_id) - 1] = '\0';
		ui_html_printf(b,
				"<tr><td><code title=\"%s\">%s</code></td><td>%s</td>"
				"<td class=\"actions\"><form method=\"post\" "
				"action=\"/%s/%s/restore_snapshot\" class=\"inline-form\" "
				"data-fragment=\"#snapshots-area\" data-confirm-title=\"Restore snapshot\" "
				"data-confirm=\"Restore the database from the snapshot of %s? This "
				"replaces the current database content with the snapshot data.\" "
				"data-confirm-button=\"Restore database\">"
				"<input type=\"hidden\" name=\"snapshot_id\" value=\"%s\">",
				snaps[i].snapshot_id, short_id, when, t->owner.slug,
				t->db.slug, when, snaps[i].snapshot_id);
		ui_csrf_field(ui);
		ayb_buf_adds(b, "<button type=\"submit\" class=\"btn btn-secondary btn-sm\" "
				"title=\"Restore from this snapshot\">Restore</button></form></td></tr>");
	}
	ayb_buf_adds(b, "</tbody></table></div>");
out:
	if (!err.kind)
		pitr_form(ui, t);
	ayb_buf_adds(b, "</div>");
	ayb_snapshots_free(snaps, n);
	ayb_err_clear(&err);
}

static void snapshots_tab(struct ui *ui, const struct ayb_app_target *t, const struct db_page *p)
{
	struct ayb_buf *b = &ui->page;

	ayb_buf_adds(b, "<section id=\"snapshots\" class=\"tab-panel\" "
			"aria-labelledby=\"snapshots-h\">"
			"<div class=\"panel-head\"><h2 id=\"snapshots-h\">Database snapshots</h2>"
			"<p class=\"muted\">View and restore database snapshots.</p></div>");
	/* Listing asks S3, so it happens only when the tab is opened: the
	 * script fetches it, and without a script the link loads it. */
	ui_html_printf(b, "<div class=\"card\" id=\"snapshots-area\" "
			"data-src=\"/%s/%s/snapshots\">",
			t->owner.slug, t->db.slug);
	if (p->list_snapshots)
		snapshots_area(ui, t, p);
	else
		ui_html_printf(b,
				"<p class=\"muted\" id=\"snapshots-placeholder\"><a "
				"href=\"/%s/%s/snapshots#snapshots\">Show the snapshots</a></p>",
				t->owner.slug, t->db.slug);
	ayb_buf_adds(b, "</div></section>");
}

static void query_tab(struct ui *ui, const struct ayb_app_target *t, const struct db_page *p,
		      int *status)
{
	struct ayb_buf *b = &ui->page;
	struct ayb_app_database_rights r;
	enum ayb_query_level level;
	char *next = NULL;

	ayb_app_database_rights(t, &r);
	level = r.query_level;
	ayb_buf_adds(b, "<section id=\"query\" class=\"tab-panel\" aria-labelledby=\"query-h\">"
			"<div class=\"panel-head\"><h2 id=\"query-h\">Database querying</h2>"
			"<p class=\"muted\">Select, add, and update data.</p></div>");
	if (!ui->logged_in) {
		next = ayb_fmt("/log_in?next=/%s/%s", t->owner.slug, t->db.slug);
		ayb_buf_adds(b, "<div class=\"alert alert-info\" role=\"status\">"
				"<div class=\"alert-title\">"
				"Log in to query this database</div><p>");
		ui_html_printf(b, "<a href=\"%s\">Log in</a>"
				" is required for query access.</p></div>",
				next ? next : "/log_in");
		free(next);
	} else if (level == AYB_LEVEL_NONE) {
		ui_alert(b, UI_INFO, "You don't have query access to this database.",
			 ui_can_fork(ui, t)
			 ? "You can request access from the database owner or fork a copy."
			 : "You can request access from the database owner.");
	} else {
		ui_html_printf(b,
				"<form method=\"post\" action=\"/%s/%s/query\" id=\"query-form\" "
				"class=\"query-form card\" data-fragment=\"#query-results\">",
				t->owner.slug, t->db.slug);
		ui_csrf_field(ui);
		ayb_buf_adds(b, "<input type=\"hidden\" name=\"format\" value=\"html\">"
				"<label for=\"query-input\" class=\"sr-only\">SQL query</label>"
				"<textarea id=\"query-input\" name=\"query\" rows=\"5\" class=\"code\" required "
				"spellcheck=\"false\" autocapitalize=\"none\" "
				"placeholder=\"Enter a SQL query, like &#39;SELECT * FROM your_table LIMIT "
				"10&#39;\">");
		if (p->sql)
			ui_html_escape_n(b, p->sql, p->sql_len);
		ui_html_printf(b,
				"</textarea><div class=\"query-actions\"><span class=\"muted small\">"
				"Your access: %s &middot; <kbd>Ctrl</kbd>+<kbd>Enter</kbd> runs the "
				"query</span><button type=\"submit\" id=\"run-query-btn\" "
				"class=\"btn btn-primary\">Run query</button></div></form>"
				"<div id=\"query-results\" class=\"query-results\" aria-live=\"polite\">",
				level == AYB_LEVEL_READ_WRITE ? "read-write" : "read-only");
		if (p->sql)
			ui_query_results(ui, t, p->sql, p->sql_len, status);
		ayb_buf_adds(b, "</div>");
	}
	ayb_buf_adds(b, "</section>");
}

static void database_page(struct ui *ui, const struct ayb_app_target *t, const struct db_page *p,
			  int status)
{
	struct ayb_buf *b = &ui->page;
	int manage = can_manage(ui, t);
	int exports = ui->logged_in && ayb_perm_can_export(&t->caller, &t->db);
	char *title = ayb_fmt("Explore %s/%s", t->owner.slug, t->db.slug);

	ui_page_open(ui, title ? title : "Database", UI_CONTENT);
	ui_html_printf(b,
			"<nav class=\"breadcrumb\" aria-label=\"Breadcrumb\"><a href=\"/%s\">%s</a>"
			"<span class=\"sep\" aria-hidden=\"true\">/</span><strong>%s</strong>"
			"<span class=\"muted\">(%s)</span></nav>",
			t->owner.slug, t->owner.slug, t->db.slug,
			t->db.db_type ? "duckdb" : "sqlite");
	/* The schema sits beside the tabs on a wide screen, below them on a
	 * phone (README "Explore"). */
	ayb_buf_adds(b, "<div class=\"db-layout\">");
	ui_html_printf(b, "<div class=\"tabs\" data-tab=\"%s\"><ul id=\"database-tabs\" "
			   "class=\"tab-list\"><li><a href=\"#query\" class=\"tab\">Query</a></li>",
			p->tab);
	if (exports)
		ayb_buf_adds(b, "<li><a href=\"#transfer\" class=\"tab\">Export and import</a>"
				"</li>");
	if (manage)
		ayb_buf_adds(b, "<li><a href=\"#sharing\" class=\"tab\">Sharing</a></li>"
				"<li><a href=\"#snapshots\" class=\"tab\">Snapshots</a></li>");
	ayb_buf_adds(b, "</ul>");
	query_tab(ui, t, p, &status);
	if (exports)
		ui_transfer_tab(ui, t, manage, p->xfer_kind, p->xfer_title, p->xfer_msg);
	if (manage) {
		sharing_tab(ui, t, p);
		snapshots_tab(ui, t, p);
	}
	ayb_buf_adds(b, "</div>");
	ui_schema_sidebar(ui, t, manage);
	ayb_buf_adds(b, "</div>");
	ui_fork_card(ui, t);
	ui_page_close(ui, UI_CONTENT);
	ui_send(ui, status);
	free(title);
}

/* What a public-level change shows in place of its form's fragment. */
static void public_notice(struct ui *ui, const struct ayb_app_target *t, const struct db_page *p)
{
	(void)t;
	ui_alert(&ui->page, p->public_kind, p->public_title, p->public_msg);
}

/* The answer to a form of the database page: only the part it changes (the
 * `area`) for a fragment request, which the page script swaps in, else the
 * whole page. */
static void form_answer(struct ui *ui, const struct ayb_app_target *t, const struct db_page *p,
		       int status,
		       void (*area)(struct ui *, const struct ayb_app_target *,
				    const struct db_page *))
{
	if (ui->fragment) {
		area(ui, t, p);
		ui_send(ui, status);
	} else {
		database_page(ui, t, p, status);
	}
}

void ui_database_transfer(struct ui *ui, const struct ayb_app_target *t, int status,
			  enum ui_alert kind, const char *title, const char *msg)
{
	struct db_page p = { .tab = "transfer", .xfer_kind = kind, .xfer_title = title,
			     .xfer_msg = msg };

	database_page(ui, t, &p, status);
}

void ui_database(struct fcgi_call *c)
{
	struct ui *ui = c->ui;
	struct ayb_app_target *t = &c->target;
	struct db_page p = { .tab = "query" };

	database_page(ui, t, &p, 200);
}

void ui_query(struct fcgi_call *c)
{
	struct ui *ui = c->ui;
	struct ayb_app_target *t = &c->target;
	struct db_page p = { .tab = "query" };
	const struct ui_form_field *q;
	const char *format;
	int status = 200;

	q = ui_form_field(&ui->form, "query");
	format = ui_field(ui, "format");
	if (!ui->logged_in) {
		ui_message_page(ui, 401, "Log in", UI_ERROR, "Error running query",
				"Please log in to query this database.");
		goto out;
	}
	if (!q || q->len > SQL_LIMIT) {
		ui_message_page(ui, q ? 413 : 400, "Query error", UI_ERROR,
				"Error running query",
				q ? "The query is too long (256 KiB at most)."
				  : "Please enter a query.");
		goto out;
	}
	if (strcmp(format, "csv") == 0 || strcmp(format, "json") == 0) {
		ui_query_download(ui, t, q->value, q->len, format[0] == 'j');
		goto out;
	}
	if (ui->fragment) {
		ui_query_results(ui, t, q->value, q->len, &status);
		ui_send(ui, status);
		goto out;
	}
	p.sql = q->value;
	p.sql_len = q->len;
	database_page(ui, t, &p, 200);
out:;
}

/* The common start of the manager's forms: the right to manage the
 * database.  0 to go on, -1 when answered. */
static int manager_check(struct ui *ui, const struct ayb_app_target *t)
{
	if (!can_manage(ui, t)) {
		ui_message_page(ui, 403, "Not allowed", UI_ERROR, "Not allowed",
				"Only the owner and managers of this database may do this.");
		return -1;
	}
	return 0;
}

void ui_update_public_sharing(struct fcgi_call *c)
{
	struct ui *ui = c->ui;
	struct ayb_err err = { 0 };
	struct ayb_app_target *t = &c->target;
	struct db_page p = { .tab = "sharing" };
	const char *level;
	char tmp[256], msg[160];
	int status = 200;

	if (manager_check(ui, t) < 0)
		goto out;
	level = ui_field(ui, "public_sharing_level");
	p.public_kind = UI_ERROR;
	if (ayb_app_public_level_parse(level, &err) < 0) {
		snprintf(msg, sizeof(msg), "The sharing level '%.100s' is not valid.", level);
		p.public_title = "Invalid sharing level";
		p.public_msg = msg;
		status = 400;
	} else if (ayb_app_database_update(ui->ctx, ui->caller, t, level, &err) < 0) {
		p.public_title = "Error updating sharing level";
		p.public_msg = ui_err_text(&err, tmp, sizeof(tmp));
		status = ui_err_status(ui, &err);
	} else {
		t->db.public_sharing_level = ayb_app_public_level_parse(level, &err);
		p.public_kind = UI_SUCCESS;
		p.public_title = "Success";
		p.public_msg = "Public sharing level updated successfully.";
	}
	form_answer(ui, t, &p, status, public_notice);
out:
	ayb_err_clear(&err);
}

void ui_share(struct fcgi_call *c)
{
	struct ui *ui = c->ui;
	struct ayb_err err = { 0 };
	struct ayb_app_target *t = &c->target;
	struct db_page p = { .tab = "sharing" };
	const char *level_text, *raw;
	char *who = NULL, tmp[256], msg[200];
	size_t n;
	int level, status = 200;

	if (manager_check(ui, t) < 0)
		goto out;
	raw = ui_field(ui, "entity");
	level_text = ui_field(ui, "sharing_level");
	while (isspace((unsigned char)*raw))
		raw++;
	n = strlen(raw);
	while (n && isspace((unsigned char)raw[n - 1]))
		n--;
	if (!(who = strndup(raw, n))) {
		ayb_err_oom(&err);
		goto out;
	}
	ayb_slug_lower(who);
	p.share_kind = UI_ERROR;
	if ((level = ayb_app_sharing_level_parse(level_text, &err)) < 0) {
		snprintf(msg, sizeof(msg), "The sharing level '%.100s' is not valid.", level_text);
		p.share_title = "Invalid sharing level";
		p.share_msg = msg;
		status = 400;
	} else if (!*who) {
		p.share_title = "Missing username";
		p.share_msg = "Please enter a username to share with.";
		status = 400;
	} else if (ayb_app_share(ui->ctx, ui->caller, t, who, level, &err) < 0) {
		p.share_title = "Error updating access";
		p.share_msg = ui_err_text(&err, tmp, sizeof(tmp));
		status = ui_err_status(ui, &err);
	} else {
		snprintf(msg, sizeof(msg),
			 level == AYB_SHARE_NO_ACCESS ? "Access removed for user '%.64s'."
						      : "Database access updated for user '%.64s'.",
			 who);
		p.share_kind = UI_SUCCESS;
		p.share_title = "Success";
		p.share_msg = msg;
	}
	form_answer(ui, t, &p, status, sharing_area);
out:
	free(who);
	ayb_err_clear(&err);
}

void ui_permissions(struct fcgi_call *c)
{
	struct ui *ui = c->ui;
	struct ayb_app_target *t = &c->target;

	if (manager_check(ui, t) == 0) {
		permissions_list(ui, t);
		ui_send(ui, 200);
	}
}

void ui_snapshots(struct fcgi_call *c)
{
	struct ui *ui = c->ui;
	struct ayb_app_target *t = &c->target;
	struct db_page p = { .tab = "snapshots", .list_snapshots = 1 };

	if (manager_check(ui, t) == 0)
		form_answer(ui, t, &p, 200, snapshots_area);
}

/* The time picker's restore: datetime-local's "YYYY-MM-DDTHH:MM[:SS]",
 * in UTC as the form says.  p's message is put in msg or tmp, the
 * caller's. */
static void restore_at(struct ui *ui, const struct ayb_app_target *t, struct db_page *p,
		       int *status, char msg[200], char tmp[256], struct ayb_err *err)
{
	const char *at = ui_field(ui, "at"), *id = ui_field(ui, "snapshot_id");
	char rfc[64];

	snprintf(rfc, sizeof(rfc), "%.40s%sZ", at, strlen(at) == 16 ? ":00" : "");
	p->snap_kind = UI_ERROR;
	if (ayb_app_snapshot_restore_form(ui->ctx, ui->caller, t, *id ? id : NULL, rfc,
					  err) < 0) {
		p->snap_title = "Error restoring to a point in time";
		p->snap_msg = ui_err_text(err, tmp, 256);
		*status = ui_err_status(ui, err);
		return;
	}
	snprintf(msg, 200, "Database successfully restored to its state at %s.", rfc);
	p->snap_kind = UI_SUCCESS;
	p->snap_title = "Success";
	p->snap_msg = msg;
}

void ui_restore_snapshot(struct fcgi_call *c)
{
	struct ui *ui = c->ui;
	struct ayb_err err = { 0 };
	struct ayb_app_target *t = &c->target;
	struct db_page p = { .tab = "snapshots", .list_snapshots = 1 };
	const char *raw;
	char *id = NULL, tmp[256], msg[200];
	size_t n;
	int status = 200;

	if (manager_check(ui, t) < 0)
		goto out;
	if (*ui_field(ui, "at")) {
		restore_at(ui, t, &p, &status, msg, tmp, &err);
		form_answer(ui, t, &p, status, snapshots_area);
		goto out;
	}
	raw = ui_field(ui, "snapshot_id");
	while (isspace((unsigned char)*raw))
		raw++;
	n = strlen(raw);
	while (n && isspace((unsigned char)raw[n - 1]))
		n--;
	if (!(id = strndup(raw, n))) {
		ayb_err_oom(&err);
		goto out;
	}
	p.snap_kind = UI_ERROR;
	if (!*id) {
		p.snap_title = "Missing snapshot ID";
		p.snap_msg = "Please provide a valid snapshot ID.";
		status = 400;
	} else if (ayb_app_snapshot_restore(ui->ctx, ui->caller, t, id, strlen(id), &err) < 0) {
		p.snap_title = "Error restoring snapshot";
		p.snap_msg = ui_err_text(&err, tmp, sizeof(tmp));
		status = ui_err_status(ui, &err);
	} else {
		snprintf(msg, sizeof(msg), "Database successfully restored from snapshot '%.64s'.",
			 id);
		p.snap_kind = UI_SUCCESS;
		p.snap_title = "Success";
		p.snap_msg = msg;
	}
	form_answer(ui, t, &p, status, snapshots_area);
out:
	free(id);
	ayb_err_clear(&err);
}
