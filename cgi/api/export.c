/* GET /v1/{entity}/{database}/export[?format=sql] (README "The HTTP API":
 * export): the database file, or its SQL dump, as an attachment. */
#include "autoconfig.h"

#include <string.h>

#include "api.h"

/* The export's format from the query string: 0 for the file (no format,
 * or format=sqlite), 1 for SQL, -1 with err for anything else. */
static int export_format(const char *qs, struct ayb_err *err)
{
	int sql = 0;

	while (qs && *qs) {
		size_t n = strcspn(qs, "&");

		if (n == 10 && strncmp(qs, "format=sql", n) == 0)
			sql = 1;
		else if (n == 13 && strncmp(qs, "format=sqlite", n) == 0)
			sql = 0;
		else if (n >= 7 && strncmp(qs, "format=", 7) == 0)
			return ayb_err_set(err, AYB_E_INVALID,
					   "Unknown export format: %.*s (sqlite or sql)",
					   (int)(n - 7), qs + 7);
		qs += n + (qs[n] == '&');
	}
	return sql;
}

void api_export(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	struct ayb_export e;
	int sql = export_format(fcgi_request_param(c->req, "QUERY_STRING"), &err);

	if (sql < 0 || ayb_app_export(c->app, &c->caller, &c->target, sql, &e, &err) < 0) {
		api_answer(c, &err, 0, NULL);
		return;
	}
	fcgi_response_file(c->resp, e.fd, e.size, e.content_type, e.filename);
	ayb_export_close(&e);
}
