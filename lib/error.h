/* One error type for all of libayb: an error class and the class's fields.
 * The class is named where the error is raised; one table (error.c) maps it
 * to ayb's JSON `type` tag, the HTTP status ayb-c answers with, and the exit
 * code of a command-line program that stops on it.  cgi/ renders an error as
 * ayb's JSON envelope; cli/ and cron/ as `Error: <message>`. */
#ifndef AYB_ERROR_H
#define AYB_ERROR_H

#include <stdio.h>

#include <cJSON.h>

/* The classes, with (type tag, HTTP status).  A class says what went wrong
 * from the caller's point of view; several share ayb's catch-all tag Other. */
enum ayb_err_kind {
	AYB_OK = 0,
	AYB_E_INVALID,           /* Other 400: the request itself is wrong */
	AYB_E_UNAUTHENTICATED,   /* Other 401: credentials that cannot be read */
	AYB_E_FORBIDDEN,         /* Other 403: the caller may not do this */
	AYB_E_MISSING,           /* Other 404: nothing to act on (no record type) */
	AYB_E_CONFLICT,          /* Other 409: clashes with what exists */
	AYB_E_TOO_LARGE,         /* Other 413: a body over its route's limit */
	AYB_E_UNSUPPORTED_MEDIA, /* Other 415: a body of the wrong type */
	AYB_E_INTERNAL,          /* Other 500: the server's fault (and out of memory) */
	AYB_E_UNAVAILABLE,       /* Other 503: try again later (busy, store down) */
	AYB_E_UNAUTHORIZED,      /* Unauthorized 401 */
	AYB_E_INVALID_TOKEN,     /* InvalidToken 401 */
	AYB_E_CANT_SET_OWNER,    /* CantSetOwnerPermissions 403 */
	AYB_E_EMAIL,             /* EmailError 503 */
	AYB_E_INVALID_SLUG,      /* InvalidSlug 400 */
	AYB_E_REGISTRATION,      /* RegistrationError 400 */
	AYB_E_NO_WRITE,          /* NoWriteAccessError 403 */
	AYB_E_EMPTY_UPDATE,      /* EmptyUpdateError 400 */
	AYB_E_NOT_FOUND,         /* RecordNotFound 404: id, record_type */
	AYB_E_TOKEN_NOT_FOUND,   /* RecordNotFound 401: an API token that does not exist */
	AYB_E_SNAPSHOT_MISSING,  /* SnapshotDoesNotExistError 404: no fields */
	AYB_E_S3_EXECUTION,      /* S3ExecutionError 502 */
	AYB_E_S3_CONNECTION,     /* S3ConnectionError 503 */
	AYB_E_SNAPSHOT,          /* SnapshotError 500 */
	AYB_E_SNAPSHOT_UPSTREAM, /* SnapshotError 502: storage answered wrongly */
	AYB_E_QUERY,             /* QueryError 500 */
	AYB_E_CONFIGURATION,     /* ConfigurationError 500 */
	AYB_E_DURATION,          /* DurationParseError 500 */
	AYB_E_DISK_FULL,         /* Other 507: the server's disk is full, not the caller's fault */
	AYB_E_RATE_LIMITED,      /* Other 429: over a limit or cap; retry_after: when to retry */
	AYB_E_NCLASSES
};

/* Zero-initialise (`struct ayb_err e = {0};`) before use.  The strings are
 * owned by the error and freed by ayb_err_clear(). */
struct ayb_err {
	enum ayb_err_kind kind; /* the class; AYB_OK when there is no error */
	char *message;          /* NULL for RecordNotFound and SnapshotDoesNotExistError */
	char *id;               /* RecordNotFound only */
	char *record_type;      /* RecordNotFound only */
	long retry_after;       /* seconds to wait (HTTP Retry-After); 0: not said */
};

/* Sets the class and a printf-formatted message, replacing any earlier
 * error.  Always returns -1 so callers can `return ayb_err_set(...)`. */
int ayb_err_set(struct ayb_err *err, enum ayb_err_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* RecordNotFound (kind AYB_E_NOT_FOUND or AYB_E_TOKEN_NOT_FOUND) with the
 * given id and record_type.  Returns -1. */
int ayb_err_not_found_as(struct ayb_err *err, enum ayb_err_kind kind, const char *id,
			 const char *record_type);
/* The same with AYB_E_NOT_FOUND (404).  Returns -1. */
int ayb_err_not_found(struct ayb_err *err, const char *id, const char *record_type);

/* Puts "<what>: " in front of err's message, keeping its class, so a
 * failure reads "Failed to upload snapshot <key>: S3 answered ...".
 * Returns -1. */
int ayb_err_prefix(struct ayb_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Out of memory: AYB_E_INTERNAL, rendered "Out of memory".  Returns -1. */
int ayb_err_oom(struct ayb_err *err);

/* Frees the strings and resets to AYB_OK. */
void ayb_err_clear(struct ayb_err *err);

/* From the table: ayb's `type` tag ("RecordNotFound"), the HTTP status
 * (200 for AYB_OK), and a command-line program's exit code (0 for AYB_OK). */
const char *ayb_err_kind_name(enum ayb_err_kind kind);
int ayb_err_kind_status(enum ayb_err_kind kind);
int ayb_err_kind_exit_code(enum ayb_err_kind kind);
/* The same for an error. */
int ayb_err_status(const struct ayb_err *err);
int ayb_err_exit_code(const struct ayb_err *err);

/* Prints "Error: <what went wrong>" and a newline to f, as a command-line
 * program stopping on err says it, and returns the exit code for err. */
int ayb_err_report(FILE *f, const struct ayb_err *err);

/* The first class with ayb's tag `name` (the class a client reading a
 * server's answer stands for); AYB_OK when the tag is unknown. */
enum ayb_err_kind ayb_err_kind_from_name(const char *name);

/* The JSON envelope, e.g. {"type":"Other","message":"..."}.  Caller frees
 * with cJSON_Delete; NULL on OOM. */
cJSON *ayb_err_to_json(const struct ayb_err *err);

#endif
