/* A hosted database written as SQL text (README "The HTTP API": export):
 * the server's own work on a tenant's file, so it runs in a query worker
 * (lib/worker.h) under the query limits. */
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

#endif
