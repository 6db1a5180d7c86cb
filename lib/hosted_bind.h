/* Binding a statement's parameters (lib/query_req.h) for lib/hosted.c, and
 * telling whether what follows a statement is only trivia. */
#ifndef AYB_HOSTED_BIND_H
#define AYB_HOSTED_BIND_H

#include <stddef.h>

#include <sqlite3.h>

#include "error.h"
#include "query_req.h"

/* Binds st's parameters to stmt: an array by position (its length must be
 * the statement's parameter count), an object by name (every parameter of
 * the statement named, every key used).  Text and blobs are bound without
 * a copy: st must outlive stmt's steps.  Returns 0; -1 with err set to
 * Other (400) naming the parameter on a count or name mismatch; or
 * SQLite's error code when a bind failed (a value over SQLite's length
 * limit), for the caller to report. */
int ayb_hosted_bind(sqlite3_stmt *stmt, const struct ayb_statement *st, struct ayb_err *err);

/* 1 when the n bytes at s hold nothing SQLite would run: whitespace,
 * semicolons and comments. */
int ayb_hosted_sql_trivia(const char *s, size_t n);

#endif
