/* POST /v1/oauth/token (README "Apps: OAuth"): an app redeems its code.
 * Called cross-origin by browser apps (CORS as every route), with a JSON
 * body as ayb's client sends or a form body as RFC 6749 specifies.  Errors
 * take RFC 6749's shape {"error","error_description"}, not ayb's envelope. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "form.h"

/* The token's fields as strings; a field of another JSON type is absent. */
struct token_body {
	cJSON *json;
	struct ui_form form;
};

static const char *field(const struct token_body *b, const char *name)
{
	if (b->json) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(b->json, name);
		return cJSON_IsString(v) ? v->valuestring : NULL;
	}
	return ui_form_get(&b->form, name);
}

static int parse(const struct fcgi_request *req, struct token_body *b, struct ayb_err *err)
{
	const char *ct = fcgi_request_header(req, "content-type");
	const char *body = req->body ? req->body : "";

	if (ct && strncasecmp(ct, "application/json", 16) == 0) {
		b->json = cJSON_ParseWithLength(body, req->body_len);
		if (!cJSON_IsObject(b->json))
			return ayb_err_set(err, AYB_E_INVALID, "The body is not a JSON object");
		return 0;
	}
	if (ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0)
		return ui_form_parse(body, req->body_len, &b->form, err);
	return ayb_err_set(err, AYB_E_INVALID, "The body must be application/json or "
					     "application/x-www-form-urlencoded");
}

static void oauth_error(struct fcgi_call *c, const char *code, const struct ayb_err *err)
{
	int status = ayb_err_status(err) >= 500 ? ayb_err_status(err) : 400;
	cJSON *o = cJSON_CreateObject();

	if (status >= 500)
		fcgi_response_log_error(c->resp, err);
	if (!o || !cJSON_AddStringToObject(o, "error", code) ||
	    !cJSON_AddStringToObject(o, "error_description",
				     err->message ? err->message : "Unknown error")) {
		struct ayb_err oom = { 0 };
		ayb_err_oom(&oom);
		fcgi_response_error(c->resp, &oom);
		ayb_err_clear(&oom);
	} else {
		fcgi_response_json(c->resp, status, o);
	}
	cJSON_Delete(o);
}

static cJSON *grant_json(const struct ayb_oauth_grant *g)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !cJSON_AddStringToObject(o, "access_token", g->access_token) ||
	    !cJSON_AddStringToObject(o, "token_type", "Bearer") ||
	    !cJSON_AddStringToObject(o, "database", g->database) ||
	    !cJSON_AddStringToObject(o, "query_permission_level",
				     ayb_app_oauth_scope_name(g->level)) ||
	    !cJSON_AddStringToObject(o, "database_url", g->database_url)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

void api_oauth_token(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	struct token_body b = { 0 };
	struct ayb_oauth_token_request r;
	struct ayb_oauth_grant g = { 0 };
	const char *code = "invalid_request";
	cJSON *o = NULL;

	/* RFC 6749 5.1: nothing on the way may keep a token. */
	fcgi_response_header(c->resp, "Cache-Control", "no-store");
	fcgi_response_header(c->resp, "Pragma", "no-cache");
	if (parse(c->req, &b, &err) < 0) {
		oauth_error(c, "invalid_request", &err);
		goto out;
	}
	r.grant_type = field(&b, "grant_type");
	r.code = field(&b, "code");
	r.redirect_uri = field(&b, "redirect_uri");
	r.code_verifier = field(&b, "code_verifier");
	if (ayb_app_oauth_token(c->app, &r, &g, &code, &err) < 0) {
		oauth_error(c, code, &err);
		goto out;
	}
	if (!(o = grant_json(&g))) {
		ayb_err_oom(&err);
		oauth_error(c, "server_error", &err);
		goto out;
	}
	fcgi_response_json(c->resp, 200, o);
out:
	if (o) {
		cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "access_token");
		if (cJSON_IsString(t))
			memset(t->valuestring, 0, strlen(t->valuestring));
	}
	cJSON_Delete(o);
	cJSON_Delete(b.json);
	ui_form_free(&b.form);
	ayb_oauth_grant_free(&g);
	ayb_err_clear(&err);
}
