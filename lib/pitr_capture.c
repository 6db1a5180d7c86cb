/* Continuous backup's capture in a database's writer: lib/pitr_capture.h. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "buf.h"
#include "fs.h"
#include "layout.h"
#include "pitr_capture.h"
#include "pitr_log.h"

#define WAL_HEADER 32
#define FRAME_HEADER 24
/* The writer checkpoints once the WAL holds this many frames, as SQLite's
 * automatic checkpoint does by default. */
#define CHECKPOINT_FRAMES 1000
/* A new generation once the log since the base passes both twice the
 * database's size and this, or once the base is a day old. */
#define REBASE_MIN_BYTES (64 << 20)
#define REBASE_MS 86400000
#define STATE_MAGIC "AYC1"
#define STATE_LEN 80
#define FLUSH_AT (1 << 20)

struct state {
	char gen[AYB_PITR_GEN_LEN + 1];
	uint64_t next;           /* the next generation-wide frame number */
	uint32_t salt1, salt2;   /* the WAL's, at the last capture */
	uint32_t captured;       /* its last frame captured */
	uint32_t clean;          /* the writer ended after capturing all */
	uint64_t log_bytes;      /* recorded since the base */
};

struct ayb_pitr_capture {
	char *path, *wal, *state_path;
	struct ayb_layout_spool sp;
	int lock_fd;
	int have;        /* s holds the state */
	int alive;       /* this process captured every commit since s was read */
	int broken;      /* the last capture failed: a new generation next */
	int cut;         /* the open spool's torn tail, if any, was cut */
	struct state s;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}


static int read_full(int fd, void *p, size_t n, off_t at)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = pread(fd, (char *)p + done, n - done, at + (off_t)done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return 0;
}

/* ---- the state file --------------------------------------------------------- */

static void state_sum(const unsigned char *b, unsigned char *sum)
{
	crypto_generichash(sum, 16, b, 64, NULL, 0);
}

/* Reads the state; 0 when there is none or it is damaged. */
static int state_read(struct ayb_pitr_capture *c)
{
	unsigned char b[STATE_LEN], sum[16];
	int fd = open(c->state_path, O_RDONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return 0;
	ok = read_full(fd, b, sizeof(b), 0) == 0;
	close(fd);
	state_sum(b, sum);
	if (!ok || memcmp(b, STATE_MAGIC, 4) != 0 || memcmp(sum, b + 64, 16) != 0)
		return 0;
	memcpy(c->s.gen, b + 4, AYB_PITR_GEN_LEN);
	c->s.gen[AYB_PITR_GEN_LEN] = '\0';
	c->s.next = ayb_pitr_get64(b + 32);
	c->s.salt1 = ayb_pitr_get32(b + 40);
	c->s.salt2 = ayb_pitr_get32(b + 44);
	c->s.captured = ayb_pitr_get32(b + 48);
	c->s.clean = ayb_pitr_get32(b + 52);
	c->s.log_bytes = ayb_pitr_get64(b + 56);
	return ayb_pitr_gen_valid(c->s.gen);
}

/* One write of the whole state in place: a torn one fails its checksum
 * and reads as none, which starts a new generation. */
static int state_write(const struct ayb_pitr_capture *c)
{
	unsigned char b[STATE_LEN];
	int fd, rc;

	memset(b, 0, sizeof(b));
	memcpy(b, STATE_MAGIC, 4);
	memcpy(b + 4, c->s.gen, AYB_PITR_GEN_LEN);
	ayb_pitr_put64(b + 32, c->s.next);
	ayb_pitr_put32(b + 40, c->s.salt1);
	ayb_pitr_put32(b + 44, c->s.salt2);
	ayb_pitr_put32(b + 48, c->s.captured);
	ayb_pitr_put32(b + 52, c->s.clean);
	ayb_pitr_put64(b + 56, c->s.log_bytes);
	state_sum(b, b + 64);
	if ((fd = open(c->state_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return -1;
	rc = pwrite(fd, b, sizeof(b), 0) == (ssize_t)sizeof(b) ? 0 : -1;
	close(fd);
	return rc;
}

/* ---- the spool ------------------------------------------------------------------- */

/* A writer killed mid-append leaves a torn record at the end of the open
 * spool file; appending after it would hide every later record. */
static void cut_torn_tail(struct ayb_pitr_capture *c)
{
	struct ayb_pitr_rec r;
	struct ayb_err err = { 0 };
	struct stat st;
	off_t at = 0;
	int fd = open(c->sp.open, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0) {
		while (ayb_pitr_read(fd, st.st_size, &at, &r, &err) == 1)
			;
		if (at < st.st_size)
			ftruncate(fd, at);
	}
	ayb_err_clear(&err);
	close(fd);
}

/* Copies the file `from` to `to`, a new file. */
static int copy_file(const char *from, const char *to)
{
	struct stat st;
	int in, out = -1, ret = -1;

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) < 0 || fstat(in, &st) < 0 ||
	    (out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		goto out;
	for (off_t left = st.st_size; left > 0;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		left -= n;
	}
	ret = close(out);
	out = -1;
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (ret < 0)
		unlink(to);
	return ret;
}

/* base-<generation> in the spool; NULL on OOM. */
static char *base_path(const struct ayb_pitr_capture *c, const char *gen)
{
	char name[AYB_LAYOUT_SPOOL_NAME];

	ayb_layout_spool_base_name(gen, name);
	return ayb_fmt("%s/%s", c->sp.dir, name);
}

/* Copies the database file to base-<generation> in the spool (a temporary
 * name, then rename), or renames `copy`, a copy of it taken before: the
 * file as it is now, whose missing commits are all in the WAL, which the
 * generation's first record holds whole. */
static int take_base(struct ayb_pitr_capture *c, const char *gen, const char *copy)
{
	char *final = base_path(c, gen), *tmp = final ? ayb_fmt("%s.tmp", final) : NULL;
	int ret = -1;

	if (tmp && (copy || copy_file(c->path, tmp) == 0) &&
	    (ret = rename(copy ? copy : tmp, final)) < 0 && !copy)
		unlink(tmp);
	free(final);
	free(tmp);
	return ret;
}

struct writing {
	int fd;
	struct ayb_buf b;
	crypto_generichash_state h;
	int failed;
};

static void put(struct writing *w, const void *p, size_t n)
{
	crypto_generichash_update(&w->h, p, n);
	ayb_buf_add(&w->b, p, n);
	if (w->b.oom)
		w->failed = 1;
	if (!w->failed && w->b.len >= FLUSH_AT) {
		if (ayb_fs_write_all(w->fd, w->b.data, w->b.len) < 0)
			w->failed = 1;
		w->b.len = 0;
	}
}

/* Appends the record of WAL frames [from, to] to w: the commit of `to`.
 * With in_file, src is the database file and [from, to] its pages. */
static int put_record(struct writing *w, int src, int in_file, struct ayb_pitr_capture *c,
		      uint32_t ps, uint32_t from, uint32_t to, uint32_t db_pages, int64_t t)
{
	struct ayb_pitr_rec r;
	unsigned char h[AYB_PITR_HEADER], sum[AYB_PITR_SUM], *frame = malloc(FRAME_HEADER + ps);

	if (!frame)
		return -1;
	memset(&r, 0, sizeof(r));
	r.time_ms = t;
	r.first = c->s.next;
	r.frames = to - from + 1;
	r.last = r.first + r.frames - 1;
	r.db_pages = db_pages;
	r.page_size = ps;
	r.salt1 = c->s.salt1;
	r.salt2 = c->s.salt2;
	r.wal_last = in_file ? 0 : to;
	memcpy(r.gen, c->s.gen, sizeof(r.gen));
	ayb_pitr_rec_encode(&r, h);
	crypto_generichash_init(&w->h, NULL, 0, AYB_PITR_SUM);
	put(w, h, sizeof(h));
	for (uint32_t i = from; i <= to && !w->failed; i++) {
		if (in_file ? read_full(src, frame + FRAME_HEADER, ps, (off_t)(i - 1) * ps) :
			      read_full(src, frame, FRAME_HEADER + ps,
					WAL_HEADER + (off_t)(i - 1) * (FRAME_HEADER + ps))) {
			w->failed = 1;
			break;
		}
		ayb_pitr_put32(frame + FRAME_HEADER - 4, in_file ? i : be32(frame));
		put(w, frame + FRAME_HEADER - 4, 4 + ps);
	}
	free(frame);
	crypto_generichash_final(&w->h, sum, sizeof(sum));
	ayb_buf_add(&w->b, sum, sizeof(sum));
	c->s.next += r.frames;
	c->s.log_bytes += r.len;
	return w->failed ? -1 : 0;
}

/* Records WAL frames [from, to]: one record per commit, each ending at a
 * frame that holds the database's size; all of them as one when `whole`
 * (a new generation's first record).  With file_pages, src is instead the
 * database file, of that many pages, and [from, to] pages of it: one
 * record. */
static int put_frames(struct ayb_pitr_capture *c, int src, uint32_t file_pages, uint32_t ps,
		      uint32_t from, uint32_t to, int whole)
{
	struct writing w = { -1, { 0 }, { { 0 } }, 0 };
	unsigned char fh[FRAME_HEADER];
	int64_t t = now_ms();
	off_t start;
	uint32_t begin = from;
	int ret = -1;

	if ((w.fd = open(c->sp.open, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0 ||
	    (start = lseek(w.fd, 0, SEEK_END)) < 0)
		goto out;
	for (uint32_t i = from; i <= to; i++) {
		uint32_t size = file_pages;

		if (!file_pages && read_full(src, fh, sizeof(fh),
					     WAL_HEADER + (off_t)(i - 1) * (FRAME_HEADER + ps)) < 0)
			goto undo;
		if (!file_pages)
			size = be32(fh + 4);
		if (!size || (whole && i < to))
			continue;
		if (put_record(&w, src, file_pages != 0, c, ps, begin, i, size, t) < 0)
			goto undo;
		begin = i + 1;
	}
	if (begin <= to)
		goto undo; /* frames after the last commit: not a WAL SQLite wrote */
	if (w.b.len && ayb_fs_write_all(w.fd, w.b.data, w.b.len) < 0)
		goto undo;
	ret = 0;
	goto out;
undo:
	ftruncate(w.fd, start);
out:
	if (w.fd >= 0)
		close(w.fd);
	ayb_buf_free(&w.b);
	return ret;
}

/* Starts a new generation: the base (`copy`, when one was taken before),
 * then every frame of the WAL. */
static int rebase(struct ayb_pitr_capture *c, const char *copy)
{
	char gen[AYB_PITR_GEN_LEN + 1];

	ayb_pitr_gen_make(now_ms(), gen);
	if (take_base(c, gen, copy) < 0)
		return -1;
	memcpy(c->s.gen, gen, sizeof(gen));
	c->s.next = 1;
	c->s.log_bytes = 0;
	return 0;
}

static int due_rebase(const struct ayb_pitr_capture *c)
{
	struct stat st;
	uint64_t db = stat(c->path, &st) == 0 ? (uint64_t)st.st_size : 0;

	return (c->s.log_bytes > 2 * db && c->s.log_bytes > REBASE_MIN_BYTES) ||
	       now_ms() - ayb_pitr_gen_ms(c->s.gen) > REBASE_MS;
}

static int capture(struct ayb_pitr_capture *c, uint32_t frames)
{
	unsigned char h[WAL_HEADER];
	uint32_t ps, salt1, salt2, from = 1;
	int wal = open(c->wal, O_RDONLY | O_CLOEXEC), fresh, ret = -1;

	if (wal < 0 || read_full(wal, h, sizeof(h), 0) < 0)
		goto out;
	ps = be32(h + 8);
	salt1 = be32(h + 16);
	salt2 = be32(h + 20);
	if (ps < 512 || ps > 65536)
		goto out;
	if (!c->cut) {
		cut_torn_tail(c);
		c->cut = 1;
	}
	if (!c->have)
		c->have = state_read(c);
	fresh = !c->have || c->broken;
	if (!fresh && salt1 == c->s.salt1 && salt2 == c->s.salt2)
		/* The same WAL: what the last capture left, with whatever a
		 * writer killed before its hook committed (time: now). */
		fresh = frames < c->s.captured, from = c->s.captured + 1;
	else if (!fresh)
		/* A WAL started again: after a checkpoint of frames all
		 * captured, unless a writer died and something else
		 * checkpointed. */
		fresh = !(c->alive || c->s.clean);
	if (!fresh)
		fresh = due_rebase(c);
	if (fresh) {
		if (rebase(c, NULL) < 0)
			goto out;
		from = 1;
	}
	c->s.salt1 = salt1;
	c->s.salt2 = salt2;
	if (from <= frames && put_frames(c, wal, 0, ps, from, frames, fresh) < 0)
		goto out;
	c->s.captured = frames;
	c->s.clean = 0;
	if (state_write(c) < 0)
		goto out;
	c->have = 1;
	ret = 0;
out:
	if (wal >= 0)
		close(wal);
	return ret;
}

int ayb_pitr_capture_hook(void *ctx, sqlite3 *conn, const char *db, int frames)
{
	struct ayb_pitr_capture *c = ctx;

	if (strcmp(db, "main") != 0 || frames <= 0)
		return SQLITE_OK;
	/* A failure cannot undo the commit: the next one starts a new
	 * generation, whose base holds this one. */
	if (flock(c->lock_fd, LOCK_EX) < 0 || capture(c, (uint32_t)frames) < 0) {
		c->broken = 1;
		c->alive = 0;
	} else {
		c->broken = 0;
		c->alive = 1;
	}
	flock(c->lock_fd, LOCK_UN);
	if (frames >= CHECKPOINT_FRAMES)
		sqlite3_wal_checkpoint_v2(conn, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return SQLITE_OK;
}

/* The file's page size from its header, and its size in pages: 0 when it
 * is not a whole SQLite file. */
static uint32_t sqlite_pages(int fd, uint32_t *ps)
{
	unsigned char h[100];
	struct stat st;

	if (fstat(fd, &st) < 0 || read_full(fd, h, sizeof(h), 0) < 0)
		return 0;
	*ps = (uint32_t)h[16] << 8 | h[17];
	if (*ps == 1)
		*ps = 65536;
	if (*ps < 512 || *ps > 65536 || (*ps & (*ps - 1)) || st.st_size % *ps ||
	    st.st_size / *ps > UINT32_MAX)
		return 0;
	return (uint32_t)(st.st_size / *ps);
}

/* The copy is taken before the lock, which holds the writers' captures
 * up: only the rename, one record and the state happen under it. */
int ayb_pitr_capture_replacing(struct ayb_pitr_capture *c)
{
	char *copy = ayb_fmt("%s/swap.XXXXXX", c->sp.dir), *base = NULL;
	struct stat st;
	uint32_t ps = 0, pages;
	off_t was;
	int fd = -1, locked = 0, ret = -1;

	if (!copy || (fd = mkstemp(copy)) < 0) {
		free(copy);
		return -1;
	}
	close(fd);
	if (copy_file(c->path, copy) < 0 || (fd = open(c->path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    !(pages = sqlite_pages(fd, &ps)) || flock(c->lock_fd, LOCK_EX) < 0)
		goto out;
	locked = 1;
	cut_torn_tail(c);
	c->cut = 1;
	was = stat(c->sp.open, &st) == 0 ? st.st_size : 0;
	if (rebase(c, copy) < 0)
		goto out;
	base = base_path(c, c->s.gen);
	/* Its first record, which a restore applies to the base whatever the
	 * instant, is the file's first page: the generation is restorable
	 * from its start. */
	if (!base || put_frames(c, fd, pages, ps, 1, 1, 1) < 0)
		goto out;
	/* The writer of the new file goes on from here: no WAL yet. */
	c->s.salt1 = c->s.salt2 = 0;
	c->s.captured = 0;
	c->s.clean = 1;
	if (state_write(c) < 0) {
		truncate(c->sp.open, was);
		goto out;
	}
	c->have = 1;
	ret = 0;
out:
	if (ret < 0 && base)
		unlink(base);
	if (ret < 0 && locked)
		flock(c->lock_fd, LOCK_UN);
	if (fd >= 0)
		close(fd);
	unlink(copy);
	free(copy);
	free(base);
	return ret;
}

struct ayb_pitr_capture *ayb_pitr_capture_open(const char *path, const char *spool_dir)
{
	struct ayb_pitr_capture *c = calloc(1, sizeof(*c));
	char state[AYB_LAYOUT_WRITER_NAME];
	const char *slash = strrchr(path, '/');
	struct ayb_err err = { 0 };

	if (!c)
		return NULL;
	c->lock_fd = -1;
	ayb_layout_capture_state(path, state);
	if (ayb_layout_spool_in(spool_dir, &c->sp, &err) < 0 || !(c->path = strdup(path)) ||
	    !(c->wal = ayb_fmt("%s-wal", path)) ||
	    !(c->state_path = ayb_fmt("%.*s/%s", slash ? (int)(slash - path) : 0, path, state)) ||
	    (c->lock_fd = open(c->sp.lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		ayb_err_clear(&err);
		ayb_pitr_capture_close(c);
		return NULL;
	}
	return c;
}

void ayb_pitr_capture_close(struct ayb_pitr_capture *c)
{
	if (!c)
		return;
	if (c->have && c->alive && !c->broken) {
		c->s.clean = 1;
		state_write(c);
	}
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	free(c->path);
	free(c->wal);
	free(c->state_path);
	ayb_layout_spool_free(&c->sp);
	free(c);
}
