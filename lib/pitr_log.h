/* The log of continuous backup (README "Snapshots"): one record per commit
 * of a hosted SQLite database, as its writer captured it
 * (lib/pitr_capture.h), spooled, shipped to S3 in segments
 * (lib/pitr_ship.h) and replayed by a restore (lib/pitr_restore.h).
 *
 * A record, little-endian: the AYB_PITR_HEADER bytes of struct
 * ayb_pitr_rec (magic "AYW1", its length, the commit's time, the
 * generation and the generation-wide numbers of its first and last frame,
 * the database's size in pages after the commit, the page size, the WAL's
 * salts and the WAL frame its last frame was), then each frame as its page
 * number (4 bytes) and the page, then the BLAKE2b-256 of everything before.
 * A record cut short or damaged is told by its checksum: a spool's torn
 * tail is cut there.
 *
 * A generation is a base copy of the database and the records after it;
 * its id, "<13-digit Unix ms>-<8 hex digits>", is when the base was taken,
 * so ids sort by time. */
#ifndef AYB_PITR_LOG_H
#define AYB_PITR_LOG_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define AYB_PITR_HEADER 96
#define AYB_PITR_SUM 32
#define AYB_PITR_GEN_LEN 22

/* The log's and the capture state's integers: little-endian, fixed size. */
void ayb_pitr_put32(unsigned char *p, uint32_t v);
void ayb_pitr_put64(unsigned char *p, uint64_t v);
uint32_t ayb_pitr_get32(const unsigned char *p);
uint64_t ayb_pitr_get64(const unsigned char *p);

struct ayb_pitr_rec {
	uint64_t len;            /* the whole record, checksum included */
	int64_t time_ms;         /* the commit's, CLOCK_REALTIME */
	uint64_t first, last;    /* generation-wide frame numbers, from 1 */
	uint32_t db_pages;       /* the database's size after the commit */
	uint32_t page_size;
	uint32_t frames;         /* last - first + 1 */
	uint32_t salt1, salt2;   /* the WAL's, when captured */
	uint32_t wal_last;       /* the WAL frame the last frame was */
	char gen[AYB_PITR_GEN_LEN + 1];
};

/* The header of r (whose len is set from frames and page_size here). */
void ayb_pitr_rec_encode(struct ayb_pitr_rec *r, unsigned char h[AYB_PITR_HEADER]);

/* 1 when gen has the shape of a generation id. */
int ayb_pitr_gen_valid(const char *gen);
/* A new generation id for a base taken at now_ms; out has room for
 * AYB_PITR_GEN_LEN + 1 bytes. */
void ayb_pitr_gen_make(int64_t now_ms, char *out);
/* The time a generation id says its base was taken. */
int64_t ayb_pitr_gen_ms(const char *gen);

/* Reads the record at *at in fd (a spool file or a downloaded segment of
 * `size` bytes), checking its checksum.  1: *r is the record, its frames
 * start at *at + AYB_PITR_HEADER and *at is moved past it; 0: the end, or
 * a record cut short or damaged there (*at stays at its start); -1 with
 * err on a read error. */
int ayb_pitr_read(int fd, off_t size, off_t *at, struct ayb_pitr_rec *r, struct ayb_err *err);

/* Frame i (from 0) of the record whose frames start at `frames`: its page
 * number, and the page into page (r->page_size bytes).  0, or -1 with err. */
int ayb_pitr_frame(int fd, off_t frames, const struct ayb_pitr_rec *r, uint32_t i,
		   uint32_t *pgno, unsigned char *page, struct ayb_err *err);

#endif
