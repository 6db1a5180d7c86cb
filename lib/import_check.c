#include "autoconfig.h"

#include <string.h>

#include "import_check.h"

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int ayb_import_header_check(const unsigned char *head, size_t n, uint64_t size,
			    struct ayb_err *err)
{
	static const char magic[16] = "SQLite format 3";
	uint32_t page, pages;

	if (size == 0)
		return ayb_err_set(err, AYB_E_INVALID,
				   "The file is empty: it is not an SQLite database");
	if (n < AYB_IMPORT_HEADER || memcmp(head, magic, sizeof(magic)) != 0)
		return ayb_err_set(err, AYB_E_INVALID, "The file is not an SQLite database");
	page = (uint32_t)head[16] << 8 | head[17];
	if (page == 1)
		page = 65536;
	if (page < 512 || (page & (page - 1)) != 0)
		return ayb_err_set(err, AYB_E_INVALID,
				   "The file is not an SQLite database: its page size is invalid");
	if (size % page != 0)
		return ayb_err_set(err, AYB_E_INVALID,
				   "The file is truncated: %llu bytes is not a whole number of %u-byte pages",
				   (unsigned long long)size, page);
	/* The page count in the header counts only when the change counter
	 * it was written with is current (SQLite's own rule); a file that
	 * holds fewer pages than it says was cut short, one that holds more
	 * was put together by hand. */
	pages = be32(head + 28);
	if (pages && be32(head + 92) == be32(head + 24) && (uint64_t)pages * page != size)
		return ayb_err_set(err, AYB_E_INVALID,
				   "The file is truncated or damaged: its header says %u pages of %u bytes, it holds %llu",
				   pages, page, (unsigned long long)(size / page));
	return 0;
}
