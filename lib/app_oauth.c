/* Apps: OAuth 2.0 authorization codes with PKCE (README "Apps: OAuth").
 * An app sends the user to /oauth/authorize; the logged-in owner of a
 * database picks it and the level; the app redeems the code, with the
 * verifier only it knows, for a token scoped to that database. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "app.h"
#include "oauth.h"
#include "token.h"
#include "utf8.h"

/* ayb's lifetime of a code. */
#define CODE_TTL_SECONDS 600
/* The columns' widths (PostgreSQL enforces them). */
#define APP_NAME_MAX 255
#define STATE_MAX 255
/* Each code may become a token: a user (or a script with their cookie)
 * gets at most this many an hour, so neither table grows without bound. */
#define CODES_PER_HOUR 100

static int oauth_fail(const char **code, const char *which, struct ayb_err *err,
		      enum ayb_err_kind kind, const char *description)
{
	*code = which;
	return ayb_err_set(err, kind, "%s", description);
}

static int invalid_request(const char **code, struct ayb_err *err, const char *description)
{
	return oauth_fail(code, "invalid_request", err, AYB_E_INVALID, description);
}

/* A store failure keeps its status; the app sees server_error. */
static int server_error(const char **code)
{
	*code = "server_error";
	return -1;
}

const char *ayb_app_oauth_scope_name(int level)
{
	return level == AYB_LEVEL_READ_WRITE ? "read-write" : "read-only";
}

int ayb_app_oauth_scope_parse(const char *scope)
{
	if (scope && strcmp(scope, "read-only") == 0)
		return AYB_LEVEL_READ_ONLY;
	if (scope && strcmp(scope, "read-write") == 0)
		return AYB_LEVEL_READ_WRITE;
	return AYB_LEVEL_NONE;
}

static int printable_utf8(const char *s, size_t max)
{
	size_t n = strlen(s), ok, bad;

	if (n > max || !ayb_utf8_check((const unsigned char *)s, n, &ok, &bad))
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

int ayb_app_oauth_check(const struct ayb_oauth_request *r, int *level, const char **code,
			struct ayb_err *err)
{
	const struct {
		const char *name, *value;
	} required[] = {
		{ "response_type", r->response_type }, { "redirect_uri", r->redirect_uri },
		{ "scope", r->scope }, { "code_challenge", r->code_challenge },
		{ "code_challenge_method", r->code_challenge_method },
		{ "app_name", r->app_name },
	};

	/* ayb's deserializer speaks first, in the fields' order. */
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!required[i].value) {
			*code = "invalid_request";
			return ayb_err_set(err, AYB_E_INVALID,
					   "Query deserialize error: missing field `%s`",
					   required[i].name);
		}
	if (strcmp(r->response_type, "code") != 0)
		return oauth_fail(code, "unsupported_response_type", err, AYB_E_INVALID,
				  "Only response_type=code is supported");
	if (strcmp(r->code_challenge_method, "S256") != 0)
		return invalid_request(code, err, "Only code_challenge_method=S256 is supported");
	if (!ayb_oauth_redirect_ok(r->redirect_uri))
		return invalid_request(code, err, "redirect_uri must use https:// (or "
					    "http://localhost for development)");
	if ((*level = ayb_app_oauth_scope_parse(r->scope)) == AYB_LEVEL_NONE)
		return oauth_fail(code, "invalid_scope", err, AYB_E_INVALID,
				  "scope must be 'read-only' or 'read-write'");
	/* Past ayb's checks: what the store could not hold, or no S256 could
	 * ever match. */
	if (!ayb_oauth_unreserved(r->code_challenge, AYB_OAUTH_B64_SHA256_LEN,
				  AYB_OAUTH_B64_SHA256_LEN))
		return invalid_request(code, err, "code_challenge must be the BASE64URL (no "
					    "padding) SHA-256 of the code_verifier: 43 characters");
	if (!*r->app_name || !printable_utf8(r->app_name, APP_NAME_MAX))
		return invalid_request(code, err, "app_name must be 1 to 255 bytes of printable "
					    "UTF-8");
	if (r->state && !printable_utf8(r->state, STATE_MAX))
		return invalid_request(code, err, "state must be at most 255 bytes of printable "
					    "UTF-8");
	return 0;
}

/* The caller's own database named "<entity>/<database>", in *db. */
static int own_database(struct ayb_app_ctx *ctx, const struct ayb_app_caller *c,
			const char *name, struct ayb_database *db, const char **code,
			struct ayb_err *err)
{
	const char *slash = name ? strchr(name, '/') : NULL;
	size_t elen;
	int rc;

	if (!slash)
		return invalid_request(code, err, "Invalid database format");
	elen = (size_t)(slash - name);
	if (elen != strlen(c->entity.slug) || strncasecmp(name, c->entity.slug, elen) != 0)
		return oauth_fail(code, "access_denied", err, AYB_E_FORBIDDEN,
				  "You can only authorize apps on databases you own");
	if ((rc = ayb_store_database_get(ctx->store, c->entity.id, slash + 1, db, err)) < 0)
		return server_error(code);
	if (rc == 0)
		return oauth_fail(code, "access_denied", err, AYB_E_FORBIDDEN,
				  "You do not have access to this database");
	return 0;
}

int ayb_app_oauth_authorize(struct ayb_app_ctx *ctx, const struct ayb_app_caller *c,
			    const struct ayb_oauth_request *r, const char *database,
			    const char *granted_scope, char **code_out, const char **code,
			    struct ayb_err *err)
{
	struct ayb_caller who = ayb_app_perm_caller(c);
	struct ayb_database db = { 0 };
	struct ayb_oauth_code row = { 0 };
	char fresh[AYB_OAUTH_B64_SHA256_LEN + 1], hash[65];
	int64_t recent;
	int requested, granted, ret = -1;

	*code_out = NULL;
	if (!c->authenticated || !ayb_perm_can_hold_session(&who))
		return oauth_fail(code, "unauthorized", err, AYB_E_UNAUTHENTICATED,
				  "Not logged in");
	if (ayb_app_oauth_check(r, &requested, code, err) < 0)
		return -1;
	granted = granted_scope && *granted_scope ? ayb_app_oauth_scope_parse(granted_scope)
						   : requested;
	if (granted == AYB_LEVEL_NONE || granted > requested)
		return invalid_request(code, err, "Invalid requested scope");
	if (own_database(ctx, c, database, &db, code, err) < 0)
		goto out;
	if (!ayb_perm_can_authorize_app(&who, &db, (enum ayb_query_level)granted)) {
		oauth_fail(code, "access_denied", err, AYB_E_FORBIDDEN,
			   "Your access level is lower than the requested permission");
		goto out;
	}
	if (ayb_store_oauth_codes_since(ctx->store, c->entity.id, 3600, &recent, err) < 0) {
		server_error(code);
		goto out;
	}
	if (recent >= CODES_PER_HOUR) {
		oauth_fail(code, "temporarily_unavailable", err, AYB_E_RATE_LIMITED,
			   "Too many apps authorized in the last hour: try again later");
		err->retry_after = 600;
		goto out;
	}
	ayb_oauth_code_new(fresh, hash);
	row.entity_id = c->entity.id;
	row.code_challenge = (char *)r->code_challenge;
	row.redirect_uri = (char *)r->redirect_uri;
	row.app_name = (char *)r->app_name;
	row.requested_level = requested;
	row.state = (char *)r->state;
	row.database_id = db.id;
	row.level = granted;
	if (ayb_store_oauth_code_create(ctx->store, hash, &row, CODE_TTL_SECONDS, err) < 0) {
		server_error(code);
		goto out;
	}
	if (!(*code_out = strdup(fresh))) {
		ayb_err_oom(err);
		server_error(code);
		goto out;
	}
	ret = 0;
out:
	sodium_memzero(fresh, sizeof(fresh));
	ayb_database_free(&db);
	return ret;
}

void ayb_oauth_grant_free(struct ayb_oauth_grant *g)
{
	if (g->access_token)
		sodium_memzero(g->access_token, strlen(g->access_token));
	free(g->access_token);
	free(g->database);
	free(g->database_url);
	memset(g, 0, sizeof(*g));
}

static int invalid_grant(const char **code, struct ayb_err *err, const char *description)
{
	return oauth_fail(code, "invalid_grant", err, AYB_E_INVALID, description);
}

/* A code presented again: refused, and the token it gave is revoked, as
 * RFC 6749 4.1.2 asks (whoever replays it may have stolen it). */
static int code_reused(struct ayb_app_ctx *ctx, const char *hash, const char **code,
		       struct ayb_err *err)
{
	if (ayb_store_oauth_code_revoke_token(ctx->store, hash, err) < 0)
		return server_error(code);
	return invalid_grant(code, err, "Authorization code has already been used");
}

/* Marks the code used and mints its token, in one transaction: either
 * both happen or neither. */
static int redeem(struct ayb_app_ctx *ctx, const char *hash, const struct ayb_oauth_code *row,
		  struct ayb_oauth_grant *g, const char **code, struct ayb_err *err)
{
	struct ayb_api_token t;
	struct ayb_token_row tok = { 0 };
	int rc, ret = -1;

	ayb_token_api_new(&t);
	tok.short_token = t.short_token;
	tok.entity_id = row->entity_id;
	tok.hash = t.hash;
	tok.database_id = row->database_id;
	tok.query_permission_level = row->level;
	tok.app_name = row->app_name;
	if (ayb_store_begin(ctx->store, err) < 0) {
		server_error(code);
		goto out;
	}
	if ((rc = ayb_store_oauth_code_use(ctx->store, hash, t.short_token, err)) <= 0) {
		ayb_store_rollback(ctx->store);
		if (rc < 0)
			server_error(code);
		else
			code_reused(ctx, hash, code, err);
		goto out;
	}
	if (ayb_store_token_create(ctx->store, &tok, err) < 0 ||
	    !(g->access_token = strdup(t.full)) || !(g->database = strdup(row->database)) ||
	    !(g->database_url = ayb_fmt("%s/v1/%s", ctx->cfg->public_url, row->database))) {
		if (!err->kind)
			ayb_err_oom(err);
		ayb_store_rollback(ctx->store);
		server_error(code);
		goto out;
	}
	if (ayb_store_commit(ctx->store, err) < 0) {
		ayb_store_rollback(ctx->store);
		server_error(code);
		goto out;
	}
	g->level = row->level;
	ret = 0;
out:
	if (ret < 0)
		ayb_oauth_grant_free(g);
	sodium_memzero(&t, sizeof(t));
	return ret;
}

int ayb_app_oauth_token(struct ayb_app_ctx *ctx, const struct ayb_oauth_token_request *r,
			struct ayb_oauth_grant *g, const char **code, struct ayb_err *err)
{
	const struct {
		const char *name, *value;
	} required[] = {
		{ "code", r->code }, { "redirect_uri", r->redirect_uri },
		{ "code_verifier", r->code_verifier },
	};
	struct ayb_oauth_code row = { 0 };
	char hash[65];
	int rc, ret = -1;

	memset(g, 0, sizeof(*g));
	if (!r->grant_type)
		return invalid_request(code, err, "Missing required parameter: grant_type");
	if (strcmp(r->grant_type, "authorization_code") != 0)
		return oauth_fail(code, "unsupported_grant_type", err, AYB_E_INVALID,
				  "Only grant_type=authorization_code is supported");
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!required[i].value) {
			*code = "invalid_request";
			return ayb_err_set(err, AYB_E_INVALID, "Missing required parameter: %s",
					   required[i].name);
		}
	if (!ayb_oauth_unreserved(r->code_verifier, 43, 128))
		return invalid_request(code, err, "code_verifier must be 43 to 128 characters of "
					    "A-Z a-z 0-9 - . _ ~");
	ayb_oauth_code_hash(r->code, hash);
	if ((rc = ayb_store_oauth_code_get(ctx->store, hash, &row, err)) < 0) {
		server_error(code);
		goto out;
	}
	if (rc == 0)
		invalid_grant(code, err, "Authorization code not found");
	else if (row.used)
		code_reused(ctx, hash, code, err);
	else if (row.expired)
		invalid_grant(code, err, "Authorization code has expired");
	else if (strcmp(r->redirect_uri, row.redirect_uri) != 0)
		invalid_grant(code, err, "redirect_uri does not match");
	else if (!ayb_oauth_pkce_matches(row.code_challenge, r->code_verifier))
		invalid_grant(code, err, "PKCE verification failed");
	else
		ret = redeem(ctx, hash, &row, g, code, err);
out:
	ayb_oauth_code_free(&row);
	return ret;
}
