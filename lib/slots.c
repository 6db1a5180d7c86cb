/* Query slots: for a cap of n, slots 0 .. n-1 of an entity's or a
 * database's cap, each one byte of a single lock file per data_path
 * (<data_path>/slots.lock, lib/layout.c), held by at most one query at a
 * time with a POSIX record lock (fcntl F_SETLK) on that byte.  The byte's
 * offset is a 62-bit BLAKE2b hash of the cap's name and the slot's number;
 * a lock may lie past the end of a file, so the file stays empty: a full
 * disk never keeps a query from its slot, and nothing piles up per tenant.
 * Not flock: an flock belongs to the open file description, which a query
 * worker that another thread is starting shares until its exec, so a
 * released slot could stay taken while that child waits for a CPU.  A
 * record lock belongs to the process and is never inherited; but then the
 * threads of one process do not exclude each other, and closing any
 * descriptor of the file would drop every lock the process holds on it.
 * So each process opens the file once and keeps it, and lists the slots it
 * holds, under a mutex. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "disk.h"
#include "layout.h"
#include "slots.h"

#define MAX_FILES 8   /* data paths kept open: as many as a process's sites */

struct held {
	int fd;
	int64_t off;
	struct held *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char *path;
	int fd;
} files[MAX_FILES];
static size_t nfiles;
static struct held *held;

static int held_on(int fd)
{
	for (struct held *h = held; h; h = h->next)
		if (h->fd == fd)
			return 1;
	return 0;
}

/* A free entry of `files`: an unused one, else one whose file holds no slot
 * of this process (closing it then drops no lock), closed.  MAX_FILES when
 * every file holds a slot.  Called with `lock`. */
static size_t free_file(void)
{
	if (nfiles < MAX_FILES)
		return nfiles++;
	for (size_t i = 0; i < MAX_FILES; i++)
		if (!held_on(files[i].fd)) {
			close(files[i].fd);
			free(files[i].path);
			return i;
		}
	return MAX_FILES;
}

/* The lock file of data_path, opened once and kept while this process
 * holds a slot in it (created 0600 when missing; close-on-exec, so no
 * worker keeps it): its descriptor, or -1 with errno.  Called with `lock`. */
static int lock_file(const char *data_path)
{
	char *path;
	size_t i;
	int fd;

	for (i = 0; i < nfiles; i++)
		if (files[i].path && strcmp(files[i].path, data_path) == 0)
			return files[i].fd;
	if (!(path = ayb_layout_slots_file(data_path))) {
		errno = ENOMEM;
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	free(path);
	if (fd < 0)
		return -1;
	if ((i = free_file()) == MAX_FILES) {
		close(fd);
		errno = EMFILE;
		return -1;
	}
	files[i].fd = fd;
	if (!(files[i].path = strdup(data_path))) {
		/* The entry stays free: no path matches it. */
		close(fd);
		files[i].fd = -1;
		errno = ENOMEM;
		return -1;
	}
	return fd;
}

/* Slot n of the cap named by entity (db NULL) or entity/db: its byte. */
static int64_t slot_offset(const char *entity, const char *db, int64_t n)
{
	crypto_generichash_state st;
	unsigned char h[8];
	uint64_t v = 0;

	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)(db ? "d" : "e"), 2);
	crypto_generichash_update(&st, (const unsigned char *)entity, strlen(entity) + 1);
	if (db)
		crypto_generichash_update(&st, (const unsigned char *)db, strlen(db) + 1);
	crypto_generichash_update(&st, (const unsigned char *)&n, sizeof(n));
	crypto_generichash_final(&st, h, sizeof(h));
	for (size_t i = 0; i < sizeof(h); i++)
		v = v << 8 | h[i];
	return (int64_t)(v >> 2);
}

static int held_here(int fd, int64_t off)
{
	for (struct held *h = held; h; h = h->next)
		if (h->fd == fd && h->off == off)
			return 1;
	return 0;
}

/* Locks byte `off` of fd for this process: 1 with it listed in `held`, 0
 * when a thread here or another process holds it, -1 with errno.  Called
 * with `lock`. */
static int lock_slot(int fd, int64_t off)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = off, .l_len = 1 };
	struct held *h;

	if (held_here(fd, off))
		return 0;
	if (fcntl(fd, F_SETLK, &fl) < 0)
		return errno == EAGAIN || errno == EACCES ? 0 : -1;
	if (!(h = malloc(sizeof(*h)))) {
		fl.l_type = F_UNLCK;
		fcntl(fd, F_SETLK, &fl);
		errno = ENOMEM;
		return -1;
	}
	h->fd = fd;
	h->off = off;
	h->next = held;
	held = h;
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
 * 1 with *slot holding it, 0 when every slot is taken, -1 with err. */
static int take_one(const char *data_path, const char *entity, const char *db, int64_t cap,
		    struct ayb_slot *slot, struct ayb_err *err)
{
	int rc = 0, fd;

	pthread_mutex_lock(&lock);
	if ((fd = lock_file(data_path)) >= 0) {
		for (int64_t n = 0; n < cap && rc == 0; n++) {
			slot->off = slot_offset(entity, db, n);
			rc = lock_slot(fd, slot->off);
		}
	}
	pthread_mutex_unlock(&lock);
	if (fd < 0 || rc < 0) {
		if (ayb_disk_full_errno(errno))
			ayb_disk_full_error(err, "the database");
		else
			ayb_err_set(err, AYB_E_INTERNAL, "Query slots unavailable: %s",
				    strerror(errno));
		return -1;
	}
	if (rc == 1)
		slot->fd = fd;
	return rc;
}

int ayb_slots_take(const char *data_path, const struct ayb_isolation_config *iso,
		   const char *caller, const char *owner, const char *db, struct ayb_slots *s,
		   struct ayb_err *err)
{
	int rc;

	s->entity.fd = s->database.fd = -1;
	if (caller && iso->max_queries_per_entity > 0) {
		rc = take_one(data_path, caller, NULL, iso->max_queries_per_entity, &s->entity,
			      err);
		if (rc == 0)
			over_cap(err, "%s already has %lld running (the server's limit per entity)",
				 caller, (long long)iso->max_queries_per_entity);
		if (rc <= 0)
			return -1;
	}
	if (iso->max_queries_per_database > 0) {
		rc = take_one(data_path, owner, db, iso->max_queries_per_database,
			      &s->database, err);
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

static void release_one(struct ayb_slot *slot)
{
	struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = slot->off,
			    .l_len = 1 };
	struct held **p, *h;

	if (slot->fd < 0)
		return;
	pthread_mutex_lock(&lock);
	for (p = &held; (h = *p) && !(h->fd == slot->fd && h->off == slot->off); p = &h->next)
		;
	if (h) {
		*p = h->next;
		fcntl(h->fd, F_SETLK, &fl);
		free(h);
	}
	pthread_mutex_unlock(&lock);
	slot->fd = -1;
}

void ayb_slots_release(struct ayb_slots *s)
{
	release_one(&s->entity);
	release_one(&s->database);
}
