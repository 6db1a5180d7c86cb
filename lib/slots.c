/* Query slots: for a cap of n, slot files 0 .. n-1, each held by at most
 * one query at a time with flock(LOCK_EX | LOCK_NB).  An flock belongs to
 * an open file description, so two threads of one process that open the
 * same slot file exclude each other like two processes do. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "fs.h"
#include "layout.h"
#include "slots.h"

/* Opens slot file n of the cap, creating it (and its directory, 0700) when
 * missing.  The descriptor is close-on-exec: a query worker started meanwhile
 * must not keep the lock alive. */
static int open_slot(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0 && errno == ENOENT && ayb_fs_mkdirs_for(path, 0700) == 0)
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	return fd;
}

/* A free slot of the cap of `cap` slots of entity (db NULL) or entity/db:
 * 1 with *fd holding it, 0 when every slot is taken, -1 with err. */
static int take_one(const char *data_path, const char *entity, const char *db, int64_t cap,
		    int *fd, struct ayb_err *err)
{
	for (int64_t n = 0; n < cap; n++) {
		char *path = ayb_layout_slot_file(data_path, entity, db, (int)n, err);
		int e;

		if (!path)
			return -1;
		*fd = open_slot(path);
		e = errno;
		free(path);
		if (*fd < 0)
			return ayb_err_set(err, AYB_E_INTERNAL, "Query slots unavailable: %s",
					   strerror(e));
		if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
			return 1;
		e = errno;
		close(*fd);
		*fd = -1;
		if (e != EWOULDBLOCK)
			return ayb_err_set(err, AYB_E_INTERNAL, "Query slots unavailable: %s",
					   strerror(e));
	}
	return 0;
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
			ayb_err_set(err, AYB_E_TOO_MANY,
				    "Too many queries at once: %s already has %lld running "
				    "(the server's limit per entity); try again shortly",
				    caller, (long long)iso->max_queries_per_entity);
		if (rc <= 0)
			return -1;
	}
	if (iso->max_queries_per_database > 0) {
		rc = take_one(data_path, owner, db, iso->max_queries_per_database,
			      &s->database_fd, err);
		if (rc == 0)
			ayb_err_set(err, AYB_E_TOO_MANY,
				    "Too many queries at once: database %s/%s already has %lld "
				    "running (the server's limit per database); try again shortly",
				    owner, db, (long long)iso->max_queries_per_database);
		if (rc <= 0) {
			ayb_slots_release(s);
			return -1;
		}
	}
	return 0;
}

void ayb_slots_release(struct ayb_slots *s)
{
	/* Closing the only descriptor of the open file releases its flock. */
	if (s->entity_fd >= 0)
		close(s->entity_fd);
	if (s->database_fd >= 0)
		close(s->database_fd);
	s->entity_fd = s->database_fd = -1;
}
