/* The HTTP API's handlers (README "API"): each reads headers and the body,
 * makes one use case call (lib/app.h) and answers with ayb's JSON. */
#ifndef AYB_CGI_API_H
#define AYB_CGI_API_H

#include "call.h"
#include "form.h"

/* A required header: its value, or NULL with err = Other (400)
 * "Missing required `<name>` header". */
const char *api_require_header(const struct fcgi_request *req, const char *name,
			       struct ayb_err *err);

/* Fills the JSON object o from one row; 0, or -1 when out of memory. */
typedef int api_row_json(cJSON *o, const void *row);

/* Adds to o the array `key` holding one object per row (n rows of size
 * bytes each), filled by fill.  0, or -1 with err = out of memory; o owns
 * whatever was added either way. */
int api_json_add_rows(cJSON *o, const char *key, const void *rows, size_t n, size_t size,
		      api_row_json *fill, struct ayb_err *err);
/* A new object {"<key>": [...]} built as api_json_add_rows does; the caller
 * frees it with cJSON_Delete.  NULL with err = out of memory. */
cJSON *api_json_list(const char *key, const void *rows, size_t n, size_t size,
		     api_row_json *fill, struct ayb_err *err);
/* Adds s under key, or null when s is NULL; 0, or -1 when out of memory. */
int api_json_add_string(cJSON *o, const char *key, const char *s);

/* A handler's answer, then err is cleared: err's envelope when err is set
 * (out of memory included), else status with body, "{}" when body is NULL,
 * or no body at all for 204.  The caller still owns and frees body. */
void api_answer(struct fcgi_call *c, struct ayb_err *err, int status, const cJSON *body);

/* Explore's readers of a request (cgi/api/explore.c), the web UI's too:
 * the query string's fields (free with ui_form_free), the browse request
 * they make for `table` (ayb_browse_param's errors; a value holding a NUL
 * is Other, 400), the directory's `page` (1 when absent), and the schema's
 * JSON (NULL with err when out of memory). */
int api_query_string(const struct fcgi_request *req, struct ui_form *f, struct ayb_err *err);
int api_browse_read(const struct ui_form *f, const char *table, struct ayb_browse *b,
		    struct ayb_err *err);
int api_explore_page(const struct ui_form *f, int64_t *page, struct ayb_err *err);
cJSON *api_schema_json(const struct ayb_schema *s, int truncated, struct ayb_err *err);

fcgi_handler api_health;
fcgi_handler api_register;
fcgi_handler api_confirm;
fcgi_handler api_log_in;
fcgi_handler api_create_database;
fcgi_handler api_fork;
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
fcgi_handler api_oauth_token;
fcgi_handler api_export;
fcgi_handler api_import;
fcgi_handler api_explore;
fcgi_handler api_schema;
fcgi_handler api_table;
/* A cluster's node endpoints (cgi/api/node.c). */
fcgi_handler api_node_fence;
fcgi_handler api_node_unfence;
fcgi_handler api_node_discard;
fcgi_handler api_node_restore;

#endif
