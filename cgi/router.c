#include "autoconfig.h"

#include <string.h>

#include "router.h"

/* ayb's limits: JSON bodies up to 2 MiB, text bodies (SQL) up to 256 KiB. */
#define JSON_LIMIT (2u * 1024 * 1024)
#define TEXT_LIMIT (256u * 1024)

#define P(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const struct ayb_route routes[] = {
	{ "GET", P("health"), ayb_handle_health, 0, 0 },
	{ "POST", P("v1", "register"), ayb_handle_register, JSON_LIMIT, 1 },
	{ "POST", P("v1", "confirm"), ayb_handle_confirm, JSON_LIMIT, 1 },
	{ "POST", P("v1", "log_in"), ayb_handle_log_in, JSON_LIMIT, 1 },
	{ "GET", P("v1", "entity", "*"), ayb_handle_entity_details, 0, 1 },
	{ "PATCH", P("v1", "entity", "*"), ayb_handle_entity_update, JSON_LIMIT, 1 },
	{ "POST", P("v1", "*", "*", "create"), ayb_handle_create_database, JSON_LIMIT, 1 },
	{ "POST", P("v1", "*", "*", "query"), ayb_handle_query, TEXT_LIMIT, 1 },
	{ "GET", P("v1", "*", "*", "details"), ayb_handle_database_details, 0, 1 },
	{ "PATCH", P("v1", "*", "*", "update"), ayb_handle_database_update, JSON_LIMIT, 1 },
	{ "POST", P("v1", "*", "*", "share"), ayb_handle_share, JSON_LIMIT, 1 },
	{ "GET", P("v1", "*", "*", "permissions"), ayb_handle_permissions, 0, 1 },
	{ "GET", P("v1", "tokens"), ayb_handle_tokens_list, 0, 1 },
	{ "DELETE", P("v1", "tokens", "*"), ayb_handle_token_revoke, 0, 1 },
	{ "GET", P("v1", "*", "*", "list_snapshots"), ayb_handle_list_snapshots, 0, 1 },
	{ "POST", P("v1", "*", "*", "restore_snapshot"), ayb_handle_restore_snapshot, TEXT_LIMIT, 1 },
};

static int matches(const struct ayb_route *rt, const struct ayb_request *req)
{
	size_t i;

	if (strcmp(rt->method, req->method) != 0)
		return 0;
	for (i = 0; rt->pattern[i]; i++) {
		if (i >= req->nseg)
			return 0;
		if (strcmp(rt->pattern[i], "*") != 0 &&
		    (req->seg[i].len != strlen(rt->pattern[i]) ||
		     memcmp(req->seg[i].s, rt->pattern[i], req->seg[i].len) != 0))
			return 0;
	}
	return i == req->nseg;
}

const struct ayb_route *ayb_route_find(const struct ayb_request *req)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (matches(&routes[i], req))
			return &routes[i];
	return NULL;
}
