/* Point-in-time restore from continuous backup: lib/pitr_restore.h. */
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
#include "pitr_restore.h"
#include "snapshot.h"
#include "worker.h"

/* Rounds of S3 then spool: the shipper may ship and delete a spool file
 * between the two, which the next round finds in S3. */
#define ROUNDS 3

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void show_ms(int64_t ms, char out[40])
{
	ayb_snapshot_format_time(ms / 1000, (int32_t)(ms % 1000) * 1000000, out);
}

struct replay {
	int fd;                  /* the file being rebuilt */
	const char *path;
	char gen[AYB_PITR_GEN_LEN + 1];
	uint64_t next;           /* the next frame number the log must give */
	int64_t at_ms;
	int64_t applied_ms;
	int done;                /* met a commit after at_ms */
	int gap;                 /* met a record after a missing one */
	unsigned char *page;
};

static int write_fail(struct ayb_err *err, const char *path)
{
	return ayb_err_set(err, AYB_E_SNAPSHOT, "Cannot write %s: %s", path, strerror(errno));
}

static int apply(struct replay *r, int fd, off_t end, const struct ayb_pitr_rec *rec,
		 struct ayb_err *err)
{
	off_t frames = end - (off_t)rec->len + AYB_PITR_HEADER;
	unsigned char *grown = realloc(r->page, rec->page_size);

	if (!grown)
		return ayb_err_oom(err);
	r->page = grown;
	for (uint32_t i = 0; i < rec->frames; i++) {
		uint32_t pgno;

		if (ayb_pitr_frame(fd, frames, rec, i, &pgno, r->page, err) < 0)
			return -1;
		if (!pgno)
			return ayb_err_set(err, AYB_E_SNAPSHOT_UPSTREAM,
					   "The continuous backup holds a frame without a page");
		if (pwrite(r->fd, r->page, rec->page_size,
			   (off_t)(pgno - 1) * rec->page_size) != (ssize_t)rec->page_size)
			return write_fail(err, r->path);
	}
	if (ftruncate(r->fd, (off_t)rec->db_pages * rec->page_size) < 0)
		return write_fail(err, r->path);
	r->next = rec->last + 1;
	r->applied_ms = rec->time_ms;
	return 0;
}

/* Replays the records of fd (size bytes) that continue the log. */
static int replay_file(struct replay *r, int fd, off_t size, struct ayb_err *err)
{
	struct ayb_pitr_rec rec;
	off_t at = 0;
	int rc;

	while (!r->done && !r->gap) {
		if ((rc = ayb_pitr_read(fd, size, &at, &rec, err)) <= 0)
			return rc;
		if (strcmp(rec.gen, r->gen) != 0 || rec.last < r->next)
			continue;
		if (rec.first != r->next) {
			r->gap = 1;
			break;
		}
		/* A generation's first record is its base's missing half. */
		if (rec.first != 1 && rec.time_ms > r->at_ms) {
			r->done = 1;
			break;
		}
		if (apply(r, fd, at, &rec, err) < 0)
			return -1;
	}
	return 0;
}

/* Downloads a zstd object into a scratch file beside the output. */
static int fetch_to(struct ayb_s3 *s3, const char *key, const char *path, int *fd,
		    struct ayb_err *err)
{
	int rc;

	if ((*fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		return write_fail(err, path);
	rc = ayb_snapshot_fetch(s3, key, *fd, key, path, err);
	if (rc == 0)
		ayb_err_set(err, AYB_E_SNAPSHOT_UPSTREAM, "%s is missing from S3", key);
	return rc == 1 ? 0 : -1;
}

/* Replays the generation's segments in S3 from r->next on. */
static int replay_remote(struct replay *r, struct ayb_s3 *s3, const struct ayb_config *cfg,
			 const char *entity, const char *db, const char *scratch,
			 struct ayb_err *err)
{
	struct ayb_pitr_gen g;
	int ret = -1;

	if (ayb_pitr_remote_gen(s3, cfg->snapshots, entity, db, r->gen, &g, err) < 0)
		return -1;
	r->gap = 0;
	for (size_t i = 0; i < g.n && !r->done && !r->gap; i++) {
		struct stat st;
		int fd = -1, rc;

		if (g.segs[i].last < r->next)
			continue;
		if (g.segs[i].first > r->next) {
			r->gap = 1;
			break;
		}
		rc = fetch_to(s3, g.segs[i].key, scratch, &fd, err) < 0 || fstat(fd, &st) < 0 ||
		     replay_file(r, fd, st.st_size, err) < 0;
		if (fd >= 0)
			close(fd);
		unlink(scratch);
		if (rc)
			goto out;
	}
	ret = 0;
out:
	ayb_pitr_gen_free(&g);
	return ret;
}

/* Replays the spool's sealed files, then its open one, under its lock
 * (shared: the writer waits, for as long as reading them takes). */
static int replay_spool(struct replay *r, const struct ayb_layout_spool *sp,
			struct ayb_err *err)
{
	struct dirent **names = NULL;
	int lock = open(sp->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600), n = 0, ret = -1;

	r->gap = 0;
	if (lock < 0 || flock(lock, LOCK_SH) < 0) {
		ret = 0; /* no spool */
		goto out;
	}
	n = scandir(sp->dir, &names, NULL, alphasort);
	for (int i = 0; i <= n && !r->done && !r->gap; i++) {
		char *path = i < n ? ayb_fmt("%s/%s", sp->dir, names[i]->d_name) : strdup(sp->open);
		struct stat st;
		int fd, rc = 0;

		if (!path) {
			ayb_err_oom(err);
			goto out;
		}
		if ((i == n || ayb_layout_spool_kind(names[i]->d_name) == 's') &&
		    (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
			rc = fstat(fd, &st) < 0 ? -1 : replay_file(r, fd, st.st_size, err);
			close(fd);
		}
		free(path);
		if (rc < 0)
			goto out;
	}
	ret = 0;
out:
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (lock >= 0)
		close(lock);
	return ret;
}

/* The generations: S3's, and with a spool those whose base waits in it. */
static int gens_known(struct ayb_s3 *s3, const struct ayb_config *cfg, const char *entity,
		      const char *db, const struct ayb_layout_spool *sp,
		      char (**ids)[AYB_PITR_GEN_LEN + 1], size_t *n, struct ayb_err *err)
{
	struct dirent **names = NULL;
	int k = sp ? scandir(sp->dir, &names, NULL, alphasort) : 0, ret;

	ret = ayb_pitr_remote_gens(s3, cfg->snapshots, entity, db, ids, n, err);
	for (int i = 0; i < k; i++) {
		const char *name = names[i]->d_name, *gen = name + strlen("base-");
		char (*grown)[AYB_PITR_GEN_LEN + 1];
		size_t j = 0;

		if (ret == 0 && ayb_layout_spool_kind(name) == 'b' && ayb_pitr_gen_valid(gen)) {
			while (j < *n && strcmp((*ids)[j], gen) < 0)
				j++;
			if ((j == *n || strcmp((*ids)[j], gen) != 0) &&
			    (grown = realloc(*ids, (*n + 1) * sizeof(**ids)))) {
				*ids = grown;
				memmove(*ids + j + 1, *ids + j, (*n - j) * sizeof(**ids));
				memcpy((*ids)[j], gen, AYB_PITR_GEN_LEN + 1);
				(*n)++;
			}
		}
		free(names[i]);
	}
	free(names);
	return ret;
}

int ayb_pitr_window(struct ayb_s3 *s3, const struct ayb_config *cfg, const char *entity,
		    const char *db, int64_t *from_ms, int64_t *to_ms, struct ayb_err *err)
{
	char (*ids)[AYB_PITR_GEN_LEN + 1] = NULL;
	size_t n = 0;

	if (ayb_pitr_remote_gens(s3, cfg->snapshots, entity, db, &ids, &n, err) < 0)
		return -1;
	if (n) {
		*from_ms = ayb_pitr_gen_ms(ids[0]);
		*to_ms = now_ms();
	}
	free(ids);
	return n ? 1 : 0;
}

/* The base of the generation: S3's, or the spool's while it waits there. */
static int base_into(struct ayb_s3 *s3, const struct ayb_config *cfg, const char *entity,
		     const char *db, const struct ayb_layout_spool *sp, const char *gen,
		     int fd, const char *out_path, struct ayb_err *err)
{
	char name[AYB_LAYOUT_SPOOL_NAME], *local = NULL, *key = NULL;
	int in = -1, rc = -1;

	ayb_layout_spool_base_name(gen, name);
	if (sp && (local = ayb_fmt("%s/%s", sp->dir, name)) &&
	    (in = open(local, O_RDONLY | O_CLOEXEC)) >= 0) {
		struct stat st;
		off_t left;

		rc = fstat(in, &st);
		for (left = st.st_size; rc == 0 && left > 0;) {
			ssize_t c = copy_file_range(in, NULL, fd, NULL, (size_t)left, 0);

			if (c <= 0)
				rc = write_fail(err, out_path);
			else
				left -= c;
		}
		goto out;
	}
	if (!(key = ayb_pitr_key(cfg->snapshots, entity, db, gen, 0, 0))) {
		rc = ayb_err_oom(err);
		goto out;
	}
	rc = ayb_snapshot_fetch(s3, key, fd, key, out_path, err);
	if (rc == 0)
		ayb_err_set(err, AYB_E_SNAPSHOT_UPSTREAM, "%s is missing from S3", key);
	rc = rc == 1 ? 0 : -1;
out:
	if (in >= 0)
		close(in);
	free(local);
	free(key);
	return rc;
}

int ayb_pitr_materialize(struct ayb_s3 *s3, const struct ayb_config *cfg, const char *entity,
			 const char *db, int64_t at_ms, int use_spool, const char *out_path,
			 int64_t *applied_ms, struct ayb_err *err)
{
	struct ayb_layout_spool sp = { 0 };
	char (*ids)[AYB_PITR_GEN_LEN + 1] = NULL, when[40], from[40], *scratch = NULL;
	struct replay r;
	size_t n = 0, pick;
	int ret = -1;

	memset(&r, 0, sizeof(r));
	r.fd = -1;
	r.path = out_path;
	r.at_ms = at_ms;
	r.next = 1;
	if (at_ms != AYB_PITR_LATEST) {
		show_ms(at_ms, when);
		if (at_ms > now_ms())
			return ayb_err_set(err, AYB_E_INVALID,
					   "Cannot restore %s/%s to %s: it is in the future",
					   entity, db, when);
	}
	if (use_spool && ayb_layout_spool(cfg->data_path, entity, db, &sp, err) < 0)
		return -1;
	if (gens_known(s3, cfg, entity, db, use_spool ? &sp : NULL, &ids, &n, err) < 0)
		goto out;
	if (!n) {
		ayb_err_set(err, AYB_E_SNAPSHOT_MISSING,
			    "Database %s/%s has no continuous backup to restore from", entity, db);
		goto out;
	}
	for (pick = n; pick > 0 && ayb_pitr_gen_ms(ids[pick - 1]) > at_ms; pick--)
		;
	if (!pick) {
		show_ms(ayb_pitr_gen_ms(ids[0]), from);
		ayb_err_set(err, AYB_E_INVALID,
			    "Cannot restore %s/%s to %s: it is before the restorable window, which starts at %s",
			    entity, db, when, from);
		goto out;
	}
	memcpy(r.gen, ids[pick - 1], sizeof(r.gen));
	if (!(scratch = ayb_fmt("%s.segment", out_path))) {
		ayb_err_oom(err);
		goto out;
	}
	if ((r.fd = open(out_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
		write_fail(err, out_path);
		goto out;
	}
	if (base_into(s3, cfg, entity, db, use_spool ? &sp : NULL, r.gen, r.fd, out_path, err) < 0)
		goto out;
	for (int round = 0; round < ROUNDS && !r.done; round++) {
		if (replay_remote(&r, s3, cfg, entity, db, scratch, err) < 0)
			goto out;
		if (r.gap || !use_spool || r.done)
			break;
		if (replay_spool(&r, &sp, err) < 0)
			goto out;
		if (!r.gap)
			break;
	}
	/* A hole before the instant asked for: what follows it cannot be
	 * replayed, so the restore would not be of that instant. */
	if (r.gap && !r.done) {
		ayb_err_set(err, AYB_E_SNAPSHOT_UPSTREAM,
			    "The continuous backup of %s/%s misses frames from %llu on (generation %s)",
			    entity, db, (unsigned long long)r.next, r.gen);
		goto out;
	}
	if (r.next == 1) {
		ayb_err_set(err, AYB_E_SNAPSHOT_UPSTREAM,
			    "The continuous backup of %s/%s has a base without its log (generation %s)",
			    entity, db, r.gen);
		goto out;
	}
	/* A file in rollback-journal mode, as a snapshot is: it comes
	 * without a WAL, and its writer puts it back in WAL mode. */
	if (pwrite(r.fd, "\1\1", 2, 18) != 2 || fsync(r.fd) < 0) {
		write_fail(err, out_path);
		goto out;
	}
	if (applied_ms)
		*applied_ms = r.applied_ms;
	ret = 0;
out:
	if (r.fd >= 0)
		close(r.fd);
	if (scratch)
		unlink(scratch);
	free(scratch);
	free(r.page);
	free(ids);
	ayb_layout_spool_free(&sp);
	return ret;
}

int ayb_pitr_restore(struct ayb_s3 *s3, const struct ayb_config *cfg, const char *entity,
		     const char *db, int64_t at_ms, struct ayb_err *err)
{
	char *vdir = NULL, *file = NULL, when[40];
	int ret = -1;

	show_ms(at_ms, when);
	if (ayb_layout_new_version(cfg->data_path, entity, db, &vdir, err) < 0 ||
	    !(file = ayb_layout_version_file(vdir, db, err)))
		goto out;
	if (ayb_pitr_materialize(s3, cfg, entity, db, at_ms, 1, file, NULL, err) < 0 ||
	    ayb_snapshot_install(cfg, entity, db, vdir, file, when, err) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0 && vdir)
		ayb_fs_remove_tree(vdir);
	free(file);
	free(vdir);
	return ret;
}

int ayb_pitr_rebuild_one(struct ayb_s3 *s3, const struct ayb_config *cfg, const char *entity,
			 const char *db, const char *to_dir, int64_t at_ms, int64_t *applied_ms,
			 struct ayb_err *err)
{
	struct ayb_layout_file f = { 0 };
	char *vdir = NULL, *file = NULL, when[40];
	int ret = -1;

	if (!to_dir) {
		if (ayb_layout_locate(cfg->data_path, entity, db, &f, err) == 0) {
			ayb_layout_file_free(&f);
			return ayb_err_set(err, AYB_E_CONFLICT,
					   "%s/%s exists in data_path: left as it is", entity, db);
		}
		ayb_err_clear(err);
		if (ayb_layout_new_version(cfg->data_path, entity, db, &vdir, err) < 0 ||
		    !(file = ayb_layout_version_file(vdir, db, err)))
			goto out;
	} else if (!(vdir = ayb_fmt("%s/%s", to_dir, entity)) ||
		   !(file = ayb_layout_version_file(vdir, db, err))) {
		if (!err->kind)
			ayb_err_oom(err);
		goto out;
	} else if (ayb_fs_mkdirs(vdir, 0700) < 0) {
		ayb_err_set(err, AYB_E_INTERNAL, "Cannot create %s: %s", vdir, strerror(errno));
		goto out;
	} else if (access(file, F_OK) == 0) {
		ayb_err_set(err, AYB_E_CONFLICT, "%s exists: left as it is", file);
		free(file);
		file = NULL;
		goto out;
	}
	if (ayb_pitr_materialize(s3, cfg, entity, db, at_ms, 0, file, applied_ms, err) < 0)
		goto out;
	show_ms(*applied_ms, when);
	if (!to_dir) {
		ret = ayb_snapshot_install(cfg, entity, db, vdir, file, when, err);
		goto out;
	}
	f.dir = vdir;
	f.path = file;
	ret = ayb_worker_check(&cfg->isolation, &f, err);
	if (ret < 0)
		ayb_err_prefix(err, "%s/%s rebuilt as %s is not intact", entity, db, file);
out:
	if (ret < 0 && file)
		unlink(file);
	if (ret < 0 && vdir && !to_dir)
		ayb_fs_remove_tree(vdir);
	free(file);
	free(vdir);
	return ret;
}
