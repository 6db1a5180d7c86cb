/* Listing and restoring a database's snapshots (README "Snapshots"). */
#include "autoconfig.h"

#include "api.h"

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int snapshot_json(cJSON *o, const void *row)
{
	const struct ayb_snapshot *s = row;

	return api_json_add_string(o, "last_modified_at", s->last_modified_at) < 0 ||
	       api_json_add_string(o, "snapshot_id", s->snapshot_id) < 0 ? -1 : 0;
}

/* "restorable": {"from", "to"} beside the list, when continuous backup
 * has the database: the instants a restore with "at" accepts. */
static int add_window(struct fcgi_call *c, cJSON *o, struct ayb_err *err)
{
	int64_t from, to;
	char text[40];
	cJSON *w;
	int rc = ayb_app_snapshots_window(c->app, &c->caller, &c->target, &from, &to, err);

	if (rc <= 0)
		return rc;
	if (!(w = cJSON_AddObjectToObject(o, "restorable")))
		return ayb_err_oom(err);
	ayb_snapshot_format_time(from / 1000, (int32_t)(from % 1000) * 1000000, text);
	if (api_json_add_string(w, "from", text) < 0)
		return ayb_err_oom(err);
	ayb_snapshot_format_time(to / 1000, (int32_t)(to % 1000) * 1000000, text);
	return api_json_add_string(w, "to", text) < 0 ? ayb_err_oom(err) : 0;
}

void api_list_snapshots(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	struct ayb_snapshot *snaps = NULL;
	size_t n = 0;
	cJSON *o = NULL;

	if (ayb_app_snapshots_list(c->app, &c->caller, &c->target, &snaps, &n, &err) == 0)
		o = api_json_list("snapshots", snaps, n, sizeof(*snaps), snapshot_json, &err);
	if (o && add_window(c, o, &err) < 0) {
		cJSON_Delete(o);
		o = NULL;
	}
	api_answer(c, &err, 200, o);
	cJSON_Delete(o);
	ayb_snapshots_free(snaps, n);
}

/* A JSON body: {"snapshot_id": "..."} or {"at": "<RFC 3339>"}. */
static void restore_json(struct fcgi_call *c, const char *body, size_t len, struct ayb_err *err)
{
	cJSON *o = cJSON_ParseWithLength(body, len), *id, *at;

	id = cJSON_GetObjectItemCaseSensitive(o, "snapshot_id");
	at = cJSON_GetObjectItemCaseSensitive(o, "at");
	if (!cJSON_IsObject(o) || (id && !cJSON_IsString(id)) || (at && !cJSON_IsString(at)))
		ayb_err_set(err, AYB_E_INVALID,
			    "Invalid restore request: expected {\"snapshot_id\": \"<id>\"} or {\"at\": \"<RFC 3339 time>\"}");
	else
		ayb_app_snapshot_restore_form(c->app, &c->caller, &c->target,
					      id ? id->valuestring : NULL,
					      at ? at->valuestring : NULL, err);
	cJSON_Delete(o);
}

/* The body is the id as typed; surrounding whitespace (a trailing newline
 * from `curl -d @file`) is not part of it.  A body that starts with '{',
 * which no id does, is the JSON form. */
void api_restore_snapshot(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	const char *body = c->req->body ? c->req->body : "";
	size_t start = 0, end = c->req->body_len;

	while (start < end && blank(body[start]))
		start++;
	while (end > start && blank(body[end - 1]))
		end--;
	if (start < end && body[start] == '{')
		restore_json(c, body + start, end - start, &err);
	else
		ayb_app_snapshot_restore(c->app, &c->caller, &c->target, body + start,
					 end - start, &err);
	api_answer(c, &err, 200, NULL);
}
