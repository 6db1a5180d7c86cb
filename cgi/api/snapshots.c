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

void api_list_snapshots(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	struct ayb_snapshot *snaps = NULL;
	size_t n = 0;
	cJSON *o = NULL;

	if (ayb_app_snapshots_list(c->app, &c->caller, &c->target, &snaps, &n, &err) == 0)
		o = api_json_list("snapshots", snaps, n, sizeof(*snaps), snapshot_json, &err);
	api_answer(c, &err, 200, o);
	cJSON_Delete(o);
	ayb_snapshots_free(snaps, n);
}

/* The body is the id as typed; surrounding whitespace (a trailing newline
 * from `curl -d @file`) is not part of it. */
void api_restore_snapshot(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	const char *body = c->req->body ? c->req->body : "";
	size_t start = 0, end = c->req->body_len;

	while (start < end && blank(body[start]))
		start++;
	while (end > start && blank(body[end - 1]))
		end--;
	ayb_app_snapshot_restore(c->app, &c->caller, &c->target, body + start, end - start, &err);
	api_answer(c, &err, 200, NULL);
}
