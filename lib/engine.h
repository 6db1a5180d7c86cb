/* The engines a hosted database runs on, as a query worker sees them:
 * SQLite (lib/hosted.c) in every build, DuckDB (lib/hosted_duckdb.c) in
 * ayb-duckdb-worker alone when built with libduckdb, so that no other
 * program maps the library.  A worker's setup names the engine by ayb's
 * db_type code (lib/store.h's enum ayb_db_type). */
#ifndef AYB_ENGINE_H
#define AYB_ENGINE_H

#include "error.h"
#include "hosted.h"
#include "layout.h"
#include "query_req.h"
#include "row_sink.h"

struct ayb_engine {
	/* What needs files outside the database's directory, before the
	 * sandbox closes. */
	void (*prepare)(const char *dir);
	/* As lib/hosted.h's ayb_hosted_run_req, ayb_hosted_check and
	 * ayb_hosted_copy describe them. */
	int (*run_req)(const struct ayb_layout_file *f, const struct ayb_query_req *r,
		       enum ayb_query_mode mode, const struct ayb_query_limits *lim,
		       struct ayb_row_sink *rows, struct ayb_err *err);
	int (*check)(const char *path, const struct ayb_query_limits *lim, struct ayb_err *err);
	int (*copy)(const char *src, const char *dst, const struct ayb_query_limits *lim,
		    struct ayb_err *err);
};

/* The engine of an existing hosted file, by its header: DuckDB's magic
 * makes it AYB_DB_DUCKDB, anything else (SQLite's, none) AYB_DB_SQLITE.
 * What the server's own work on a file (a snapshot, a fork, a restore's
 * check) goes by. */
int ayb_engine_of_file(const char *path);

/* DuckDB's, defined only where libduckdb is linked (lib/hosted_duckdb.c). */
extern const struct ayb_engine ayb_engine_duckdb;

#endif
