/* The first look at a file to import (lib/import_check.c): a pure function
 * of its header and size. */
#include "autoconfig.h"

#include <string.h>

#include "import_check.h"
#include "tap.h"

static unsigned char head[AYB_IMPORT_HEADER];

/* A header of `pages` pages of 4096 bytes, with a current change counter. */
static void make(uint32_t pages)
{
	memset(head, 0, sizeof(head));
	memcpy(head, "SQLite format 3", 16);
	head[16] = 0x10;
	head[27] = 7;   /* change counter 7 */
	head[28] = (unsigned char)(pages >> 24);
	head[29] = (unsigned char)(pages >> 16);
	head[30] = (unsigned char)(pages >> 8);
	head[31] = (unsigned char)pages;
	head[95] = 7;   /* version-valid-for 7 */
}

static int check(size_t n, uint64_t size, const char *want)
{
	struct ayb_err err = { 0 };
	int rc = ayb_import_header_check(head, n, size, &err);
	int pass = want ? rc < 0 && err.message && strcmp(err.message, want) == 0 : rc == 0;

	if (!pass)
		printf("#   got: %s\n", err.message ? err.message : "(accepted)");
	ayb_err_clear(&err);
	return pass;
}

int main(void)
{
	make(3);
	ok(check(100, 3 * 4096, NULL), "a whole file is accepted");
	ok(check(0, 0, "The file is empty: it is not an SQLite database"), "an empty file");
	ok(check(50, 50, "The file is not an SQLite database"), "a file shorter than a header");
	head[0] = 'X';
	ok(check(100, 3 * 4096, "The file is not an SQLite database"), "another magic");
	make(3);
	head[16] = 0x03;
	ok(check(100, 3 * 4096, "The file is not an SQLite database: its page size is invalid"),
	   "a page size that is no power of two");
	make(3);
	ok(check(100, 3 * 4096 - 10,
		 "The file is truncated: 12278 bytes is not a whole number of 4096-byte pages"),
	   "a file cut inside a page");
	ok(check(100, 2 * 4096,
		 "The file is truncated or damaged: its header says 3 pages of 4096 bytes, it "
		 "holds 2"), "a file cut at a page boundary");
	make(0xfffffff0u);
	ok(check(100, 4096,
		 "The file is truncated or damaged: its header says 4294967280 pages of 4096 "
		 "bytes, it holds 1"), "a huge page count");
	head[95] = 6;
	ok(check(100, 4096, NULL), "a stale page count is SQLite's to ignore");
	make(1);
	head[16] = 0;
	head[17] = 1;
	ok(check(100, 65536, NULL), "page size 1 means 65536: one page is whole");
	ok(check(100, 4096, "The file is truncated: 4096 bytes is not a whole number of "
		 "65536-byte pages"), "and 4096 bytes are not");
	return tap_done();
}
