/* The floor of B4 in bench/run.sh: how many one-row INSERTs per second
 * SQLite itself commits on this disk, each in its own transaction, with the
 * settings a read-write query of ayb-c opens a hosted database with
 * (journal_mode=WAL, synchronous=FULL, foreign_keys=ON).  One connection,
 * the statement prepared once: the least any server could do per insert.
 *
 *   insert-loop FILE SECONDS SQL
 *
 * Runs SQL (one INSERT statement) over and over for SECONDS and prints the
 * rate, in inserts per second, on one line. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sqlite3.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	double start, end, seconds;
	long n = 0;
	int rc = 1;

	if (argc != 4 || (seconds = strtod(argv[2], NULL)) <= 0) {
		fprintf(stderr, "usage: insert-loop FILE SECONDS SQL\n");
		return 2;
	}
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
			 "PRAGMA foreign_keys=ON", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, argv[3], -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "insert-loop: %s\n", db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	start = now_s();
	end = start + seconds;
	do {
		/* Autocommit: every step is a transaction of its own. */
		if (sqlite3_step(st) != SQLITE_DONE) {
			fprintf(stderr, "insert-loop: %s\n", sqlite3_errmsg(db));
			goto out;
		}
		sqlite3_reset(st);
		n++;
	} while (now_s() < end);
	printf("%.0f\n", (double)n / (now_s() - start));
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}
