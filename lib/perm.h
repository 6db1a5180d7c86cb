/* Permission decisions (README "Sharing and permissions") as pure functions of the
 * caller, the database, the caller's grant on it and the token's scope. */
#ifndef AYB_PERM_H
#define AYB_PERM_H

#include <stdint.h>

#include "store.h"

enum ayb_query_level {
	AYB_LEVEL_NONE = -1,
	AYB_LEVEL_READ_ONLY = 0,
	AYB_LEVEL_READ_WRITE = 1,
};

/* Who asks: entity_id 0 is anonymous; grant is the caller's sharing level
 * on the database or -1 for none; token_database_id 0 means an unscoped
 * token; token_level -1 means no cap. */
struct ayb_caller {
	int64_t entity_id;
	int grant;
	int64_t token_database_id;
	int token_level;
};

/* May the caller see that the database exists (listing, details)? */
int ayb_perm_can_discover(const struct ayb_caller *c, const struct ayb_database *db);
/* May the caller fork it (copy it into a database of its own)?  Any
 * grant, the owner, or a public level of fork or read-only; never an
 * anonymous caller. */
int ayb_perm_can_fork(const struct ayb_caller *c, const struct ayb_database *db);
/* May the caller manage it (update, share, snapshots)? */
int ayb_perm_can_manage(const struct ayb_caller *c, const struct ayb_database *db);
/* The level a query runs at, token scope and cap included. */
enum ayb_query_level ayb_perm_query_level(const struct ayb_caller *c,
					  const struct ayb_database *db);
/* The same without any token, as database details report it. */
enum ayb_query_level ayb_perm_entity_query_level(const struct ayb_caller *c,
						 const struct ayb_database *db);

/* Rules about the caller's own entity: creating its databases, editing its
 * profile, seeing its tokens.  Each wants an unscoped token of that very
 * entity (entity_id 0 is anonymous, which never matches). */
int ayb_perm_can_create_database(const struct ayb_caller *c, int64_t entity_id);
int ayb_perm_is_profile_owner(const struct ayb_caller *c, int64_t entity_id);
int ayb_perm_can_list_tokens(const struct ayb_caller *c);
/* May the caller revoke one of its entity's tokens?  own: the token is the
 * one the caller is using. */
int ayb_perm_can_revoke_token(const struct ayb_caller *c, int own);
/* May the caller list and restore the snapshots of the database? */
int ayb_perm_can_manage_snapshots(const struct ayb_caller *c, const struct ayb_database *db);
/* May the caller export the database (a copy of it is a read of it all),
 * and import a file over it (which replaces it whole)? */
int ayb_perm_can_export(const struct ayb_caller *c, const struct ayb_database *db);
int ayb_perm_can_import(const struct ayb_caller *c, const struct ayb_database *db);
/* May the token hold a web UI session?  One scoped to a database (handed to
 * an application) never does. */
int ayb_perm_can_hold_session(const struct ayb_caller *c);
/* May the caller hand an app a token for the database at `level`?  Only
 * with an unscoped token of the database's owner (ayb also lets a grantee
 * do it; README "Apps: OAuth"). */
int ayb_perm_can_authorize_app(const struct ayb_caller *c, const struct ayb_database *db,
			       enum ayb_query_level level);

#endif
