/* A database file from outside (an import, README "The HTTP API")
 * checked before it becomes a hosted database: the server's own work on a
 * tenant's file, so it runs in a query worker (lib/worker.h) under the
 * query limits. */
#ifndef AYB_HOSTED_VET_H
#define AYB_HOSTED_VET_H

#include "error.h"
#include "hosted.h"

/* Checks a file to import: ayb_hosted_check's integrity check, then its
 * schema with trusted_schema=OFF: every table, view and trigger must
 * compile as the statements that use them (SELECT, INSERT, UPDATE,
 * DELETE) compile, so a view or trigger calling a
 * function SQLite does not mark innocuous, an unknown module or collation,
 * or SQL that does not parse is refused; names SQLite keeps for itself
 * must be its own; the file must fit lim->max_file_bytes.  Errors: Other
 * (400) "The database's schema is refused: ...", or ayb_hosted_own's. */
int ayb_hosted_vet(const char *path, const struct ayb_query_limits *lim, struct ayb_err *err);

#endif
