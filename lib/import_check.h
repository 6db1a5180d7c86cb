/* The first look at a database file sent for import (README "The HTTP
 * API": import), before any of SQLite reads it: a pure function of the
 * header and the size, so a file that is no database, is cut short or
 * claims more pages than it holds is refused with words that say so.  The
 * integrity and schema checks come after, in a worker (lib/hosted_vet.h). */
#ifndef AYB_IMPORT_CHECK_H
#define AYB_IMPORT_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define AYB_IMPORT_HEADER 100

/* head: the first n bytes of the file (n = min(size, AYB_IMPORT_HEADER));
 * size: the whole file's.  Returns 0, or -1 with err = Other (400) "The
 * file is empty", "The file is not an SQLite database", "The file is not
 * an SQLite database: its page size is invalid", "The file is truncated:
 * ...". */
int ayb_import_header_check(const unsigned char *head, size_t n, uint64_t size,
			    struct ayb_err *err);

#endif
