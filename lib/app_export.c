/* Export: a database taken out whole by a caller who may read it (README
 * "The HTTP API": export), as a database file or as SQL text.  The copy or
 * the dump is written to a directory of its own under data_path by a
 * sandboxed worker, opened, and its directory removed at once: the open
 * file is all that is left, so nothing stays behind however the stream
 * ends, and the copy is never the live file mid-write. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "db_copy.h"
#include "fs.h"
#include "slots.h"

int ayb_app_export(struct ayb_app_ctx *ctx, const struct ayb_app_caller *a,
		   const struct ayb_app_target *t, int sql, struct ayb_export *out,
		   struct ayb_err *err)
{
	struct ayb_layout_file f = { 0 };
	struct ayb_slots slots;
	struct stat st;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	if (!ayb_perm_can_export(&t->caller, &t->db))
		return ayb_err_set(err, AYB_E_FORBIDDEN,
				   "Authenticated entity %s can't export database %s",
				   a->authenticated ? a->entity.slug : "(anonymous)", t->name);
	/* A copy costs what a long query costs: it takes the same slots. */
	if (ayb_slots_take(ctx->cfg->data_path, &ctx->cfg->isolation,
			   a->authenticated ? a->entity.slug : NULL, t->owner.slug, t->db.slug,
			   &slots, err) < 0)
		return -1;
	/* A copy lives at most as long as the worker making it may run. */
	if (ayb_layout_export_make(ctx->cfg->data_path, t->owner.slug, t->db.slug,
				   sql ? ".sql" : "", ctx->cfg->isolation.query_timeout_ms + 60000,
				   &f, err) < 0)
		goto out;
	if ((sql ? ayb_db_dump : ayb_db_copy)(ctx->cfg, t->owner.slug, t->db.slug, &f, "Export",
					      err) < 0)
		goto out;
	if ((out->fd = open(f.path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0 ||
	    fstat(out->fd, &st) < 0) {
		ayb_err_set(err, AYB_E_INTERNAL, "Export failed: cannot open the copy: %s",
			    strerror(errno));
		goto out;
	}
	out->size = (uint64_t)st.st_size;
	out->content_type = sql ? "application/sql" : "application/octet-stream";
	if (!(out->filename = ayb_fmt("%s%s", t->db.slug, sql ? ".sql" : ""))) {
		ayb_err_oom(err);
		goto out;
	}
	ret = 0;
out:
	if (f.dir)
		ayb_fs_remove_tree(f.dir);
	ayb_layout_file_free(&f);
	ayb_slots_release(&slots);
	if (ret < 0)
		ayb_export_close(out);
	return ret;
}

void ayb_export_close(struct ayb_export *e)
{
	if (e->fd >= 0)
		close(e->fd);
	free(e->filename);
	memset(e, 0, sizeof(*e));
	e->fd = -1;
}
