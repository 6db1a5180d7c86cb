/* The error envelope: kind names, fields per kind, and the JSON shape. */
#include "autoconfig.h"

#include <stdlib.h>

#include "error.h"
#include "tap.h"

static char *render(const struct ayb_err *e)
{
	cJSON *o = ayb_err_to_json(e);
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

int main(void)
{
	struct ayb_err e = { 0 };
	char *s;

	is_int(ayb_err_set(&e, AYB_E_OTHER, 409, "Database %s", "already exists"), -1,
	       "ayb_err_set returns -1");
	is_int(e.status, 409, "status kept");
	s = render(&e);
	is_str(s, "{\"type\":\"Other\",\"message\":\"Database already exists\"}", "Other envelope");
	free(s);

	ayb_err_not_found(&e, "e2e-first/test.sqlite", "database");
	is_int(e.status, 404, "not found is 404");
	s = render(&e);
	is_str(s, "{\"type\":\"RecordNotFound\",\"id\":\"e2e-first/test.sqlite\",\"record_type\":\"database\"}",
	       "RecordNotFound envelope");
	free(s);

	ayb_err_clear(&e);
	e.kind = AYB_E_SNAPSHOT_MISSING;
	s = render(&e);
	is_str(s, "{\"type\":\"SnapshotDoesNotExistError\"}", "SnapshotDoesNotExistError has no fields");
	free(s);

	ayb_err_set(&e, AYB_E_OTHER, 400, "quote \" and newline \n");
	s = render(&e);
	is_str(s, "{\"type\":\"Other\",\"message\":\"quote \\\" and newline \\n\"}", "messages are escaped");
	free(s);

	ayb_err_oom(&e);
	s = render(&e);
	is_str(s, "{\"type\":\"Other\",\"message\":\"Out of memory\"}", "out of memory envelope");
	free(s);
	ayb_err_clear(&e);

	static const char *const names[] = {
		"Other", "Unauthorized", "CantSetOwnerPermissions", "EmailError", "InvalidSlug",
		"RegistrationError", "InvalidToken", "NoWriteAccessError", "EmptyUpdateError",
		"RecordNotFound", "SnapshotDoesNotExistError", "S3ExecutionError",
		"S3ConnectionError", "SnapshotError", "QueryError", "ConfigurationError",
		"DurationParseError",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		enum ayb_err_kind k = ayb_err_kind_from_name(names[i]);
		is_str(ayb_err_kind_name(k), names[i], "kind %s round-trips", names[i]);
	}
	is_int(ayb_err_kind_from_name("NoSuchKind"), AYB_OK, "unknown kind name");
	return tap_done();
}
