/* The disk layout under data_path: every path below it is built here, with
 * the same checks on each component (see layout.h).  Hosted databases live
 * in version directories named by a UUIDv7 behind a `current` link, so a
 * restore can replace a database atomically (README "Snapshots"). */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "disk.h"
#include "fs.h"
#include "layout.h"
#include "slug.h"

#define UUID_TEXT_LEN 36

/* ---- small helpers -------------------------------------------------------- */

/* Rust's io::ErrorKind name for an errno, as ayb's `IO error: Os { .. }`
 * messages show it. */
static const char *io_kind(int e)
{
	switch (e) {
	case ENOENT: return "NotFound";
	case EACCES:
	case EPERM: return "PermissionDenied";
	case EEXIST: return "AlreadyExists";
	case ENOTDIR: return "NotADirectory";
	case EISDIR: return "IsADirectory";
	case ENOTEMPTY: return "DirectoryNotEmpty";
	case EROFS: return "ReadOnlyFilesystem";
	case ELOOP: return "FilesystemLoop";
	case ENOSPC: return "StorageFull";
	case EDQUOT: return "FilesystemQuotaExceeded";
	case ENAMETOOLONG: return "InvalidFilename";
	case EINTR: return "Interrupted";
	case ENOMEM: return "OutOfMemory";
	default: return "Uncategorized";
	}
}

/* ayb's rendering of a std::io::Error; always a server-side fault (500,
 * or 507 for a full disk).  The path is not part of it, as in ayb. */
static int io_error(struct ayb_err *err, int e)
{
	return ayb_err_set(err, ayb_disk_full_errno(e) ? AYB_E_DISK_FULL : AYB_E_INTERNAL,
			   "IO error: Os { code: %d, kind: %s, message: \"%s\" }",
			   e, io_kind(e), strerror(e));
}

/* Slugs are checked by the caller; this is a second line of defence so a
 * bug there can never turn a slug into "..", "/" or an empty component. */
static int component_ok(const char *s)
{
	return s[0] && strchr(s, '/') == NULL && strcmp(s, ".") != 0 &&
	       strcmp(s, "..") != 0 && strlen(s) <= NAME_MAX;
}

static int looks_like_uuid(const char *s)
{
	size_t i;

	if (strlen(s) != UUID_TEXT_LEN)
		return 0;
	for (i = 0; i < UUID_TEXT_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
			return 0;
		}
	}
	return 1;
}

#define DATABASES "databases"
#define SNAPSHOTS "snapshots"
#define CONTINUOUS "continuous"
#define LINK_CHECKS "link-checks"
#define EXPORTS "exports"
#define FENCED "fenced"

/* <data_path>/<top>/<entity>/<db>, top being DATABASES or SNAPSHOTS; NULL
 * on OOM or a bad component (err set).  The caller frees. */
static char *database_dir(const char *data_path, const char *top, const char *entity,
			  const char *db, struct ayb_err *err)
{
	char *p;

	if (!component_ok(entity) || !component_ok(db)) {
		ayb_err_set(err, AYB_E_INTERNAL, "Invalid database path component");
		return NULL;
	}
	if (!(p = ayb_fmt("%s/%s/%s/%s", data_path, top, entity, db)))
		ayb_err_oom(err);
	return p;
}

/* dir + "/" + name; NULL with err on OOM.  The caller frees. */
static char *join(const char *dir, const char *name, struct ayb_err *err)
{
	char *p = ayb_fmt("%s/%s", dir, name);

	if (!p)
		ayb_err_oom(err);
	return p;
}

/* 1 when `path`'s parent directory is exactly `dir` and its last component
 * looks like a version directory's name. */
static int is_version_of(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && path[n] == '/' &&
	       looks_like_uuid(path + n + 1);
}

/* A UUID version 7 (RFC 9562) in canonical lowercase text: 48 bits of Unix
 * time in milliseconds, so version directories sort by creation time, then
 * 74 random bits from libsodium.  out has room for 37 bytes. */
static void uuidv7(char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	struct timespec ts;
	uint64_t ms;
	int i, n = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	randombytes_buf(b, sizeof(b));
	for (i = 0; i < 6; i++)
		b[i] = (unsigned char)(ms >> (40 - 8 * i));
	b[6] = (unsigned char)(0x70 | (b[6] & 0x0f));
	b[8] = (unsigned char)(0x80 | (b[8] & 0x3f));
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[n++] = '-';
		out[n++] = hex[b[i] >> 4];
		out[n++] = hex[b[i] & 15];
	}
	out[n] = '\0';
}

/* ---- version directories and the `current` link ------------------------- */

int ayb_layout_new_version(const char *data_path, const char *entity,
			   const char *db, char **dir_out, struct ayb_err *err)
{
	char uuid[UUID_TEXT_LEN + 1];
	char *dir, *vdir = NULL;
	int ret = -1;

	*dir_out = NULL;
	dir = database_dir(data_path, DATABASES, entity, db, err);
	if (!dir)
		return -1;
	if (sodium_init() < 0) {
		ayb_err_set(err, AYB_E_INTERNAL, "libsodium failed to initialise");
		goto out;
	}
	/* Tenant data: only the service's own user may enter. */
	if (ayb_fs_mkdirs(dir, 0700) < 0) {
		io_error(err, errno);
		goto out;
	}
	uuidv7(uuid);
	if (!(vdir = ayb_fmt("%s/%s", dir, uuid))) {
		ayb_err_oom(err);
		goto out;
	}
	if (mkdir(vdir, 0700) < 0) {
		io_error(err, errno);
		goto out;
	}
	*dir_out = realpath(vdir, NULL);
	if (!*dir_out) {
		io_error(err, errno);
		goto out;
	}
	ret = 0;
out:
	free(vdir);
	free(dir);
	return ret;
}

/* The swap holds an flock on the database directory so two swaps of one
 * database on this host cannot interleave their current.tmp steps.  Once
 * the rename is done the swap has happened; failing to delete the old
 * version afterwards only leaves an orphan directory behind, so it is not
 * reported as an error (ayb leaves crash orphans behind the same way). */
int ayb_layout_swap(const char *data_path, const char *entity, const char *db,
		    const char *version_dir, struct ayb_err *err)
{
	char *dir, *canon = NULL, *cur = NULL, *tmp = NULL, *old = NULL;
	int fd = -1, ret = -1;

	dir = database_dir(data_path, DATABASES, entity, db, err);
	if (!dir)
		return -1;
	canon = realpath(dir, NULL);
	if (!canon) {
		io_error(err, errno);
		goto out;
	}
	/* `current` must only ever name a version directory of this database. */
	if (!is_version_of(version_dir, canon)) {
		ayb_err_set(err, AYB_E_INTERNAL,
			    "Version directory is not inside its database directory");
		goto out;
	}
	if (!(cur = ayb_fmt("%s/current", canon)) ||
	    !(tmp = ayb_fmt("%s/current.tmp", canon))) {
		ayb_err_oom(err);
		goto out;
	}
	fd = open(canon, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		io_error(err, errno);
		goto out;
	}
	old = realpath(cur, NULL); /* NULL: nothing to replace */
	/* A current.tmp left by a crash would make symlink() fail. */
	if (unlink(tmp) < 0 && errno != ENOENT) {
		io_error(err, errno);
		goto out;
	}
	if (symlink(version_dir, tmp) < 0 || rename(tmp, cur) < 0) {
		io_error(err, errno);
		unlink(tmp);
		goto out;
	}
	/* Make the new link durable before the old version goes away. */
	fsync(fd);
	if (old && strcmp(old, version_dir) != 0 && is_version_of(old, canon))
		ayb_fs_remove_tree(old);
	ret = 0;
out:
	if (fd >= 0)
		close(fd); /* releases the flock */
	free(old);
	free(tmp);
	free(cur);
	free(canon);
	free(dir);
	return ret;
}

int ayb_layout_create(const char *data_path, const char *entity, const char *db,
		      struct ayb_err *err)
{
	char *vdir = NULL;
	int ret;

	if (ayb_layout_new_version(data_path, entity, db, &vdir, err) < 0)
		return -1;
	ret = ayb_layout_swap(data_path, entity, db, vdir, err);
	if (ret < 0)
		ayb_fs_remove_tree(vdir);
	free(vdir);
	return ret;
}

/* ---- locating the current file ------------------------------------------- */

char *ayb_layout_version_shown(const char *version_dir, const char *entity, const char *db)
{
	const char *slash = strrchr(version_dir, '/');

	return ayb_fmt(DATABASES "/%s/%s/%s/%s", entity, db, slash ? slash + 1 : version_dir,
		       db);
}

void ayb_layout_file_free(struct ayb_layout_file *f)
{
	free(f->dir);
	free(f->path);
	free(f->shown);
	memset(f, 0, sizeof(*f));
}

/* 1 when p is absolute with no empty, "." or ".." component and no
 * trailing slash: the form realpath() gives. */
static int plain_absolute(const char *p)
{
	if (*p != '/')
		return 0;
	for (const char *c = p; *c; ) {
		size_t n;

		c++; /* past '/' */
		n = strcspn(c, "/");
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		c += n;
	}
	return 1;
}

/* The version directory `link` (a database's `current`) names, resolved;
 * NULL with errno.  ayb_layout_swap writes the realpath() of a version
 * directory into the link, so one readlink() and one stat() resolve it on
 * every query instead of realpath()'s readlink() of each component, twice
 * over; a link in any other form (made by hand, relative) still goes
 * through realpath().  The caller frees. */
static char *current_target(const char *link)
{
	char buf[PATH_MAX];
	struct stat st;
	ssize_t n = readlink(link, buf, sizeof(buf));

	if (n < 0)
		return NULL;
	if ((size_t)n >= sizeof(buf) || (buf[n] = '\0', !plain_absolute(buf)) ||
	    !looks_like_uuid(strrchr(buf, '/') + 1))
		return realpath(link, NULL);
	if (stat(buf, &st) < 0)
		return NULL;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return NULL;
	}
	return strdup(buf);
}

char *ayb_layout_version_file(const char *version_dir, const char *db, struct ayb_err *err)
{
	if (!component_ok(db)) {
		ayb_err_set(err, AYB_E_INTERNAL, "Invalid database path component");
		return NULL;
	}
	return join(version_dir, db, err);
}

char *ayb_layout_current_path(const char *data_path, const char *entity, const char *db,
			      struct ayb_err *err)
{
	char *dir = database_dir(data_path, DATABASES, entity, db, err), *link;

	if (!dir)
		return NULL;
	link = join(dir, "current", err);
	free(dir);
	return link;
}

char *ayb_layout_epoch_path(const char *data_path, const char *entity, const char *db,
			    struct ayb_err *err)
{
	char *dir = database_dir(data_path, DATABASES, entity, db, err), *path;

	if (!dir)
		return NULL;
	path = join(dir, "epoch", err);
	free(dir);
	return path;
}

/* errno is kept from the step that failed, so a caller can tell a database
 * without `current` (ENOENT) from one it cannot reach. */
int ayb_layout_locate(const char *data_path, const char *entity, const char *db,
		      struct ayb_layout_file *f, struct ayb_err *err)
{
	char *link;
	int ret = -1, e;

	memset(f, 0, sizeof(*f));
	link = ayb_layout_current_path(data_path, entity, db, err);
	if (!link) {
		errno = component_ok(entity) && component_ok(db) ? ENOMEM : EINVAL;
		return -1;
	}
	if (!(f->dir = current_target(link))) {
		e = errno;
		io_error(err, e);
		goto out;
	}
	e = ENOMEM;
	if (!(f->path = ayb_layout_version_file(f->dir, db, err)))
		goto out;
	if (!(f->shown = ayb_layout_version_shown(f->dir, entity, db))) {
		ayb_err_oom(err);
		goto out;
	}
	ret = 0;
out:
	if (ret < 0)
		ayb_layout_file_free(f);
	free(link);
	if (ret < 0)
		errno = e;
	return ret;
}

/* f->dir is <database dir>/<version>: a path under the same database
 * directory but not under f->dir belongs to another version. */
int ayb_layout_other_version(const char *path, const struct ayb_layout_file *f)
{
	const char *slash = strrchr(f->dir, '/');
	size_t dirlen = strlen(f->dir), dblen = slash ? (size_t)(slash - f->dir) : 0;

	return dblen && strncmp(path, f->dir, dblen + 1) == 0 &&
	       (strncmp(path, f->dir, dirlen) != 0 || path[dirlen] != '/');
}

/* The names are relative: a socket's path must fit in sun_path (108
 * bytes), which data_path alone may pass, so it is reached through the
 * version directory's descriptor.  A slug is at most AYB_SLUG_MAX. */
static void writer_name(const char *f_path, const char *suffix, char out[AYB_LAYOUT_WRITER_NAME])
{
	const char *slash = strrchr(f_path, '/');

	snprintf(out, AYB_LAYOUT_WRITER_NAME, "%s%s", slash ? slash + 1 : f_path, suffix);
}

void ayb_layout_writer_socket(const char *f_path, char out[AYB_LAYOUT_WRITER_NAME])
{
	writer_name(f_path, "-writer", out);
}

void ayb_layout_writer_lock(const char *f_path, char out[AYB_LAYOUT_WRITER_NAME])
{
	writer_name(f_path, "-writer.lock", out);
}

void ayb_layout_capture_state(const char *f_path, char out[AYB_LAYOUT_WRITER_NAME])
{
	writer_name(f_path, "-capture", out);
}

/* ---- continuous backup ------------------------------------------------------ */

void ayb_layout_spool_free(struct ayb_layout_spool *s)
{
	free(s->dir);
	free(s->lock);
	free(s->open);
	free(s->pack);
	memset(s, 0, sizeof(*s));
}

/* Fills the rest of s from s->dir, which it owns already. */
static int spool_fill(struct ayb_layout_spool *s, struct ayb_err *err)
{
	if (!s->dir || !(s->lock = join(s->dir, "lock", err)) ||
	    !(s->open = join(s->dir, "open", err)) || !(s->pack = join(s->dir, "pack.tmp", err))) {
		if (!s->dir && !err->kind)
			ayb_err_oom(err);
		ayb_layout_spool_free(s);
		return -1;
	}
	return 0;
}

int ayb_layout_spool(const char *data_path, const char *entity, const char *db,
		     struct ayb_layout_spool *s, struct ayb_err *err)
{
	memset(s, 0, sizeof(*s));
	s->dir = database_dir(data_path, CONTINUOUS, entity, db, err);
	return spool_fill(s, err);
}

int ayb_layout_spool_in(const char *dir, struct ayb_layout_spool *s, struct ayb_err *err)
{
	memset(s, 0, sizeof(*s));
	s->dir = strdup(dir);
	return spool_fill(s, err);
}

int ayb_layout_spool_of_version(const char *version_dir, struct ayb_layout_spool *s,
				struct ayb_err *err)
{
	/* <data_path>/databases/<e>/<d>/<version>: four components up. */
	char *copy = strdup(version_dir), *cut[4];
	const char *db, *entity;
	int ret = -1;

	memset(s, 0, sizeof(*s));
	if (!copy)
		return ayb_err_oom(err);
	for (int i = 0; i < 4; i++) {
		if (!(cut[i] = strrchr(copy, '/')))
			break;
		*cut[i] = '\0';
	}
	if (!cut[0] || !cut[1] || !cut[2] || !cut[3] || strcmp(cut[3] + 1, DATABASES) != 0) {
		ayb_err_set(err, AYB_E_INTERNAL, "Invalid database path component");
		goto out;
	}
	db = cut[1] + 1;
	entity = cut[2] + 1;
	if (ayb_layout_spool(copy, entity, db, s, err) < 0)
		goto out;
	if (ayb_fs_mkdirs(s->dir, 0700) < 0) {
		io_error(err, errno);
		ayb_layout_spool_free(s);
		goto out;
	}
	ret = 0;
out:
	free(copy);
	return ret;
}

void ayb_layout_spool_sealed_name(int64_t ms, unsigned n, char out[AYB_LAYOUT_SPOOL_NAME])
{
	snprintf(out, AYB_LAYOUT_SPOOL_NAME, "sealed-%013lld-%u", (long long)ms, n);
}

void ayb_layout_spool_base_name(const char *generation, char out[AYB_LAYOUT_SPOOL_NAME])
{
	snprintf(out, AYB_LAYOUT_SPOOL_NAME, "base-%.60s", generation);
}

int ayb_layout_spool_kind(const char *name)
{
	if (strncmp(name, "sealed-", 7) == 0 && !strchr(name, '.'))
		return 's';
	if (strncmp(name, "base-", 5) == 0 && !strchr(name, '.'))
		return 'b';
	return 0;
}

char *ayb_layout_continuous_status(const char *data_path)
{
	return ayb_fmt("%s/%s/status", data_path, CONTINUOUS);
}

char *ayb_layout_shipper_lock(const char *data_path)
{
	char *p = ayb_fmt("%s/%s/shipper.lock", data_path, CONTINUOUS);

	if (p && ayb_fs_mkdirs_for(p, 0700) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

/* `current` is beside the version directory and names it by its canonical
 * path; a fenced database's directory has moved, so its `current` no
 * longer resolves at all. */
int ayb_layout_is_current(const struct ayb_layout_file *f)
{
	const char *slash = strrchr(f->dir, '/');
	char *cur, *now;
	int same;

	if (!slash || !(cur = ayb_fmt("%.*s/current", (int)(slash - f->dir), f->dir)))
		return 0;
	now = realpath(cur, NULL);
	same = now && strcmp(now, f->dir) == 0;
	free(now);
	free(cur);
	return same;
}

/* ---- moves between nodes -------------------------------------------------- */

/* Makes the rename durable: both parent directories are synced. */
static void sync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *parent = slash ? ayb_fmt("%.*s", (int)(slash - path), path) : NULL;
	int fd = parent ? open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(parent);
}

/* Renames from over to (whose parents are made), then syncs both parents. */
static int move_dir(const char *from, const char *to, const char *entity, const char *db,
		    struct ayb_err *err)
{
	if (ayb_fs_mkdirs_for(to, 0700) < 0)
		return io_error(err, errno);
	if (rename(from, to) < 0) {
		if (errno == ENOENT)
			return ayb_err_set(err, AYB_E_MISSING, "%s/%s is not on this node",
					   entity, db);
		return io_error(err, errno);
	}
	sync_parent(from);
	sync_parent(to);
	return 0;
}

/* fenced/<entity>/<db>, or within it the copy of the move at `epoch`. */
static char *fenced_dir(const char *data_path, const char *entity, const char *db,
			int64_t epoch, struct ayb_err *err)
{
	char *dir = database_dir(data_path, FENCED, entity, db, err), *p;

	if (!dir || !epoch)
		return dir;
	if (!(p = ayb_fmt("%s/%lld", dir, (long long)epoch)))
		ayb_err_oom(err);
	free(dir);
	return p;
}

int ayb_layout_fence(const char *data_path, const char *entity, const char *db,
		     int64_t epoch, struct ayb_err *err)
{
	char *live = database_dir(data_path, DATABASES, entity, db, err), *all = NULL;
	char *fenced = NULL;
	struct stat st;
	int ret = -1;

	if (!live || !(all = fenced_dir(data_path, entity, db, 0, err)) ||
	    !(fenced = fenced_dir(data_path, entity, db, epoch, err)))
		goto out;
	if (lstat(live, &st) < 0 || !S_ISDIR(st.st_mode)) {
		ayb_err_set(err, AYB_E_MISSING, "%s/%s is not on this node", entity, db);
		goto out;
	}
	/* Copies of moves that went through: this one is newer. */
	ayb_fs_remove_tree(all);
	ret = move_dir(live, fenced, entity, db, err);
out:
	free(fenced);
	free(all);
	free(live);
	return ret;
}

int ayb_layout_unfence(const char *data_path, const char *entity, const char *db,
		       int64_t epoch, struct ayb_err *err)
{
	char *live = database_dir(data_path, DATABASES, entity, db, err), *fenced = NULL;
	struct stat st;
	int ret = -1;

	if (!live || !(fenced = fenced_dir(data_path, entity, db, epoch, err)))
		goto out;
	if (lstat(live, &st) == 0)
		ret = 0;
	else
		ret = move_dir(fenced, live, entity, db, err) < 0 ? -1 : 1;
out:
	free(fenced);
	free(live);
	return ret;
}

void ayb_layout_fence_discard(const char *data_path, const char *entity, const char *db,
			      int64_t epoch)
{
	struct ayb_err err = { 0 };
	char *fenced = fenced_dir(data_path, entity, db, epoch, &err);
	char *all = epoch ? fenced_dir(data_path, entity, db, 0, &err) : NULL;

	if (fenced)
		ayb_fs_remove_tree(fenced);
	/* The database's directory goes with its last copy. */
	if (all)
		rmdir(all);
	free(all);
	free(fenced);
	ayb_err_clear(&err);
}

/* ---- snapshots ----------------------------------------------------------- */

#define WORK_PREFIX "work."

void ayb_layout_snapshot_free(struct ayb_layout_snapshot *s)
{
	free(s->dir);
	free(s->lock);
	free(s->state);
	free(s->state_tmp);
	memset(s, 0, sizeof(*s));
}

int ayb_layout_snapshot(const char *data_path, const char *entity, const char *db,
			struct ayb_layout_snapshot *s, struct ayb_err *err)
{
	memset(s, 0, sizeof(*s));
	if (!(s->dir = database_dir(data_path, SNAPSHOTS, entity, db, err)) ||
	    !(s->lock = join(s->dir, "lock", err)) ||
	    !(s->state = join(s->dir, "last-run", err)) ||
	    !(s->state_tmp = join(s->dir, "last-run.tmp", err))) {
		ayb_layout_snapshot_free(s);
		return -1;
	}
	return 0;
}

/* Work directories are named work.XXXXXX; one left behind by a run that
 * crashed is removed by the next run of the same database. */
static void remove_stale_work(const char *parent)
{
	char path[PATH_MAX];
	struct dirent **names = NULL;
	int n = scandir(parent, &names, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		if (strncmp(name, WORK_PREFIX, strlen(WORK_PREFIX)) == 0 &&
		    snprintf(path, sizeof(path), "%s/%s", parent, name) < (int)sizeof(path))
			ayb_fs_remove_tree(path);
		free(names[i]);
	}
	free(names);
}

void ayb_layout_work_remove(struct ayb_layout_work *w)
{
	if (w->dir)
		ayb_fs_remove_tree(w->dir);
	free(w->dir);
	free(w->copy);
	free(w->packed);
	memset(w, 0, sizeof(*w));
}

/* The copy's paths are canonical: SQLite opens them with
 * SQLITE_OPEN_NOFOLLOW, which refuses a symlink anywhere in the path, and
 * data_path itself may lie behind one. */
int ayb_layout_work_make(const char *data_path, const char *entity, const char *db,
			 struct ayb_layout_work *w, struct ayb_err *err)
{
	char *parent, *canon = NULL;
	int ret = -1;

	memset(w, 0, sizeof(*w));
	if (!(parent = database_dir(data_path, SNAPSHOTS, entity, db, err)))
		return -1;
	if (ayb_fs_mkdirs(parent, 0700) < 0) {
		ayb_err_set(err, AYB_E_SNAPSHOT, "Cannot create %s: %s", parent,
			    strerror(errno));
		goto out;
	}
	remove_stale_work(parent);
	if (!(w->dir = join(parent, WORK_PREFIX "XXXXXX", err)))
		goto out;
	if (!mkdtemp(w->dir)) {
		ayb_err_set(err, AYB_E_SNAPSHOT, "Cannot create a work directory in %s: %s",
			    parent, strerror(errno));
		free(w->dir);
		w->dir = NULL;
		goto out;
	}
	if (!(canon = realpath(w->dir, NULL))) {
		ayb_err_set(err, AYB_E_SNAPSHOT, "Cannot resolve %s: %s", w->dir,
			    strerror(errno));
		goto out;
	}
	if (!(w->copy = ayb_fmt("%s/%s", canon, db)) ||
	    !(w->packed = ayb_fmt("%s/%s.zst", canon, db))) {
		ayb_err_oom(err);
		goto out;
	}
	ret = 0;
out:
	if (ret < 0)
		ayb_layout_work_remove(w);
	free(canon);
	free(parent);
	return ret;
}

/* ---- exports ---------------------------------------------------------------- */

static int skip_dots(const struct dirent *d);

/* Export directories live while their copy is made; one older than
 * stale_ms was left by a process that died meanwhile. */
static void remove_stale_exports(const char *parent, int64_t stale_ms)
{
	char path[PATH_MAX];
	struct dirent **names = NULL;
	struct stat st;
	time_t before = time(NULL) - (time_t)(stale_ms / 1000);
	int n = scandir(parent, &names, skip_dots, alphasort);

	for (int i = 0; i < n; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", parent, names[i]->d_name) <
		    (int)sizeof(path) && lstat(path, &st) == 0 && st.st_mtime < before)
			ayb_fs_remove_tree(path);
		free(names[i]);
	}
	free(names);
}

int ayb_layout_export_make(const char *data_path, const char *entity, const char *db,
			   const char *suffix, int64_t stale_ms, struct ayb_layout_file *f,
			   struct ayb_err *err)
{
	char *parent, *tmp = NULL;
	int ret = -1;

	memset(f, 0, sizeof(*f));
	if (!(parent = database_dir(data_path, EXPORTS, entity, db, err)))
		return -1;
	if (ayb_fs_mkdirs(parent, 0700) < 0) {
		ayb_err_set(err, AYB_E_INTERNAL, "Cannot create %s: %s", parent, strerror(errno));
		goto out;
	}
	remove_stale_exports(parent, stale_ms);
	if (!(tmp = join(parent, "XXXXXX", err)))
		goto out;
	if (!mkdtemp(tmp)) {
		ayb_err_set(err, AYB_E_INTERNAL, "Cannot create a directory in %s: %s", parent,
			    strerror(errno));
		goto out;
	}
	if (!(f->dir = realpath(tmp, NULL))) {
		io_error(err, errno);
		ayb_fs_remove_tree(tmp);
		goto out;
	}
	if (!(f->path = ayb_fmt("%s/%s%s", f->dir, db, suffix))) {
		ayb_err_oom(err);
		ayb_fs_remove_tree(f->dir);
		goto out;
	}
	ret = 0;
out:
	if (ret < 0)
		ayb_layout_file_free(f);
	free(tmp);
	free(parent);
	return ret;
}

/* ---- profile link checks ------------------------------------------------ */

char *ayb_layout_link_check_lock(const char *data_path, const char *entity,
				 struct ayb_err *err)
{
	char *dir, *lock = NULL;

	if (!component_ok(entity)) {
		ayb_err_set(err, AYB_E_INTERNAL, "Invalid database path component");
		return NULL;
	}
	if (!(dir = join(data_path, LINK_CHECKS, err)))
		return NULL;
	if (ayb_fs_mkdirs(dir, 0700) < 0)
		ayb_err_set(err, AYB_E_INTERNAL, "Cannot create %s: %s", dir, strerror(errno));
	else if (!(lock = ayb_fmt("%s/%s.lock", dir, entity)))
		ayb_err_oom(err);
	free(dir);
	return lock;
}

/* ---- query slots ---------------------------------------------------------- */

char *ayb_layout_slots_file(const char *data_path)
{
	return ayb_fmt("%s/slots.lock", data_path);
}

/* ---- every hosted database ----------------------------------------------- */

struct ayb_layout_iter {
	char *root;                      /* <data_path>/databases */
	struct dirent **ents;            /* entity directories, alphasorted */
	int ne, ei;                      /* how many, and the next one */
	struct dirent **dbs;             /* the current entity's databases */
	int nd, di;                      /* how many (-1: not read yet), the next one */
	/* Sized so that no name can be cut short. */
	char path[PATH_MAX + NAME_MAX + 2];
	char what[2 * NAME_MAX + 2];
	char message[PATH_MAX + 2 * NAME_MAX + 64];
};

static int skip_dots(const struct dirent *d)
{
	return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

static int is_dir(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A directory name that is not a slug was not made by ayb-c. */
static int slug_ok(enum ayb_slug_kind kind, const char *name)
{
	struct ayb_err err = { 0 };
	int ok = ayb_slug_check(kind, name, strlen(name), &err) == 0;

	ayb_err_clear(&err);
	return ok;
}

static void free_names(struct dirent **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int ayb_layout_iter_open(const char *data_path, struct ayb_layout_iter **out,
			 struct ayb_err *err)
{
	struct ayb_layout_iter *it = calloc(1, sizeof(*it));

	*out = NULL;
	if (!it || !(it->root = join(data_path, DATABASES, err))) {
		free(it);
		return ayb_err_oom(err);
	}
	it->nd = -1;
	it->ne = scandir(it->root, &it->ents, skip_dots, alphasort);
	if (it->ne < 0) {
		if (errno != ENOENT) {
			ayb_err_set(err, AYB_E_INTERNAL, "%s: %s", it->root, strerror(errno));
			free(it->root);
			free(it);
			return -1;
		}
		it->ne = 0;
	}
	*out = it;
	return 0;
}

/* Fills e as a stray with it->what and it->message. */
static int stray(struct ayb_layout_iter *it, struct ayb_layout_entry *e, const char *entity,
		 const char *db)
{
	e->kind = AYB_LAYOUT_STRAY;
	e->entity = entity;
	e->db = db;
	e->what = it->what;
	e->message = it->message;
	return 1;
}

int ayb_layout_iter_next(struct ayb_layout_iter *it, struct ayb_layout_entry *e)
{
	memset(e, 0, sizeof(*e));
	while (it->ei < it->ne) {
		const char *entity = it->ents[it->ei]->d_name;

		snprintf(it->path, sizeof(it->path), "%s/%s", it->root, entity);
		if (it->nd < 0) {
			/* The entity is reached for the first time. */
			snprintf(it->what, sizeof(it->what), "%s", entity);
			if (!is_dir(it->path) || !slug_ok(AYB_SLUG_ENTITY, entity)) {
				snprintf(it->message, sizeof(it->message),
					 "Unexpected file where entity directory expected: %s",
					 it->path);
				it->ei++;
				return stray(it, e, entity, NULL);
			}
			it->nd = scandir(it->path, &it->dbs, skip_dots, alphasort);
			it->di = 0;
			if (it->nd < 0) {
				snprintf(it->message, sizeof(it->message), "%s", strerror(errno));
				it->ei++;
				return stray(it, e, entity, NULL);
			}
		}
		if (it->di < it->nd) {
			const char *db = it->dbs[it->di++]->d_name;
			char dbpath[sizeof(it->path) + NAME_MAX + 2];

			snprintf(dbpath, sizeof(dbpath), "%s/%s", it->path, db);
			snprintf(it->what, sizeof(it->what), "%s/%s", entity, db);
			if (!is_dir(dbpath) || !slug_ok(AYB_SLUG_DATABASE, db)) {
				snprintf(it->message, sizeof(it->message),
					 "Unexpected file where database directory expected");
				return stray(it, e, entity, db);
			}
			e->kind = AYB_LAYOUT_DATABASE;
			e->entity = entity;
			e->db = db;
			e->what = it->what;
			return 1;
		}
		free_names(it->dbs, it->nd);
		it->dbs = NULL;
		it->nd = -1;
		it->ei++;
	}
	return 0;
}

void ayb_layout_iter_free(struct ayb_layout_iter *it)
{
	if (!it)
		return;
	if (it->nd >= 0)
		free_names(it->dbs, it->nd);
	free_names(it->ents, it->ne);
	free(it->root);
	free(it);
}
