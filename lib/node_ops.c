/* A node's halves of a move, a drain and a recovery (lib/node_ops.h). */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "fs.h"
#include "layout.h"
#include "node_ops.h"
#include "node.h"
#include "pitr_restore.h"
#include "s3.h"

static int need_snapshots(const struct ayb_config *cfg, struct ayb_err *err)
{
	if (!cfg->snapshots)
		return ayb_err_set(err, AYB_E_UNAVAILABLE,
				   "Snapshots are not configured on this node: moving a database"
				   " between nodes goes through them");
	return 0;
}

/* Refuses to act for `epoch` when the database's marker here is already
 * there or later: the request is stale, or a replay. */
static int epoch_check(const struct ayb_config *cfg, const char *entity, const char *db,
		       int64_t epoch, struct ayb_err *err)
{
	int64_t here = 0;
	int rc = ayb_node_marker_read(cfg->data_path, entity, db, &here, err);

	if (rc < 0)
		return -1;
	if (rc > 0 && here >= epoch)
		return ayb_err_set(err, AYB_E_CONFLICT,
				   "%s/%s is at epoch %lld on this node, not below %lld", entity,
				   db, (long long)here, (long long)epoch);
	return 0;
}

/* An exclusive flock on the file `name` in directory `dir` (made if need
 * be): the fd, or -1 with err. */
static int lock_exclusive(const char *dir, const char *name, struct ayb_err *err)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd = -1;

	if (dfd >= 0)
		fd = openat(dfd, name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		ayb_err_set(err, AYB_E_INTERNAL, "Cannot lock %s/%s: %s", dir, name,
			    strerror(errno));
	if (dfd >= 0)
		close(dfd);
	return fd;
}

/* The snapshot's lock keeps ayb-snapshot's passes out (a make must not
 * overlap another of the same database); the writer's, taken second, waits
 * for every write between its connect and its answer and holds off the
 * rest, which find the database fenced once they get it (worker_parent.c). */
static int fence_locked(const struct ayb_config *cfg, struct ayb_s3 *s3, const char *entity,
			const char *db, int64_t epoch, char id[AYB_SNAPSHOT_ID_LEN + 1],
			struct ayb_err *err)
{
	struct ayb_layout_file f = { 0 };
	struct ayb_snapshot_result res;
	char name[AYB_LAYOUT_WRITER_NAME];
	int wfd = -1, ret = -1;

	if (ayb_layout_locate(cfg->data_path, entity, db, &f, err) < 0) {
		if (errno == ENOENT) {
			ayb_err_clear(err);
			ayb_err_set(err, AYB_E_MISSING, "%s/%s is not on this node", entity, db);
		}
		return -1;
	}
	ayb_layout_writer_lock(f.path, name);
	if ((wfd = lock_exclusive(f.dir, name, err)) < 0)
		goto out;
	if (ayb_snapshot_make(s3, cfg, entity, db, cfg->snapshots->max_snapshots, &res, err) < 0)
		goto out;
	memcpy(id, res.snapshot_id, sizeof(res.snapshot_id));
	ret = ayb_layout_fence(cfg->data_path, entity, db, epoch, err);
out:
	if (wfd >= 0)
		close(wfd);
	ayb_layout_file_free(&f);
	return ret;
}

int ayb_node_fence(const struct ayb_config *cfg, const char *entity, const char *db,
		   int64_t epoch, char id[AYB_SNAPSHOT_ID_LEN + 1], struct ayb_err *err)
{
	struct ayb_layout_snapshot dir = { 0 };
	struct ayb_s3 *s3 = NULL;
	int sfd = -1, ret = -1;

	id[0] = '\0';
	if (need_snapshots(cfg, err) < 0 || epoch_check(cfg, entity, db, epoch, err) < 0 ||
	    ayb_layout_snapshot(cfg->data_path, entity, db, &dir, err) < 0)
		return -1;
	if (ayb_fs_mkdirs(dir.dir, 0700) < 0) {
		ayb_err_set(err, AYB_E_SNAPSHOT, "Cannot create %s: %s", dir.dir, strerror(errno));
		goto out;
	}
	if ((sfd = lock_exclusive(dir.dir, "lock", err)) < 0 ||
	    ayb_s3_open(cfg->snapshots, &s3, err) < 0)
		goto out;
	ret = fence_locked(cfg, s3, entity, db, epoch, id, err);
out:
	ayb_s3_close(s3);
	if (sfd >= 0)
		close(sfd);
	ayb_layout_snapshot_free(&dir);
	return ret;
}

int ayb_node_unfence(const struct ayb_config *cfg, const char *entity, const char *db,
		     int64_t epoch, struct ayb_err *err)
{
	if (ayb_layout_unfence(cfg->data_path, entity, db, epoch - 1, err) < 0 ||
	    epoch_check(cfg, entity, db, epoch, err) < 0)
		return -1;
	return ayb_node_marker_write(cfg->data_path, entity, db, epoch, err);
}

void ayb_node_discard(const struct ayb_config *cfg, const char *entity, const char *db,
		      int64_t epoch)
{
	ayb_layout_fence_discard(cfg->data_path, entity, db, epoch);
}

int ayb_node_recover_files(const struct ayb_config *cfg, const char *entity, const char *db,
			   const char *want, char id[AYB_SNAPSHOT_ID_LEN + 1],
			   struct ayb_err *err)
{
	struct ayb_snapshot *snaps = NULL;
	struct ayb_s3 *s3 = NULL;
	size_t n = 0;
	int ret = -1;

	id[0] = '\0';
	if (ayb_s3_open(cfg->snapshots, &s3, err) < 0)
		return -1;
	/* With continuous backup, the newest state is its last shipped
	 * commit, not the newest snapshot; a database it never captured
	 * falls back to its snapshots. */
	if (!want && cfg->snapshots->continuous) {
		int64_t applied = 0;

		if (ayb_pitr_rebuild_one(s3, cfg, entity, db, NULL, AYB_PITR_LATEST, &applied,
					 err) == 0) {
			memcpy(id, AYB_NODE_FROM_WAL, sizeof(AYB_NODE_FROM_WAL));
			ayb_snapshot_format_time(applied / 1000,
						 (int32_t)(applied % 1000) * 1000000,
						 id + sizeof(AYB_NODE_FROM_WAL) - 1);
			ret = 0;
			goto out;
		}
		if (err->kind != AYB_E_SNAPSHOT_MISSING)
			goto out;
		ayb_err_clear(err);
	}
	if (!want) {
		if (ayb_snapshot_list(s3, cfg->snapshots, entity, db, &snaps, &n, err) < 0)
			goto out;
		if (n)
			want = snaps[0].snapshot_id;
	}
	if (want) {
		if (ayb_snapshot_restore(s3, cfg, entity, db, want, err) < 0)
			goto out;
		memcpy(id, want, AYB_SNAPSHOT_ID_LEN + 1);
	} else if (ayb_layout_create(cfg->data_path, entity, db, err) < 0) {
		goto out;
	}
	ret = 0;
out:
	ayb_snapshots_free(snaps, n);
	ayb_s3_close(s3);
	return ret;
}

int ayb_node_restore(const struct ayb_config *cfg, const char *entity, const char *db,
		     int64_t epoch, const char *from, size_t flen,
		     char id[AYB_SNAPSHOT_ID_LEN + 1], struct ayb_err *err)
{
	int rc;

	id[0] = '\0';
	if (need_snapshots(cfg, err) < 0 || epoch_check(cfg, entity, db, epoch, err) < 0)
		return -1;
	if (strlen(from) != flen ||
	    (strcmp(from, "latest") && strcmp(from, "none") && !ayb_snapshot_id_valid(from)))
		return ayb_err_set(err, AYB_E_INVALID,
				   "Restore from a snapshot id, \"latest\" or \"none\"");
	if (!strcmp(from, "none"))
		rc = ayb_layout_create(cfg->data_path, entity, db, err);
	else
		rc = ayb_node_recover_files(cfg, entity, db, strcmp(from, "latest") ? from : NULL,
					    id, err);
	if (rc < 0)
		return -1;
	/* What was fenced here before is older than what just arrived. */
	ayb_layout_fence_discard(cfg->data_path, entity, db, 0);
	return ayb_node_marker_write(cfg->data_path, entity, db, epoch, err);
}
