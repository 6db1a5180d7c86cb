/* Continuous backup's shipper (README "Snapshots"): `ayb-snapshot
 * --continuous`, a long-lived process that `ayb server` starts beside
 * lighttpd.  Every sync_interval it seals each database's open spool
 * (renames it under the spool's lock, so the writer starts a new one),
 * then uploads, oldest first, the generations' bases and the sealed files
 * as zstd segments (lib/pitr_remote.h), and deletes each local file once
 * its upload is done.  A failed upload leaves everything in place, in
 * order, for the next pass; one killed part-way uploads the same keys
 * again: no gap, no duplicate.  Retention drops the generations wholly
 * older than the window. */
#ifndef AYB_PITR_SHIP_H
#define AYB_PITR_SHIP_H

#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "error.h"
#include "s3.h"

struct ayb_pitr_ship {
	const struct ayb_config *cfg;
	struct ayb_s3 *s3;
	FILE *log;                /* warnings and failures */
	int64_t pruned_at_ms;     /* the last retention pass */
	int64_t warned_at_ms;     /* the last spool_limit warning */
	uint64_t waiting;         /* spool bytes left after the last pass */
	int uploaded;             /* objects, over the process's life */
	int failed;               /* the last pass failed */
	char error[400];          /* its failure */
};

/* Ships one database's spool.  0, or -1 with err at the first failure
 * (what is left stays for the next pass). */
int ayb_pitr_ship_one(struct ayb_pitr_ship *p, const char *entity, const char *db,
		      struct ayb_err *err);

/* A pass over every hosted database, stopping at the first failure; then
 * retention (once a minute), the spool_limit warning and the status file
 * that /health reads.  0, or -1 when something failed (p->error). */
int ayb_pitr_ship_all(struct ayb_pitr_ship *p);

/* Drops the database's generations wholly older than now - retention,
 * always keeping the newest whose base is at or before that. */
int ayb_pitr_prune(struct ayb_pitr_ship *p, const char *entity, const char *db,
		   int64_t now_ms, struct ayb_err *err);

/* What /health says of continuous backup from the status file: NULL when
 * all is well (or it is off), else a message the caller frees. */
char *ayb_pitr_health(const char *data_path);

/* Takes the host's shipper lock (one shipper per data_path): its fd, or
 * -1 when another shipper holds it (err says so). */
int ayb_pitr_ship_lock(const char *data_path, struct ayb_err *err);

#endif
