/* Snapshots: make, list, restore (README "Snapshots").  Large
 * databases are the point of backups, so no step holds a database in
 * memory: VACUUM INTO writes a file, hashing and zstd stream through fixed
 * buffers into another file, curl uploads from that file, and a restore
 * decompresses the download as it arrives straight into the new version's
 * file.  The copy and the integrity checks evaluate the tenant's schema,
 * so they run in sandboxed workers under the query limits (lib/worker.h). */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <zstd.h>

#include "buf.h"
#include "engine.h"
#include "fs.h"
#include "snapshot.h"
#include "store.h"
#include "swap_in.h"
#include "worker.h"

#define CHUNK (64u * 1024)
/* The largest zstd window a restore accepts (2^25 = 32 MiB of decoder
 * memory); ayb and ayb-c write level-3 frames, whose window is 2 MiB. */
#define WINDOW_LOG_MAX 25

/* ---- small helpers ---------------------------------------------------------------- */

static int io_fail(struct ayb_err *err, const char *what, const char *path, int e)
{
	return ayb_err_set(err, AYB_E_SNAPSHOT, "%s %s: %s", what, path, strerror(e));
}

static ssize_t read_some(int fd, void *p, size_t n)
{
	ssize_t r;

	do
		r = read(fd, p, n);
	while (r < 0 && errno == EINTR);
	return r;
}

static void to_hex(const unsigned char *b, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = '\0';
}

int ayb_snapshot_id_valid(const char *id)
{
	size_t i;

	for (i = 0; id[i]; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	return i == AYB_SNAPSHOT_ID_LEN;
}

char *ayb_snapshot_key_prefix(const struct ayb_snapshots_config *cfg, const char *entity,
			      const char *db)
{
	struct ayb_buf b = { 0 };
	const char *p = cfg->path_prefix;
	size_t n;

	if (cfg->force_path_style) {
		ayb_buf_adds(&b, cfg->bucket);
		ayb_buf_addc(&b, '/');
	}
	while (*p == '/')
		p++;
	n = strlen(p);
	while (n > 0 && p[n - 1] == '/')
		n--;
	if (n) {
		ayb_buf_add(&b, p, n);
		ayb_buf_addc(&b, '/');
	}
	if (entity)
		ayb_buf_printf(&b, "%s/%s/", entity, db);
	if (b.oom) {
		ayb_buf_free(&b);
		return NULL;
	}
	return ayb_buf_take(&b);
}

/* ---- time ---------------------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * algorithm), and back. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* n decimal digits at s into *v; 0 when they are not all digits. */
static int digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		*v = *v * 10 + (s[i] - '0');
	}
	return 1;
}

int ayb_snapshot_parse_time(const char *t, int64_t *seconds, int32_t *nanos)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, s, oh = 0, om = 0, frac = 0, scale = 0, sign = 0;
	const char *p;

	if (strlen(t) < 20 || !digits(t, 4, &y) || t[4] != '-' || !digits(t + 5, 2, &mo) ||
	    t[7] != '-' || !digits(t + 8, 2, &d) ||
	    (t[10] != 'T' && t[10] != 't' && t[10] != ' ') ||
	    !digits(t + 11, 2, &h) || t[13] != ':' || !digits(t + 14, 2, &mi) || t[16] != ':' ||
	    !digits(t + 17, 2, &s))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || s > 60)
		return -1;
	p = t + 19;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		/* Nanosecond precision; further digits are dropped. */
		for (; *p >= '0' && *p <= '9'; p++) {
			if (scale < 9) {
				frac = frac * 10 + (*p - '0');
				scale++;
			}
		}
		for (; scale < 9; scale++)
			frac *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return -1;
		p += 6;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	if (s == 60)
		s = 59; /* a leap second sorts with the second before it */
	*seconds = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s -
		   (int64_t)sign * (oh * 3600 + om * 60);
	*nanos = frac;
	return 0;
}

void ayb_snapshot_format_time(int64_t seconds, int32_t nanos, char *out)
{
	int64_t days = seconds / 86400, rem = seconds % 86400, y;
	int m, d, n;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	n = snprintf(out, 40, "%04lld-%02d-%02dT%02d:%02d:%02d", (long long)y, m, d,
		     (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
	if (nanos % 1000000 == 0 && nanos)
		n += snprintf(out + n, 40 - (size_t)n, ".%03d", (int)(nanos / 1000000));
	else if (nanos % 1000 == 0 && nanos)
		n += snprintf(out + n, 40 - (size_t)n, ".%06d", (int)(nanos / 1000));
	else if (nanos)
		n += snprintf(out + n, 40 - (size_t)n, ".%09d", (int)nanos);
	snprintf(out + n, 40 - (size_t)n, "Z");
}

/* ---- listing ---------------------------------------------------------------------------- */

void ayb_snapshots_free(struct ayb_snapshot *s, size_t n)
{
	if (!s)
		return;
	for (size_t i = 0; i < n; i++)
		free(s[i].last_modified_at);
	free(s);
}

/* Newest first; equal times keep the listing's order (position in `order`). */
struct ranked {
	struct ayb_snapshot *s;
	size_t order;
};

static int newest_first(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->s->seconds != y->s->seconds)
		return x->s->seconds > y->s->seconds ? -1 : 1;
	if (x->s->nanos != y->s->nanos)
		return x->s->nanos > y->s->nanos ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

int ayb_snapshot_list(struct ayb_s3 *s3, const struct ayb_snapshots_config *cfg,
		      const char *entity, const char *db, struct ayb_snapshot **out, size_t *n,
		      struct ayb_err *err)
{
	struct ayb_s3_object *objs = NULL;
	struct ayb_snapshot *found = NULL, *sorted = NULL;
	struct ranked *rank = NULL;
	size_t nobj = 0, k = 0, plen;
	char *prefix = ayb_snapshot_key_prefix(cfg, entity, db), when[40], *stop = NULL;
	int ret = -1;

	*out = NULL;
	*n = 0;
	if (!prefix)
		return ayb_err_oom(err);
	plen = strlen(prefix);
	/* Snapshot ids are hex: every one sorts before continuous backup's
	 * wal/, whose keys are not paged through. */
	if (!(stop = ayb_fmt("%swal/", prefix))) {
		ayb_err_oom(err);
		goto out;
	}
	if (ayb_s3_list_range(s3, prefix, NULL, stop, 0, &objs, &nobj, err) < 0) {
		ayb_err_prefix(err, "Failed to list snapshots");
		goto out;
	}
	found = calloc(nobj ? nobj : 1, sizeof(*found));
	rank = calloc(nobj ? nobj : 1, sizeof(*rank));
	sorted = calloc(nobj ? nobj : 1, sizeof(*sorted));
	if (!found || !rank || !sorted) {
		ayb_err_oom(err);
		goto out;
	}
	for (size_t i = 0; i < nobj; i++) {
		const char *key = objs[i].key, *id = key + plen;
		struct ayb_snapshot *s = &found[k];

		/* S3 filtered by prefix already; a server that did not is not
		 * trusted to have, and anything that is not an id of ours is
		 * somebody else's object. */
		if (strncmp(key, prefix, plen) != 0 || !ayb_snapshot_id_valid(id))
			continue;
		if (ayb_snapshot_parse_time(objs[i].last_modified, &s->seconds, &s->nanos) < 0) {
			ayb_err_set(err, AYB_E_S3_EXECUTION,
				    "Failed to read last modified datetime from object %s: `%.40s` is not an RFC 3339 time",
				    key, objs[i].last_modified);
			goto out;
		}
		memcpy(s->snapshot_id, id, AYB_SNAPSHOT_ID_LEN + 1);
		ayb_snapshot_format_time(s->seconds, s->nanos, when);
		if (!(s->last_modified_at = strdup(when))) {
			ayb_err_oom(err);
			goto out;
		}
		rank[k].s = s;
		rank[k].order = k;
		k++;
	}
	qsort(rank, k, sizeof(*rank), newest_first);
	for (size_t i = 0; i < k; i++) {
		sorted[i] = *rank[i].s;
		rank[i].s->last_modified_at = NULL; /* moved */
	}
	*out = sorted;
	*n = k;
	sorted = NULL;
	ret = 0;
out:
	ayb_snapshots_free(found, k);
	free(sorted);
	free(rank);
	ayb_s3_objects_free(objs, nobj);
	free(prefix);
	free(stop);
	return ret;
}

/* ---- making one ------------------------------------------------------------------------- */

/* What a worker's copy or check said, said for a snapshot or a restore:
 * SQLite's words about the file (SnapshotError, lib/hosted.h) become class
 * `kind` as "<what>: <words>"; a limit reached (the tenant's 400, as for a
 * query) or the worker's own trouble keeps its class, as "<stopped>:
 * <message>".  Returns -1. */
static int task_failed(struct ayb_err *err, enum ayb_err_kind kind, const char *what,
		       const char *stopped)
{
	if (err->kind == AYB_E_SNAPSHOT) {
		err->kind = kind;
		return ayb_err_prefix(err, "%s", what);
	}
	return ayb_err_prefix(err, "%s", stopped);
}

/* BLAKE2b-256 of the file, in hex, and its size. */
static int hash_file(const char *path, char id[AYB_SNAPSHOT_ID_LEN + 1], uint64_t *size,
		     struct ayb_err *err)
{
	crypto_generichash_state st;
	unsigned char digest[32], *buf = malloc(CHUNK);
	int fd = -1, ret = -1;
	ssize_t got;

	*size = 0;
	if (!buf)
		return ayb_err_oom(err);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		io_fail(err, "Cannot read", path, errno);
		goto out;
	}
	crypto_generichash_init(&st, NULL, 0, sizeof(digest));
	while ((got = read_some(fd, buf, CHUNK)) > 0) {
		crypto_generichash_update(&st, buf, (unsigned long long)got);
		*size += (uint64_t)got;
	}
	if (got < 0) {
		io_fail(err, "Cannot read", path, errno);
		goto out;
	}
	crypto_generichash_final(&st, digest, sizeof(digest));
	to_hex(digest, sizeof(digest), id);
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

/* Streams src through zstd (default level, with a content checksum so a
 * damaged object is caught on restore) into dst, hashing what it writes
 * with SHA-256 for the upload's x-amz-content-sha256.  Memory: the two
 * buffers zstd recommends plus its context, whatever the file size. */
int ayb_snapshot_pack(int in, const char *src, uint64_t src_size, const char *dst,
		      char sha_hex[65], uint64_t *out_size, struct ayb_err *err)
{
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	size_t in_cap = ZSTD_CStreamInSize(), out_cap = ZSTD_CStreamOutSize(), r;
	char *in_buf = malloc(in_cap), *out_buf = malloc(out_cap);
	crypto_hash_sha256_state sha;
	unsigned char digest[crypto_hash_sha256_BYTES];
	int out = -1, last = 0, ret = -1;
	uint64_t left = src_size;
	ssize_t got;

	*out_size = 0;
	if (!cctx || !in_buf || !out_buf) {
		ayb_err_oom(err);
		goto out;
	}
	if (ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel,
						ZSTD_CLEVEL_DEFAULT)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(cctx, src_size))) {
		ayb_err_set(err, AYB_E_SNAPSHOT, "Cannot set up zstd compression");
		goto out;
	}
	if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		io_fail(err, "Cannot create", dst, errno);
		goto out;
	}
	crypto_hash_sha256_init(&sha);
	while (!last) {
		ZSTD_inBuffer ib;
		int done = 0;

		if ((got = read_some(in, in_buf, left < in_cap ? (size_t)left : in_cap)) < 0) {
			io_fail(err, "Cannot read", src, errno);
			goto out;
		}
		left -= (uint64_t)got;
		last = got == 0;
		ib = (ZSTD_inBuffer){ in_buf, (size_t)got, 0 };
		while (!done) {
			ZSTD_outBuffer ob = { out_buf, out_cap, 0 };

			r = ZSTD_compressStream2(cctx, &ob, &ib,
						 last ? ZSTD_e_end : ZSTD_e_continue);
			if (ZSTD_isError(r)) {
				ayb_err_set(err, AYB_E_SNAPSHOT, "zstd compression failed: %s",
					    ZSTD_getErrorName(r));
				goto out;
			}
			if (ayb_fs_write_all(out, out_buf, ob.pos) < 0) {
				io_fail(err, "Cannot write", dst, errno);
				goto out;
			}
			crypto_hash_sha256_update(&sha, (unsigned char *)out_buf, ob.pos);
			*out_size += ob.pos;
			/* At the end, until zstd flushed everything; before, until
			 * it took all the input. */
			done = last ? r == 0 : ib.pos == ib.size;
		}
	}
	crypto_hash_sha256_final(&sha, digest);
	to_hex(digest, sizeof(digest), sha_hex);
	ret = 0;
out:
	if (out >= 0 && close(out) < 0 && ret == 0)
		ret = io_fail(err, "Cannot write", dst, errno);
	free(in_buf);
	free(out_buf);
	ZSTD_freeCCtx(cctx);
	return ret;
}

static int compress_file(const char *src, const char *dst, uint64_t src_size,
			 char sha_hex[65], uint64_t *out_size, struct ayb_err *err)
{
	int in = open(src, O_RDONLY | O_CLOEXEC), ret;

	if (in < 0)
		return io_fail(err, "Cannot read", src, errno);
	ret = ayb_snapshot_pack(in, src, src_size, dst, sha_hex, out_size, err);
	close(in);
	return ret;
}

static int upload(struct ayb_s3 *s3, const char *key, const char *file, uint64_t size,
		  const char *sha_hex, struct ayb_err *err)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return io_fail(err, "Cannot read", file, errno);
	ret = ayb_s3_put_file(s3, key, fd, size, sha_hex, err);
	close(fd);
	if (ret < 0)
		ayb_err_prefix(err, "Failed to upload snapshot %s", key);
	return ret;
}

int ayb_snapshot_make(struct ayb_s3 *s3, const struct ayb_config *cfg, const char *entity,
		      const char *db, int max_snapshots, struct ayb_snapshot_result *res,
		      struct ayb_err *err)
{
	const struct ayb_snapshots_config *sc = cfg->snapshots;
	struct ayb_snapshot *existing = NULL;
	struct ayb_err delete_err = { 0 };
	struct ayb_layout_file live = { 0 };
	struct ayb_layout_work work = { 0 };
	struct ayb_layout_file copy = { 0 };
	size_t nexisting = 0;
	char *link = NULL, *prefix = NULL, *key = NULL, sha_hex[65];
	int ret = -1;

	memset(res, 0, sizeof(*res));
	if (!(link = ayb_layout_current_path(cfg->data_path, entity, db, err)))
		return -1;
	/* No `current`, or no file in it yet (created, never written): there is
	 * nothing to back up, as in ayb. */
	if (ayb_layout_locate(cfg->data_path, entity, db, &live, err) < 0) {
		int e = errno;

		ayb_err_clear(err);
		if (e != ENOENT) {
			io_fail(err, "Cannot resolve", link, e);
			goto out;
		}
		ret = 0;
		goto out;
	}
	if (access(live.path, F_OK) < 0) {
		if (errno != ENOENT) {
			io_fail(err, "Cannot access", live.path, errno);
			goto out;
		}
		ret = 0;
		goto out;
	}
	if (ayb_layout_work_make(cfg->data_path, entity, db, &work, err) < 0)
		goto out;
	copy.dir = work.dir;
	copy.path = work.copy;
	copy.db_type = live.db_type = ayb_engine_of_file(live.path);
	if (ayb_worker_copy(&cfg->isolation, &live, &copy, err) < 0) {
		task_failed(err, AYB_E_SNAPSHOT, "Snapshot failed",
			    "Snapshot failed: copying the database stopped");
		goto out;
	}
	if (ayb_worker_check(&cfg->isolation, &copy, err) < 0) {
		task_failed(err, AYB_E_SNAPSHOT, "Snapshot failed integrity check",
			    "Snapshot failed: its integrity check stopped");
		goto out;
	}
	if (hash_file(work.copy, res->snapshot_id, &res->size, err) < 0)
		goto out;
	if (ayb_snapshot_list(s3, sc, entity, db, &existing, &nexisting, err) < 0)
		goto out;
	for (size_t i = 0; i < nexisting; i++) {
		if (strcmp(existing[i].snapshot_id, res->snapshot_id) == 0) {
			res->outcome = AYB_SNAPSHOT_UNCHANGED;
			ret = 0;
			goto out;
		}
	}
	if (!(prefix = ayb_snapshot_key_prefix(sc, entity, db)) ||
	    !(key = ayb_fmt("%s%s", prefix, res->snapshot_id))) {
		ayb_err_oom(err);
		goto out;
	}
	if (compress_file(work.copy, work.packed, res->size, sha_hex, &res->compressed, err) < 0 ||
	    upload(s3, key, work.packed, res->compressed, sha_hex, err) < 0)
		goto out;
	res->outcome = AYB_SNAPSHOT_UPLOADED;
	/* Prune with the listing taken before the upload (ayb's rule): the
	 * oldest entries go until max_snapshots remain, counting the new one.
	 * Every deletion is tried; the first failure is reported. */
	if (max_snapshots > 0 && nexisting + 1 > (size_t)max_snapshots) {
		size_t drop = nexisting + 1 - (size_t)max_snapshots;

		for (size_t i = nexisting - drop; i < nexisting; i++) {
			struct ayb_err one = { 0 };
			char *old = ayb_fmt("%s%s", prefix, existing[i].snapshot_id);

			if (!old) {
				ayb_err_oom(&one);
			} else if (ayb_s3_delete(s3, old, &one) < 0) {
				ayb_err_prefix(&one, "Failed to delete snapshot %s", old);
			} else {
				res->pruned++;
			}
			if (one.kind && !delete_err.kind)
				delete_err = one; /* moved: delete_err owns its strings now */
			else
				ayb_err_clear(&one);
			free(old);
		}
	}
	if (delete_err.kind) {
		ayb_err_clear(err);
		*err = delete_err;
		memset(&delete_err, 0, sizeof(delete_err));
		goto out;
	}
	ret = 0;
out:
	ayb_layout_work_remove(&work);
	ayb_err_clear(&delete_err);
	ayb_snapshots_free(existing, nexisting);
	free(key);
	free(prefix);
	ayb_layout_file_free(&live);
	free(link);
	return ret;
}

/* ---- restoring one -------------------------------------------------------------------- */

/* The download's sink: zstd-decodes each piece as it arrives and appends
 * the output to the new database file. */
struct unpack {
	ZSTD_DCtx *dctx;
	int fd;
	char *buf;
	size_t cap;
	size_t last;        /* ZSTD_decompressStream's last hint: 0 = a frame just ended */
	uint64_t in_bytes;
	const char *id;
	const char *shown;  /* the new file as messages show it */
	struct ayb_err err; /* why a write was refused */
};

static int unpack_write(void *ctx, const char *p, size_t n)
{
	struct unpack *u = ctx;
	ZSTD_inBuffer in = { p, n, 0 };
	int full = 1;

	u->in_bytes += n;
	/* Until the input is used up and zstd has nothing more to flush. */
	while (in.pos < in.size || full) {
		ZSTD_outBuffer out = { u->buf, u->cap, 0 };
		size_t r = ZSTD_decompressStream(u->dctx, &out, &in);

		if (ZSTD_isError(r)) {
			ayb_err_set(&u->err, AYB_E_SNAPSHOT_UPSTREAM,
				    "Snapshot %s is not a valid zstd stream: %s", u->id,
				    ZSTD_getErrorName(r));
			return -1;
		}
		if (ayb_fs_write_all(u->fd, u->buf, out.pos) < 0) {
			io_fail(&u->err, "Cannot write", u->shown, errno);
			return -1;
		}
		u->last = r;
		full = out.pos == out.size;
	}
	return 0;
}

int ayb_snapshot_fetch(struct ayb_s3 *s3, const char *key, int fd, const char *what,
		       const char *shown, struct ayb_err *err)
{
	struct unpack u = { 0 };
	struct ayb_sink sink = { unpack_write, &u };
	int rc, ret = -1;

	u.fd = fd;
	u.id = what;
	u.shown = shown;
	u.cap = ZSTD_DStreamOutSize();
	if (!(u.dctx = ZSTD_createDCtx()) || !(u.buf = malloc(u.cap))) {
		ayb_err_oom(err);
		goto out;
	}
	if (ZSTD_isError(ZSTD_DCtx_setParameter(u.dctx, ZSTD_d_windowLogMax, WINDOW_LOG_MAX))) {
		ayb_err_set(err, AYB_E_SNAPSHOT, "Cannot set up zstd decompression");
		goto out;
	}
	rc = ayb_s3_get(s3, key, &sink, err);
	if (rc == 0) {
		ret = 0;
		goto out;
	}
	if (rc < 0) {
		if (u.err.kind) {
			ayb_err_clear(err);
			*err = u.err;
			memset(&u.err, 0, sizeof(u.err));
		} else {
			ayb_err_prefix(err, "Failed to retrieve snapshot %s", key);
		}
		goto out;
	}
	if (u.in_bytes == 0 || u.last != 0) {
		ayb_err_set(err, AYB_E_SNAPSHOT_UPSTREAM, "Snapshot %s is truncated or empty",
			    what);
		goto out;
	}
	ret = 1;
out:
	ayb_err_clear(&u.err);
	ZSTD_freeDCtx(u.dctx);
	free(u.buf);
	return ret;
}

int ayb_snapshot_restore(struct ayb_s3 *s3, const struct ayb_config *cfg, const char *entity,
			 const char *db, const char *id, struct ayb_err *err)
{
	char *prefix = NULL, *key = NULL, *vdir = NULL, *file = NULL, *shown = NULL;
	int fd = -1, rc, ret = -1;

	/* An id of another shape cannot name a snapshot; S3 is not asked. */
	if (!ayb_snapshot_id_valid(id)) {
		ayb_err_set(err, AYB_E_SNAPSHOT_MISSING, "Snapshot does not exist");
		return -1;
	}
	if (!(prefix = ayb_snapshot_key_prefix(cfg->snapshots, entity, db)) ||
	    !(key = ayb_fmt("%s%s", prefix, id))) {
		ayb_err_oom(err);
		goto out;
	}
	if (ayb_layout_new_version(cfg->data_path, entity, db, &vdir, err) < 0 ||
	    !(file = ayb_layout_version_file(vdir, db, err)))
		goto out;
	/* The caller is a tenant: messages name the file below data_path. */
	if (!(shown = ayb_layout_version_shown(vdir, entity, db))) {
		ayb_err_oom(err);
		goto out;
	}
	if ((fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
		io_fail(err, "Cannot create", shown, errno);
		goto out;
	}
	if ((rc = ayb_snapshot_fetch(s3, key, fd, id, shown, err)) <= 0) {
		if (rc == 0)
			ayb_err_set(err, AYB_E_SNAPSHOT_MISSING, "Snapshot %s does not exist", id);
		goto out;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		io_fail(err, "Cannot write", shown, errno);
		goto out;
	}
	fd = -1;
	if (ayb_snapshot_install(cfg, entity, db, vdir, file, id, err) < 0)
		goto out;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0 && vdir)
		ayb_fs_remove_tree(vdir);
	free(shown);
	free(file);
	free(vdir);
	free(key);
	free(prefix);
	return ret;
}

int ayb_snapshot_install(const struct ayb_config *cfg, const char *entity, const char *db,
			 const char *vdir, const char *file, const char *what, struct ayb_err *err)
{
	struct ayb_layout_file restored = { 0 };
	char whatbuf[160], stopped[160];

	restored.dir = (char *)vdir;
	restored.path = (char *)file;
	restored.db_type = ayb_engine_of_file(file);
	if (ayb_worker_check(&cfg->isolation, &restored, err) < 0) {
		snprintf(whatbuf, sizeof(whatbuf), "Snapshot %s is not an intact %s database", what,
			 restored.db_type == AYB_DB_DUCKDB ? "DuckDB" : "SQLite");
		snprintf(stopped, sizeof(stopped),
			 "Snapshot %s was not restored: its integrity check stopped", what);
		return task_failed(err, AYB_E_SNAPSHOT_UPSTREAM, whatbuf, stopped);
	}
	return ayb_swap_in(cfg, entity, db, vdir, err);
}
