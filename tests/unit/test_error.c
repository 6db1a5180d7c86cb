/* The error table (class -> type tag, HTTP status, exit code) and the JSON
 * envelope of each shape. */
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

	is_int(ayb_err_set(&e, AYB_E_CONFLICT, "Database %s", "already exists"), -1,
	       "ayb_err_set returns -1");
	is_int(ayb_err_status(&e), 409, "conflict is 409");
	is_int(ayb_err_exit_code(&e), 1, "a failure exits 1");
	s = render(&e);
	is_str(s, "{\"type\":\"Other\",\"message\":\"Database already exists\"}", "Other envelope");
	free(s);

	ayb_err_not_found(&e, "e2e-first/test.sqlite", "database");
	is_int(ayb_err_status(&e), 404, "not found is 404");
	s = render(&e);
	is_str(s, "{\"type\":\"RecordNotFound\",\"id\":\"e2e-first/test.sqlite\","
	       "\"record_type\":\"database\"}",
	       "RecordNotFound envelope");
	free(s);

	ayb_err_clear(&e);
	e.kind = AYB_E_SNAPSHOT_MISSING;
	s = render(&e);
	is_str(s, "{\"type\":\"SnapshotDoesNotExistError\"}",
	       "SnapshotDoesNotExistError has no fields");
	free(s);

	ayb_err_set(&e, AYB_E_INVALID, "quote \" and newline \n");
	s = render(&e);
	is_str(s, "{\"type\":\"Other\",\"message\":\"quote \\\" and newline \\n\"}",
	       "messages are escaped");
	free(s);

	/* JSON is UTF-8 whatever a message quotes from a request. */
	ayb_err_set(&e, AYB_E_INVALID, "bad \xff, cut \xe2\x82, ok \xe2\x82\xac, end \xf0\x9f");
	s = render(&e);
	is_str(s, "{\"type\":\"Other\",\"message\":\"bad \xef\xbf\xbd, cut \xef\xbf\xbd, "
	       "ok \xe2\x82\xac, end \xef\xbf\xbd\"}",
	       "a byte that is not UTF-8 goes out as U+FFFD");
	free(s);
	ayb_err_not_found(&e, "alice/d\xba", "database");
	s = render(&e);
	is_str(s, "{\"type\":\"RecordNotFound\",\"id\":\"alice/d\xef\xbf\xbd\","
	       "\"record_type\":\"database\"}", "so does one in a RecordNotFound id");
	free(s);

	ayb_err_not_found_as(&e, AYB_E_TOKEN_NOT_FOUND, "x", "api_token");
	is_int(ayb_err_status(&e), 401, "an unknown API token is 401");
	s = render(&e);
	is_str(s, "{\"type\":\"RecordNotFound\",\"id\":\"x\",\"record_type\":\"api_token\"}",
	       "RecordNotFound envelope for a token");
	free(s);

	ayb_err_oom(&e);
	is_int(ayb_err_status(&e), 500, "out of memory is 500");
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
	is_int(ayb_err_kind_from_name("Other"), AYB_E_INVALID, "Other reads as the 400 class");

	/* Every class has a tag and an error status; none is left out. */
	for (int k = AYB_E_INVALID; k < AYB_E_NCLASSES; k++) {
		int st = ayb_err_kind_status((enum ayb_err_kind)k);
		ok(*ayb_err_kind_name((enum ayb_err_kind)k) && st >= 400 && st <= 599 &&
			   ayb_err_kind_exit_code((enum ayb_err_kind)k) == 1,
		   "class %d: %s %d", k, ayb_err_kind_name((enum ayb_err_kind)k), st);
	}
	is_int(ayb_err_kind_status((enum ayb_err_kind)250), 500, "an unknown class is internal");
	e.kind = AYB_OK;
	is_int(ayb_err_status(&e), 500, "an error that named no class is internal");

	/* What a command-line program prints, and its exit code. */
	{
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);

		ayb_err_set(&e, AYB_E_CONFIGURATION, "data_path is not set");
		is_int(ayb_err_report(f, &e), 1, "a configuration error exits 1");
		ayb_err_not_found(&e, "e/d", "database");
		ayb_err_report(f, &e);
		ayb_err_oom(&e);
		ayb_err_report(f, &e);
		fclose(f);
		is_str(text, "Error: data_path is not set\nError: database e/d not found\n"
			     "Error: out of memory\n", "the report's sentences");
		free(text);
		ayb_err_clear(&e);
	}
	return tap_done();
}
