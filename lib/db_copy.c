#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "db_copy.h"
#include "disk.h"
#include "engine.h"
#include "fs.h"
#include "slots.h"
#include "worker.h"

/* The copy's error as the caller of a fork or an export should read it:
 * SQLite's words come back as SnapshotError from the worker, which is not
 * a snapshot here. */
static int copy_failed(struct ayb_err *err, const char *owner, const char *db,
		       const struct ayb_layout_file *dst)
{
	const char *words = err->message ? err->message : "unknown error";
	char *msg;

	if (ayb_disk_full(dst->dir))
		return ayb_disk_full_error(err, "the copy of the database");
	if (err->kind == AYB_E_SNAPSHOT)
		msg = ayb_fmt("Cannot copy %s/%s: %s", owner, db, words);
	else
		msg = ayb_fmt("Copying %s/%s stopped: %s", owner, db, words);
	if (!msg)
		return ayb_err_oom(err);
	if (err->kind == AYB_E_SNAPSHOT)
		err->kind = AYB_E_INTERNAL;
	free(err->message);
	err->message = msg;
	return -1;
}

int ayb_db_copy(const struct ayb_config *cfg, const char *caller, const char *owner,
		const char *db, const struct ayb_layout_file *dst, struct ayb_err *err)
{
	struct ayb_layout_file live = { 0 };
	struct ayb_slots slots;
	int ret = -1;

	if (ayb_layout_locate(cfg->data_path, owner, db, &live, err) < 0) {
		/* No `current` yet: the database directory is being made. */
		if (errno == ENOENT) {
			ayb_err_clear(err);
			ret = 0;
		}
		goto out;
	}
	if (access(live.path, F_OK) < 0) {
		if (errno == ENOENT)
			ret = 0;
		else
			ayb_err_set(err, AYB_E_INTERNAL, "Cannot copy %s/%s: %s", owner, db,
				    strerror(errno));
		goto out;
	}
	/* VACUUM INTO would make the file 0644 less the umask; a tenant's file
	 * is owner-only, and SQLite fills an empty file it finds. */
	if (ayb_fs_create_private(dst->path) < 0) {
		if (ayb_disk_full_errno(errno))
			ayb_disk_full_error(err, "the copy of the database");
		else
			ayb_err_set(err, AYB_E_INTERNAL, "Cannot copy %s/%s: %s", owner, db,
				    strerror(errno));
		goto out;
	}
	if (ayb_slots_take(cfg->data_path, &cfg->isolation, caller, owner, db, &slots, err) < 0)
		goto out;
	live.db_type = ayb_engine_of_file(live.path);
	if (ayb_worker_copy(&cfg->isolation, &live, dst, err) < 0)
		copy_failed(err, owner, db, dst);
	else
		ret = 1;
	ayb_slots_release(&slots);
out:
	ayb_layout_file_free(&live);
	return ret;
}
