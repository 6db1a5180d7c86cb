/* Everything a handler needs, and the handlers themselves.  A handler reads
 * a parsed request (body already read, within its route's limit) and fills
 * the response; it never touches FastCGI. */
#ifndef AYB_CGI_HANDLERS_H
#define AYB_CGI_HANDLERS_H

#include "config.h"
#include "error.h"
#include "perm.h"
#include "request.h"
#include "response.h"
#include "store.h"

struct ayb_ctx {
	const struct ayb_config *cfg;
	struct ayb_store *store;
};

/* The authenticated caller: entity plus the token used. */
struct ayb_auth {
	int authenticated;       /* 0: anonymous (optional posture only) */
	struct ayb_entity entity;
	struct ayb_token_row token;
};

/* Bearer token required: "Authorization: Bearer <token>".  Returns 0 with
 * *a filled, or -1 with err (401 for a missing, malformed or invalid token). */
int ayb_auth_required(struct ayb_ctx *ctx, const struct fcgi_request *req, struct ayb_auth *a,
		      struct ayb_err *err);
/* No Authorization header: anonymous.  A present but invalid one is an
 * error, never downgraded to anonymous. */
int ayb_auth_optional(struct ayb_ctx *ctx, const struct fcgi_request *req, struct ayb_auth *a,
		      struct ayb_err *err);
void ayb_auth_free(struct ayb_auth *a);
/* Checks a raw API token ("ayb_<short>_<secret>") exactly as a bearer token
 * is checked: 0 with *a filled (free with ayb_auth_free), or -1 with err
 * (401).  The web UI validates its login cookie with it on every request. */
int ayb_auth_token(struct ayb_ctx *ctx, const char *token, struct ayb_auth *a,
		   struct ayb_err *err);

/* A required header: its value, or NULL with err = Other (400)
 * "Missing required `<name>` header". */
const char *ayb_require_header(const struct fcgi_request *req, const char *name,
			       struct ayb_err *err);

/* The database named by path segments 1 and 2 (/v1/{entity}/{database}/...)
 * as seen by the caller. */
struct ayb_target {
	char *entity_slug;       /* lowercased path value */
	char *name;              /* "<entity>/<database>" for messages */
	struct ayb_entity owner;
	struct ayb_database db;
	struct ayb_caller caller;
};

/* Loads the target.  A missing entity is RecordNotFound (entity), a missing
 * database -- or one the caller may not discover, so private databases do
 * not leak -- RecordNotFound (database "<e>/<d>"); both 404. */
int ayb_target_load(struct ayb_ctx *ctx, const struct fcgi_request *req,
		    const struct ayb_auth *a, struct ayb_target *t, struct ayb_err *err);
/* The same for any two segments (the web UI's paths are /{entity}/{database}). */
int ayb_target_find(struct ayb_ctx *ctx, const struct fcgi_segment *entity,
		    const struct fcgi_segment *database, const struct ayb_auth *a,
		    struct ayb_target *t, struct ayb_err *err);
void ayb_target_free(struct ayb_target *t);

/* Level names of the API: ayb's header values. */
int ayb_parse_public_level(const char *value, struct ayb_err *err);   /* -1: "Unknown value: v" (400) */
int ayb_parse_sharing_level(const char *value, struct ayb_err *err);
const char *ayb_public_level_name(int level);
const char *ayb_sharing_level_name(int level);

/* The actions behind state-changing endpoints, shared by the API and the
 * web UI.  Each checks the caller's right and returns 0 or -1 with err. */
int ayb_action_update_database(struct ayb_ctx *ctx, const struct ayb_auth *a,
			       const struct ayb_target *t, const char *public_level,
			       struct ayb_err *err);
int ayb_action_share(struct ayb_ctx *ctx, const struct ayb_auth *a, const struct ayb_target *t,
		     const char *grantee, int level, struct ayb_err *err);
/* Register and log in send the emailed token (API.md /v1/register,
 * /v1/log_in); confirm opens it and mints an API token, returning the
 * entity slug and the token as malloc'd strings the caller frees. */
int ayb_action_register(struct ayb_ctx *ctx, const char *entity, const char *email,
			const char *entity_type, struct ayb_err *err);
int ayb_action_log_in(struct ayb_ctx *ctx, const char *entity, struct ayb_err *err);
int ayb_action_confirm(struct ayb_ctx *ctx, const char *token, char **entity_out,
		       char **api_token_out, struct ayb_err *err);
/* Creates database `db` for `entity` (lowercased); db_type and
 * public_level NULL are the API's missing-header errors. */
int ayb_action_create_database(struct ayb_ctx *ctx, const struct ayb_auth *a,
			       const struct fcgi_segment *entity, const struct fcgi_segment *db,
			       const char *db_type, const char *public_level, struct ayb_err *err);
/* Runs sql at the caller's query level, streaming ayb's JSON into out
 * (ayb_hosted_query's contract); no query right is 403. */
int ayb_action_query(struct ayb_ctx *ctx, const struct ayb_auth *a, const struct ayb_target *t,
		     const char *sql, size_t len, struct ayb_sink *out, struct ayb_err *err);
/* The entity's databases the caller may discover, newest first; free with
 * ayb_databases_free(). */
int ayb_entity_visible_databases(struct ayb_ctx *ctx, const struct ayb_auth *a, int64_t entity_id,
				 struct ayb_database **out, size_t *n, struct ayb_err *err);
/* 0 when the caller (an unscoped token) is the entity named slug (len
 * bytes, lowercase), else 403. */
int ayb_check_profile_owner(const struct ayb_auth *a, const char *slug, size_t len,
			    struct ayb_err *err);
/* Applies a profile update to the caller's own profile: lengths, "nothing
 * to update", links checked; u is left as given. */
int ayb_action_update_profile(struct ayb_ctx *ctx, const struct ayb_auth *a,
			      struct ayb_profile_update *u, struct ayb_err *err);
/* May the caller manage the snapshots of t, and are snapshots configured?
 * 0 with *s3 open (the caller closes it with ayb_s3_close), or -1 with err
 * (403, or 503 "Snapshots are not configured on this server"). */
struct ayb_s3;
int ayb_snapshot_access(struct ayb_ctx *ctx, const struct ayb_auth *a, const struct ayb_target *t,
			struct ayb_s3 **s3, struct ayb_err *err);
int ayb_action_revoke_token(struct ayb_ctx *ctx, const struct ayb_auth *a, const char *short_token,
			    struct ayb_err *err);

typedef void ayb_handler(struct ayb_ctx *ctx, struct fcgi_request *req, struct fcgi_response *resp);

ayb_handler api_health;
ayb_handler api_register;
ayb_handler api_confirm;
ayb_handler api_log_in;
ayb_handler api_create_database;
ayb_handler api_query;
ayb_handler api_entity_details;
ayb_handler api_entity_update;
ayb_handler api_database_details;
ayb_handler api_database_update;
ayb_handler api_share;
ayb_handler api_permissions;
ayb_handler api_tokens_list;
ayb_handler api_token_revoke;
ayb_handler api_list_snapshots;
ayb_handler api_restore_snapshot;

#endif
