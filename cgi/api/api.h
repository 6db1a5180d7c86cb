/* The HTTP API's handlers (README "API"): each reads headers and the body,
 * makes one use case call (lib/app.h) and answers with ayb's JSON. */
#ifndef AYB_CGI_API_H
#define AYB_CGI_API_H

#include "call.h"

/* A required header: its value, or NULL with err = Other (400)
 * "Missing required `<name>` header". */
const char *api_require_header(const struct fcgi_request *req, const char *name,
			       struct ayb_err *err);

fcgi_handler api_health;
fcgi_handler api_register;
fcgi_handler api_confirm;
fcgi_handler api_log_in;
fcgi_handler api_create_database;
fcgi_handler api_query;
fcgi_handler api_entity_details;
fcgi_handler api_entity_update;
fcgi_handler api_database_details;
fcgi_handler api_database_update;
fcgi_handler api_share;
fcgi_handler api_permissions;
fcgi_handler api_tokens_list;
fcgi_handler api_token_revoke;
fcgi_handler api_list_snapshots;
fcgi_handler api_restore_snapshot;

#endif
