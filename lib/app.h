/* The use cases of ayb: what the HTTP API and the web UI do, once, with no
 * HTTP or HTML in sight.  Each takes the context, the caller and plain
 * values, and returns 0 (or rows) or -1 with err set to the status and
 * message the API answers with (README "API").  The permission rules they
 * apply live in perm.c. */
#ifndef AYB_APP_H
#define AYB_APP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "error.h"
#include "explore.h"
#include "perm.h"
#include "query_req.h"
#include "row_sink.h"
#include "snapshot.h"
#include "store.h"

/* What every use case works against: the site's configuration and its
 * metadata store.  Neither is owned. */
struct ayb_app_ctx {
	const struct ayb_config *cfg;
	struct ayb_store *store;
	const char *client_addr; /* the caller's network address (REMOTE_ADDR); NULL: unknown */
};

/* The caller: the entity an API token speaks for, and that token. */
struct ayb_app_caller {
	int authenticated;       /* 0: anonymous */
	struct ayb_entity entity;
	struct ayb_token_row token;
};

/* Checks a raw API token ("ayb_<short>_<secret>"): 0 with *c filled (free
 * with ayb_app_caller_free), or -1 with err (401 for a malformed, unknown,
 * wrong, revoked or expired token; a store failure keeps its status). */
int ayb_app_caller_from_token(struct ayb_app_ctx *ctx, const char *token,
			      struct ayb_app_caller *c, struct ayb_err *err);
void ayb_app_caller_free(struct ayb_app_caller *c);
/* The caller as the permission rules see it, with no grant. */
struct ayb_caller ayb_app_perm_caller(const struct ayb_app_caller *c);

/* A database as the caller sees it. */
struct ayb_app_target {
	char *entity_slug;       /* the entity as named, lowercased */
	char *name;              /* "<entity>/<database>" for messages */
	struct ayb_entity owner;
	struct ayb_database db;
	struct ayb_caller caller;
};

/* Loads the database `db` (dlen bytes) of entity `entity` (elen bytes;
 * lowercased here).  A missing entity is RecordNotFound (entity), a missing
 * database -- or one the caller may not discover, so private databases do
 * not leak -- RecordNotFound (database "<e>/<d>"); both 404.  A name with a
 * NUL byte inside names nothing.  Free *t with ayb_app_target_free, also
 * after a failure. */
int ayb_app_target_find(struct ayb_app_ctx *ctx, const char *entity, size_t elen,
			const char *db, size_t dlen, const struct ayb_app_caller *c,
			struct ayb_app_target *t, struct ayb_err *err);
void ayb_app_target_free(struct ayb_app_target *t);
/* ayb_app_caller_from_token and then ayb_app_target_find for the caller
 * it finds, with the same results and errors in the same order, but in one
 * lookup of the store: an authenticated request's metadata in one read
 * transaction.  Free *c and *t as after those two, also after a failure. */
int ayb_app_caller_target(struct ayb_app_ctx *ctx, const char *token, const char *entity,
			  size_t elen, const char *db, size_t dlen, struct ayb_app_caller *c,
			  struct ayb_app_target *t, struct ayb_err *err);

/* ---- accounts (app_account.c) ---------------------------------------- */

/* Register and log in email a confirmation token; confirm opens it and
 * mints an API token, returning the entity slug and the token as malloc'd
 * strings the caller frees (wiping the token). */
int ayb_app_register(struct ayb_app_ctx *ctx, const char *entity, const char *email,
		     const char *entity_type, struct ayb_err *err);
int ayb_app_log_in(struct ayb_app_ctx *ctx, const char *entity, struct ayb_err *err);
int ayb_app_confirm(struct ayb_app_ctx *ctx, const char *token, char **entity_out,
		    char **api_token_out, struct ayb_err *err);
/* The entity a confirmation token names, without using the token (the page
 * that asks before logging in shows it): a malloc'd slug, or -1 with
 * confirm's error for a token that is invalid or expired.  Whether it was
 * used already only confirming finds out. */
int ayb_app_confirm_peek(struct ayb_app_ctx *ctx, const char *token, char **entity_out,
			 struct ayb_err *err);

/* ---- databases (app_database.c) ---------------------------------------- */

/* Creates database `db` (dlen bytes) for `entity` (elen bytes, lowercased);
 * db_type and public_level NULL are the API's missing-header errors. */
int ayb_app_database_create(struct ayb_app_ctx *ctx, const struct ayb_app_caller *c,
			    const char *entity, size_t elen, const char *db, size_t dlen,
			    const char *db_type, const char *public_level, struct ayb_err *err);
/* The first half of create: its checks, in that order, then the new
 * database's row, with *owner and *db filled (free both with
 * ayb_entity_free and ayb_database_free; zeroed on failure).  No directory
 * is made: the caller makes its first version, or takes the row back with
 * ayb_app_database_uninsert when that fails. */
int ayb_app_database_insert(struct ayb_app_ctx *ctx, const struct ayb_app_caller *c,
			    const char *entity, size_t elen, const char *db, size_t dlen,
			    const char *db_type, const char *public_level, struct ayb_entity *owner,
			    struct ayb_database *made, struct ayb_err *err);
void ayb_app_database_uninsert(struct ayb_app_ctx *ctx, const struct ayb_database *db);
/* Forks the database t into a new database of the caller's, named by
 * fork_to ("<entity>/<database>", the API's `fork-to` header; NULL is
 * its missing-header error, 400): the caller must be allowed to fork t
 * (403) and to create databases for that entity (create's checks and
 * errors, 409 for a name taken).  The fork starts with no-access public
 * sharing and no grants, and with a copy of t's file, never sharing a
 * file with it (lib/db_copy.h and its errors).  *made gets the fork's
 * owner and row (free with ayb_entity_free and ayb_database_free). */
int ayb_app_fork(struct ayb_app_ctx *ctx, const struct ayb_app_caller *c,
		 const struct ayb_app_target *t, const char *fork_to, struct ayb_entity *owner,
		 struct ayb_database *made, struct ayb_err *err);
/* Runs sql at the caller's query level, handing the result to `rows`
 * (ayb_worker_query's contract); no query right is 403. */
int ayb_app_query(struct ayb_app_ctx *ctx, const struct ayb_app_caller *c,
		  const struct ayb_app_target *t, const char *sql, size_t len,
		  struct ayb_row_sink *rows, struct ayb_err *err);
/* The JSON forms of a query (README "Parameters and batches"): parses the
 * body into r (freed by ayb_query_req_free) within the server's batch
 * limits: a body over isolation.max_batch_kb is Other (413), the rest
 * ayb_query_req_parse's errors.  Then ayb_app_query_req runs r as
 * ayb_app_query runs SQL (ayb_worker_run's contract). */
int ayb_app_query_parse(struct ayb_app_ctx *ctx, const char *body, size_t len,
			struct ayb_query_req *r, struct ayb_err *err);
int ayb_app_query_req(struct ayb_app_ctx *ctx, const struct ayb_app_caller *c,
		      const struct ayb_app_target *t, const struct ayb_query_req *r,
		      struct ayb_row_sink *rows, struct ayb_err *err);
/* What database details report about the caller's rights. */
struct ayb_app_database_rights {
	enum ayb_query_level entity_level; /* the entity's, whatever the token */
	enum ayb_query_level query_level;  /* what a query runs at, token included */
	int can_manage;
};
void ayb_app_database_rights(const struct ayb_app_target *t, struct ayb_app_database_rights *r);
/* Sets the public sharing level (NULL: nothing to update, 400). */
int ayb_app_database_update(struct ayb_app_ctx *ctx, const struct ayb_app_caller *c,
			    const struct ayb_app_target *t, const char *public_level,
			    struct ayb_err *err);

/* ---- explore (app_explore.c, README "Explore") ------------------------ */

#define AYB_EXPLORE_PAGE_SIZE 20
#define AYB_EXPLORE_PAGE_MAX 10000
#define AYB_EXPLORE_Q_MAX 200
#define AYB_DESCRIPTION_MAX 2000

/* Page `page` (from 1) of the public databases matching q (NULL or "":
 * all), newest first: *out (free with ayb_explore_entries_free) holds *n,
 * *more says a next page has some.  A page out of range or a search over
 * AYB_EXPLORE_Q_MAX bytes or not UTF-8 is Other (400). */
int ayb_app_explore(struct ayb_app_ctx *ctx, const char *q, int64_t page,
		    struct ayb_explore_entry **out, size_t *n, int *more, struct ayb_err *err);
/* Updates a database's public level (NULL: kept) and description (absent:
 * kept; NULL or "": none; at most AYB_DESCRIPTION_MAX bytes of UTF-8) for
 * its managers (403); neither given is EmptyUpdateError. */
int ayb_app_database_update_meta(struct ayb_app_ctx *ctx, const struct ayb_app_caller *c,
				 const struct ayb_app_target *t, const char *public_level,
				 const struct ayb_field_update *description, struct ayb_err *err);
/* The description, malloc'd in *out, NULL when none. */
int ayb_app_database_description(struct ayb_app_ctx *ctx, const struct ayb_app_target *t,
				 char **out, struct ayb_err *err);
/* The schema of t for a caller who may query it (403), with bounded row
 * counts; *truncated: a huge schema was cut.  Free with ayb_schema_free. */
int ayb_app_schema(struct ayb_app_ctx *ctx, const struct ayb_app_caller *c,
		   const struct ayb_app_target *t, struct ayb_schema *out, int *truncated,
		   struct ayb_err *err);
/* The rows of b for a caller who may query t (403), read-only in its
 * worker: rows (its on_end and on_end_ctx set by the caller, the rest
 * here) hands them on to `to`.  A table t has not is Other (404), a bad
 * sort or filter Other (400), then ayb_worker_run's errors. */
int ayb_app_browse(struct ayb_app_ctx *ctx, const struct ayb_app_caller *c,
		   const struct ayb_app_target *t, const struct ayb_browse *b,
		   struct ayb_browse_rows *rows, struct ayb_row_sink *to, struct ayb_err *err);

/* ---- entities and profiles (app_entity.c) ------------------------------ */

/* Loads the entity named slug (len bytes, lowercased here): 0, or -1 with
 * err (RecordNotFound entity, 404).  Free *e with ayb_entity_free. */
int ayb_app_entity_get(struct ayb_app_ctx *ctx, const char *slug, size_t len,
		       struct ayb_entity *e, struct ayb_err *err);
/* The entity's databases the caller may discover, newest first; free with
 * ayb_databases_free(). */
int ayb_app_entity_databases(struct ayb_app_ctx *ctx, const struct ayb_app_caller *c,
			     int64_t entity_id, struct ayb_database **out, size_t *n,
			     struct ayb_err *err);
/* 1 when the caller may create databases for entity e. */
int ayb_app_can_create_database(const struct ayb_app_caller *c, const struct ayb_entity *e);
/* 1 when the caller may edit the profile of entity e. */
int ayb_app_is_profile_owner(const struct ayb_app_caller *c, const struct ayb_entity *e);
/* 0 when the caller (an unscoped token) is the entity named slug (len
 * bytes, lowercase), else 403. */
int ayb_app_profile_owner_check(const struct ayb_app_caller *c, const char *slug, size_t len,
				struct ayb_err *err);
/* Applies a profile update to the caller's own profile: UTF-8 and lengths,
 * "nothing to update", links checked; u is left as given. */
int ayb_app_profile_update(struct ayb_app_ctx *ctx, const struct ayb_app_caller *c,
			   struct ayb_profile_update *u, struct ayb_err *err);

/* ---- sharing (app_sharing.c) ------------------------------------------- */

/* Level names of the API: ayb's header values.  Parsing an unknown one is
 * -1 with "Unknown value: v" (400); a level out of range is named
 * "no-access". */
int ayb_app_public_level_parse(const char *value, struct ayb_err *err);
int ayb_app_sharing_level_parse(const char *value, struct ayb_err *err);
const char *ayb_app_public_level_name(int level);
const char *ayb_app_sharing_level_name(int level);
/* Gives `grantee` (as named, not lowercased) `level` on the database. */
int ayb_app_share(struct ayb_app_ctx *ctx, const struct ayb_app_caller *c,
		  const struct ayb_app_target *t, const char *grantee, int level,
		  struct ayb_err *err);
/* The database's grants, for its managers; free with ayb_grants_free. */
int ayb_app_permissions(struct ayb_app_ctx *ctx, const struct ayb_app_caller *c,
			const struct ayb_app_target *t, struct ayb_grant **out, size_t *n,
			struct ayb_err *err);

/* ---- tokens (app_tokens.c) ---------------------------------------------- */

/* The caller's entity's tokens (403 for a scoped token); free with
 * ayb_token_infos_free. */
int ayb_app_tokens_list(struct ayb_app_ctx *ctx, const struct ayb_app_caller *c,
			struct ayb_token_info **out, size_t *n, struct ayb_err *err);
int ayb_app_token_revoke(struct ayb_app_ctx *ctx, const struct ayb_app_caller *c,
			 const char *short_token, struct ayb_err *err);

/* ---- snapshots (app_snapshots.c) ----------------------------------------- */

/* Both need the manage right (403), then configured snapshots (503
 * "Snapshots are not configured on this server").  The list is freed with
 * ayb_snapshots_free; the id of a restore is len bytes, and one holding a
 * NUL byte does not exist (404). */
int ayb_app_snapshots_list(struct ayb_app_ctx *ctx, const struct ayb_app_caller *c,
			   const struct ayb_app_target *t, struct ayb_snapshot **out, size_t *n,
			   struct ayb_err *err);
int ayb_app_snapshot_restore(struct ayb_app_ctx *ctx, const struct ayb_app_caller *c,
			     const struct ayb_app_target *t, const char *id, size_t len,
			     struct ayb_err *err);

/* A restore asked for by a form (the API's JSON body, the web UI's form):
 * exactly one of a snapshot id and `at`, an RFC 3339 instant for a
 * point-in-time restore from continuous backup (lib/pitr_restore.h).
 * The manage right first (403); both or neither, or an `at` that is not
 * RFC 3339, is Other (400); continuous backup off is Other (503). */
int ayb_app_snapshot_restore_form(struct ayb_app_ctx *ctx, const struct ayb_app_caller *c,
				  const struct ayb_app_target *t, const char *id, const char *at,
				  struct ayb_err *err);

/* The instants the database may be restored to (continuous backup): 1
 * with *from_ms and *to_ms, 0 when continuous backup is off or has
 * nothing of the database yet; the manage right first (403). */
int ayb_app_snapshots_window(struct ayb_app_ctx *ctx, const struct ayb_app_caller *c,
			     const struct ayb_app_target *t, int64_t *from_ms, int64_t *to_ms,
			     struct ayb_err *err);

/* ---- apps: OAuth 2.0 with PKCE (app_oauth.c) ------------------------------ */

/* Every OAuth use case that fails sets *code to RFC 6749's error code
 * ("invalid_request", "invalid_grant", "access_denied", "server_error"...);
 * err's message is the error_description.  Status 400 for the app's
 * mistakes, 403 for access_denied, a store failure's own otherwise. */

/* What an app asks /oauth/authorize for; NULL: the parameter is absent. */
struct ayb_oauth_request {
	const char *response_type, *redirect_uri, *scope, *state, *code_challenge,
		*code_challenge_method, *app_name;
};
/* ayb's checks in ayb's order, then ours (lengths, the challenge's form);
 * *level is the level the scope asks for. */
int ayb_app_oauth_check(const struct ayb_oauth_request *r, int *level, const char **code,
			struct ayb_err *err);
/* "read-only"/"read-write" and back (AYB_LEVEL_NONE for anything else). */
const char *ayb_app_oauth_scope_name(int level);
int ayb_app_oauth_scope_parse(const char *scope);
/* The logged-in caller lets the app of r query `database`
 * ("<entity>/<database>", one the caller owns) at granted_scope (NULL or
 * "": the requested one; never more): a single-use code, malloc'd in
 * *code_out, valid for 10 minutes and bound to all of r. */
int ayb_app_oauth_authorize(struct ayb_app_ctx *ctx, const struct ayb_app_caller *c,
			    const struct ayb_oauth_request *r, const char *database,
			    const char *granted_scope, char **code_out, const char **code,
			    struct ayb_err *err);

/* POST /v1/oauth/token's fields; NULL: absent. */
struct ayb_oauth_token_request {
	const char *grant_type, *code, *redirect_uri, *code_verifier;
};
/* What the app gets; free with ayb_oauth_grant_free. */
struct ayb_oauth_grant {
	char *access_token;
	char *database;      /* "<entity>/<database>" */
	int level;
	char *database_url;  /* public_url + "/v1/" + database */
};
void ayb_oauth_grant_free(struct ayb_oauth_grant *g);
/* Redeems a code: PKCE S256 in constant time, the redirect_uri byte for
 * byte; a code presented a second time revokes the token it gave. */
int ayb_app_oauth_token(struct ayb_app_ctx *ctx, const struct ayb_oauth_token_request *r,
			struct ayb_oauth_grant *g, const char **code, struct ayb_err *err);
/* ---- export and import (app_export.c, app_import.c) -------------------- */

/* An export ready to stream: an open file no path names any more (the
 * caller reads it from the start and closes it with ayb_export_close),
 * its size, the name to offer and its media type (static). */
struct ayb_export {
	int fd;
	uint64_t size;
	char *filename;
	const char *content_type;
};
/* A consistent copy of the database (sql: its SQL dump instead), for a
 * caller who may read it (else 403), under the caller's and the database's
 * query slots; errors as lib/db_copy.h says, with "Export" for what. */
int ayb_app_export(struct ayb_app_ctx *ctx, const struct ayb_app_caller *c,
		   const struct ayb_app_target *t, int sql, struct ayb_export *out,
		   struct ayb_err *err);
void ayb_export_close(struct ayb_export *e);

/* Where an import's bytes come from: up to n bytes into p; returns how
 * many, 0 at the end, -1 with err set (the upload failed or is invalid). */
typedef long ayb_app_read_fn(void *ctx, char *p, size_t n, struct ayb_err *err);

/* Replaces the database with the file read from `read` (sql: an SQL dump
 * to run on an empty database), for a caller who may manage it (else
 * 403).  The bytes go to a new version directory as they arrive, never
 * whole in memory, up to isolation.max_file_size_mb; the file is checked
 * as untrusted (lib/import_check.h, then integrity and schema in a worker)
 * and swapped in as a snapshot restore is.  On any failure the database is
 * untouched.  Errors: Other (400) saying what is wrong with the file ("The
 * file is not an SQLite database", "... is truncated ...", "The file is not
 * an intact SQLite database: ...", "The database's schema is refused: ...",
 * "The file is larger than the server allows ...", "The SQL dump was not
 * imported: Statement <n>: ..."), the reader's, the worker's. */
int ayb_app_import(struct ayb_app_ctx *ctx, const struct ayb_app_caller *c,
		   const struct ayb_app_target *t, int sql, ayb_app_read_fn *read, void *rctx,
		   struct ayb_err *err);

#endif
