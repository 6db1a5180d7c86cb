/* Listing and restoring a database's snapshots (README "Snapshots"). */
#include "autoconfig.h"

#include "api.h"

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void api_list_snapshots(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	struct ayb_snapshot *snaps = NULL;
	size_t n = 0;
	cJSON *o = NULL, *list;

	if (ayb_app_snapshots_list(c->app, &c->caller, &c->target, &snaps, &n, &err) < 0)
		goto fail;
	if (!(o = cJSON_CreateObject()) || !(list = cJSON_AddArrayToObject(o, "snapshots"))) {
		ayb_err_oom(&err);
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		cJSON *s = cJSON_CreateObject();

		if (!s || !cJSON_AddItemToArray(list, s) ||
		    !cJSON_AddStringToObject(s, "last_modified_at", snaps[i].last_modified_at) ||
		    !cJSON_AddStringToObject(s, "snapshot_id", snaps[i].snapshot_id)) {
			ayb_err_oom(&err);
			goto fail;
		}
	}
	fcgi_response_json(c->resp, 200, o);
	goto out;
fail:
	fcgi_response_error(c->resp, &err);
out:
	cJSON_Delete(o);
	ayb_snapshots_free(snaps, n);
	ayb_err_clear(&err);
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
	if (ayb_app_snapshot_restore(c->app, &c->caller, &c->target, body + start, end - start,
				     &err) < 0)
		fcgi_response_error(c->resp, &err);
	else
		fcgi_response_empty_json(c->resp, 200);
	ayb_err_clear(&err);
}
