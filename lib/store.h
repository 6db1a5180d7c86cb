/* The metadata store (README "Metadata store: SQLite or PostgreSQL"):
 * entities, authentication methods, databases, API tokens, grants.  One
 * interface whatever the backend: the queries live once in store.c and a
 * backend (store_sqlite.c, later store_pg.c) only runs them.
 *
 * Lookups return 1 when found, 0 when not, -1 with err set on failure. */
#ifndef AYB_STORE_H
#define AYB_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct ayb_store;

enum ayb_entity_type { AYB_ENTITY_USER = 0, AYB_ENTITY_ORGANIZATION = 1 };
enum ayb_db_type { AYB_DB_SQLITE = 0, AYB_DB_DUCKDB = 1 };
enum ayb_public_level { AYB_PUBLIC_NO_ACCESS = 0, AYB_PUBLIC_FORK = 1, AYB_PUBLIC_READ_ONLY = 2 };
enum ayb_sharing_level {
	AYB_SHARE_NO_ACCESS = 0, AYB_SHARE_READ_ONLY = 1, AYB_SHARE_READ_WRITE = 2,
	AYB_SHARE_MANAGER = 3
};

struct ayb_entity {
	int64_t id;
	char *slug;
	int entity_type;
	char *display_name;   /* NULL when unset, as the profile fields below */
	char *description;
	char *organization;
	char *location;
	char *links;          /* JSON text [{"url":..,"verified":..}] or NULL */
};

/* Which node holds a database, at which epoch (README "Several machines"). */
enum ayb_placement_state { AYB_PLACEMENT_SERVING = 0, AYB_PLACEMENT_MOVING = 1 };
#define AYB_NODE_NAME_MAX 64
struct ayb_placement {
	char node[AYB_NODE_NAME_MAX];  /* "" when the database has no placement row */
	int64_t epoch;
	int state;
};

struct ayb_database {
	int64_t id;
	int64_t entity_id;
	char *slug;
	int db_type;
	int public_sharing_level;
	struct ayb_placement place;    /* filled by the target lookups only */
	char *node_url;                /* the URL of place.node (target lookups), or NULL */
};

struct ayb_auth_method {
	int method_type;      /* 0 email */
	int status;           /* 0 verified, 1 revoked */
	char *email_address;
};

struct ayb_token_row {
	char *short_token;
	int64_t entity_id;
	char *hash;
	int64_t database_id;          /* 0: unscoped */
	int query_permission_level;   /* -1: no cap */
	char *app_name;               /* NULL when unscoped */
	int revoked;
	int expired;
};

/* A grant as listed: the grantee and its level. */
struct ayb_grant {
	char *entity_slug;
	int sharing_level;
};

/* A token as listed; NULL strings are SQL NULL. */
struct ayb_token_info {
	char *short_token;
	char *scoped_database;        /* "<entity>/<database>" or NULL */
	int query_permission_level;   /* -1 when unscoped */
	char *app_name;
	char *created_at;
	char *expires_at;
	char *revoked_at;
};

/* One optional profile field of an update: absent, set to NULL, or set. */
struct ayb_field_update {
	int present;
	const char *value;    /* NULL: set the column to NULL */
};

struct ayb_profile_update {
	struct ayb_field_update display_name, description, organization, location, links;
};

/* Opens the store named by database_url ("sqlite://<abs path>") and applies
 * pending migrations.  Caller closes with ayb_store_close(). */
int ayb_store_open(const char *database_url, struct ayb_store **out, struct ayb_err *err);
void ayb_store_close(struct ayb_store *st);

/* A transaction over the calls between begin and commit (or rollback, after
 * which err of the failed call stands).  On SQLite, begin takes the write
 * lock at once, so transactions run one after another. */
int ayb_store_begin(struct ayb_store *st, struct ayb_err *err);
int ayb_store_commit(struct ayb_store *st, struct ayb_err *err);
void ayb_store_rollback(struct ayb_store *st);

/* Each *_free releases the strings a lookup filled in (not the struct itself). */
void ayb_entity_free(struct ayb_entity *e);
void ayb_database_free(struct ayb_database *d);
void ayb_token_row_free(struct ayb_token_row *t);

int ayb_store_entity_get(struct ayb_store *st, const char *slug, struct ayb_entity *out,
			 struct ayb_err *err);
/* Creates the entity if missing (keeping an existing entity's type); 0 or -1. */
int ayb_store_entity_get_or_create(struct ayb_store *st, const char *slug, int entity_type,
				   struct ayb_entity *out, struct ayb_err *err);
int ayb_store_entity_update_profile(struct ayb_store *st, int64_t entity_id,
				    const struct ayb_profile_update *u, struct ayb_err *err);
/* Sets the entity's links to `links` only if they are still `expected`
 * (as read before): 1 when set, 0 when they had changed, -1 with err. */
int ayb_store_entity_set_links(struct ayb_store *st, int64_t entity_id, const char *expected,
			       const char *links, struct ayb_err *err);

/* All methods of an entity in id order; *out is an array of *n the caller
 * frees with ayb_auth_methods_free(). */
int ayb_store_auth_methods(struct ayb_store *st, int64_t entity_id, struct ayb_auth_method **out,
			   size_t *n, struct ayb_err *err);
void ayb_auth_methods_free(struct ayb_auth_method *m, size_t n);
/* Gives the entity its verified email method: 0 when it has this address
 * (added now, or already), 1 when it has another one (an entity has at most
 * one: a registration that lost), -1 with err set; an address verified on
 * another entity is Other (409) "The email address <a> is already used by
 * another account". */
int ayb_store_auth_method_create(struct ayb_store *st, int64_t entity_id, const char *email,
				 struct ayb_err *err);

/* Records that the emailed token token_id (struct ayb_email_claim's id) has
 * been used: 1 the first time, 0 when it was before. */
int ayb_store_email_token_use(struct ayb_store *st, const char *token_id, struct ayb_err *err);

/* Counts an email to `address` asked for from `client` (NULL or "": unknown,
 * not counted) against the limits per hour-long window (0: none), `now` in Unix
 * seconds.  Returns 1 when both allow it (it is counted), 0 when one is
 * used up (nothing is counted; *over is 0 for the address, 1 for the
 * client, *retry_after the seconds until its window ends), -1 with err. */
int ayb_store_email_quota(struct ayb_store *st, const char *address, const char *client,
			  int64_t max_address, int64_t max_client, int64_t now, int *over,
			  int64_t *retry_after, struct ayb_err *err);

/* Inserts a database; a duplicate (entity, slug) is Other (409)
 * "Database already exists". */
int ayb_store_database_create(struct ayb_store *st, int64_t entity_id, const char *slug,
			      int db_type, int public_level, struct ayb_database *out,
			      struct ayb_err *err);
int ayb_store_database_get(struct ayb_store *st, int64_t entity_id, const char *slug,
			   struct ayb_database *out, struct ayb_err *err);
int ayb_store_database_delete(struct ayb_store *st, int64_t database_id, struct ayb_err *err);
/* The entity's databases, newest first; free with ayb_databases_free(). */
int ayb_store_database_list(struct ayb_store *st, int64_t entity_id, struct ayb_database **out,
			    size_t *n, struct ayb_err *err);
void ayb_databases_free(struct ayb_database *d, size_t n);

/* The grant of entity on database: 1 and *level, or 0 when none. */
int ayb_store_grant_get(struct ayb_store *st, int64_t entity_id, int64_t database_id,
			int *level, struct ayb_err *err);

/* Sets the grant of entity on database: AYB_SHARE_NO_ACCESS deletes it
 * (no error when there was none), other levels insert or update it. */
int ayb_store_grant_set(struct ayb_store *st, int64_t entity_id, int64_t database_id, int level,
			struct ayb_err *err);
/* The grants of a database in the order first given; free with
 * ayb_grants_free(). */
int ayb_store_grant_list(struct ayb_store *st, int64_t database_id, struct ayb_grant **out,
			 size_t *n, struct ayb_err *err);
void ayb_grants_free(struct ayb_grant *g, size_t n);

int ayb_store_database_set_public_level(struct ayb_store *st, int64_t database_id, int level,
					struct ayb_err *err);

int ayb_store_token_create(struct ayb_store *st, const struct ayb_token_row *t,
			   struct ayb_err *err);
/* The token, and (when entity is not NULL) the entity it belongs to, in
 * one round trip; both filled when found. */
int ayb_store_token_get(struct ayb_store *st, const char *short_token, struct ayb_token_row *out,
			struct ayb_entity *entity, struct ayb_err *err);

/* The entity named entity_slug, its database named db_slug and the grant of
 * the entity caller_id on it (0: no caller), in one round trip.  Returns 0
 * when there is no such entity, 1 when only the entity exists (entity
 * filled), 2 when both do (db filled too; *grant = level or -1), -1 on error. */
int ayb_store_target_get(struct ayb_store *st, const char *entity_slug, const char *db_slug,
			 int64_t caller_id, struct ayb_entity *entity, struct ayb_database *db,
			 int *grant, struct ayb_err *err);

/* ayb_store_token_get and then ayb_store_target_get with the token's
 * entity as the caller, in one statement (one read transaction, one round
 * trip): what an authenticated request about a database needs.  Returns
 * ayb_store_token_get's result; when it is 1, *target is
 * ayb_store_target_get's (0, 1 or 2), or the call fails (-1). */
int ayb_store_caller_target_get(struct ayb_store *st, const char *short_token,
				struct ayb_token_row *token, struct ayb_entity *caller,
				const char *entity_slug, const char *db_slug,
				struct ayb_entity *entity, struct ayb_database *db, int *grant,
				int *target, struct ayb_err *err);

/* The entity's tokens that are neither revoked nor expired, newest first;
 * free with ayb_token_infos_free(). */
int ayb_store_token_list(struct ayb_store *st, int64_t entity_id, struct ayb_token_info **out,
			 size_t *n, struct ayb_err *err);
void ayb_token_infos_free(struct ayb_token_info *t, size_t n);
/* Revokes the entity's own, not yet revoked token: 1 when done, 0 when no
 * such token (unknown, someone else's, already revoked). */
int ayb_store_token_revoke(struct ayb_store *st, int64_t entity_id, const char *short_token,
			   struct ayb_err *err);

/* A public database as the directory lists it (README "Explore"). */
struct ayb_explore_entry {
	char *entity_slug;
	char *database_slug;
	int db_type;
	int public_sharing_level;
	char *description;    /* NULL when unset */
};
void ayb_explore_entries_free(struct ayb_explore_entry *e, size_t n);
/* Public databases (fork or read-only) whose owner, name or description
 * matches the LIKE pattern, either folded by the backend's lower()
 * (backslash escapes the pattern's wildcards),
 * newest first: at most limit from offset on, in *out (*n of them). */
int ayb_store_explore(struct ayb_store *st, const char *pattern, int64_t limit, int64_t offset,
		      struct ayb_explore_entry **out, size_t *n, struct ayb_err *err);
/* A database's description (NULL: none); the getter's is malloc'd. */
int ayb_store_database_set_description(struct ayb_store *st, int64_t database_id,
				       const char *description, struct ayb_err *err);
int ayb_store_database_description(struct ayb_store *st, int64_t database_id, char **out,
				   struct ayb_err *err);

/* An OAuth authorization code as stored (README "Apps: OAuth"), under the
 * hash of the code; NULL strings are SQL NULL.  Lookups also fill
 * `database` ("<owner>/<database>"), `used` and `expired`. */
struct ayb_oauth_code {
	int64_t entity_id;       /* who authorized */
	char *code_challenge;
	char *redirect_uri;
	char *app_name;
	int requested_level;     /* the app's scope, 0 read-only, 1 read-write */
	char *state;
	int64_t database_id;
	int level;               /* the level granted (at most the requested one) */
	char *database;
	int used;
	int expired;
};
void ayb_oauth_code_free(struct ayb_oauth_code *c);

/* Stores a code expiring ttl_seconds from now (and drops codes a day past
 * their expiry). */
int ayb_store_oauth_code_create(struct ayb_store *st, const char *code_hash,
				const struct ayb_oauth_code *c, int64_t ttl_seconds,
				struct ayb_err *err);
int ayb_store_oauth_code_get(struct ayb_store *st, const char *code_hash,
			     struct ayb_oauth_code *out, struct ayb_err *err);
/* Marks the code used, recording the token minted from it: 1 when done, 0
 * when it was used already. */
int ayb_store_oauth_code_use(struct ayb_store *st, const char *code_hash,
			     const char *short_token, struct ayb_err *err);
/* How many codes the entity was given in the last `seconds`. */
int ayb_store_oauth_codes_since(struct ayb_store *st, int64_t entity_id, int64_t seconds,
				int64_t *count, struct ayb_err *err);
/* Revokes the token minted from the code, if any (a code presented twice). */
int ayb_store_oauth_code_revoke_token(struct ayb_store *st, const char *code_hash,
				      struct ayb_err *err);

/* Records that the database's content changed now (README "Explore": the
 * directory lists the most recently changed first). */
int ayb_store_database_changed(struct ayb_store *st, const char *entity, const char *db,
			       struct ayb_err *err);

#endif
