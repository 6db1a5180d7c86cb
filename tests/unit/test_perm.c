/* The permission matrix (README "Sharing and permissions"), plus token scope and cap. */
#include "autoconfig.h"

#include "perm.h"
#include "tap.h"

#define OWNER 1
#define OTHER 2

enum who { W_OWNER, W_MANAGER, W_RW, W_RO, W_NONE, W_ANON };

static struct ayb_caller caller(enum who w)
{
	static const int grants[] = { -1, AYB_SHARE_MANAGER, AYB_SHARE_READ_WRITE,
				      AYB_SHARE_READ_ONLY, -1, -1 };
	struct ayb_caller c = { w == W_OWNER ? OWNER : w == W_ANON ? 0 : OTHER, grants[w], 0, -1 };
	return c;
}

int main(void)
{
	static const char *const names[] = { "owner", "manager", "read-write grant",
					      "read-only grant", "no grant", "anonymous" };
	static const char *const pubs[] = { "no-access", "fork", "read-only" };
	struct ayb_database db = { 10, OWNER, "d", 0, 0 };

	for (int pub = 0; pub < 3; pub++) {
		db.public_sharing_level = pub;
		for (int w = W_OWNER; w <= W_ANON; w++) {
			struct ayb_caller c = caller((enum who)w);
			int granted = w <= W_RO;
			int want_discover = granted || pub != AYB_PUBLIC_NO_ACCESS;
			int want_manage = w <= W_MANAGER;
			int want_fork = w != W_ANON && want_discover;
			enum ayb_query_level want_level =
				w == W_ANON ? AYB_LEVEL_NONE
				: w <= W_RW ? AYB_LEVEL_READ_WRITE
				: w == W_RO ? AYB_LEVEL_READ_ONLY
				: pub == AYB_PUBLIC_READ_ONLY ? AYB_LEVEL_READ_ONLY
				: AYB_LEVEL_NONE;

			is_int(ayb_perm_can_discover(&c, &db), want_discover,
			       "%s, public %s: discover", names[w], pubs[pub]);
			is_int(ayb_perm_can_fork(&c, &db), want_fork, "%s, public %s: fork",
			       names[w], pubs[pub]);
			is_int(ayb_perm_can_manage(&c, &db), want_manage, "%s, public %s: manage",
			       names[w], pubs[pub]);
			is_int(ayb_perm_query_level(&c, &db), want_level,
			       "%s, public %s: query level", names[w], pubs[pub]);
			is_int(ayb_perm_entity_query_level(&c, &db), want_level,
			       "%s, public %s: details level", names[w], pubs[pub]);
			/* Explore: whoever may query, and anyone for a public
			 * read-only database, anonymous readers too. */
			is_int(ayb_perm_can_browse(&c, &db),
			       want_level != AYB_LEVEL_NONE || pub == AYB_PUBLIC_READ_ONLY,
			       "%s, public %s: browse", names[w], pubs[pub]);
		}
	}

	/* A grant of level 0 left in the table counts as no grant. */
	struct ayb_caller zero = { OTHER, AYB_SHARE_NO_ACCESS, 0, -1 };
	db.public_sharing_level = AYB_PUBLIC_NO_ACCESS;
	is_int(ayb_perm_can_discover(&zero, &db), 0, "no-access grant: not discoverable");
	is_int(ayb_perm_query_level(&zero, &db), AYB_LEVEL_NONE, "no-access grant: no query");
	db.public_sharing_level = AYB_PUBLIC_READ_ONLY;
	is_int(ayb_perm_query_level(&zero, &db), AYB_LEVEL_READ_ONLY,
	       "no-access grant falls through to the public level");

	/* Scoped tokens: their own database only, capped, never managing. */
	struct ayb_database other = { 11, OWNER, "o", 0, AYB_PUBLIC_READ_ONLY };
	struct ayb_caller scoped_ro = { OWNER, -1, 10, AYB_LEVEL_READ_ONLY };
	struct ayb_caller scoped_rw = { OWNER, -1, 10, AYB_LEVEL_READ_WRITE };
	db.public_sharing_level = AYB_PUBLIC_NO_ACCESS;
	is_int(ayb_perm_query_level(&scoped_ro, &db), AYB_LEVEL_READ_ONLY,
	       "read-only cap lowers the owner");
	is_int(ayb_perm_query_level(&scoped_rw, &db), AYB_LEVEL_READ_WRITE,
	       "read-write cap keeps it");
	is_int(ayb_perm_entity_query_level(&scoped_ro, &db), AYB_LEVEL_READ_WRITE,
	       "details report the entity's level, not the token's");
	is_int(ayb_perm_query_level(&scoped_rw, &other), AYB_LEVEL_NONE,
	       "nothing on another database");
	is_int(ayb_perm_can_discover(&scoped_rw, &other), 0,
	       "another database is not even visible");
	is_int(ayb_perm_can_discover(&scoped_rw, &db), 1, "its own database is visible");
	is_int(ayb_perm_can_manage(&scoped_rw, &db), 0, "a scoped token never manages");
	is_int(ayb_perm_can_browse(&scoped_rw, &other), 0,
	       "a scoped token browses no other database, even a public one");
	is_int(ayb_perm_can_fork(&scoped_rw, &other), 0, "a scoped token forks no other database");
	struct ayb_caller scoped_grant = { OTHER, AYB_SHARE_READ_ONLY, 10, AYB_LEVEL_READ_WRITE };
	is_int(ayb_perm_query_level(&scoped_grant, &db), AYB_LEVEL_READ_ONLY,
	       "a read-write cap cannot raise a read-only grant");
	struct ayb_caller scoped_public = { OTHER, -1, 11, AYB_LEVEL_READ_WRITE };
	is_int(ayb_perm_query_level(&scoped_public, &other), AYB_LEVEL_READ_ONLY,
	       "a cap cannot raise the public level");

	/* Acting as the entity itself: creating, editing the profile, tokens. */
	struct ayb_caller self = caller(W_OWNER), stranger = caller(W_NONE), anon = caller(W_ANON);
	is_int(ayb_perm_can_create_database(&self, OWNER), 1, "owner creates its databases");
	is_int(ayb_perm_can_create_database(&stranger, OWNER), 0, "another entity does not");
	is_int(ayb_perm_can_create_database(&anon, OWNER), 0, "anonymous does not");
	is_int(ayb_perm_can_create_database(&anon, 0), 0, "anonymous never matches an id 0");
	is_int(ayb_perm_can_create_database(&scoped_rw, OWNER), 0, "a scoped token never creates");
	is_int(ayb_perm_is_profile_owner(&self, OWNER), 1, "owner edits its profile");
	is_int(ayb_perm_is_profile_owner(&stranger, OWNER), 0, "not another entity's");
	is_int(ayb_perm_is_profile_owner(&scoped_rw, OWNER), 0, "not with a scoped token");
	is_int(ayb_perm_can_list_tokens(&self), 1, "an unscoped token lists tokens");
	is_int(ayb_perm_can_list_tokens(&scoped_rw), 0, "a scoped token does not");
	is_int(ayb_perm_can_revoke_token(&self, 0), 1, "an unscoped token revokes any");
	is_int(ayb_perm_can_revoke_token(&scoped_rw, 1), 1, "a scoped token revokes itself");
	is_int(ayb_perm_can_revoke_token(&scoped_rw, 0), 0, "but no other token");
	is_int(ayb_perm_can_hold_session(&self), 1, "an unscoped token holds a session");
	is_int(ayb_perm_can_hold_session(&scoped_rw), 0, "a scoped token never does");

	/* Snapshots follow the manage right. */
	db.public_sharing_level = AYB_PUBLIC_READ_ONLY;
	for (int w = W_OWNER; w <= W_ANON; w++) {
		struct ayb_caller c = caller((enum who)w);
		is_int(ayb_perm_can_manage_snapshots(&c, &db), w <= W_MANAGER, "%s: snapshots",
		       names[w]);
	}
	is_int(ayb_perm_can_manage_snapshots(&scoped_rw, &db), 0, "a scoped token: no snapshots");
	return tap_done();
}
