/* Continuous backup's records (lib/pitr_log.h): a record written as the
 * writer writes it reads back whole with its frames; a record cut short or
 * with a flipped byte reads as the end, where a spool's torn tail is cut;
 * generation ids. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "pitr_log.h"
#include "tap.h"

#define PS 512

/* Appends one record of `frames` pages (page i filled with its number)
 * to fd, as lib/pitr_capture.c lays it out. */
static void put_record(int fd, uint64_t first, uint32_t frames, int64_t t)
{
	struct ayb_pitr_rec r = { 0 };
	unsigned char h[AYB_PITR_HEADER], sum[AYB_PITR_SUM], page[4 + PS];
	crypto_generichash_state st;

	r.time_ms = t;
	r.first = first;
	r.frames = frames;
	r.last = first + frames - 1;
	r.db_pages = frames;
	r.page_size = PS;
	memcpy(r.gen, "1764748800000-0000abcd", AYB_PITR_GEN_LEN + 1);
	ayb_pitr_rec_encode(&r, h);
	crypto_generichash_init(&st, NULL, 0, AYB_PITR_SUM);
	crypto_generichash_update(&st, h, sizeof(h));
	if (write(fd, h, sizeof(h)) != (ssize_t)sizeof(h))
		abort();
	for (uint32_t i = 0; i < frames; i++) {
		uint32_t pgno = i + 1;

		memcpy(page, &pgno, 4); /* little-endian hosts only, as the tests run */
		memset(page + 4, (int)pgno, PS);
		crypto_generichash_update(&st, page, sizeof(page));
		if (write(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
			abort();
	}
	crypto_generichash_final(&st, sum, sizeof(sum));
	if (write(fd, sum, sizeof(sum)) != (ssize_t)sizeof(sum))
		abort();
}

int main(void)
{
	char path[] = "/tmp/ayb-pitr-log-XXXXXX", gen[AYB_PITR_GEN_LEN + 1];
	struct ayb_err err = { 0 };
	struct ayb_pitr_rec r;
	unsigned char page[PS], byte;
	uint32_t pgno;
	off_t at = 0, size, first_len;
	int fd = mkstemp(path);

	if (fd < 0 || sodium_init() < 0)
		return 1;
	put_record(fd, 1, 3, 1000);
	put_record(fd, 4, 2, 2000);
	size = lseek(fd, 0, SEEK_END);
	ok(ayb_pitr_read(fd, size, &at, &r, &err) == 1, "the first record reads back");
	ok(r.first == 1 && r.last == 3 && r.frames == 3 && r.time_ms == 1000 &&
	   r.page_size == PS && strcmp(r.gen, "1764748800000-0000abcd") == 0,
	   "with its header");
	ok(ayb_pitr_frame(fd, at - (off_t)r.len + AYB_PITR_HEADER, &r, 2, &pgno, page, &err) == 0 &&
	   pgno == 3 && page[0] == 3 && page[PS - 1] == 3, "and its frames");
	ok(ayb_pitr_read(fd, size, &at, &r, &err) == 1 && r.first == 4 && r.last == 5,
	   "the second follows");
	ok(ayb_pitr_read(fd, size, &at, &r, &err) == 0 && at == size, "then the end");

	/* A torn tail: the second record cut short. */
	at = 0;
	ok(ayb_pitr_read(fd, size - 10, &at, &r, &err) == 1, "before a torn tail, a whole record");
	first_len = at;
	ok(ayb_pitr_read(fd, size - 10, &at, &r, &err) == 0 && at == first_len,
	   "a record cut short reads as the end, where the spool is cut");
	/* A flipped byte inside the second record's page. */
	if (pread(fd, &byte, 1, size - 100) != 1)
		return 1;
	byte ^= 1;
	if (pwrite(fd, &byte, 1, size - 100) != 1)
		return 1;
	at = 0;
	ok(ayb_pitr_read(fd, size, &at, &r, &err) == 1 &&
	   ayb_pitr_read(fd, size, &at, &r, &err) == 0,
	   "a damaged record fails its checksum and reads as the end");
	/* A header that makes no sense is not believed. */
	byte = 0xff;
	if (pwrite(fd, &byte, 1, 40 + 3) != 1)
		return 1;
	at = 0;
	ok(ayb_pitr_read(fd, size, &at, &r, &err) == 0 && at == 0, "nor is a header out of range");

	ayb_pitr_gen_make(1764748800123LL, gen);
	ok(ayb_pitr_gen_valid(gen) && ayb_pitr_gen_ms(gen) == 1764748800123LL,
	   "a generation id says when its base was taken: %s", gen);
	ok(!ayb_pitr_gen_valid("1764748800123-0000ABCD") && !ayb_pitr_gen_valid("x") &&
	   !ayb_pitr_gen_valid("17647488001230-000abcd"), "ids of other shapes are refused");
	close(fd);
	unlink(path);
	ayb_err_clear(&err);
	return tap_done();
}
