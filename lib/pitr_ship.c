/* Continuous backup's shipper: lib/pitr_ship.h. */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fs.h"
#include "layout.h"
#include "pitr_log.h"
#include "pitr_remote.h"
#include "pitr_ship.h"
#include "snapshot.h"

#define PRUNE_EVERY_MS 60000
#define WARN_EVERY_MS 60000

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int io_fail(struct ayb_err *err, const char *what, const char *path)
{
	return ayb_err_set(err, AYB_E_SNAPSHOT, "%s %s: %s", what, path, strerror(errno));
}

/* Compresses len bytes of fd from `at` into the spool's pack file and
 * uploads it as `key`; the pack file is removed either way. */
static int put_range(struct ayb_pitr_ship *p, const struct ayb_layout_spool *sp, int fd,
		     const char *src, off_t at, uint64_t len, const char *key,
		     struct ayb_err *err)
{
	char sha[65];
	uint64_t packed;
	int in, ret = -1;

	unlink(sp->pack);
	if (lseek(fd, at, SEEK_SET) < 0)
		return io_fail(err, "Cannot read", src);
	if (ayb_snapshot_pack(fd, src, len, sp->pack, sha, &packed, err) < 0)
		goto out;
	if ((in = open(sp->pack, O_RDONLY | O_CLOEXEC)) < 0) {
		io_fail(err, "Cannot read", sp->pack);
		goto out;
	}
	ret = ayb_s3_put_file(p->s3, key, in, packed, sha, err);
	close(in);
	if (ret < 0)
		ayb_err_prefix(err, "Failed to upload %s", key);
	else
		p->uploaded++;
out:
	unlink(sp->pack);
	return ret;
}

/* Deletes a shipped file under the spool's lock, which a restore reading
 * the spool holds shared: it finds the file there or its records in S3. */
static int unlink_locked(const struct ayb_layout_spool *sp, const char *path,
			 struct ayb_err *err)
{
	int fd = open(sp->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600), ret = -1;

	if (fd < 0 || flock(fd, LOCK_EX) < 0 || unlink(path) < 0)
		io_fail(err, "Cannot delete", path);
	else
		ret = 0;
	if (fd >= 0)
		close(fd);
	return ret;
}

static int ship_base(struct ayb_pitr_ship *p, const struct ayb_layout_spool *sp,
		     const char *entity, const char *db, const char *name, struct ayb_err *err)
{
	const char *gen = name + strlen("base-");
	char *path = ayb_fmt("%s/%s", sp->dir, name), *key = NULL;
	struct stat st;
	int fd = -1, ret = -1;

	if (!path || !(key = ayb_pitr_key(p->cfg->snapshots, entity, db, gen, 0, 0))) {
		ayb_err_oom(err);
		goto out;
	}
	if (!ayb_pitr_gen_valid(gen)) {
		ret = unlink(path);
		goto out;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
		io_fail(err, "Cannot read", path);
		goto out;
	}
	if (put_range(p, sp, fd, path, 0, (uint64_t)st.st_size, key, err) < 0)
		goto out;
	ret = unlink_locked(sp, path, err);
out:
	if (fd >= 0)
		close(fd);
	free(path);
	free(key);
	return ret;
}

/* A run of records of one generation with consecutive frames: one
 * segment. */
struct run {
	off_t start, end;
	struct ayb_pitr_rec first, last;
	int open;
};

static int flush_run(struct ayb_pitr_ship *p, const struct ayb_layout_spool *sp,
		     const char *entity, const char *db, int fd, const char *path,
		     struct run *r, struct ayb_err *err)
{
	char *key;
	int ret;

	if (!r->open)
		return 0;
	r->open = 0;
	if (!(key = ayb_pitr_key(p->cfg->snapshots, entity, db, r->first.gen, r->first.first,
				 r->last.last)))
		return ayb_err_oom(err);
	ret = put_range(p, sp, fd, path, r->start, (uint64_t)(r->end - r->start), key, err);
	free(key);
	return ret;
}

static int ship_sealed(struct ayb_pitr_ship *p, const struct ayb_layout_spool *sp,
		       const char *entity, const char *db, const char *name, struct ayb_err *err)
{
	char *path = ayb_fmt("%s/%s", sp->dir, name);
	struct ayb_pitr_rec rec;
	struct run run = { 0 };
	struct stat st;
	off_t at = 0, was;
	int fd = -1, rc, ret = -1;

	if (!path)
		return ayb_err_oom(err);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
		io_fail(err, "Cannot read", path);
		goto out;
	}
	for (;;) {
		was = at;
		if ((rc = ayb_pitr_read(fd, st.st_size, &at, &rec, err)) < 0)
			goto out;
		if (rc == 0)
			break; /* the end, or a writer's torn last record */
		if (run.open && (strcmp(rec.gen, run.last.gen) != 0 ||
				 rec.first != run.last.last + 1) &&
		    flush_run(p, sp, entity, db, fd, path, &run, err) < 0)
			goto out;
		if (!run.open) {
			run.open = 1;
			run.start = was;
			run.first = rec;
		}
		run.last = rec;
		run.end = at;
	}
	if (flush_run(p, sp, entity, db, fd, path, &run, err) < 0)
		goto out;
	ret = unlink_locked(sp, path, err);
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return ret;
}

/* Renames the open spool to a sealed file under the spool's lock: the
 * writer's next commit starts a new one. */
static int seal(const struct ayb_layout_spool *sp, struct ayb_err *err)
{
	char name[AYB_LAYOUT_SPOOL_NAME], *to = NULL;
	struct stat st;
	int fd = open(sp->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600), ret = -1;

	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		io_fail(err, "Cannot lock", sp->lock);
		goto out;
	}
	if (stat(sp->open, &st) < 0 || st.st_size == 0) {
		ret = 0;
		goto out;
	}
	/* Sealed files sort by when they were sealed; one shipper per host
	 * (ayb_pitr_ship_lock) seals at most one per database per
	 * millisecond. */
	for (unsigned n = 0; !to; n++) {
		ayb_layout_spool_sealed_name(now_ms(), n, name);
		if (!(to = ayb_fmt("%s/%s", sp->dir, name))) {
			ayb_err_oom(err);
			goto out;
		}
		if (access(to, F_OK) == 0) {
			free(to);
			to = NULL;
		}
	}
	if (rename(sp->open, to) < 0) {
		io_fail(err, "Cannot seal", sp->open);
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(to);
	return ret;
}

static void seal_one(struct ayb_pitr_ship *p, const char *entity, const char *db)
{
	struct ayb_layout_spool sp;
	struct ayb_err err = { 0 };

	if (ayb_layout_spool(p->cfg->data_path, entity, db, &sp, &err) == 0 &&
	    access(sp.dir, F_OK) == 0)
		seal(&sp, &err);
	ayb_layout_spool_free(&sp);
	ayb_err_clear(&err);
}

int ayb_pitr_ship_one(struct ayb_pitr_ship *p, const char *entity, const char *db,
		      struct ayb_err *err)
{
	struct ayb_layout_spool sp;
	struct dirent **names = NULL;
	int n = 0, ret = -1;

	if (ayb_layout_spool(p->cfg->data_path, entity, db, &sp, err) < 0)
		return -1;
	if (access(sp.dir, F_OK) < 0) {
		ret = 0;
		goto out;
	}
	if (seal(&sp, err) < 0)
		goto out;
	if ((n = scandir(sp.dir, &names, NULL, alphasort)) < 0) {
		io_fail(err, "Cannot list", sp.dir);
		goto out;
	}
	/* Bases before segments, each in name (time) order. */
	for (int kind = 'b', k = 0; k < 2; k++, kind = 's')
		for (int i = 0; i < n; i++) {
			const char *name = names[i]->d_name;

			if (ayb_layout_spool_kind(name) != kind)
				continue;
			if ((kind == 'b' ? ship_base(p, &sp, entity, db, name, err)
					 : ship_sealed(p, &sp, entity, db, name, err)) < 0)
				goto out;
		}
	ret = 0;
out:
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	ayb_layout_spool_free(&sp);
	return ret;
}

/* Bytes waiting in a database's spool: sealed files and bases (the open
 * file is at most one sync_interval of commits). */
static uint64_t spool_bytes(const char *data_path, const char *entity, const char *db)
{
	struct ayb_layout_spool sp;
	struct ayb_err err = { 0 };
	struct dirent **names = NULL;
	uint64_t total = 0;
	int n;

	if (ayb_layout_spool(data_path, entity, db, &sp, &err) < 0) {
		ayb_err_clear(&err);
		return 0;
	}
	n = scandir(sp.dir, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		char *path = ayb_fmt("%s/%s", sp.dir, names[i]->d_name);
		struct stat st;

		if (path && ayb_layout_spool_kind(names[i]->d_name) && stat(path, &st) == 0 &&
		    S_ISREG(st.st_mode))
			total += (uint64_t)st.st_size;
		free(path);
		free(names[i]);
	}
	free(names);
	ayb_layout_spool_free(&sp);
	return total;
}

int ayb_pitr_prune(struct ayb_pitr_ship *p, const char *entity, const char *db,
		   int64_t now, struct ayb_err *err)
{
	char (*ids)[AYB_PITR_GEN_LEN + 1] = NULL;
	size_t n = 0, keep = 0;
	int64_t start = now - p->cfg->snapshots->retention_ms;
	int ret = 0;

	if (ayb_pitr_remote_gens(p->s3, p->cfg->snapshots, entity, db, &ids, &n, err) < 0)
		return -1;
	/* The newest generation whose base is at or before the window's
	 * start restores its first instants; everything before it goes. */
	for (size_t i = 0; i < n; i++)
		if (ayb_pitr_gen_ms(ids[i]) <= start)
			keep = i;
	for (size_t i = 0; i < keep && ret == 0; i++)
		ret = ayb_pitr_remote_drop(p->s3, p->cfg->snapshots, entity, db, ids[i], err);
	free(ids);
	return ret;
}

static void write_status(const struct ayb_pitr_ship *p)
{
	char *path = ayb_layout_continuous_status(p->cfg->data_path);
	struct ayb_buf b = { 0 };

	ayb_buf_printf(&b, "%lld %llu %lld\n%s\n", (long long)now_ms(),
		       (unsigned long long)p->waiting,
		       (long long)p->cfg->snapshots->spool_limit_bytes,
		       p->failed ? p->error : "");
	if (path && !b.oom)
		ayb_fs_write_atomic(path, b.data, b.len, 0600);
	ayb_buf_free(&b);
	free(path);
}

int ayb_pitr_ship_all(struct ayb_pitr_ship *p)
{
	struct ayb_layout_iter *it = NULL;
	struct ayb_layout_entry e;
	struct ayb_err err = { 0 };
	int64_t now = now_ms();
	int prune = now - p->pruned_at_ms >= PRUNE_EVERY_MS;

	p->failed = 0;
	p->waiting = 0;
	if (ayb_layout_iter_open(p->cfg->data_path, &it, &err) < 0) {
		p->failed = 1;
		snprintf(p->error, sizeof(p->error), "%s", err.message ? err.message : "");
		ayb_err_clear(&err);
		write_status(p);
		return -1;
	}
	while (ayb_layout_iter_next(it, &e)) {
		if (e.kind != AYB_LAYOUT_DATABASE)
			continue;
		/* After a failure the rest are sealed only: S3 is not asked
		 * again this pass, and no open spool file grows past one
		 * sync_interval (the writer's file size limit applies). */
		if (p->failed) {
			seal_one(p, e.entity, e.db);
		} else if (ayb_pitr_ship_one(p, e.entity, e.db, &err) < 0 ||
			   (prune && ayb_pitr_prune(p, e.entity, e.db, now, &err) < 0)) {
			p->failed = 1;
			snprintf(p->error, sizeof(p->error), "%s: %s", e.what,
				 err.message ? err.message : "failed");
			if (p->log)
				fprintf(p->log, "Continuous backup: %s\n", p->error);
			ayb_err_clear(&err);
		}
		p->waiting += spool_bytes(p->cfg->data_path, e.entity, e.db);
	}
	ayb_layout_iter_free(it);
	if (prune && !p->failed)
		p->pruned_at_ms = now;
	if (p->waiting > (uint64_t)p->cfg->snapshots->spool_limit_bytes &&
	    now - p->warned_at_ms >= WARN_EVERY_MS && p->log) {
		p->warned_at_ms = now;
		fprintf(p->log,
			"Warning: continuous backup is behind: %llu bytes wait to be shipped, over snapshots.continuous.spool_limit (%s); writes go on, and are shipped in order once S3 answers%s%s\n",
			(unsigned long long)p->waiting, p->cfg->snapshots->spool_limit,
			p->failed ? ": " : "", p->failed ? p->error : "");
	}
	if (p->log)
		fflush(p->log);
	write_status(p);
	return p->failed ? -1 : 0;
}

char *ayb_pitr_health(const char *data_path)
{
	char *path = ayb_layout_continuous_status(data_path), line[512] = "", *msg = NULL;
	long long at = 0, limit = 0;
	unsigned long long waiting = 0;
	FILE *f = path ? fopen(path, "re") : NULL;

	if (f && fscanf(f, "%lld %llu %lld\n", &at, &waiting, &limit) == 3 &&
	    waiting > (unsigned long long)limit) {
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		line[strcspn(line, "\n")] = '\0';
		msg = ayb_fmt("behind: %llu bytes wait to be shipped, over spool_limit%s%s",
			      waiting, line[0] ? "; last error: " : "", line);
	}
	if (f)
		fclose(f);
	free(path);
	return msg;
}

int ayb_pitr_ship_lock(const char *data_path, struct ayb_err *err)
{
	char *path = ayb_layout_shipper_lock(data_path);
	int fd = path ? open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600) : -1;

	if (fd < 0)
		ayb_err_set(err, AYB_E_CONFIGURATION, "Cannot open %s: %s", path ? path : data_path,
			    strerror(errno));
	else if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		ayb_err_set(err, AYB_E_CONFIGURATION,
			    "Another continuous backup shipper runs for this data_path (%s is locked)",
			    path);
	if (err->kind) {
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	free(path);
	return fd;
}
