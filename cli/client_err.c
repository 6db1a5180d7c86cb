/* Errors of `ayb client` and the sentences they print.
 *
 * ayb prints most server errors as Rust debug text (`RecordNotFound { id:
 * "e/d", record_type: "database" }`) on stdout and exits 0.  We print one
 * plain sentence on stderr that still names the record, and exit 1. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "error.h"

int client_err_set(struct client_err *err, int exit_status, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = ayb_vfmt(fmt, ap);
	va_end(ap);
	free(err->message);
	err->exit_status = exit_status;
	err->message = msg;
	return -1;
}

void client_err_clear(struct client_err *err)
{
	free(err->message);
	err->message = NULL;
	err->exit_status = 0;
}

const char *client_http_reason(long status)
{
	static const struct {
		long status;
		const char *reason;
	} reasons[] = {
		{200, "OK"}, {201, "Created"}, {204, "No Content"},
		{301, "Moved Permanently"}, {302, "Found"}, {304, "Not Modified"},
		{307, "Temporary Redirect"}, {308, "Permanent Redirect"},
		{400, "Bad Request"}, {401, "Unauthorized"}, {403, "Forbidden"},
		{404, "Not Found"}, {405, "Method Not Allowed"}, {408, "Request Timeout"},
		{409, "Conflict"}, {411, "Length Required"}, {413, "Payload Too Large"},
		{414, "URI Too Long"}, {415, "Unsupported Media Type"},
		{429, "Too Many Requests"}, {500, "Internal Server Error"},
		{501, "Not Implemented"}, {502, "Bad Gateway"}, {503, "Service Unavailable"},
		{504, "Gateway Timeout"},
	};

	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "";
}

static const char *string_field(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* "Database e/d not found", "Entity e not found", "API token x not found". */
static char *not_found_sentence(const char *id, const char *record_type)
{
	static const struct {
		const char *type, *name;
	} names[] = {
		{"database", "Database"},
		{"entity", "Entity"},
		{"api_token", "API token"},
		{"oauth_authorization_request", "OAuth authorization request"},
	};
	const char *name = NULL;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (record_type && strcmp(record_type, names[i].type) == 0)
			name = names[i].name;
	if (name)
		return ayb_fmt("%s %s not found", name, id ? id : "(unknown)");
	return ayb_fmt("Record %s of type %s not found", id ? id : "(unknown)",
		       record_type ? record_type : "(unknown)");
}

char *client_err_sentence(const cJSON *obj)
{
	const char *type = string_field(obj, "type");
	const char *message = string_field(obj, "message");
	const char *prefix = NULL;

	if (!type)
		return NULL;
	switch (ayb_err_kind_from_name(type)) {
	case AYB_E_NOT_FOUND:
		return not_found_sentence(string_field(obj, "id"),
					  string_field(obj, "record_type"));
	case AYB_E_SNAPSHOT_MISSING:
		return strdup("The snapshot does not exist");
	case AYB_E_QUERY:
		prefix = "Query error";
		break;
	case AYB_E_SNAPSHOT:
		prefix = "Snapshot error";
		break;
	case AYB_E_S3_EXECUTION:
		prefix = "Snapshot storage error";
		break;
	case AYB_E_S3_CONNECTION:
		prefix = "Cannot connect to snapshot storage";
		break;
	case AYB_E_DURATION:
		prefix = "Invalid duration";
		break;
	case AYB_E_CONFIGURATION:
		prefix = "Server configuration error";
		break;
	default:
		break;
	}
	if (!message)
		return ayb_fmt("The server reported an error of type %s", type);
	if (!prefix)
		return strdup(message);
	return ayb_fmt("%s: %s", prefix, message);
}

/* A short, printable excerpt of a body that is not an error envelope, so
 * the user sees what answered (a proxy's page, a plain-text error). */
static void excerpt(const char *body, size_t len, char *out, size_t size)
{
	size_t o = 0, i;

	for (i = 0; i < len && o + 4 < size; i++) {
		unsigned char c = (unsigned char)body[i];

		if (c == '\n' || c == '\r' || c == '\t')
			c = ' ';
		if (c < 0x20 || c == 0x7F)
			continue;
		if (c == ' ' && o && out[o - 1] == ' ')
			continue;
		out[o++] = (char)c;
	}
	while (o && out[o - 1] == ' ')
		o--;
	if (i < len && o + 3 < size) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

int client_err_from_response(struct client_err *err, long status, const char *body, size_t len)
{
	cJSON *json = NULL;
	char *sentence = NULL, text[160];
	const char *reason = client_http_reason(status);

	if (len)
		json = cJSON_ParseWithLength(body, len);
	if (json && cJSON_IsObject(json))
		sentence = client_err_sentence(json);
	cJSON_Delete(json);
	if (sentence) {
		client_err_set(err, CLIENT_EXIT_FAIL, "%s", sentence);
		free(sentence);
		return -1;
	}
	if (status == 401 && len == 0)
		return client_err_set(err, CLIENT_EXIT_FAIL,
				      "The server refused the request (401 Unauthorized): the API "
				      "token is missing or not allowed to do this");
	excerpt(body, len, text, sizeof(text));
	if (!text[0])
		return client_err_set(err, CLIENT_EXIT_FAIL,
				      "The server answered %ld%s%s with an empty body", status,
				      *reason ? " " : "", reason);
	return client_err_set(err, CLIENT_EXIT_FAIL,
			      "The server answered %ld%s%s with a body that is not an ayb error: %s",
			      status, *reason ? " " : "", reason, text);
}
