/* /v1/register, /v1/confirm and /v1/log_in (README "API"). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api.h"

void api_register(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	const char *h_entity, *h_email, *h_type;

	if ((h_entity = api_require_header(c->req, "entity", &err)) &&
	    (h_email = api_require_header(c->req, "email-address", &err)) &&
	    (h_type = api_require_header(c->req, "entity-type", &err)))
		ayb_app_register(c->app, h_entity, h_email, h_type, &err);
	api_answer(c, &err, 200, NULL);
}

void api_confirm(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	const char *h_token;
	char *entity = NULL, *token = NULL;
	cJSON *o = NULL;

	if ((h_token = api_require_header(c->req, "authentication-token", &err)) &&
	    ayb_app_confirm(c->app, h_token, &entity, &token, &err) == 0 &&
	    (!(o = cJSON_CreateObject()) || api_json_add_string(o, "entity", entity) < 0 ||
	     api_json_add_string(o, "token", token) < 0))
		ayb_err_oom(&err);
	api_answer(c, &err, 200, o);
	cJSON_Delete(o);
	if (token)
		sodium_memzero(token, strlen(token));
	free(token);
	free(entity);
}

void api_log_in(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	const char *h_entity;

	if ((h_entity = api_require_header(c->req, "entity", &err)))
		ayb_app_log_in(c->app, h_entity, &err);
	api_answer(c, &err, 200, NULL);
}
