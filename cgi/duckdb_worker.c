/* ayb-duckdb-worker: ayb-query-worker for DuckDB databases (README "DuckDB
 * databases"), the one program linked with libduckdb, so that neither
 * ayb-api.fcgi nor a SQLite database's worker maps the library.  Started
 * by ayb-api.fcgi like ayb-query-worker, with its setup on standard input. */
#include "autoconfig.h"

#include <unistd.h>

#include "engine.h"
#include "worker.h"

/* _exit, as ayb-query-worker's main. */
int main(void)
{
	_exit(ayb_worker_main(&ayb_engine_duckdb));
}
