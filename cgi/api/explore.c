/* Explore's API (README "Explore"): the directory of public databases, a
 * database's schema and the rows of one of its tables. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "render.h"

int api_query_string(const struct fcgi_request *req, struct ui_form *f, struct ayb_err *err)
{
	const char *qs = fcgi_request_param(req, "QUERY_STRING");

	return ui_form_parse(qs ? qs : "", qs ? strlen(qs) : 0, f, err);
}

int api_browse_read(const struct ui_form *f, const char *table, struct ayb_browse *b,
		    struct ayb_err *err)
{
	memset(b, 0, sizeof(*b));
	b->table = table;
	b->size = AYB_BROWSE_SIZE;
	for (size_t i = 0; i < f->n; i++) {
		if (strlen(f->f[i].value) != f->f[i].len)
			return ayb_err_set(err, AYB_E_INVALID, "Invalid %.100s: a NUL byte",
					   f->f[i].name);
		if (ayb_browse_param(b, f->f[i].name, f->f[i].value, err) < 0)
			return -1;
	}
	return 0;
}

static int add_entry(cJSON *o, const void *row)
{
	const struct ayb_explore_entry *e = row;

	return api_json_add_string(o, "entity", e->entity_slug) < 0 ||
	       api_json_add_string(o, "database", e->database_slug) < 0 ||
	       api_json_add_string(o, "database_type", e->db_type ? "duckdb" : "sqlite") < 0 ||
	       api_json_add_string(o, "public_sharing_level",
				   ayb_app_public_level_name(e->public_sharing_level)) < 0 ||
	       api_json_add_string(o, "description", e->description) < 0 ? -1 : 0;
}

int api_explore_page(const struct ui_form *f, int64_t *page, struct ayb_err *err)
{
	const char *p = ui_form_get(f, "page");
	char *end;

	*page = 1;
	if (!p || !*p)
		return 0;
	*page = strtoll(p, &end, 10);
	if (*end || *page < 1 || *page > AYB_EXPLORE_PAGE_MAX)
		return ayb_err_set(err, AYB_E_INVALID, "Invalid page: 1 to %d",
				   AYB_EXPLORE_PAGE_MAX);
	return 0;
}

void api_explore(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	struct ui_form f = { 0 };
	struct ayb_explore_entry *e = NULL;
	size_t n = 0;
	int64_t page = 1;
	int more = 0;
	cJSON *o = NULL;

	if (api_query_string(c->req, &f, &err) < 0 || api_explore_page(&f, &page, &err) < 0 ||
	    ayb_app_explore(c->app, ui_form_get(&f, "q"), page, &e, &n, &more, &err) < 0)
		goto out;
	if (!(o = api_json_list("databases", e, n, sizeof(*e), add_entry, &err)))
		goto out;
	if (!cJSON_AddNumberToObject(o, "page", (double)page) ||
	    !(more ? cJSON_AddNumberToObject(o, "next_page", (double)(page + 1))
		   : cJSON_AddNullToObject(o, "next_page")))
		ayb_err_oom(&err);
out:
	api_answer(c, &err, 200, o);
	cJSON_Delete(o);
	ayb_explore_entries_free(e, n);
	ui_form_free(&f);
}

static int add_column(cJSON *o, const void *row)
{
	const struct ayb_schema_column *col = row;

	return api_json_add_string(o, "name", col->name) < 0 ||
	       api_json_add_string(o, "type", col->type) < 0 ||
	       !cJSON_AddBoolToObject(o, "primary_key", col->pk > 0) ||
	       !cJSON_AddBoolToObject(o, "nullable", !col->notnull) ? -1 : 0;
}

static int add_index(cJSON *o, const void *row)
{
	const struct ayb_schema_index *i = row;

	return api_json_add_string(o, "name", i->name) < 0 ||
	       api_json_add_string(o, "columns", i->columns) < 0 ||
	       !cJSON_AddBoolToObject(o, "unique", i->unique) ? -1 : 0;
}

static int add_table(cJSON *o, const void *row)
{
	const struct ayb_schema_table *t = row;
	struct ayb_err err = { 0 };  /* out of memory only: the caller's says so */
	int bad = api_json_add_string(o, "name", t->name) < 0 ||
		  api_json_add_string(o, "type", t->view ? "view" : "table") < 0 ||
		  api_json_add_rows(o, "columns", t->cols, t->ncols, sizeof(*t->cols),
				    add_column, &err) < 0 ||
		  api_json_add_rows(o, "indexes", t->idx, t->nidx, sizeof(*t->idx), add_index,
				    &err) < 0;

	ayb_err_clear(&err);
	if (bad)
		return -1;
	if (t->rows < 0)
		return cJSON_AddNullToObject(o, "row_count") ? 0 : -1;
	return cJSON_AddNumberToObject(o, "row_count", (double)t->rows) &&
	       cJSON_AddBoolToObject(o, "row_count_more", t->rows_more) ? 0 : -1;
}

cJSON *api_schema_json(const struct ayb_schema *s, int truncated, struct ayb_err *err)
{
	cJSON *o;

	if (!(o = api_json_list("tables", s->t, s->n, sizeof(*s->t), add_table, err)))
		return NULL;
	if (!cJSON_AddNumberToObject(o, "row_count_cap", AYB_EXPLORE_COUNT_CAP) ||
	    !cJSON_AddBoolToObject(o, "truncated", truncated)) {
		cJSON_Delete(o);
		ayb_err_oom(err);
		return NULL;
	}
	return o;
}

void api_schema(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	struct ayb_schema s = { 0 };
	int truncated = 0;
	cJSON *o = NULL;

	if (ayb_app_schema(c->app, &c->caller, &c->target, &s, &truncated, &err) == 0)
		o = api_schema_json(&s, truncated, &err);
	api_answer(c, &err, 200, o);
	cJSON_Delete(o);
	ayb_schema_free(&s);
}

/* The JSON answer and its last member, the next page's cursor. */
struct table_json {
	struct ayb_render_json json;
	char tail[48];
};

static void json_next(void *ctx, const char *next)
{
	struct table_json *t = ctx;

	if (*next)
		snprintf(t->tail, sizeof(t->tail), ",\"next\":\"%s\"", next);
	else
		snprintf(t->tail, sizeof(t->tail), ",\"next\":null");
	t->json.tail = t->tail;
}

void api_table(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	struct ui_form f = { 0 };
	struct ayb_browse *b = NULL;
	struct ayb_browse_rows rows;
	struct ayb_sink out = fcgi_response_stream(c->resp, 200);
	struct table_json tj;
	const struct fcgi_segment *name = &c->req->seg[4];
	int rc = -1;

	ayb_render_json_init(&tj.json, &out);
	memset(&rows, 0, sizeof(rows));
	rows.on_end = json_next;
	rows.on_end_ctx = &tj;
	if (strlen(name->s) != name->len) {
		ayb_err_set(&err, AYB_E_MISSING, "Table not found in database %s", c->target.name);
		goto out;
	}
	if (!(b = malloc(sizeof(*b)))) {
		ayb_err_oom(&err);
		goto out;
	}
	if (api_query_string(c->req, &f, &err) < 0 || api_browse_read(&f, name->s, b, &err) < 0)
		goto out;
	rc = ayb_app_browse(c->app, &c->caller, &c->target, b, &rows, &tj.json.rows, &err);
out:
	if (rc < 0) {
		if (fcgi_response_committed(c->resp)) {
			fcgi_response_abort(c->resp, &err);
		} else {
			fcgi_response_discard(c->resp);
			fcgi_response_error(c->resp, &err);
		}
	}
	ayb_render_json_free(&tj.json);
	ui_form_free(&f);
	free(b);
	ayb_err_clear(&err);
}
