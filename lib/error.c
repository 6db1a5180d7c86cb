#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

static const char *const kind_names[] = {
	[AYB_OK] = "",
	[AYB_E_OTHER] = "Other",
	[AYB_E_UNAUTHORIZED] = "Unauthorized",
	[AYB_E_CANT_SET_OWNER] = "CantSetOwnerPermissions",
	[AYB_E_EMAIL] = "EmailError",
	[AYB_E_INVALID_SLUG] = "InvalidSlug",
	[AYB_E_REGISTRATION] = "RegistrationError",
	[AYB_E_INVALID_TOKEN] = "InvalidToken",
	[AYB_E_NO_WRITE] = "NoWriteAccessError",
	[AYB_E_EMPTY_UPDATE] = "EmptyUpdateError",
	[AYB_E_NOT_FOUND] = "RecordNotFound",
	[AYB_E_SNAPSHOT_MISSING] = "SnapshotDoesNotExistError",
	[AYB_E_S3_EXECUTION] = "S3ExecutionError",
	[AYB_E_S3_CONNECTION] = "S3ConnectionError",
	[AYB_E_SNAPSHOT] = "SnapshotError",
	[AYB_E_QUERY] = "QueryError",
	[AYB_E_CONFIGURATION] = "ConfigurationError",
	[AYB_E_DURATION] = "DurationParseError",
};

#define NKINDS (sizeof(kind_names) / sizeof(kind_names[0]))

const char *ayb_err_kind_name(enum ayb_err_kind kind)
{
	return (unsigned)kind < NKINDS ? kind_names[kind] : "Other";
}

enum ayb_err_kind ayb_err_kind_from_name(const char *name)
{
	for (size_t i = 1; name && i < NKINDS; i++)
		if (strcmp(kind_names[i], name) == 0)
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

int ayb_err_set(struct ayb_err *err, enum ayb_err_kind kind, int status,
		const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	ayb_err_clear(err);
	err->kind = kind;
	err->status = status;
	err->message = msg;
	return -1;
}

int ayb_err_not_found(struct ayb_err *err, const char *id, const char *record_type)
{
	ayb_err_clear(err);
	err->kind = AYB_E_NOT_FOUND;
	err->status = 404;
	err->id = strdup(id);
	err->record_type = strdup(record_type);
	return -1;
}

int ayb_err_oom(struct ayb_err *err)
{
	ayb_err_clear(err);
	err->kind = AYB_E_OTHER;
	err->status = 500;
	err->message = NULL; /* rendered as "Out of memory" */
	return -1;
}

cJSON *ayb_err_to_json(const struct ayb_err *err)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "type", ayb_err_kind_name(err->kind));
	switch (err->kind) {
	case AYB_E_NOT_FOUND:
		cJSON_AddStringToObject(o, "id", err->id ? err->id : "");
		cJSON_AddStringToObject(o, "record_type",
					err->record_type ? err->record_type : "");
		break;
	case AYB_E_SNAPSHOT_MISSING:
		break;
	default:
		cJSON_AddStringToObject(o, "message",
					err->message ? err->message : "Out of memory");
		break;
	}
	return o;
}
