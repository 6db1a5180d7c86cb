#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "db_copy.h"
#include "worker.h"

typedef int task_fn(const struct ayb_isolation_config *iso, const struct ayb_layout_file *src,
		    const struct ayb_layout_file *dst, struct ayb_err *err);

/* A limit or the worker's trouble keeps its class; SQLite's words about
 * the file are the server's (500). */
static int take(const struct ayb_config *cfg, const char *entity, const char *db,
		const struct ayb_layout_file *dst, const char *what, task_fn *task,
		struct ayb_err *err)
{
	struct ayb_layout_file src;
	int fd, ret = -1;

	if (ayb_layout_locate(cfg->data_path, entity, db, &src, err) < 0)
		return -1;
	if (task == ayb_worker_backup && access(src.path, F_OK) < 0 && errno == ENOENT) {
		fd = open(dst->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			ayb_err_set(err, AYB_E_INTERNAL, "%s failed: cannot create the copy: %m",
				    what);
		else if (close(fd) < 0)
			ayb_err_set(err, AYB_E_INTERNAL, "%s failed: %m", what);
		else
			ret = 0;
	} else if (task(&cfg->isolation, &src, dst, err) == 0) {
		ret = 0;
	} else if (err->kind == AYB_E_SNAPSHOT) {
		err->kind = AYB_E_INTERNAL;
		ayb_err_prefix(err, "%s failed", what);
	} else {
		ayb_err_prefix(err, "%s stopped", what);
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
