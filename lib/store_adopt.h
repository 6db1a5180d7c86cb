/* Taking over an ayb metadata store and data directory in place (README
 * "Moving from ayb"): `ayb admin adopt`. */
#ifndef AYB_STORE_ADOPT_H
#define AYB_STORE_ADOPT_H

#include <stdint.h>

#include "buf.h"
#include "error.h"

/* What an adoption found and did (or, on a dry run, would do). */
struct ayb_adopt_report {
	int already;            /* 1: adopted before, or ayb-c's own store: nothing done */
	int64_t ayb_migrations; /* how many ayb had applied (rows of its _sqlx_migrations) */
	int64_t users, organizations, emails, extra_emails, databases, duckdb;
	int64_t tokens, revoked, scoped, grants, oauth_codes;
	/* Hosted databases: a file under `current`; a version directory but no
	 * file yet (created, never written); `current` re-pointed at the same
	 * version under this data_path (ayb wrote absolute links, so a moved
	 * data_path leaves them dangling); nothing on disk. */
	int64_t files, empty, relinked, missing;
	struct ayb_buf notes;   /* one line per database that needs a look */
};

/* Adopts the store database_url names and the databases under data_path.
 * The store must hold ayb's tables (AUTH.md's schema at ayb's HEAD) and
 * ayb's `_sqlx_migrations`: its grants get ayb-c's key, pending OAuth
 * codes are stored by their hash as ayb-c looks them up, migration 1 is
 * recorded as applied and ayb-c's later migrations run, all in one
 * transaction; then each database's `current` link is checked (and
 * re-pointed when it dangles into a former data_path).  With dry_run the
 * transaction is rolled back and nothing on disk changes, so the report
 * says exactly what a real run would do.  A store adopted before (or ayb-c's
 * own) is left alone: 0 with report->already.  Anything else is refused:
 * -1 with err (ConfigurationError) naming what is missing.  The caller
 * frees the report with ayb_adopt_report_free(). */
int ayb_store_adopt(const char *database_url, const char *data_path, int dry_run,
		    struct ayb_adopt_report *report, struct ayb_err *err);
void ayb_adopt_report_free(struct ayb_adopt_report *report);

#endif
