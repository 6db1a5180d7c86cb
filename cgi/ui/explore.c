/* Explore in the browser (README "Explore"): the directory of public
 * databases, a database's schema beside its page, and a table page with
 * sort links, filters, pages and downloads.  Every page is plain HTML with
 * GET forms and links, so it works without JavaScript; the table scrolls
 * sideways on a phone. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "render.h"
#include "render_rows.h"
#include "ui.h"

/* A cell longer than this shows its start, and the rest on demand. */
#define CELL_PREVIEW 80

/* Appends `name=value` percent-encoded, after `&` unless first. */
static void query_pair(struct ayb_buf *b, const char *name, const char *value)
{
	char *n = ui_url_encode(name), *v = ui_url_encode(value);

	if (!n || !v)
		b->oom = 1;
	else
		ayb_buf_printf(b, "%s%s=%s", strchr(b->data ? b->data : "", '?') ? "&" : "?", n, v);
	free(n);
	free(v);
}

/* The table page's URL for br with the sort given and, when set, the
 * cursor or the download format. */
static void table_url(struct ayb_buf *b, const struct ayb_app_target *t,
		      const struct ayb_browse *br, const char *sort, int desc, const char *after,
		      const char *format)
{
	char *tn = ui_url_encode(br->table);
	char name[300];

	ayb_buf_printf(b, "/%s/%s/table/%s", t->owner.slug, t->db.slug, tn ? tn : "");
	free(tn);
	if (sort)
		query_pair(b, desc ? "_sort_desc" : "_sort", sort);
	for (size_t i = 0; i < br->nfilters; i++) {
		snprintf(name, sizeof(name), "%s__%s", br->filters[i].column,
			 ayb_browse_op_name(br->filters[i].op));
		query_pair(b, name, br->filters[i].value);
	}
	if (br->size != AYB_BROWSE_SIZE) {
		snprintf(name, sizeof(name), "%lld", (long long)br->size);
		query_pair(b, "_size", name);
	}
	if (after)
		query_pair(b, "_after", after);
	if (format)
		query_pair(b, "_format", format);
}

/* ---- the directory ---------------------------------------------------------- */

/* A link to page `page` of the search q; label is trusted markup. */
static void pager_link(struct ayb_buf *b, const char *q, int64_t page, const char *rel,
		       const char *label)
{
	struct ayb_buf url = { 0 };
	char n[24];

	snprintf(n, sizeof(n), "%lld", (long long)page);
	ayb_buf_adds(&url, "/explore");
	if (q && *q)
		query_pair(&url, "q", q);
	query_pair(&url, "page", n);
	ui_html_printf(b, "<a rel=\"%s\" href=\"%s\">", rel, url.data ? url.data : "/explore");
	ayb_buf_adds(b, label);
	ayb_buf_adds(b, "</a> ");
	ayb_buf_free(&url);
}

void ui_explore(struct fcgi_call *c)
{
	struct ui *ui = c->ui;
	struct ayb_err err = { 0 };
	struct ayb_buf *b = &ui->page;
	struct ayb_explore_entry *e = NULL;
	const char *q = ui_form_get(&ui->query, "q");
	size_t n = 0;
	int64_t page = 1;
	int more = 0, status = 200;
	char tmp[256];

	ui_page_open(ui, "Explore", UI_CONTENT);
	ui_html_printf(b, "<h1>Explore</h1><p class=\"muted\">Public databases: browse and "
			  "download their tables without writing SQL.</p>"
			  "<form method=\"get\" action=\"/explore\" class=\"search-form\" role=\"search\">"
			  "<label for=\"q\" class=\"sr-only\">Search</label>"
			  "<input type=\"search\" id=\"q\" name=\"q\" value=\"%s\" "
			  "placeholder=\"Owner, name or description\">"
			  "<button type=\"submit\" class=\"btn btn-primary\">Search</button></form>",
			  q ? q : "");
	if (api_explore_page(&ui->query, &page, &err) < 0 ||
	    ayb_app_explore(ui->ctx, q, page, &e, &n, &more, &err) < 0) {
		status = ui_err_status(ui, &err);
		ui_alert(b, UI_ERROR, "Cannot list databases", ui_err_text(&err, tmp, sizeof(tmp)));
	} else if (n == 0) {
		ayb_buf_adds(b, "<p class=\"empty\">No public database matches.</p>");
	}
	if (n)
		ayb_buf_adds(b, "<ul class=\"explore-list\">");
	for (size_t i = 0; i < n; i++) {
		ui_html_printf(b, "<li class=\"card\"><a href=\"/%s/%s\"><strong>%s/%s</strong>"
				  "</a> <span class=\"badge\">%s</span>",
				  e[i].entity_slug, e[i].database_slug, e[i].entity_slug,
				  e[i].database_slug,
				  ayb_app_public_level_name(e[i].public_sharing_level));
		if (e[i].description)
			ui_html_printf(b, "<p>%s</p>", e[i].description);
		ayb_buf_adds(b, "</li>");
	}
	if (n)
		ayb_buf_adds(b, "</ul>");
	ayb_buf_adds(b, "<nav class=\"pager\" aria-label=\"Pages\">");
	if (page > 1)
		pager_link(b, q, page - 1, "prev", "&larr; Newer");
	if (more)
		pager_link(b, q, page + 1, "next", "Older &rarr;");
	ayb_buf_adds(b, "</nav>");
	ui_page_close(ui, UI_CONTENT);
	ui_send(ui, status);
	ayb_explore_entries_free(e, n);
	ayb_err_clear(&err);
}

/* ---- the table page ------------------------------------------------------------- */

/* Cells shown expanded hold at most this much; the downloads have it all. */
#define CELL_FULL_MAX (64 * 1024)

/* The page's rows as they come: the filter form and the head once the
 * columns are known, then the rows, streamed out of ui->page. */
struct browse_page {
	struct ayb_row_sink rows;
	struct ui *ui;
	const struct ayb_app_target *t;
	const struct ayb_browse *br;
	struct ayb_sink out;
	int started;
	unsigned long long nrows;
};

static void op_select(struct ayb_buf *b, int selected)
{
	ayb_buf_adds(b, "<select name=\"_fo\" aria-label=\"Operator\">");
	for (int op = 0; op < AYB_OP_COUNT; op++)
		ui_html_printf(b, "<option value=\"%s\"%s>%s</option>", ayb_browse_op_name(op),
			       op == selected ? " selected" : "", ayb_browse_op_name(op));
	ayb_buf_adds(b, "</select>");
}

static void filter_row(struct ayb_buf *b, const char *const *names, size_t n,
		       const struct ayb_browse_filter *f)
{
	ayb_buf_adds(b, "<div class=\"filter-row\"><select name=\"_fc\" aria-label=\"Column\">"
			"<option value=\"\">column&hellip;</option>");
	for (size_t i = 0; i < n; i++)
		ui_html_printf(b, "<option value=\"%s\"%s>%s</option>", names[i],
			       f && strcmp(f->column, names[i]) == 0 ? " selected" : "", names[i]);
	ayb_buf_adds(b, "</select>");
	op_select(b, f ? f->op : AYB_OP_EXACT);
	ui_html_printf(b, "<input name=\"_fv\" aria-label=\"Value\" value=\"%s\"></div>",
		       f ? f->value : "");
}

static int page_fields(void *ctx, const char *const *names, size_t n)
{
	struct browse_page *p = ctx;
	struct ayb_buf *b = &p->ui->page, url = { 0 };
	const struct ayb_browse *br = p->br;

	p->started = 1;
	ayb_buf_adds(b, "<form method=\"get\" class=\"filters\" aria-label=\"Filters\">");
	for (size_t i = 0; i < br->nfilters; i++)
		filter_row(b, names, n, &br->filters[i]);
	filter_row(b, names, n, NULL);
	if (br->sort)
		ui_html_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"%s\">",
			       br->desc ? "_sort_desc" : "_sort", br->sort);
	ayb_buf_adds(b, "<button type=\"submit\" class=\"btn btn-primary btn-sm\">Apply</button>"
			"</form><div class=\"table-wrap\" tabindex=\"0\" aria-label=\"Rows\">"
			"<table class=\"table browse\"><thead><tr>");
	for (size_t i = 0; i < n; i++) {
		int asc = br->sort && !br->desc && strcmp(br->sort, names[i]) == 0;
		int desc = br->sort && br->desc && strcmp(br->sort, names[i]) == 0;

		url.len = 0;
		table_url(&url, p->t, br, names[i], asc, NULL, NULL);
		ui_html_printf(b, "<th scope=\"col\"><a href=\"%s\" title=\"Sort\">%s</a>",
			       url.data ? url.data : "", names[i]);
		ayb_buf_adds(b, asc ? " &#9650;</th>" : desc ? " &#9660;</th>" : "</th>");
	}
	ayb_buf_adds(b, "</tr></thead><tbody>");
	ayb_buf_free(&url);
	return b->oom ? -1 : 0;
}

static void page_cell(struct ayb_buf *b, const struct ayb_value *v)
{
	char tmp[AYB_REAL_TEXT_MAX];
	struct ayb_buf bin = { 0 };
	const char *s;
	size_t len, cut;

	if (v->type == AYB_VALUE_BINARY) {
		ayb_render_binary(&bin, v->u.s.p,
				  v->u.s.n < CELL_FULL_MAX ? v->u.s.n : CELL_FULL_MAX);
		s = bin.data ? bin.data : "";
		len = bin.len;
	} else if (!(s = ayb_render_text(v, tmp, &len))) {
		ayb_buf_adds(b, "<td class=\"null\"></td>");
		return;
	}
	if (len <= CELL_PREVIEW) {
		ayb_buf_adds(b, "<td>");
		ui_html_escape_n(b, s, len);
		ayb_buf_adds(b, "</td>");
		ayb_buf_free(&bin);
		return;
	}
	/* Long: its start, and the whole on demand (<details> needs no script). */
	cut = CELL_PREVIEW;
	while (cut && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	ayb_buf_adds(b, "<td><details class=\"cell\"><summary>");
	ui_html_escape_n(b, s, cut);
	ayb_buf_adds(b, "&hellip;</summary>");
	if (len > CELL_FULL_MAX) {
		len = CELL_FULL_MAX;
		while (len && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	ui_html_escape_n(b, s, len);
	ayb_buf_adds(b, "</details></td>");
	ayb_buf_free(&bin);
}

static int page_row(void *ctx, const struct ayb_value *v, size_t n)
{
	struct browse_page *p = ctx;
	struct ayb_buf *b = &p->ui->page;

	p->nrows++;
	ayb_buf_adds(b, "<tr>");
	for (size_t i = 0; i < n; i++)
		page_cell(b, &v[i]);
	ayb_buf_adds(b, "</tr>");
	if (b->oom)
		return -1;
	if (b->len < UI_TABLE_CHUNK)
		return 0;
	if (ayb_sink_write(&p->out, b->data, b->len) < 0)
		return -1;
	b->len = 0;
	b->data[0] = '\0';
	return 0;
}

static int page_end(void *ctx)
{
	struct browse_page *p = ctx;

	ayb_buf_adds(&p->ui->page, "</tbody></table></div>");
	return p->ui->page.oom ? -1 : 0;
}

/* The browse request of the page: the API's parameters, and the filter
 * form's rows (_fc column, _fo operator, _fv value; a row without a
 * column is the form's empty one). */
static int page_browse(const struct ui_form *f, const char *table, struct ayb_browse *br,
		       struct ayb_err *err)
{
	struct ayb_browse_filter *pending = NULL;

	if (api_browse_read(f, table, br, err) < 0)
		return -1;
	for (size_t i = 0; i < f->n; i++) {
		const char *name = f->f[i].name, *value = f->f[i].value;

		if (strcmp(name, "_fc") == 0) {
			pending = NULL;
			if (!*value)
				continue;
			if (br->nfilters == AYB_BROWSE_FILTERS_MAX)
				return ayb_err_set(err, AYB_E_INVALID,
						   "Too many filters (%d at most)",
						   AYB_BROWSE_FILTERS_MAX);
			pending = &br->filters[br->nfilters++];
			*pending = (struct ayb_browse_filter){ value, AYB_OP_EXACT, "" };
		} else if (pending && strcmp(name, "_fo") == 0) {
			if ((pending->op = ayb_browse_op_parse(value)) < 0)
				return ayb_err_set(err, AYB_E_INVALID, "Unknown operator %.40s",
						   value);
		} else if (pending && strcmp(name, "_fv") == 0) {
			pending->value = value;
		}
	}
	return 0;
}

struct browse_run {
	struct ui *ui;
	const struct ayb_app_target *t;
	const struct ayb_browse *br;
};

static int run_browse(void *ctx, struct ayb_row_sink *rows, struct ayb_err *err)
{
	struct browse_run *r = ctx;
	struct ayb_browse_rows br;

	memset(&br, 0, sizeof(br));
	return ayb_app_browse(r->ui->ctx, r->ui->caller, r->t, r->br, &br, rows, err);
}

void ui_table(struct fcgi_call *c)
{
	struct ui *ui = c->ui;
	struct ayb_app_target *t = &c->target;
	struct ayb_err err = { 0 };
	struct ayb_buf *b = &ui->page, url = { 0 };
	const struct fcgi_segment *seg = &c->req->seg[3];
	struct ayb_browse *br = calloc(1, sizeof(*br));
	struct browse_page p = { { page_fields, page_row, page_end, NULL }, ui, t, NULL,
				 { 0 }, 0, 0 };
	struct ayb_browse_rows rows;
	const char *format = ui_form_get(&ui->query, "_format");
	char tmp[256], *title = NULL;
	int rc, status = 200;

	if (!br)
		goto out;
	p.rows.ctx = &p;
	p.br = br;
	if (strlen(seg->s) != seg->len)
		rc = ayb_err_set(&err, AYB_E_MISSING, "Table not found in database %s", t->name);
	else
		rc = page_browse(&ui->query, seg->s, br, &err);
	if (rc == 0 && format && (strcmp(format, "csv") == 0 || strcmp(format, "json") == 0)) {
		struct browse_run r = { ui, t, br };

		br->size = 0;
		ui_download_send(ui, seg->s, format[0] == 'j', run_browse, &r);
		goto out;
	}
	title = ayb_fmt("%s - %s/%s", seg->s, t->owner.slug, t->db.slug);
	ui_page_open(ui, title ? title : "Table", UI_CONTENT);
	ui_html_printf(b, "<nav class=\"breadcrumb\" aria-label=\"Breadcrumb\"><a href=\"/%s\">%s"
			  "</a><span class=\"sep\" aria-hidden=\"true\">/</span><a href=\"/%s/%s\">%s"
			  "</a><span class=\"sep\" aria-hidden=\"true\">/</span><strong>%s</strong>"
			  "</nav>",
			  t->owner.slug, t->owner.slug, t->owner.slug, t->db.slug, t->db.slug,
			  seg->s);
	if (rc == 0) {
		p.out = ui_page_stream(ui);
		memset(&rows, 0, sizeof(rows));
		rc = ayb_app_browse(ui->ctx, ui->caller, t, br, &rows, &p.rows, &err);
	}
	if (rc < 0) {
		status = ui_err_status(ui, &err);
		if (p.started)
			ayb_buf_adds(b, "</tbody></table></div>");
		ui_alert(b, UI_ERROR, "Cannot show this table",
			 ui_err_text(&err, tmp, sizeof(tmp)));
		table_url(&url, t, &(struct ayb_browse){ .table = seg->s, .size = AYB_BROWSE_SIZE },
			  NULL, 0, NULL, NULL);
		ui_html_printf(b, "<p><a href=\"%s\">Show the whole table</a></p>",
			       url.data ? url.data : "");
	} else {
		ui_html_printf(b, "<div class=\"result-summary\">%llu row%s%s</div>", p.nrows,
			       p.nrows == 1 ? "" : "s", *rows.next ? " on this page" : "");
		ayb_buf_adds(b, "<nav class=\"pager\" aria-label=\"Pages\">");
		if (*rows.next) {
			table_url(&url, t, br, br->sort, br->desc, rows.next, NULL);
			ui_html_printf(b, "<a rel=\"next\" class=\"btn btn-secondary btn-sm\" "
					  "href=\"%s\">Next page &rarr;</a> ",
				       url.data ? url.data : "");
		}
		url.len = 0;
		table_url(&url, t, br, br->sort, br->desc, NULL, "csv");
		ui_html_printf(b, "<a class=\"btn btn-secondary btn-sm\" href=\"%s\" download>"
				  "Download CSV</a> ", url.data ? url.data : "");
		url.len = 0;
		table_url(&url, t, br, br->sort, br->desc, NULL, "json");
		ui_html_printf(b, "<a class=\"btn btn-secondary btn-sm\" href=\"%s\" download>"
				  "Download JSON</a></nav>", url.data ? url.data : "");
		ayb_buf_adds(b, "<p class=\"muted\">The downloads hold every row of this view, "
				"filtered and sorted as shown.</p>");
	}
	ui_page_close(ui, UI_CONTENT);
	ui_send(ui, status);
out:
	free(br);
	free(title);
	ayb_buf_free(&url);
	ayb_err_clear(&err);
}

/* ---- the schema sidebar and the description ------------------------------------- */

void ui_schema_sidebar(struct ui *ui, const struct ayb_app_target *t, int manage)
{
	struct ayb_err err = { 0 };
	struct ayb_buf *b = &ui->page;
	struct ayb_schema s = { 0 };
	char *desc = NULL, *tn;
	int truncated = 0;

	ayb_buf_adds(b, "<aside class=\"schema-sidebar\" aria-label=\"Schema\">");
	if (ayb_app_database_description(ui->ctx, t, &desc, &err) == 0 && desc)
		ui_html_printf(b, "<p class=\"description\">%s</p>", desc);
	ayb_err_clear(&err);
	if (manage) {
		ui_html_printf(b, "<details class=\"describe\"><summary>Edit description</summary>"
				  "<form method=\"post\" action=\"/%s/%s/update_description\">",
				  t->owner.slug, t->db.slug);
		ui_csrf_field(ui);
		ui_html_printf(b, "<label for=\"description\">Description (shown in "
				  "<a href=\"/explore\">Explore</a> when public)</label>"
				  "<textarea id=\"description\" name=\"description\" rows=\"3\" "
				  "maxlength=\"%d\">%s</textarea><button type=\"submit\" "
				  "class=\"btn btn-secondary btn-sm\">Save</button></form></details>",
				  AYB_DESCRIPTION_MAX, desc ? desc : "");
	}
	free(desc);
	if (!ayb_perm_can_browse(&t->caller, &t->db)) {
		ayb_buf_adds(b, "</aside>");
		return;
	}
	ayb_buf_adds(b, "<h2>Tables</h2>");
	if (ayb_app_schema(ui->ctx, ui->caller, t, &s, &truncated, &err) < 0) {
		char tmp[256];

		ui_html_printf(b, "<p class=\"muted\">%s</p>", ui_err_text(&err, tmp, sizeof(tmp)));
	} else if (s.n == 0) {
		ayb_buf_adds(b, "<p class=\"muted\">No tables yet.</p>");
	}
	ayb_buf_adds(b, "<ul class=\"schema-list\">");
	for (size_t i = 0; i < s.n; i++) {
		const struct ayb_schema_table *tb = &s.t[i];

		tn = ui_url_encode(tb->name);
		ui_html_printf(b, "<li><details><summary><a href=\"/%s/%s/table/%s\">%s</a>",
			       t->owner.slug, t->db.slug, tn ? tn : "", tb->name);
		free(tn);
		if (tb->view)
			ayb_buf_adds(b, " <span class=\"badge\">view</span>");
		if (tb->rows >= 0)
			ui_html_printf(b, " <small class=\"muted\">%s%lld rows</small>",
				       tb->rows_more ? "more than " : "", (long long)tb->rows);
		ayb_buf_adds(b, "</summary><ul class=\"columns\">");
		for (size_t j = 0; j < tb->ncols; j++)
			ui_html_printf(b, "<li><code>%s</code> <small>%s%s%s</small></li>",
				       tb->cols[j].name, tb->cols[j].type,
				       tb->cols[j].pk ? " primary key" : "",
				       tb->cols[j].notnull ? " not null" : "");
		for (size_t j = 0; j < tb->nidx; j++)
			ui_html_printf(b, "<li><small>%sindex %s (%s)</small></li>",
				       tb->idx[j].unique ? "unique " : "", tb->idx[j].name,
				       tb->idx[j].columns);
		ayb_buf_adds(b, "</ul></details></li>");
	}
	ayb_buf_adds(b, "</ul>");
	if (truncated)
		ayb_buf_adds(b, "<p class=\"muted\">The schema is too large to show whole.</p>");
	ayb_buf_adds(b, "</aside>");
	ayb_schema_free(&s);
	ayb_err_clear(&err);
}

void ui_update_description(struct fcgi_call *c)
{
	struct ui *ui = c->ui;
	struct ayb_err err = { 0 };
	struct ayb_field_update d = { 1, ui_field(ui, "description") };
	char tmp[256], *back;

	if (ayb_app_database_update_meta(ui->ctx, ui->caller, &c->target, NULL, &d, &err) < 0) {
		ui_message_page(ui, ui_err_status(ui, &err), "Description", UI_ERROR,
				"Cannot update the description",
				ui_err_text(&err, tmp, sizeof(tmp)));
	} else {
		back = ayb_fmt("/%s/%s", c->target.owner.slug, c->target.db.slug);
		ui_redirect(ui, back ? back : "/");
		free(back);
	}
	ayb_err_clear(&err);
}
