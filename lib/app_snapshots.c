/* A database's snapshots for a caller: listing and restoring them (README
 * "Snapshots").  Both need the manage right; unlike ayb, a server without
 * [snapshots] says so instead of answering an empty list or a restore that
 * did nothing. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "pitr_restore.h"
#include "s3.h"

/* May the caller manage the snapshots of t, and are snapshots configured?
 * 0 with *s3 open (the caller closes it with ayb_s3_close), or -1 with err
 * (403, or 503). */
static int snapshot_access(struct ayb_app_ctx *ctx, const struct ayb_app_caller *a,
			   const struct ayb_app_target *t, struct ayb_s3 **s3, struct ayb_err *err)
{
	*s3 = NULL;
	if (!ayb_perm_can_manage_snapshots(&t->caller, &t->db))
		return ayb_err_set(err, AYB_E_FORBIDDEN,
				   "Authenticated entity %s can't manage snapshots on database %s",
				   a->entity.slug, t->name);
	if (!ctx->cfg->snapshots)
		return ayb_err_set(err, AYB_E_UNAVAILABLE,
				   "Snapshots are not configured on this server");
	return ayb_s3_open(ctx->cfg->snapshots, s3, err);
}

int ayb_app_snapshots_list(struct ayb_app_ctx *ctx, const struct ayb_app_caller *a,
			   const struct ayb_app_target *t, struct ayb_snapshot **out, size_t *n,
			   struct ayb_err *err)
{
	struct ayb_s3 *s3;
	int rc;

	*out = NULL;
	*n = 0;
	if (snapshot_access(ctx, a, t, &s3, err) < 0)
		return -1;
	rc = ayb_snapshot_list(s3, ctx->cfg->snapshots, t->owner.slug, t->db.slug, out, n, err);
	ayb_s3_close(s3);
	return rc;
}

int ayb_app_snapshot_restore(struct ayb_app_ctx *ctx, const struct ayb_app_caller *a,
			     const struct ayb_app_target *t, const char *id, size_t len,
			     struct ayb_err *err)
{
	struct ayb_s3 *s3;
	char *copy = NULL;
	int rc = -1;

	if (snapshot_access(ctx, a, t, &s3, err) < 0)
		return -1;
	/* The id's shape is checked by the restore, before anything is
	 * fetched; one with a NUL inside cannot be a snapshot's. */
	if (!(copy = strndup(id, len)))
		ayb_err_oom(err);
	else if (strlen(copy) != len)
		ayb_err_set(err, AYB_E_SNAPSHOT_MISSING, "Snapshot does not exist");
	else
		rc = ayb_snapshot_restore(s3, ctx->cfg, t->owner.slug, t->db.slug, copy, err);
	free(copy);
	ayb_s3_close(s3);
	return rc;
}

int ayb_app_snapshot_restore_form(struct ayb_app_ctx *ctx, const struct ayb_app_caller *a,
				  const struct ayb_app_target *t, const char *id, const char *at,
				  struct ayb_err *err)
{
	struct ayb_s3 *s3;
	int64_t seconds;
	int32_t nanos;
	int rc = -1;

	if (snapshot_access(ctx, a, t, &s3, err) < 0)
		return -1;
	if ((id != NULL) == (at != NULL))
		ayb_err_set(err, AYB_E_INVALID,
			    "Give either snapshot_id (a snapshot to restore) or at (an instant to restore to), not %s",
			    id ? "both" : "neither");
	else if (id)
		rc = ayb_snapshot_restore(s3, ctx->cfg, t->owner.slug, t->db.slug, id, err);
	else if (ayb_snapshot_parse_time(at, &seconds, &nanos) < 0)
		ayb_err_set(err, AYB_E_INVALID,
			    "Invalid value for at: `%.64s` is not an RFC 3339 time such as 2026-12-03T08:15:00Z",
			    at);
	else if (!ctx->cfg->snapshots->continuous)
		ayb_err_set(err, AYB_E_UNAVAILABLE,
			    "Continuous backup is not enabled on this server: only snapshots can be restored");
	else
		rc = ayb_pitr_restore(s3, ctx->cfg, t->owner.slug, t->db.slug,
				      seconds * 1000 + nanos / 1000000, err);
	ayb_s3_close(s3);
	return rc;
}

int ayb_app_snapshots_window(struct ayb_app_ctx *ctx, const struct ayb_app_caller *a,
			     const struct ayb_app_target *t, int64_t *from_ms, int64_t *to_ms,
			     struct ayb_err *err)
{
	struct ayb_s3 *s3;
	int rc;

	if (snapshot_access(ctx, a, t, &s3, err) < 0)
		return -1;
	rc = ctx->cfg->snapshots->continuous
	     ? ayb_pitr_window(s3, ctx->cfg, t->owner.slug, t->db.slug, from_ms, to_ms, err)
	     : 0;
	ayb_s3_close(s3);
	return rc;
}
