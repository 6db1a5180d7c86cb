/* Query workers: the processes in which tenant SQL runs, each confined to
 * one database by lib/sandbox (README "Isolation").
 *
 * ayb-api.fcgi keeps, per process, a small pool of workers keyed by
 * database file (ayb's per-database query daemon, with limits and
 * replacement): a worker is an exec'd ayb-query-worker with an empty
 * environment, sandboxed once at start, then reused for every query to its
 * database until it has been idle for isolation.worker_idle_seconds, is
 * evicted for another database (ended in the background: its pipe closed,
 * it closes its database and exits), or retires before its CPU budget could
 * run out.  A request that writes goes on from the pool's worker to the
 * database's writer, one per database per host (lib/worker_writer.c), which
 * commits the writes waiting together in one transaction.
 * isolation.mode = "fork" instead forks a fresh sandboxed process for
 * each query.  The pool was chosen by measurement: bench/isolation.sh.
 *
 * The server's own work on a tenant's file (a snapshot's copy, the
 * integrity check of a copy or of a restored file) evaluates the tenant's
 * schema too, so it runs in a worker of its own, under the same limits.
 *
 * Wire protocol (pipes, host byte order; both ends are the same build):
 * frames of a type byte, a 32-bit length and a payload.  Parent to worker:
 * 'S' setup once, then 'Q' queries (SQL, or statements with their
 * parameters as typed values), or one 'C' (check) or 'V' (copy).
 * Worker to parent: 'R' ready (or 'E' when the sandbox failed), then per
 * query 'X' alone when a pool worker finds the request writes, or the
 * result as typed values -- one 'F' (the column names) and any
 * number of 'W' (several rows each), once per statement of a batch -- and
 * one 'K' (done) or 'E' (error: class, message); an error may come at any
 * point.  A check or a copy is
 * answered with 'K' or 'E' alone.  lib/worker_proto.c encodes and decodes every frame;
 * the parent treats everything a worker says as untrusted. */
#ifndef AYB_WORKER_H
#define AYB_WORKER_H

#include <stddef.h>

#include "config.h"
#include "error.h"
#include "hosted.h"
#include "row_sink.h"

/* Runs a tenant's query (README "The HTTP API") on the database's
 * current file, under `iso`: in a worker when iso->enabled, else inside
 * this process with the same SQLite guards and limits.  The result goes to
 * `rows` as ayb_hosted_run describes, with its errors and limit errors,
 * plus:
 *  - the worker ran past the timeout and had to be killed: Other (400)
 *    "Query timed out: ..."
 *  - the worker used up its CPU time: Other (400) "Query stopped: ..."
 *  - the worker died (killed, crashed): QueryError (500) "The query worker
 *    stopped unexpectedly (...)"; the next query gets a fresh worker
 *  - no worker could be started: Other (503) "Query worker unavailable: ..."
 *  - the worker said something the protocol does not allow: QueryError
 *    (500) "Invalid response from the query worker"
 * Ignores SIGPIPE for the process if it was not already (a worker that
 * dies must not take the caller with it). */
int ayb_worker_query(const struct ayb_isolation_config *iso, const char *data_path,
		     const char *entity, const char *db, const char *sql, size_t len,
		     enum ayb_query_mode mode, struct ayb_row_sink *rows, struct ayb_err *err);

/* The same for any form of request (lib/query_req.h), on the engine
 * db_type names (lib/store.h; a DuckDB database's always in an exec'd
 * worker, refused when isolation is off), as ayb_hosted_run_req runs it:
 * a batch's results reach `rows` one after the other, and the result size limit of a batch is
 * iso->max_batch_result_mb when that is lower than max_result_mb.  The
 * worker, killed or crashing mid-batch, leaves nothing of it behind. */
int ayb_worker_run(const struct ayb_isolation_config *iso, const char *data_path,
		   const char *entity, const char *db, int db_type, const struct ayb_query_req *r,
		   enum ayb_query_mode mode, struct ayb_row_sink *rows, struct ayb_err *err);

/* The server's own work on a tenant's file (lib/hosted.h's
 * ayb_hosted_check and ayb_hosted_copy) under `iso`'s query limits: in a
 * fresh worker when iso->enabled, ended afterwards, else inside this
 * process.  The worker's sandbox holds f's directory (for a check, one made
 * for the file alone: a restore's new version, a snapshot's work
 * directory), or for a copy src's version directory, as its queries have,
 * and the right to make files in dst->dir (dst->path and SQLite's journal
 * beside it).  f->shown and dst->shown may be NULL.  Errors: those of
 * ayb_hosted_check and ayb_hosted_copy, and the worker's as for
 * ayb_worker_query (killed past the timeout: Other (400) "Query timed out:
 * ..."; out of CPU time; died; unavailable; invalid answer). */
int ayb_worker_check(const struct ayb_isolation_config *iso, const struct ayb_layout_file *f,
		     struct ayb_err *err);
int ayb_worker_copy(const struct ayb_isolation_config *iso, const struct ayb_layout_file *src,
		    const struct ayb_layout_file *dst, struct ayb_err *err);

/* The same for an export and an import (lib/hosted_dump.h, hosted_vet.h,
 * ayb_hosted_script):
 * ayb_worker_backup copies src as ayb_worker_copy does, with the backup
 * API; ayb_worker_dump writes src's SQL dump to dst likewise;
 * ayb_worker_vet checks a file to import (integrity, then schema);
 * ayb_worker_load runs the SQL file `script` (in f->dir) on f, a new file.
 * Errors: those of the functions they run and the worker's, as above. */
int ayb_worker_backup(const struct ayb_isolation_config *iso, const struct ayb_layout_file *src,
		      const struct ayb_layout_file *dst, struct ayb_err *err);
int ayb_worker_dump(const struct ayb_isolation_config *iso, const struct ayb_layout_file *src,
		    const struct ayb_layout_file *dst, struct ayb_err *err);
int ayb_worker_vet(const struct ayb_isolation_config *iso, const struct ayb_layout_file *f,
		   struct ayb_err *err);
int ayb_worker_load(const struct ayb_isolation_config *iso, const struct ayb_layout_file *f,
		    const char *script, struct ayb_err *err);

/* The query limits `iso` sets. */
void ayb_worker_limits(const struct ayb_isolation_config *iso, struct ayb_query_limits *lim);

/* Ends every pooled worker of this process in order (each closes its
 * database, checkpointing the WAL) and waits for them: what a process
 * does before it exits. */
void ayb_worker_shutdown(void);

/* main() of ayb-query-worker and ayb-duckdb-worker: reads its setup from fd 0, sandboxes itself,
 * then answers queries on fds 0/1 until EOF, idleness or retirement, on
 * the setup's engine: SQLite's, or `duckdb` (lib/engine.h; NULL in a
 * build without DuckDB, whose workers refuse DuckDB databases).  Returns
 * the process exit status (0 for an orderly end). */
struct ayb_engine;
int ayb_worker_main(const struct ayb_engine *duckdb);

#endif
