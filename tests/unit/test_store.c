/* The metadata store: migrations, every query, uniqueness rules.  SQLite in
 * a temporary directory, or the PostgreSQL database named by AYB_TEST_PG_URL
 * (an empty one; tests/e2e/pg_store.sh runs it so). */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "tap.h"

/* Migration 2 over a store that a registration race left with two owners
 * of one entity: it keeps the first method (the one log in mails), and from
 * then on an entity gets no second one.  The store is taken back to before
 * migration 2 with sqlite3 itself. */
static void test_migration_2(const char *url, const char *path)
{
	struct ayb_err err = { 0 };
	struct ayb_store *st = NULL;
	struct ayb_entity e = { 0 };
	struct ayb_auth_method *m = NULL;
	size_t n = 0;
	sqlite3 *db = NULL;

	sqlite3_open(path, &db);
	is_int(sqlite3_exec(db,
			    "DROP TABLE placement;"
			    "DROP TABLE node;"
			    "DROP INDEX authentication_method_entity;"
			    "DROP TABLE used_email_token;"
			    "DROP TABLE email_quota;"
			    "ALTER TABLE oauth_authorization_request DROP COLUMN short_token;"
			    "DROP INDEX database_public;"
			    "DROP INDEX database_public_changed;"
			    "ALTER TABLE database DROP COLUMN changed_at;"
			    "ALTER TABLE database DROP COLUMN description;"
			    "DELETE FROM ayb_migrations WHERE version >= 2;"
			    "INSERT INTO entity (slug, entity_type) VALUES ('twice', 0);"
			    "INSERT INTO authentication_method"
			    " (entity_id, method_type, status, email_address) VALUES"
			    " ((SELECT id FROM entity WHERE slug = 'twice'), 0, 0, 'first@x.org'),"
			    " ((SELECT id FROM entity WHERE slug = 'twice'), 0, 0, 'second@x.org')",
			    NULL, NULL, NULL),
	       SQLITE_OK, "a store from before migration 2, with an entity owned twice");
	sqlite3_close(db);
	is_int(ayb_store_open(url, &st, &err), 0, "migration 2 applies to it");
	ayb_store_entity_get(st, "twice", &e, &err);
	is_int(ayb_store_auth_methods(st, e.id, &m, &n, &err), 0, "its methods");
	is_int(n, 1, "the entity owned twice keeps one method");
	is_str(n ? m[0].email_address : "", "first@x.org", "the first one");
	ayb_auth_methods_free(m, n);
	is_int(ayb_store_auth_method_create(st, e.id, "second@x.org", &err), 1,
	       "and gets no second one again");
	ayb_entity_free(&e);
	ayb_store_close(st);
	ayb_err_clear(&err);
}

int main(void)
{
	char dir[] = "/tmp/ayb-test-store.XXXXXX", url[300], path[256];
	struct ayb_err err = { 0 };
	struct ayb_store *st = NULL;
	struct ayb_entity e = { 0 }, e2 = { 0 }, got = { 0 };
	struct ayb_database db = { 0 }, db2 = { 0 }, dbg = { 0 }, *list = NULL;
	struct ayb_auth_method *m = NULL;
	struct ayb_token_row t = { 0 };
	size_t n = 0;
	int level = -1;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/meta.sqlite", dir);
	if (getenv("AYB_TEST_PG_URL") && *getenv("AYB_TEST_PG_URL"))
		snprintf(url, sizeof(url), "%s", getenv("AYB_TEST_PG_URL"));
	else
		snprintf(url, sizeof(url), "sqlite://%s", path);

	is_int(ayb_store_open(url, &st, &err), 0, "open creates and migrates");
	ayb_store_close(st);
	is_int(ayb_store_open(url, &st, &err), 0, "reopening applies nothing twice");

	is_int(ayb_store_entity_get(st, "alice", &got, &err), 0, "unknown entity");
	is_int(ayb_store_entity_get_or_create(st, "alice", 0, &e, &err), 0, "create entity");
	is_str(e.slug, "alice", "slug");
	is_int(ayb_store_entity_get_or_create(st, "alice", 1, &e2, &err), 0, "get existing entity");
	is_int(e2.id, e.id, "same id");
	is_int(e2.entity_type, 0, "an existing entity keeps its type");
	ayb_entity_free(&e2);
	is_int(ayb_store_entity_get(st, "alice", &got, &err), 1, "entity by slug");
	ok(got.display_name == NULL && got.links == NULL, "profile starts empty");
	ayb_entity_free(&got);

	struct ayb_profile_update u;
	memset(&u, 0, sizeof(u));
	u.display_name.present = 1;
	u.display_name.value = "Alice";
	u.links.present = 1;
	u.links.value = "[{\"url\":\"http://a\",\"verified\":false}]";
	is_int(ayb_store_entity_update_profile(st, e.id, &u, &err), 0, "update profile");
	memset(&u, 0, sizeof(u));
	u.location.present = 1;
	u.location.value = "Here";
	ayb_store_entity_update_profile(st, e.id, &u, &err);
	ayb_store_entity_get(st, "alice", &got, &err);
	is_str(got.display_name, "Alice", "display name set");
	is_str(got.location, "Here", "absent fields stay, given ones change");
	ayb_entity_free(&got);
	memset(&u, 0, sizeof(u));
	u.display_name.present = 1;
	ayb_store_entity_update_profile(st, e.id, &u, &err);
	ayb_store_entity_get(st, "alice", &got, &err);
	ok(got.display_name == NULL, "present with NULL clears");
	is_str(got.location, "Here", "other fields untouched");
	ayb_entity_free(&got);

	is_int(ayb_store_auth_method_create(st, e.id, "a@example.org", &err), 0,
	       "add email method");
	is_int(ayb_store_auth_method_create(st, e.id, "a@example.org", &err), 0,
	       "adding the same address to the same entity again (a racing confirmation) is fine");
	is_int(err.kind, AYB_OK, "and leaves no error behind");
	ayb_store_entity_get_or_create(st, "bob", 0, &e2, &err);
	is_int(ayb_store_auth_method_create(st, e2.id, "a@example.org", &err), -1,
	       "an address verifies one entity only");
	is_int(ayb_err_status(&err), 409, "conflict status");
	is_str(err.message, "The email address a@example.org is already used by another account",
	       "conflict message");
	ayb_err_clear(&err);
	is_int(ayb_store_auth_method_create(st, e.id, "other@example.org", &err), 1,
	       "an entity that has its method gets no second one (the registration was lost)");
	is_int(err.kind, AYB_OK, "which is no error of the store's");
	is_int(ayb_store_auth_methods(st, e.id, &m, &n, &err), 0, "list methods");
	is_int(n, 1, "one method");
	is_str(m[0].email_address, "a@example.org", "method address");
	ayb_auth_methods_free(m, n);

	is_int(ayb_store_email_token_use(st, "00ff", &err), 1, "an emailed token's first use");
	is_int(ayb_store_email_token_use(st, "00ff", &err), 0, "its second use is refused");
	is_int(ayb_store_email_token_use(st, "00fe", &err), 1, "another token is its own");
	is_int(ayb_store_begin(st, &err), 0, "begin");
	is_int(ayb_store_email_token_use(st, "00fd", &err), 1, "a use inside a transaction");
	ayb_store_rollback(st);
	is_int(ayb_store_email_token_use(st, "00fd", &err), 1, "is undone by its rollback");
	is_int(ayb_store_begin(st, &err), 0, "begin again");
	is_int(ayb_store_email_token_use(st, "00fc", &err), 1, "a use inside a transaction");
	is_int(ayb_store_commit(st, &err), 0, "commit");
	is_int(ayb_store_email_token_use(st, "00fc", &err), 0, "stays after its commit");

	/* Email limits: 2 an hour to an address, 3 from a client. */
	{
		const int64_t t0 = 1700000000;
		int64_t wait = 0;
		int over = -1;

		is_int(ayb_store_email_quota(st, "q@x.org", "10.0.0.1", 2, 3, t0, &over, &wait,
					     &err), 1, "a first email");
		is_int(ayb_store_email_quota(st, "q@x.org", "10.0.0.1", 2, 3, t0 + 60, &over,
					     &wait, &err), 1, "a second to the address");
		is_int(ayb_store_email_quota(st, "q@x.org", "10.0.0.1", 2, 3, t0 + 600, &over,
					     &wait, &err), 0, "a third is over the address limit");
		ok(over == 0 && wait == 3000, "the address's window ends in 3000 s (%d, %lld)",
		   over, (long long)wait);
		is_int(ayb_store_email_quota(st, "r@x.org", "10.0.0.1", 2, 3, t0 + 600, &over,
					     &wait, &err), 1, "the refusal did not count: a third");
		is_int(ayb_store_email_quota(st, "s@x.org", "10.0.0.1", 2, 3, t0 + 900, &over,
					     &wait, &err), 0, "a fourth is over the client's");
		ok(over == 1 && wait == 2700, "the client's window ends in 2700 s (%d, %lld)", over,
		   (long long)wait);
		is_int(ayb_store_email_quota(st, "s@x.org", NULL, 2, 3, t0 + 900, &over, &wait,
					     &err), 1, "an unknown client is not counted");
		is_int(ayb_store_email_quota(st, "q@x.org", "10.0.0.1", 0, 0, t0 + 900, &over,
					     &wait, &err), 1, "limits of 0 are none");
		is_int(ayb_store_email_quota(st, "q@x.org", "10.0.0.1", 2, 3, t0 + 3600, &over,
					     &wait, &err), 1, "an hour on, windows start again");
		is_int(ayb_store_email_quota(st, "q@x.org", "10.0.0.1", 2, 3, t0 + 3601, &over,
					     &wait, &err), 1, "a second in the new window");
		is_int(ayb_store_email_quota(st, "q@x.org", "10.0.0.1", 2, 3, t0 + 3602, &over,
					     &wait, &err), 0, "a third is refused again");
		ok(over == 0 && wait == 3598, "until an hour after the new window began (%lld)",
		   (long long)wait);
	}

	is_int(ayb_store_database_create(st, e.id, "one.sqlite", 0, 0, &db, &err), 0, "create db");
	is_int(ayb_store_database_create(st, e.id, "two.sqlite", 0, 2, &db2, &err), 0,
	       "create db 2");
	is_int(ayb_store_database_create(st, e.id, "one.sqlite", 0, 0, &dbg, &err), -1,
	       "duplicate db");
	is_str(err.message, "Database already exists", "duplicate message");
	is_int(ayb_store_database_create(st, e2.id, "one.sqlite", 0, 0, &dbg, &err), 0,
	       "same slug under another entity");
	ayb_database_free(&dbg);
	is_int(ayb_store_database_get(st, e.id, "ONE.sqlite", &dbg, &err), 0,
	       "database slugs are case-sensitive");
	is_int(ayb_store_database_get(st, e.id, "two.sqlite", &dbg, &err), 1, "get db");
	is_int(dbg.public_sharing_level, 2, "public level stored");
	ayb_database_free(&dbg);
	is_int(ayb_store_database_list(st, e.id, &list, &n, &err), 0, "list dbs");
	is_int(n, 2, "two dbs");
	is_str(list[0].slug, "two.sqlite", "newest first");
	ayb_databases_free(list, n);
	is_int(ayb_store_grant_get(st, e2.id, db.id, &level, &err), 0, "no grant");

	/* The combined lookup of entity, database and grant. */
	struct ayb_database tdb = { 0 };
	int grant = 99;
	is_int(ayb_store_target_get(st, "nobody", "one.sqlite", 0, &got, &tdb, &grant, &err), 0,
	       "target: no entity");
	is_int(ayb_store_target_get(st, "alice", "nope.sqlite", 0, &got, &tdb, &grant, &err), 1,
	       "target: entity without that database");
	is_str(got.slug, "alice", "target: the entity is filled");
	ayb_entity_free(&got);
	is_int(ayb_store_target_get(st, "alice", "one.sqlite", e2.id, &got, &tdb, &grant, &err), 2,
	       "target: entity and database");
	is_int(tdb.id, db.id, "target: the database");
	is_int(grant, -1, "target: no grant");
	ayb_entity_free(&got);
	ayb_database_free(&tdb);
	is_int(ayb_store_grant_set(st, e2.id, db.id, AYB_SHARE_READ_WRITE, &err), 0, "grant bob");
	ayb_store_target_get(st, "alice", "one.sqlite", e2.id, &got, &tdb, &grant, &err);
	is_int(grant, AYB_SHARE_READ_WRITE, "target: the caller's grant");
	ayb_entity_free(&got);
	ayb_database_free(&tdb);
	ayb_store_target_get(st, "alice", "one.sqlite", e.id, &got, &tdb, &grant, &err);
	is_int(grant, -1, "target: another caller's grant is not the caller's");
	ayb_entity_free(&got);
	ayb_database_free(&tdb);
	ayb_store_grant_set(st, e2.id, db.id, AYB_SHARE_NO_ACCESS, &err);
	is_int(ayb_store_database_delete(st, db2.id, &err), 0, "delete db");
	is_int(ayb_store_database_get(st, e.id, "two.sqlite", &dbg, &err), 0, "deleted");

	struct ayb_token_row row = { "short1", e.id, "hash1", 0, -1, NULL, 0, 0 };
	is_int(ayb_store_token_create(st, &row, &err), 0, "create token");
	is_int(ayb_store_token_get(st, "short1", &t, &got, &err), 1, "get token");
	is_str(got.slug, "alice", "with its entity");
	ayb_entity_free(&got);
	is_str(t.hash, "hash1", "hash");
	is_int(t.database_id, 0, "unscoped");
	is_int(t.query_permission_level, -1, "no cap");
	ok(!t.revoked && !t.expired, "active");
	ayb_token_row_free(&t);
	is_int(ayb_store_token_get(st, "nope", &t, NULL, &err), 0, "unknown token");
	is_int(ayb_store_token_create(st, &row, &err), -1, "short tokens are unique");

	/* A token and a target in one statement. */
	struct ayb_token_row row2 = { "short2", e2.id, "hash2", 0, -1, NULL, 0, 0 };
	struct ayb_entity caller = { 0 };
	int target = 99;
	is_int(ayb_store_token_create(st, &row2, &err), 0, "create bob's token");
	is_int(ayb_store_caller_target_get(st, "nope", &t, &caller, "alice", "one.sqlite", &got,
					   &tdb, &grant, &target, &err),
	       0, "caller and target: unknown token");
	is_int(ayb_store_caller_target_get(st, "short1", &t, &caller, "nobody", "one.sqlite",
					   &got, &tdb, &grant, &target, &err),
	       1, "caller and target: the token");
	is_int(target, 0, "caller and target: no entity");
	is_str(t.hash, "hash1", "caller and target: the token's hash");
	is_str(caller.slug, "alice", "caller and target: the token's entity");
	ayb_token_row_free(&t);
	ayb_entity_free(&caller);
	ayb_store_caller_target_get(st, "short1", &t, &caller, "alice", "nope.sqlite", &got, &tdb,
				    &grant, &target, &err);
	is_int(target, 1, "caller and target: the entity without that database");
	is_str(got.slug, "alice", "caller and target: the entity is filled");
	ayb_token_row_free(&t);
	ayb_entity_free(&caller);
	ayb_entity_free(&got);
	ayb_store_grant_set(st, e2.id, db.id, AYB_SHARE_READ_ONLY, &err);
	ayb_store_caller_target_get(st, "short1", &t, &caller, "alice", "one.sqlite", &got, &tdb,
				    &grant, &target, &err);
	is_int(target, 2, "caller and target: entity and database");
	is_int(tdb.id, db.id, "caller and target: the database");
	is_int(grant, -1, "caller and target: another entity's grant is not the caller's");
	ayb_token_row_free(&t);
	ayb_entity_free(&caller);
	ayb_entity_free(&got);
	ayb_database_free(&tdb);
	ayb_store_caller_target_get(st, "short2", &t, &caller, "alice", "one.sqlite", &got, &tdb,
				    &grant, &target, &err);
	is_int(grant, AYB_SHARE_READ_ONLY, "caller and target: the grant of the token's entity");
	is_str(caller.slug, "bob", "caller and target: bob's token");
	ayb_token_row_free(&t);
	ayb_entity_free(&caller);
	ayb_entity_free(&got);
	ayb_database_free(&tdb);
	ayb_store_grant_set(st, e2.id, db.id, AYB_SHARE_NO_ACCESS, &err);

	/* Values are bound, never spliced into SQL. */
	is_int(ayb_store_entity_get(st, "x' OR '1'='1", &got, &err), 0, "quotes are data");

	/* Migration 6 (README "Explore"): descriptions and the directory. */
	{
		struct ayb_explore_entry *x = NULL;
		size_t nx = 0;
		char *d = NULL;

		is_int(ayb_store_database_set_description(st, db.id, "50% off_", &err), 0,
		       "a description is set");
		is_int(ayb_store_database_description(st, db.id, &d, &err), 0, "and read back");
		is_str(d ? d : "", "50% off_", "as given");
		free(d);
		is_int(ayb_store_explore(st, "%", 10, 0, &x, &nx, &err), 0, "the directory");
		is_int(nx, 0, "holds no private database");
		ayb_explore_entries_free(x, nx);
	}

	ayb_entity_free(&e);
	ayb_entity_free(&e2);
	ayb_database_free(&db);
	ayb_database_free(&db2);
	ayb_store_close(st);
	ayb_err_clear(&err);
	if (strncmp(url, "sqlite://", 9) == 0)
		test_migration_2(url, path);
	unlink(path);
	snprintf(path, sizeof(path), "%s/meta.sqlite-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/meta.sqlite-shm", dir);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
