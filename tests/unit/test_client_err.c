/* The sentences `ayb client` prints for server errors and odd responses. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "tap.h"

static void check(long status, const char *body, const char *want, const char *name)
{
	struct client_err err = {0};

	is_int(client_err_from_response(&err, status, body, strlen(body)), -1, "%s: fails", name);
	is_str(err.message, want, "%s", name);
	is_int(err.exit_status, CLIENT_EXIT_FAIL, "%s: exit status 1", name);
	client_err_clear(&err);
}

int main(void)
{
	check(500, "{\"type\":\"Other\",\"message\":\"Database already exists\"}",
	      "Database already exists", "Other passes the message through");
	check(500, "{\"type\":\"InvalidToken\",\"message\":\"Invalid API token\"}",
	      "Invalid API token", "InvalidToken");
	check(401, "{\"type\":\"Unauthorized\",\"message\":\"Database e/d is not accessible\"}",
	      "Database e/d is not accessible", "Unauthorized");
	check(404, "{\"type\":\"RecordNotFound\",\"id\":\"e2e-first/nope.sqlite\","
		   "\"record_type\":\"database\"}",
	      "Database e2e-first/nope.sqlite not found", "missing database");
	check(500, "{\"type\":\"RecordNotFound\",\"id\":\"nobody\",\"record_type\":\"entity\"}",
	      "Entity nobody not found", "missing entity");
	check(500, "{\"type\":\"RecordNotFound\",\"id\":\"abc\",\"record_type\":\"api_token\"}",
	      "API token abc not found", "missing token");
	check(500, "{\"type\":\"RecordNotFound\",\"id\":\"x\",\"record_type\":\"thing\"}",
	      "Record x of type thing not found", "missing record of another type");
	check(500, "{\"type\":\"SnapshotDoesNotExistError\"}", "The snapshot does not exist",
	      "missing snapshot");
	check(500, "{\"type\":\"QueryError\",\"message\":\"bad\"}", "Query error: bad",
	      "QueryError");
	check(500, "{\"type\":\"S3ConnectionError\",\"message\":\"refused\"}",
	      "Cannot connect to snapshot storage: refused", "S3ConnectionError");
	check(500, "{\"type\":\"SomethingNew\",\"message\":\"text\"}", "text",
	      "unknown kind with a message");
	check(500, "{\"type\":\"SomethingNew\"}",
	      "The server reported an error of type SomethingNew", "unknown kind alone");
	check(401, "",
	      "The server refused the request (401 Unauthorized): the API token is missing or "
	      "not allowed to do this", "401 with an empty body");
	check(404, "", "The server answered 404 Not Found with an empty body", "404 empty");
	check(502, "<html>\n<body>Bad   gateway</body></html>",
	      "The server answered 502 Bad Gateway with a body that is not an ayb error: "
	      "<html> <body>Bad gateway</body></html>", "HTML page");
	check(500, "{\"type\":\"Other\",\"mess",
	      "The server answered 500 Internal Server Error with a body that is not an ayb "
	      "error: {\"type\":\"Other\",\"mess", "truncated JSON");
	check(599, "x", "The server answered 599 with a body that is not an ayb error: x",
	      "unknown status");
	return tap_done();
}
