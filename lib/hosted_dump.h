/* A hosted database written as SQL text, and a file from outside checked
 * before it becomes a hosted database (README "The HTTP API": export and
 * import).  Both are the server's own work on a tenant's file, so they run
 * in a query worker (lib/worker.h) under the query limits. */
#ifndef AYB_HOSTED_DUMP_H
#define AYB_HOSTED_DUMP_H

#include "error.h"
#include "hosted.h"

/* Writes to dst (which must not exist) the SQL text sqlite3's `.dump`
 * writes for src, read in one transaction; a src that does not exist yet
 * gives an empty dump.  Errors: ayb_hosted_own's, Other (400) "The SQL
 * dump is larger than the server allows" (the file size limit), or
 * QueryError (500) when dst cannot be written. */
int ayb_hosted_dump(const char *src, const char *dst, const struct ayb_query_limits *lim,
		    struct ayb_err *err);

/* Checks a file to import: ayb_hosted_check's integrity check, then its
 * schema with trusted_schema=OFF: every
 * table, view and trigger must compile as the statements that use them
 * (SELECT, INSERT, UPDATE, DELETE) compile, so a view or trigger calling a
 * function SQLite does not mark innocuous, an unknown module or collation,
 * or SQL that does not parse is refused; names SQLite keeps for itself
 * must be its own; the file must fit lim->max_file_bytes.  Errors: Other
 * (400) "The database's schema is refused: ...", or ayb_hosted_own's. */
int ayb_hosted_vet(const char *path, const struct ayb_query_limits *lim, struct ayb_err *err);

#endif
