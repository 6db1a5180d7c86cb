#include "autoconfig.h"

#include "perm.h"

static int is_owner(const struct ayb_caller *c, const struct ayb_database *db)
{
	return c->entity_id != 0 && c->entity_id == db->entity_id;
}

/* A scoped token only ever speaks for its own database. */
static int token_allows(const struct ayb_caller *c, const struct ayb_database *db)
{
	return c->token_database_id == 0 || c->token_database_id == db->id;
}

int ayb_perm_can_discover(const struct ayb_caller *c, const struct ayb_database *db)
{
	if (c->entity_id && !token_allows(c, db))
		return 0;
	if (db->public_sharing_level == AYB_PUBLIC_FORK ||
	    db->public_sharing_level == AYB_PUBLIC_READ_ONLY)
		return 1;
	if (!c->entity_id)
		return 0;
	return is_owner(c, db) || c->grant >= AYB_SHARE_READ_ONLY;
}

/* Forking copies every row, so a public level that lets anyone discover
 * the database (fork, read-only) or any grant allows it; a scoped token
 * speaks for its own database alone. */
int ayb_perm_can_fork(const struct ayb_caller *c, const struct ayb_database *db)
{
	if (!c->entity_id || !token_allows(c, db))
		return 0;
	return is_owner(c, db) || c->grant >= AYB_SHARE_READ_ONLY ||
	       db->public_sharing_level >= AYB_PUBLIC_FORK;
}

/* A scoped token was handed to an application for queries on one
 * database: it never manages anything, even for the owner. */
int ayb_perm_can_manage(const struct ayb_caller *c, const struct ayb_database *db)
{
	if (!c->entity_id || c->token_database_id)
		return 0;
	return is_owner(c, db) || c->grant == AYB_SHARE_MANAGER;
}

enum ayb_query_level ayb_perm_entity_query_level(const struct ayb_caller *c,
						 const struct ayb_database *db)
{
	if (!c->entity_id)
		return AYB_LEVEL_NONE;
	if (is_owner(c, db) || c->grant == AYB_SHARE_MANAGER || c->grant == AYB_SHARE_READ_WRITE)
		return AYB_LEVEL_READ_WRITE;
	if (c->grant == AYB_SHARE_READ_ONLY)
		return AYB_LEVEL_READ_ONLY;
	if (db->public_sharing_level == AYB_PUBLIC_READ_ONLY)
		return AYB_LEVEL_READ_ONLY;
	return AYB_LEVEL_NONE;
}

enum ayb_query_level ayb_perm_query_level(const struct ayb_caller *c,
					  const struct ayb_database *db)
{
	enum ayb_query_level level;

	if (!token_allows(c, db))
		return AYB_LEVEL_NONE;
	level = ayb_perm_entity_query_level(c, db);
	/* The cap lowers an explicit level; it can never raise the public one. */
	if (level == AYB_LEVEL_READ_WRITE && c->token_level == AYB_LEVEL_READ_ONLY)
		level = AYB_LEVEL_READ_ONLY;
	return level;
}

/* Acting as the entity itself: its own unscoped token. */
static int speaks_for(const struct ayb_caller *c, int64_t entity_id)
{
	return c->entity_id != 0 && c->entity_id == entity_id && c->token_database_id == 0;
}

/* A scoped token only queries; it never creates. */
int ayb_perm_can_create_database(const struct ayb_caller *c, int64_t entity_id)
{
	return speaks_for(c, entity_id);
}

int ayb_perm_is_profile_owner(const struct ayb_caller *c, int64_t entity_id)
{
	return speaks_for(c, entity_id);
}

/* A scoped token belongs to an application, which has no business seeing
 * the entity's other tokens. */
int ayb_perm_can_list_tokens(const struct ayb_caller *c)
{
	return c->entity_id != 0 && c->token_database_id == 0;
}

/* A scoped token may give itself up, nothing more. */
int ayb_perm_can_revoke_token(const struct ayb_caller *c, int own)
{
	return c->entity_id != 0 && (c->token_database_id == 0 || own);
}

int ayb_perm_can_manage_snapshots(const struct ayb_caller *c, const struct ayb_database *db)
{
	return ayb_perm_can_manage(c, db);
}

int ayb_perm_can_export(const struct ayb_caller *c, const struct ayb_database *db)
{
	return ayb_perm_query_level(c, db) != AYB_LEVEL_NONE;
}

int ayb_perm_can_import(const struct ayb_caller *c, const struct ayb_database *db)
{
	return ayb_perm_can_manage(c, db);
}

int ayb_perm_can_hold_session(const struct ayb_caller *c)
{
	return c->entity_id != 0 && c->token_database_id == 0;
}

int ayb_perm_can_authorize_app(const struct ayb_caller *c, const struct ayb_database *db,
			       enum ayb_query_level level)
{
	return speaks_for(c, db->entity_id) && ayb_perm_entity_query_level(c, db) >= level;
}
