#include "autoconfig.h"

#include <string.h>

#include "api.h"
#include "router.h"
#include "ui.h"

/* ayb's limits: JSON bodies up to 2 MiB, text bodies (SQL) up to 256 KiB. */
#define JSON_LIMIT (2u * 1024 * 1024)
#define TEXT_LIMIT (256u * 1024)
/* A code exchange: four short fields. */
#define OAUTH_LIMIT (16u * 1024)
/* Web UI forms: a 256 KiB query percent-encoded, plus the other fields. */
#define FORM_LIMIT (1024u * 1024)
/* A node endpoint takes everything from its path; a body is only signed. */
#define NODE_LIMIT 4096u

#define P(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define ROOT ((const char *const[]){ NULL })

/* Auth postures and targets, short for the table. */
#define ANON FCGI_AUTH_NONE
#define OPT FCGI_AUTH_OPTIONAL
#define BEARER FCGI_AUTH_REQUIRED
#define COOKIE FCGI_AUTH_COOKIE
#define NO_DB FCGI_TARGET_NONE
#define API_DB FCGI_TARGET_API
#define UI_DB FCGI_TARGET_UI
#define NEW_DB FCGI_TARGET_NEW

static const struct fcgi_route routes[] = {
	{ "GET", P("health"), api_health, 0, FCGI_STORE_ON_NODE, ANON, NO_DB },
	{ "POST", P("v1", "register"), api_register, JSON_LIMIT, 1, ANON, NO_DB },
	{ "POST", P("v1", "confirm"), api_confirm, JSON_LIMIT, 1, ANON, NO_DB },
	{ "POST", P("v1", "log_in"), api_log_in, JSON_LIMIT, 1, ANON, NO_DB },
	{ "GET", P("v1", "entity", "*"), api_entity_details, 0, 1, OPT, NO_DB },
	{ "PATCH", P("v1", "entity", "*"), api_entity_update, JSON_LIMIT, 1, BEARER, NO_DB },
	{ "POST", P("v1", "*", "*", "create"), api_create_database, JSON_LIMIT, 1, BEARER, NEW_DB },
	{ "POST", P("v1", "*", "*", "fork"), api_fork, JSON_LIMIT, 1, BEARER, API_DB },
	{ "POST", P("v1", "*", "*", "query"), api_query, TEXT_LIMIT, 1, BEARER, API_DB },
	{ "GET", P("v1", "*", "*", "details"), api_database_details, 0, 1, OPT, API_DB },
	{ "PATCH", P("v1", "*", "*", "update"), api_database_update, JSON_LIMIT, 1, BEARER,
	  API_DB },
	{ "POST", P("v1", "*", "*", "share"), api_share, JSON_LIMIT, 1, BEARER, API_DB },
	{ "GET", P("v1", "*", "*", "permissions"), api_permissions, 0, 1, BEARER, API_DB },
	{ "GET", P("v1", "tokens"), api_tokens_list, 0, 1, BEARER, NO_DB },
	{ "DELETE", P("v1", "tokens", "*"), api_token_revoke, 0, 1, BEARER, NO_DB },
	{ "POST", P("v1", "oauth", "token"), api_oauth_token, OAUTH_LIMIT, 1, ANON, NO_DB },
	{ "GET", P("v1", "*", "*", "list_snapshots"), api_list_snapshots, 0, 1, BEARER, API_DB },
	{ "POST", P("v1", "*", "*", "restore_snapshot"), api_restore_snapshot, TEXT_LIMIT, 1,
	  BEARER, API_DB },
	{ "GET", P("v1", "*", "*", "export"), api_export, 0, 1, BEARER, API_DB },
	/* Explore (README "Explore"): for readers, anonymous ones included. */
	{ "GET", P("v1", "explore"), api_explore, 0, 1, OPT, NO_DB },
	{ "GET", P("v1", "*", "*", "schema"), api_schema, 0, 1, OPT, API_DB },
	{ "GET", P("v1", "*", "*", "table", "*"), api_table, 0, 1, OPT, API_DB },
	/* The body streams to a file (README "The HTTP API": import); its
	 * limit is isolation.max_file_size_mb, checked as it arrives. */
	{ "POST", P("v1", "*", "*", "import"), api_import, FCGI_BODY_STREAMED, 1, BEARER,
	  API_DB },
	/* What the admin of a cluster asks a node (README "Several machines"):
	 * signed, and answered only when the config has a node section. */
	{ "POST", P("_ayb", "node", "fence", "*", "*", "*"), api_node_fence, NODE_LIMIT, 0, ANON,
	  NO_DB },
	{ "POST", P("_ayb", "node", "unfence", "*", "*", "*"), api_node_unfence, NODE_LIMIT, 0,
	  ANON, NO_DB },
	{ "POST", P("_ayb", "node", "discard", "*", "*", "*"), api_node_discard, NODE_LIMIT, 0,
	  ANON, NO_DB },
	{ "POST", P("_ayb", "node", "restore", "*", "*", "*", "*"), api_node_restore, NODE_LIMIT,
	  0, ANON, NO_DB },
	/* The web UI (README "Web UI").  The most specific pattern wins (see
	 * fcgi_route_find), so /{entity} and /{entity}/{database} never hide
	 * the API or the fixed pages, wherever they sit in this table. */
	{ "GET", ROOT, ui_home, 0, 1, COOKIE, NO_DB },
	{ "GET", P("static", "*"), ui_static, 0, 0, ANON, NO_DB },
	{ "GET", P("register"), ui_register_form, 0, 1, COOKIE, NO_DB },
	{ "POST", P("register"), ui_register, FORM_LIMIT, 1, COOKIE, NO_DB },
	{ "GET", P("log_in"), ui_log_in_form, 0, 1, COOKIE, NO_DB },
	{ "POST", P("log_in"), ui_log_in, FORM_LIMIT, 1, COOKIE, NO_DB },
	{ "GET", P("log_out"), ui_log_out_form, 0, 1, COOKIE, NO_DB },
	{ "POST", P("log_out"), ui_log_out, FORM_LIMIT, 1, COOKIE, NO_DB },
	{ "GET", P("confirm", "*"), ui_confirm_form, 0, 1, COOKIE, NO_DB },
	{ "POST", P("confirm", "*"), ui_confirm, FORM_LIMIT, 1, COOKIE, NO_DB },
	{ "GET", P("settings", "tokens"), ui_tokens, 0, 1, COOKIE, NO_DB },
	{ "GET", P("oauth", "authorize"), ui_oauth_authorize_form, 0, 1, COOKIE, NO_DB },
	{ "POST", P("oauth", "authorize"), ui_oauth_authorize, FORM_LIMIT, 1, COOKIE, NO_DB },
	{ "POST", P("settings", "tokens", "*", "revoke"), ui_token_revoke, FORM_LIMIT, 1, COOKIE,
	  NO_DB },
	{ "DELETE", P("settings", "tokens", "*"), ui_token_revoke, 0, 1, COOKIE, NO_DB },
	{ "GET", P("explore"), ui_explore, 0, 1, COOKIE, NO_DB },
	{ "GET", P("*"), ui_entity, 0, 1, COOKIE, NO_DB },
	{ "POST", P("*", "create_database"), ui_create_database, FORM_LIMIT, 1, COOKIE, NEW_DB },
	{ "POST", P("*", "update_profile"), ui_update_profile, FORM_LIMIT, 1, COOKIE, NO_DB },
	{ "GET", P("*", "*"), ui_database, 0, 1, COOKIE, UI_DB },
	{ "POST", P("*", "*", "query"), ui_query, FORM_LIMIT, 1, COOKIE, UI_DB },
	{ "POST", P("*", "*", "fork"), ui_fork, FORM_LIMIT, 1, COOKIE, UI_DB },
	{ "POST", P("*", "*", "update_public_sharing"), ui_update_public_sharing, FORM_LIMIT, 1,
	  COOKIE, UI_DB },
	{ "POST", P("*", "*", "share"), ui_share, FORM_LIMIT, 1, COOKIE, UI_DB },
	{ "GET", P("*", "*", "permissions"), ui_permissions, 0, 1, COOKIE, UI_DB },
	{ "GET", P("*", "*", "snapshots"), ui_snapshots, 0, 1, COOKIE, UI_DB },
	{ "POST", P("*", "*", "restore_snapshot"), ui_restore_snapshot, FORM_LIMIT, 1, COOKIE,
	  UI_DB },
	{ "GET", P("*", "*", "export"), ui_export, 0, 1, COOKIE, UI_DB },
	{ "GET", P("*", "*", "table", "*"), ui_table, 0, 1, COOKIE, UI_DB },
	{ "POST", P("*", "*", "update_description"), ui_update_description, FORM_LIMIT, 1,
	  COOKIE, UI_DB },
	{ "POST", P("*", "*", "import"), ui_import, FCGI_BODY_STREAMED, 1, COOKIE, UI_DB },
};

/* 0 when rt does not match req, else 1 + the number of literal (non-"*")
 * segments of its pattern. */
static int matches(const struct fcgi_route *rt, const struct fcgi_request *req)
{
	size_t i;
	int literal = 0;

	if (strcmp(rt->method, req->method) != 0)
		return 0;
	/* /v1/ belongs to the API: a path there that no API route takes stays
	 * a bare 404, never an /{entity}/... page. */
	if (rt->pattern[0] && strcmp(rt->pattern[0], "*") == 0 && req->nseg &&
	    strcmp(req->seg[0].s, "v1") == 0)
		return 0;
	for (i = 0; rt->pattern[i]; i++) {
		if (i >= req->nseg)
			return 0;
		if (strcmp(rt->pattern[i], "*") == 0)
			continue;
		if (req->seg[i].len != strlen(rt->pattern[i]) ||
		    memcmp(req->seg[i].s, rt->pattern[i], req->seg[i].len) != 0)
			return 0;
		literal++;
	}
	return i == req->nseg ? 1 + literal : 0;
}

const struct fcgi_route *fcgi_route_find(const struct fcgi_request *req)
{
	const struct fcgi_route *best = NULL;
	int best_score = 0;

	/* The match with the most literal segments wins; among equals, the
	 * first in the table. */
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		int score = matches(&routes[i], req);
		if (score > best_score) {
			best = &routes[i];
			best_score = score;
		}
	}
	return best;
}
