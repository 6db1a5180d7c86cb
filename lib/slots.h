/* Caps on the queries that run at once, per entity (the caller) and per
 * database, across every process of a server that shares data_path
 * (README "Isolation").  A query holds one slot of each: a lock on a byte
 * of <data_path>/slots.lock, which the kernel releases when the process
 * holding it dies, so a crash never leaks a slot.  Thread-safe. */
#ifndef AYB_SLOTS_H
#define AYB_SLOTS_H

#include <stdint.h>

#include "config.h"
#include "error.h"

struct ayb_slot {
	int fd;                  /* the lock file's; -1: none held */
	int64_t off;             /* the slot's byte */
};

struct ayb_slots {
	struct ayb_slot entity, database;
};

/* Takes a free slot of `caller`'s cap (NULL: an anonymous caller, no
 * entity cap) and of database owner/db's, as iso's max_queries_per_entity
 * and max_queries_per_database allow (0: no cap).  Returns 0 with *s to
 * release with ayb_slots_release, or -1 with err (429 when every slot of a
 * cap is taken, 507 on a full disk that leaves no room for the lock file,
 * 500 when it cannot be used) and nothing held. */
int ayb_slots_take(const char *data_path, const struct ayb_isolation_config *iso,
		   const char *caller, const char *owner, const char *db, struct ayb_slots *s,
		   struct ayb_err *err);
void ayb_slots_release(struct ayb_slots *s);

#endif
