# An ayb server's metadata store and data_path as ayb leaves them, for the
# adoption tests (tests/e2e/adopt.sh).  Sourced after lib.sh's e2e_setup;
# the store is the one e2e_setup named (SQLite, or PostgreSQL in the twin).
#
#   ayb_fixture_build   ayb's tables at its HEAD (the metadata schema ayb's
#                       migrations leave, with `_sqlx_migrations`), users,
#                       an organization, email addresses, tokens (one
#                       revoked, one scoped), grants, public levels, a
#                       pending OAuth code, and the databases on disk in
#                       ayb's layout (`current` -> absolute version path)
#
# It sets TOKEN_<NAME> for each token (ayb_<short>_<secret>: the store keeps
# the SHA-256 hex of <secret>, as ayb does) and OAUTH_CODE, OAUTH_VERIFIER,
# OAUTH_REDIRECT for the pending authorization code.

# _fx_sql SQL: runs SQL on the metadata store, stopping at the first error.
_fx_sql() {
	if [ "${AYB_E2E_METADATA:-sqlite}" = pg ]; then
		printf '%s\n' "$1" | pg_psql "$META_DB" -v ON_ERROR_STOP=1 -f - >/dev/null
	else
		printf '%s\n' "$1" | sqlite3 -bail "$T/data/ayb.sqlite" >/dev/null
	fi
}

# _fx_token NAME SHORT SECRET: sets TOKEN_<NAME>, and _fx_hash to what the
# store keeps.
_fx_token() {
	eval "TOKEN_$1=ayb_$2_$3"
	_fx_hash=$(printf '%s' "$3" | sha256sum | cut -d' ' -f1)
}

# _fx_hosted ENTITY DB SQL [TARGET_ROOT]: databases/<e>/<d>/<uuid>/<d> made
# by SQL in WAL mode as ayb's queries leave it, `current` pointing at the
# version directory's absolute path under TARGET_ROOT (default: data_path
# itself; another root is a data_path that has been moved since).
_fx_hosted() {
	_dir=$T/data/databases/$1/$2
	_v=$(cat /proc/sys/kernel/random/uuid)
	mkdir -p "$_dir/$_v"
	[ -n "$3" ] && printf 'PRAGMA journal_mode=WAL;\n%s\n' "$3" | sqlite3 -bail "$_dir/$_v/$2" >/dev/null
	ln -s "${4:-$T/data}/databases/$1/$2/$_v" "$_dir/current"
}

ayb_fixture_build() {
	if [ "${AYB_E2E_METADATA:-sqlite}" = pg ]; then
		_id='id SERIAL PRIMARY KEY'
		_sqlx='version BIGINT PRIMARY KEY, description TEXT NOT NULL,
			installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL,
			checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL'
		_sum="'\\x00'" _true=TRUE
	else
		_id='id INTEGER PRIMARY KEY'
		_sqlx='version BIGINT PRIMARY KEY, description TEXT NOT NULL,
			installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL,
			checksum BLOB NOT NULL, execution_time BIGINT NOT NULL'
		_sum="X'00'" _true=1
	fi
	# ayb's schema at HEAD (spec: its metadata tables' final state).
	_fx_sql "
CREATE TABLE _sqlx_migrations ($_sqlx);
CREATE TABLE entity ($_id, slug VARCHAR(64) NOT NULL, entity_type SMALLINT NOT NULL,
	display_name VARCHAR(35), description VARCHAR(100), organization VARCHAR(35),
	location VARCHAR(35), links JSONB, UNIQUE (slug));
CREATE TABLE database ($_id, slug VARCHAR(64) NOT NULL, db_type SMALLINT NOT NULL,
	entity_id INT NOT NULL REFERENCES entity(id),
	public_sharing_level SMALLINT NOT NULL DEFAULT 0, UNIQUE (entity_id, slug));
CREATE TABLE authentication_method ($_id, entity_id INT NOT NULL REFERENCES entity(id),
	method_type SMALLINT NOT NULL, status SMALLINT NOT NULL,
	email_address VARCHAR(256) NOT NULL, UNIQUE (method_type, email_address));
CREATE TABLE api_token (short_token VARCHAR(12) PRIMARY KEY,
	entity_id INT NOT NULL REFERENCES entity(id), hash VARCHAR(64) NOT NULL,
	database_id INT NULL REFERENCES database(id), query_permission_level SMALLINT NULL,
	app_name VARCHAR(255) NULL, created_at TIMESTAMP NULL, expires_at TIMESTAMP NULL,
	revoked_at TIMESTAMP NULL);
CREATE TABLE entity_database_permission (entity_id INT NOT NULL REFERENCES entity(id),
	database_id INT NOT NULL REFERENCES database(id), sharing_level SMALLINT NOT NULL,
	UNIQUE (entity_id, database_id));
CREATE TABLE oauth_authorization_request (code VARCHAR(64) PRIMARY KEY,
	entity_id INT NOT NULL REFERENCES entity(id), code_challenge VARCHAR(128) NOT NULL,
	redirect_uri TEXT NOT NULL, app_name VARCHAR(255) NOT NULL,
	requested_query_permission_level SMALLINT NOT NULL, state VARCHAR(255) NULL,
	database_id INT NOT NULL REFERENCES database(id), query_permission_level SMALLINT NOT NULL,
	created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, expires_at TIMESTAMP NOT NULL,
	used_at TIMESTAMP NULL);
CREATE INDEX idx_oauth_authorization_request_code ON oauth_authorization_request (code);
INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES
	(2022100901, 'initial', $_true, $_sum, 1),
	(2023072001, 'email authentication', $_true, $_sum, 1),
	(2023092401, 'api token', $_true, $_sum, 1),
	(20231223165738, 'user profiles', $_true, $_sum, 1),
	(2024083101, 'permission', $_true, $_sum, 1),
	(2024122701, 'scoped tokens', $_true, $_sum, 1),
	(2025011801, 'oauth authorization', $_true, $_sum, 1),
	(2025122601, 'scoped tokens', $_true, $_sum, 1),
	(2025122602, 'remove token status', $_true, $_sum, 1),
	(2026020101, 'last at HEAD', $_true, $_sum, 1);"

	_fx_token ALICE 7xKzQ2mNpRt 3vW9yBcDfGhJkLmNpQrStUvWxYz2A4B6C; _ha=$_fx_hash
	_fx_token REVOKED Ed5Fg6Hj7Km 8NpQ9rSt2UvWx3Yz4AbCd5EfGh6JkMn7P; _hr=$_fx_hash
	_fx_token SCOPED Sc9pEdTkn2a Xy7Wv6Ut5Sr4Qp3Nm2Lk1JhGfEdCbAzYx; _hs=$_fx_hash
	_fx_token BOB Bb2Cc3Dd4Ee 5Ff6Gg7Hh8Jj9Kk1Mm2Nn3Pp4Qq5Rr6Ss; _hb=$_fx_hash
	_fx_token CAROL Cc7Dd8Ee9Ff 1Gg2Hh3Jj4Kk5Mm6Nn7Pp8Qq9Rr1Ss2Tt; _hc=$_fx_hash
	_fx_token ACME Ac1Me2Or3Gg 4Hh5Jj6Kk7Mm8Nn9Pp1Qq2Rr3Ss4Tt5Uu; _ho=$_fx_hash
	OAUTH_CODE=ayb-pending-code-0123456789abcdefghijklmnopq
	OAUTH_VERIFIER=verifier-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF
	OAUTH_REDIRECT=http://localhost:3000/callback
	_challenge=$(printf '%s' "$OAUTH_VERIFIER" | openssl dgst -sha256 -binary | base64 |
		tr '+/' '-_' | tr -d '=')
	# Ids as ayb gave them; the grants in the order ayb inserted them (carol
	# before bob on alice/notes.sqlite).
	_fx_sql "
INSERT INTO entity (id, slug, entity_type, display_name, links) VALUES
	(1, 'alice', 0, 'Alice Liddell', '[{\"url\":\"https://alice.example.org\",\"verified\":false}]'),
	(2, 'bob', 0, NULL, NULL), (3, 'carol', 0, NULL, NULL), (4, 'acme', 1, 'Acme', NULL);
INSERT INTO authentication_method (entity_id, method_type, status, email_address) VALUES
	(1, 0, 0, 'alice@example.org'), (2, 0, 0, 'bob@example.org'),
	(3, 0, 0, 'carol@example.org'), (4, 0, 0, 'ops@acme.example.org');
INSERT INTO database (id, slug, db_type, entity_id, public_sharing_level) VALUES
	(1, 'notes.sqlite', 0, 1, 0), (2, 'public.sqlite', 0, 1, 2), (3, 'forkable.sqlite', 0, 1, 1),
	(4, 'fresh.sqlite', 0, 1, 0), (5, 'shared.sqlite', 0, 4, 0), (6, 'case.sqlite', 0, 2, 0);
INSERT INTO api_token (short_token, entity_id, hash, database_id, query_permission_level,
	app_name, created_at, revoked_at) VALUES
	('7xKzQ2mNpRt', 1, '$_ha', NULL, NULL, NULL, '2025-01-02 03:04:05.123456', NULL),
	('Ed5Fg6Hj7Km', 1, '$_hr', NULL, NULL, NULL, '2025-01-03 03:04:05', '2025-02-01 00:00:00'),
	('Sc9pEdTkn2a', 1, '$_hs', 1, 0, 'Notes app', '2025-01-04 03:04:05', NULL),
	('Bb2Cc3Dd4Ee', 2, '$_hb', NULL, NULL, NULL, '2025-01-05 03:04:05', NULL),
	('Cc7Dd8Ee9Ff', 3, '$_hc', NULL, NULL, NULL, NULL, NULL),
	('Ac1Me2Or3Gg', 4, '$_ho', NULL, NULL, NULL, '2025-01-06 03:04:05', NULL);
INSERT INTO entity_database_permission (entity_id, database_id, sharing_level) VALUES
	(3, 1, 2), (2, 1, 1), (2, 5, 3);
INSERT INTO oauth_authorization_request (code, entity_id, code_challenge, redirect_uri,
	app_name, requested_query_permission_level, state, database_id, query_permission_level,
	created_at, expires_at) VALUES
	('$OAUTH_CODE', 1, '$_challenge', '$OAUTH_REDIRECT', 'Notes app', 1, 'st', 1, 0,
	 '2025-01-01 00:00:00', '2099-01-01 00:00:00');"
	if [ "${AYB_E2E_METADATA:-sqlite}" = pg ]; then
		# Inserting explicit ids leaves the sequences behind, as they would
		# not be in ayb's store: move them on.
		_fx_sql "SELECT setval('entity_id_seq', 4); SELECT setval('database_id_seq', 6);
			SELECT setval('authentication_method_id_seq', 4);"
	fi

	_fx_hosted alice notes.sqlite "CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT);
		INSERT INTO note (body) VALUES ('first'), ('second');"
	_fx_hosted alice public.sqlite "CREATE TABLE fact (k TEXT, v TEXT);
		INSERT INTO fact VALUES ('pi', '3.14');"
	_fx_hosted alice forkable.sqlite "CREATE TABLE t (x); INSERT INTO t VALUES (42);"
	# Created, never written: a version directory and no file.
	_fx_hosted alice fresh.sqlite ''
	# Its `current` names the data_path this server had before it moved.
	_fx_hosted acme shared.sqlite "CREATE TABLE plan (step TEXT); INSERT INTO plan VALUES ('ship');" \
		/srv/old-ayb-home/ayb_data
	# Created as POST /v1/Bob/case.sqlite/create: ayb named the directory as
	# typed, and its own queries (lowercased) never found it.
	_fx_hosted Bob case.sqlite "CREATE TABLE c (v); INSERT INTO c VALUES ('found');"
}
