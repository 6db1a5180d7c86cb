#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "utf8.h"

/* Every class's tag, status and exit code, in one place.  Raise sites name
 * a class and never a number, so a status cannot drift between two places
 * that mean the same thing.  Every failure of a command-line program exits 1
 * (usage errors, 2, are the programs' own and never reach this table). */
static const struct {
	const char *type;
	short status;
	unsigned char exit_code;
} classes[AYB_E_NCLASSES] = {
	[AYB_OK] = { "Other", 500, 1 }, /* an error that never named a class */
	[AYB_E_INVALID] = { "Other", 400, 1 },
	[AYB_E_UNAUTHENTICATED] = { "Other", 401, 1 },
	[AYB_E_FORBIDDEN] = { "Other", 403, 1 },
	[AYB_E_MISSING] = { "Other", 404, 1 },
	[AYB_E_CONFLICT] = { "Other", 409, 1 },
	[AYB_E_TOO_LARGE] = { "Other", 413, 1 },
	[AYB_E_UNSUPPORTED_MEDIA] = { "Other", 415, 1 },
	[AYB_E_INTERNAL] = { "Other", 500, 1 },
	[AYB_E_UNAVAILABLE] = { "Other", 503, 1 },
	[AYB_E_UNAUTHORIZED] = { "Unauthorized", 401, 1 },
	[AYB_E_INVALID_TOKEN] = { "InvalidToken", 401, 1 },
	[AYB_E_CANT_SET_OWNER] = { "CantSetOwnerPermissions", 403, 1 },
	[AYB_E_EMAIL] = { "EmailError", 503, 1 },
	[AYB_E_INVALID_SLUG] = { "InvalidSlug", 400, 1 },
	[AYB_E_REGISTRATION] = { "RegistrationError", 400, 1 },
	[AYB_E_NO_WRITE] = { "NoWriteAccessError", 403, 1 },
	[AYB_E_EMPTY_UPDATE] = { "EmptyUpdateError", 400, 1 },
	[AYB_E_NOT_FOUND] = { "RecordNotFound", 404, 1 },
	[AYB_E_TOKEN_NOT_FOUND] = { "RecordNotFound", 401, 1 },
	[AYB_E_SNAPSHOT_MISSING] = { "SnapshotDoesNotExistError", 404, 1 },
	[AYB_E_S3_EXECUTION] = { "S3ExecutionError", 502, 1 },
	[AYB_E_S3_CONNECTION] = { "S3ConnectionError", 503, 1 },
	[AYB_E_SNAPSHOT] = { "SnapshotError", 500, 1 },
	[AYB_E_SNAPSHOT_UPSTREAM] = { "SnapshotError", 502, 1 },
	[AYB_E_QUERY] = { "QueryError", 500, 1 },
	[AYB_E_CONFIGURATION] = { "ConfigurationError", 500, 1 },
	[AYB_E_DURATION] = { "DurationParseError", 500, 1 },
	[AYB_E_DISK_FULL] = { "Other", 507, 1 },
	[AYB_E_RATE_LIMITED] = { "Other", 429, 1 },
};

/* An out-of-range class (a corrupt worker frame, say) reads as internal. */
static unsigned known(enum ayb_err_kind kind)
{
	return (unsigned)kind < AYB_E_NCLASSES ? (unsigned)kind : AYB_E_INTERNAL;
}

const char *ayb_err_kind_name(enum ayb_err_kind kind)
{
	return classes[known(kind)].type;
}

int ayb_err_kind_status(enum ayb_err_kind kind)
{
	return classes[known(kind)].status;
}

int ayb_err_kind_exit_code(enum ayb_err_kind kind)
{
	return classes[known(kind)].exit_code;
}

int ayb_err_status(const struct ayb_err *err)
{
	return ayb_err_kind_status(err->kind);
}

int ayb_err_exit_code(const struct ayb_err *err)
{
	return ayb_err_kind_exit_code(err->kind);
}

int ayb_err_report(FILE *f, const struct ayb_err *err)
{
	if (err->message)
		fprintf(f, "Error: %s\n", err->message);
	else if (err->id)
		fprintf(f, "Error: %s %s not found\n",
			err->record_type ? err->record_type : "record", err->id);
	else if (err->kind == AYB_E_SNAPSHOT_MISSING)
		fputs("Error: the snapshot does not exist\n", f);
	else
		fputs("Error: out of memory\n", f);
	return ayb_err_exit_code(err);
}

enum ayb_err_kind ayb_err_kind_from_name(const char *name)
{
	for (unsigned i = 1; name && i < AYB_E_NCLASSES; i++)
		if (strcmp(classes[i].type, name) == 0)
			return (enum ayb_err_kind)i;
	return AYB_OK;
}

void ayb_err_clear(struct ayb_err *err)
{
	free(err->message);
	free(err->id);
	free(err->record_type);
	memset(err, 0, sizeof(*err));
}

int ayb_err_set(struct ayb_err *err, enum ayb_err_kind kind, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = ayb_vfmt(fmt, ap);
	va_end(ap);
	ayb_err_clear(err);
	err->kind = kind;
	err->message = msg;
	return -1;
}

int ayb_err_not_found_as(struct ayb_err *err, enum ayb_err_kind kind, const char *id,
			 const char *record_type)
{
	ayb_err_clear(err);
	err->kind = kind;
	err->id = strdup(id);
	err->record_type = strdup(record_type);
	return -1;
}

int ayb_err_not_found(struct ayb_err *err, const char *id, const char *record_type)
{
	return ayb_err_not_found_as(err, AYB_E_NOT_FOUND, id, record_type);
}

int ayb_err_prefix(struct ayb_err *err, const char *fmt, ...)
{
	char *what, *msg;
	va_list ap;

	va_start(ap, fmt);
	what = ayb_vfmt(fmt, ap);
	va_end(ap);
	if (!what)
		return ayb_err_oom(err);
	msg = ayb_fmt("%s: %s", what, err->message ? err->message : "unknown error");
	free(what);
	if (!msg)
		return ayb_err_oom(err);
	free(err->message);
	err->message = msg;
	return -1;
}

int ayb_err_oom(struct ayb_err *err)
{
	ayb_err_clear(err);
	err->kind = AYB_E_INTERNAL;
	err->message = NULL; /* rendered as "Out of memory" */
	return -1;
}

/* JSON text must be UTF-8, and messages may quote what a request sent
 * (a name from its path, a header): a byte that is not UTF-8 goes out as
 * U+FFFD. */
static void add_text(cJSON *o, const char *key, const char *value)
{
	char *text = ayb_utf8_lossy(value);

	cJSON_AddStringToObject(o, key, text ? text : "Out of memory");
	free(text);
}

cJSON *ayb_err_to_json(const struct ayb_err *err)
{
	const char *type = ayb_err_kind_name(err->kind);
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "type", type);
	if (strcmp(type, "RecordNotFound") == 0) {
		add_text(o, "id", err->id ? err->id : "");
		add_text(o, "record_type", err->record_type ? err->record_type : "");
	} else if (err->kind != AYB_E_SNAPSHOT_MISSING) {
		add_text(o, "message", err->message ? err->message : "Out of memory");
	}
	return o;
}
