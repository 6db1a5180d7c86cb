/* Whole-database copies for forks and exports: the file by SQLite's backup
 * API, or SQL text, made by a sandboxed worker into a directory of the
 * caller's (lib/layout.c). */
#include "autoconfig.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "db_copy.h"
#include "disk.h"
#include "engine.h"
#include "fs.h"
#include "worker.h"

typedef int task_fn(const struct ayb_isolation_config *iso, const struct ayb_layout_file *src,
		    const struct ayb_layout_file *dst, struct ayb_err *err);

/* A full disk is the server's 507; a limit or the worker's trouble keeps
 * its class; SQLite's words about the file are the server's (500). */
static void failed(const struct ayb_layout_file *dst, const char *what, struct ayb_err *err)
{
	if (ayb_disk_full(dst->dir))
		ayb_disk_full_error(err, "the copy of the database");
	else if (err->kind == AYB_E_SNAPSHOT) {
		err->kind = AYB_E_INTERNAL;
		ayb_err_prefix(err, "%s failed", what);
	} else {
		ayb_err_prefix(err, "%s stopped", what);
	}
}

static int take(const struct ayb_config *cfg, const char *entity, const char *db,
		const struct ayb_layout_file *dst, const char *what, task_fn *task,
		struct ayb_err *err)
{
	struct ayb_layout_file src;
	int ret = -1;

	if (ayb_layout_locate(cfg->data_path, entity, db, &src, err) < 0)
		return -1;
	src.db_type = ayb_engine_of_file(src.path);
	/* The copy is owner-only as every tenant file (SQLite would make it
	 * 0644 less the umask); an empty file is an empty database, which is
	 * what a database never written copies as. */
	if (task == ayb_worker_backup && ayb_fs_create_private(dst->path) < 0) {
		if (ayb_disk_full_errno(errno))
			ayb_disk_full_error(err, "the copy of the database");
		else
			ayb_err_set(err, AYB_E_INTERNAL, "%s failed: cannot create the copy: %s",
				    what, strerror(errno));
	} else if (task == ayb_worker_backup && access(src.path, F_OK) < 0 && errno == ENOENT) {
		ret = 0;
	} else if (task(&cfg->isolation, &src, dst, err) == 0) {
		ret = 0;
	} else {
		failed(dst, what, err);
	}
	ayb_layout_file_free(&src);
	return ret;
}

int ayb_db_copy(const struct ayb_config *cfg, const char *entity, const char *db,
		const struct ayb_layout_file *dst, const char *what, struct ayb_err *err)
{
	return take(cfg, entity, db, dst, what, ayb_worker_backup, err);
}

int ayb_db_dump(const struct ayb_config *cfg, const char *entity, const char *db,
		const struct ayb_layout_file *dst, const char *what, struct ayb_err *err)
{
	return take(cfg, entity, db, dst, what, ayb_worker_dump, err);
}
