/* Import: a database file, or an SQL dump, sent by a caller who may manage
 * the database, replaces it whole (README "The HTTP API": import).  The
 * bytes are untrusted: they are written to a new version directory as they
 * arrive (never whole in memory, never past the size limit), the header
 * is read before SQLite ever opens the file, the integrity and schema
 * checks (or, for a dump, the statements themselves) run in a sandboxed
 * worker, and only a file that passed is swapped in, the way a snapshot
 * restore is.  On any failure the new directory goes and the live database
 * is untouched. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "fs.h"
#include "disk.h"
#include "engine.h"
#include "import_check.h"
#include "slots.h"
#include "swap_in.h"
#include "worker.h"

#define CHUNK (64u * 1024)

/* The upload, written to path as it is read: at most `limit` bytes, the
 * first AYB_IMPORT_HEADER kept in head. */
struct upload {
	unsigned char head[AYB_IMPORT_HEADER];
	size_t headn;
	uint64_t size;
};

static int receive(const char *path, ayb_app_read_fn *read, void *rctx, uint64_t limit,
		   struct upload *u, struct ayb_err *err)
{
	char *buf = malloc(CHUNK);
	int fd = -1, ret = -1;
	long got;

	memset(u, 0, sizeof(*u));
	if (!buf)
		return ayb_err_oom(err);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
		ayb_err_set(err, AYB_E_INTERNAL, "Cannot create the imported file: %s",
			    strerror(errno));
		goto out;
	}
	while ((got = read(rctx, buf, CHUNK, err)) > 0) {
		if (u->headn < AYB_IMPORT_HEADER) {
			size_t n = AYB_IMPORT_HEADER - u->headn < (size_t)got
				   ? AYB_IMPORT_HEADER - u->headn
				   : (size_t)got;
			memcpy(u->head + u->headn, buf, n);
			u->headn += n;
		}
		u->size += (uint64_t)got;
		if (u->size > limit) {
			ayb_err_set(err, AYB_E_INVALID,
				    "The file is larger than the server allows (%llu MiB)",
				    (unsigned long long)(limit >> 20));
			goto out;
		}
		if (ayb_fs_write_all(fd, buf, (size_t)got) < 0) {
			ayb_err_set(err,
				    ayb_disk_full_errno(errno) ? AYB_E_DISK_FULL : AYB_E_INTERNAL,
				    "Cannot write the imported file: %s", strerror(errno));
			goto out;
		}
	}
	if (got < 0)
		goto out;
	if (fsync(fd) < 0) {
		ayb_err_set(err, AYB_E_INTERNAL, "Cannot write the imported file: %s",
			    strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

/* What the worker said about the file, said for an import: SQLite's words
 * about the file are the file's fault (400); a refusal by the guards or an
 * SQL error in a dump is the dump's (400); a limit keeps its 400; the
 * server's own trouble keeps its class. */
static int import_failed(struct ayb_err *err, const char *what)
{
	switch (err->kind) {
	case AYB_E_SNAPSHOT:
	case AYB_E_FORBIDDEN:
	case AYB_E_NO_WRITE:
		err->kind = AYB_E_INVALID;
		break;
	default:
		break;
	}
	if (err->kind != AYB_E_INVALID)
		return ayb_err_prefix(err, "The import stopped");
	return ayb_err_prefix(err, "%s", what);
}

/* A file, or a dump loaded into a new file, checked and swapped in. */
static int import_into(struct ayb_app_ctx *ctx, const struct ayb_app_target *t, int sql,
		       const char *vdir, ayb_app_read_fn *read, void *rctx, struct ayb_err *err)
{
	const struct ayb_isolation_config *iso = &ctx->cfg->isolation;
	struct ayb_layout_file f = { 0 };
	struct upload u;
	char *script = NULL;
	int ret = -1;

	f.dir = (char *)vdir;
	f.db_type = t->db.db_type;
	if (!(f.path = ayb_layout_version_file(vdir, t->db.slug, err)))
		goto out;
	if (!(f.shown = ayb_layout_version_shown(vdir, t->owner.slug, t->db.slug)) ||
	    (sql && !(script = ayb_fmt("%s.import.sql", f.path)))) {
		ayb_err_oom(err);
		goto out;
	}
	if (receive(sql ? script : f.path, read, rctx, (uint64_t)iso->max_file_size_mb << 20, &u,
		    err) < 0)
		goto out;
	if (sql) {
		if (ayb_worker_load(iso, &f, script, err) < 0) {
			import_failed(err, "The SQL dump was not imported");
			goto out;
		}
		unlink(script);
	} else if (f.db_type == AYB_DB_DUCKDB) {
		/* A DuckDB database takes a DuckDB file, which its check then
		 * opens (README "DuckDB databases"). */
		if (ayb_engine_of_file(f.path) != AYB_DB_DUCKDB) {
			ayb_err_set(err, AYB_E_INVALID,
				    "The file is not a DuckDB database: %s is a DuckDB database",
				    t->name);
			goto out;
		}
	} else if (ayb_import_header_check(u.head, u.headn, u.size, err) < 0) {
		goto out;
	}
	if (ayb_worker_vet(iso, &f, err) < 0) {
		import_failed(err, err->kind != AYB_E_SNAPSHOT ? "The file was not imported" :
				   f.db_type == AYB_DB_DUCKDB ?
				   "The file is not an intact DuckDB database" :
				   "The file is not an intact SQLite database");
		goto out;
	}
	ret = ayb_swap_in(ctx->cfg, t->owner.slug, t->db.slug, vdir, err);
out:
	free(script);
	free(f.path);
	free(f.shown);
	return ret;
}

int ayb_app_import(struct ayb_app_ctx *ctx, const struct ayb_app_caller *a,
		   const struct ayb_app_target *t, int sql, ayb_app_read_fn *read, void *rctx,
		   struct ayb_err *err)
{
	struct ayb_slots slots;
	char *vdir = NULL;
	int ret = -1;

	if (!ayb_perm_can_import(&t->caller, &t->db))
		return ayb_err_set(err, AYB_E_FORBIDDEN,
				   "Authenticated entity %s can't import into database %s",
				   a->entity.slug, t->name);
	/* The slots are held from the first byte: each import in flight may
	 * hold a file of max_file_size_mb on disk, and the caps on queries at
	 * once bound how many one tenant, or one database, can have. */
	if (ayb_slots_take(ctx->cfg->data_path, &ctx->cfg->isolation, a->entity.slug,
			   t->owner.slug, t->db.slug, &slots, err) < 0)
		return -1;
	if (ayb_layout_new_version(ctx->cfg->data_path, t->owner.slug, t->db.slug, &vdir,
				   err) == 0)
		ret = import_into(ctx, t, sql, vdir, read, rctx, err);
	if (ret < 0 && vdir)
		ayb_fs_remove_tree(vdir);
	free(vdir);
	ayb_slots_release(&slots);
	return ret;
}
