/* One error type for all of libayb: a kind (ayb's JSON `type` tag), an HTTP
 * status chosen where the error is raised, and the kind's fields.  cgi/
 * renders it as ayb's JSON envelope; cli/ renders it as `Error: <message>`. */
#ifndef AYB_ERROR_H
#define AYB_ERROR_H

#include <cJSON.h>

enum ayb_err_kind {
	AYB_OK = 0,
	AYB_E_OTHER,              /* Other: message */
	AYB_E_UNAUTHORIZED,       /* Unauthorized: message */
	AYB_E_CANT_SET_OWNER,     /* CantSetOwnerPermissions: message */
	AYB_E_EMAIL,              /* EmailError: message */
	AYB_E_INVALID_SLUG,       /* InvalidSlug: message */
	AYB_E_REGISTRATION,       /* RegistrationError: message */
	AYB_E_INVALID_TOKEN,      /* InvalidToken: message */
	AYB_E_NO_WRITE,           /* NoWriteAccessError: message */
	AYB_E_EMPTY_UPDATE,       /* EmptyUpdateError: message */
	AYB_E_NOT_FOUND,          /* RecordNotFound: id, record_type */
	AYB_E_SNAPSHOT_MISSING,   /* SnapshotDoesNotExistError: no fields */
	AYB_E_S3_EXECUTION,       /* S3ExecutionError: message */
	AYB_E_S3_CONNECTION,      /* S3ConnectionError: message */
	AYB_E_SNAPSHOT,           /* SnapshotError: message */
	AYB_E_QUERY,              /* QueryError: message */
	AYB_E_CONFIGURATION,      /* ConfigurationError: message */
	AYB_E_DURATION,           /* DurationParseError: message */
};

/* Zero-initialise (`struct ayb_err e = {0};`) before use.  The strings are
 * owned by the error and freed by ayb_err_clear(). */
struct ayb_err {
	enum ayb_err_kind kind;
	int status;          /* HTTP status ayb-c answers with */
	char *message;       /* NULL for RecordNotFound and SnapshotDoesNotExistError */
	char *id;            /* RecordNotFound only */
	char *record_type;   /* RecordNotFound only */
};

/* Sets kind, status and a printf-formatted message, replacing any earlier
 * error.  Always returns -1 so callers can `return ayb_err_set(...)`. */
int ayb_err_set(struct ayb_err *err, enum ayb_err_kind kind, int status,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* RecordNotFound with the given id and record_type; status 404.  Returns -1. */
int ayb_err_not_found(struct ayb_err *err, const char *id, const char *record_type);

/* Out of memory: Other, 500.  Returns -1. */
int ayb_err_oom(struct ayb_err *err);

/* Frees the strings and resets to AYB_OK. */
void ayb_err_clear(struct ayb_err *err);

/* ayb's `type` tag for a kind, e.g. "RecordNotFound". */
const char *ayb_err_kind_name(enum ayb_err_kind kind);

/* Kind from ayb's tag; AYB_OK when the tag is unknown. */
enum ayb_err_kind ayb_err_kind_from_name(const char *name);

/* The JSON envelope, e.g. {"type":"Other","message":"..."}.  Caller frees
 * with cJSON_Delete; NULL on OOM. */
cJSON *ayb_err_to_json(const struct ayb_err *err);

#endif
