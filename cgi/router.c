#include "autoconfig.h"

#include <string.h>

#include "router.h"
#include "ui.h"

/* ayb's limits: JSON bodies up to 2 MiB, text bodies (SQL) up to 256 KiB. */
#define JSON_LIMIT (2u * 1024 * 1024)
#define TEXT_LIMIT (256u * 1024)
/* Web UI forms: a 256 KiB query percent-encoded, plus the other fields. */
#define FORM_LIMIT (1024u * 1024)

#define P(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define ROOT ((const char *const[]){ NULL })

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
	/* The web UI (spec/UI.md §3).  The most specific pattern wins (see
	 * ayb_route_find), so /{entity} and /{entity}/{database} never hide
	 * the API or the fixed pages, wherever they sit in this table. */
	{ "GET", ROOT, ayb_ui_home, 0, 1 },
	{ "GET", P("static", "*"), ayb_ui_static, 0, 0 },
	{ "GET", P("register"), ayb_ui_register_form, 0, 1 },
	{ "POST", P("register"), ayb_ui_register, FORM_LIMIT, 1 },
	{ "GET", P("log_in"), ayb_ui_log_in_form, 0, 1 },
	{ "POST", P("log_in"), ayb_ui_log_in, FORM_LIMIT, 1 },
	{ "GET", P("log_out"), ayb_ui_log_out_form, 0, 1 },
	{ "POST", P("log_out"), ayb_ui_log_out, FORM_LIMIT, 1 },
	{ "GET", P("confirm", "*"), ayb_ui_confirm, 0, 1 },
	{ "GET", P("settings", "tokens"), ayb_ui_tokens, 0, 1 },
	{ "POST", P("settings", "tokens", "*", "revoke"), ayb_ui_token_revoke, FORM_LIMIT, 1 },
	{ "DELETE", P("settings", "tokens", "*"), ayb_ui_token_revoke, 0, 1 },
	{ "GET", P("*"), ayb_ui_entity, 0, 1 },
	{ "POST", P("*", "create_database"), ayb_ui_create_database, FORM_LIMIT, 1 },
	{ "POST", P("*", "update_profile"), ayb_ui_update_profile, FORM_LIMIT, 1 },
	{ "GET", P("*", "*"), ayb_ui_database, 0, 1 },
	{ "POST", P("*", "*", "query"), ayb_ui_query, FORM_LIMIT, 1 },
	{ "POST", P("*", "*", "update_public_sharing"), ayb_ui_update_public_sharing, FORM_LIMIT, 1 },
	{ "POST", P("*", "*", "share"), ayb_ui_share, FORM_LIMIT, 1 },
	{ "GET", P("*", "*", "permissions"), ayb_ui_permissions, 0, 1 },
	{ "GET", P("*", "*", "snapshots"), ayb_ui_snapshots, 0, 1 },
	{ "POST", P("*", "*", "restore_snapshot"), ayb_ui_restore_snapshot, FORM_LIMIT, 1 },
};

/* 0 when rt does not match req, else 1 + the number of literal (non-"*")
 * segments of its pattern. */
static int matches(const struct ayb_route *rt, const struct ayb_request *req)
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

const struct ayb_route *ayb_route_find(const struct ayb_request *req)
{
	const struct ayb_route *best = NULL;
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
