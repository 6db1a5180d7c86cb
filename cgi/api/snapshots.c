/* Listing and restoring a database's snapshots (spec/API.md, SNAPSHOTS.md
 * §6-§7).  Both need the manage permission; unlike ayb, a server without
 * [snapshots] says so instead of answering an empty list or a restore that
 * did nothing. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "s3.h"
#include "snapshot.h"

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int ayb_snapshot_access(struct ayb_ctx *ctx, const struct ayb_auth *a, const struct ayb_target *t,
			struct ayb_s3 **s3, struct ayb_err *err)
{
	*s3 = NULL;
	if (!ayb_perm_can_manage(&t->caller, &t->db))
		return ayb_err_set(err, AYB_E_OTHER, 403,
				   "Authenticated entity %s can't manage snapshots on database %s",
				   a->entity.slug, t->name);
	if (!ctx->cfg->snapshots)
		return ayb_err_set(err, AYB_E_OTHER, 503,
				   "Snapshots are not configured on this server");
	return ayb_s3_open(ctx->cfg->snapshots, s3, err);
}

/* The steps both endpoints share: the caller, the database, then
 * ayb_snapshot_access. */
static int snapshot_target(struct ayb_ctx *ctx, struct fcgi_request *req, struct ayb_auth *a,
			   struct ayb_target *t, struct ayb_s3 **s3, struct ayb_err *err)
{
	*s3 = NULL;
	if (ayb_auth_required(ctx, req, a, err) < 0 || ayb_target_load(ctx, req, a, t, err) < 0)
		return -1;
	return ayb_snapshot_access(ctx, a, t, s3, err);
}

void api_list_snapshots(struct ayb_ctx *ctx, struct fcgi_request *req,
			       struct fcgi_response *resp)
{
	struct ayb_err err = { 0 };
	struct ayb_auth a;
	struct ayb_target t = { 0 };
	struct ayb_s3 *s3 = NULL;
	struct ayb_snapshot *snaps = NULL;
	size_t n = 0;
	cJSON *o = NULL, *list;

	if (snapshot_target(ctx, req, &a, &t, &s3, &err) < 0 ||
	    ayb_snapshot_list(s3, ctx->cfg->snapshots, t.owner.slug, t.db.slug, &snaps, &n,
			      &err) < 0)
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
	fcgi_response_json(resp, 200, o);
	goto out;
fail:
	fcgi_response_error(resp, &err);
out:
	cJSON_Delete(o);
	ayb_snapshots_free(snaps, n);
	ayb_s3_close(s3);
	ayb_target_free(&t);
	ayb_auth_free(&a);
	ayb_err_clear(&err);
}

void api_restore_snapshot(struct ayb_ctx *ctx, struct fcgi_request *req,
				 struct fcgi_response *resp)
{
	struct ayb_err err = { 0 };
	struct ayb_auth a;
	struct ayb_target t = { 0 };
	struct ayb_s3 *s3 = NULL;
	char *id = NULL;
	size_t start = 0, end = req->body_len;

	if (snapshot_target(ctx, req, &a, &t, &s3, &err) < 0)
		goto fail;
	/* The body is the id as typed; surrounding whitespace (a trailing
	 * newline from `curl -d @file`) is not part of it.  The id's shape is
	 * checked by the restore, before anything is fetched. */
	while (start < end && blank(req->body[start]))
		start++;
	while (end > start && blank(req->body[end - 1]))
		end--;
	if (!(id = strndup(req->body ? req->body + start : "", end - start))) {
		ayb_err_oom(&err);
		goto fail;
	}
	if (strlen(id) != end - start) {
		ayb_err_set(&err, AYB_E_SNAPSHOT_MISSING, 404, "Snapshot does not exist");
		goto fail;
	}
	if (ayb_snapshot_restore(s3, ctx->cfg, t.owner.slug, t.db.slug, id, &err) < 0)
		goto fail;
	fcgi_response_empty_json(resp, 200);
	goto out;
fail:
	fcgi_response_error(resp, &err);
out:
	free(id);
	ayb_s3_close(s3);
	ayb_target_free(&t);
	ayb_auth_free(&a);
	ayb_err_clear(&err);
}
