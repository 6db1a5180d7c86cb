/* Query slots: for a cap of n, slot files 0 .. n-1, each held by at most
 * one query at a time with a POSIX record lock (fcntl F_SETLK) on the whole
 * file.  Not flock: an flock belongs to the open file description, which a
 * query worker that another thread is starting shares until its exec, so a
 * released slot could stay taken for as long as that child waits for a CPU.
 * A record lock belongs to the process and is never inherited; but then the
 * threads of one process do not exclude each other, and closing any
 * descriptor of a file drops the process's lock on it.  So the slots this
 * process holds are listed here, under a mutex: a listed slot is taken, and
 * a slot file is only ever open once in the process. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "fs.h"
#include "layout.h"
#include "slots.h"

struct held {
	char *path;
	int fd;
	struct held *next;
};

static pthread_mutex_t held_lock = PTHREAD_MUTEX_INITIALIZER;
static struct held *held;

static int held_here(const char *path)
{
	for (struct held *h = held; h; h = h->next)
		if (strcmp(h->path, path) == 0)
			return 1;
	return 0;
}

/* Opens slot file `path`, creating it (and its directory, 0700) when
 * missing; close-on-exec, so no worker program keeps it. */
static int open_slot(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0 && errno == ENOENT && ayb_fs_mkdirs_for(path, 0700) == 0)
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	return fd;
}

/* Locks slot file `path` for this process: 1 with its descriptor listed in
 * `held` (path taken over), 0 when a thread here or another process holds
 * it, -1 with errno.  Called with held_lock. */
static int lock_slot(char **path, int *fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	struct held *h;
	int e;

	if (held_here(*path))
		return 0;
	if ((*fd = open_slot(*path)) < 0)
		return -1;
	if (fcntl(*fd, F_SETLK, &fl) < 0) {
		e = errno;
		close(*fd); /* this process held no lock on it to lose */
		*fd = -1;
		errno = e;
		return e == EAGAIN || e == EACCES ? 0 : -1;
	}
	if (!(h = malloc(sizeof(*h)))) {
		close(*fd);
		*fd = -1;
		errno = ENOMEM;
		return -1;
	}
	h->path = *path;
	h->fd = *fd;
	h->next = held;
	held = h;
	*path = NULL;
	return 1;
}

/* Over a cap: 429 "Too many queries at once: <why>; try again shortly".
 * A cap holds only while queries run, so one second is a fair first wait. */
static __attribute__((format(printf, 2, 3))) void over_cap(struct ayb_err *err,
							  const char *fmt, ...)
{
	va_list ap;
	char *why;

	va_start(ap, fmt);
	why = ayb_vfmt(fmt, ap);
	va_end(ap);
	if (!why) {
		ayb_err_oom(err);
		return;
	}
	ayb_err_set(err, AYB_E_RATE_LIMITED, "Too many queries at once: %s; try again shortly",
		    why);
	err->retry_after = 1;
	free(why);
}

/* A free slot of the cap of `cap` slots of entity (db NULL) or entity/db:
 * 1 with *fd holding it, 0 when every slot is taken, -1 with err. */
static int take_one(const char *data_path, const char *entity, const char *db, int64_t cap,
		    int *fd, struct ayb_err *err)
{
	int rc = 0;

	for (int64_t n = 0; n < cap && rc == 0; n++) {
		char *path = ayb_layout_slot_file(data_path, entity, db, (int)n, err);

		if (!path)
			return -1;
		pthread_mutex_lock(&held_lock);
		rc = lock_slot(&path, fd);
		pthread_mutex_unlock(&held_lock);
		if (rc < 0)
			ayb_err_set(err, AYB_E_INTERNAL, "Query slots unavailable: %s",
				    strerror(errno));
		free(path);
	}
	return rc;
}

int ayb_slots_take(const char *data_path, const struct ayb_isolation_config *iso,
		   const char *caller, const char *owner, const char *db, struct ayb_slots *s,
		   struct ayb_err *err)
{
	int rc;

	s->entity_fd = s->database_fd = -1;
	if (caller && iso->max_queries_per_entity > 0) {
		rc = take_one(data_path, caller, NULL, iso->max_queries_per_entity, &s->entity_fd,
			      err);
		if (rc == 0)
			over_cap(err, "%s already has %lld running (the server's limit per entity)",
				 caller, (long long)iso->max_queries_per_entity);
		if (rc <= 0)
			return -1;
	}
	if (iso->max_queries_per_database > 0) {
		rc = take_one(data_path, owner, db, iso->max_queries_per_database,
			      &s->database_fd, err);
		if (rc == 0)
			over_cap(err,
				 "database %s/%s already has %lld running (the server's limit per "
				 "database)",
				 owner, db, (long long)iso->max_queries_per_database);
		if (rc <= 0) {
			ayb_slots_release(s);
			return -1;
		}
	}
	return 0;
}

/* Closing the slot's only descriptor in this process releases its lock. */
static void release_one(int fd)
{
	struct held **p, *h;

	if (fd < 0)
		return;
	pthread_mutex_lock(&held_lock);
	for (p = &held; (h = *p) && h->fd != fd; p = &h->next)
		;
	if (h) {
		*p = h->next;
		close(h->fd);
		free(h->path);
		free(h);
	}
	pthread_mutex_unlock(&held_lock);
}

void ayb_slots_release(struct ayb_slots *s)
{
	release_one(s->entity_fd);
	release_one(s->database_fd);
	s->entity_fd = s->database_fd = -1;
}
