/* What the handlers share: reading a required header, building the JSON of
 * an answer (with out of memory checked the same way everywhere) and
 * answering. */
#include "autoconfig.h"

#include "api.h"

const char *api_require_header(const struct fcgi_request *req, const char *name,
			       struct ayb_err *err)
{
	const char *v = fcgi_request_header(req, name);

	if (!v)
		ayb_err_set(err, AYB_E_INVALID, "Missing required `%s` header", name);
	return v;
}

int api_json_add_rows(cJSON *o, const char *key, const void *rows, size_t n, size_t size,
		      api_row_json *fill, struct ayb_err *err)
{
	cJSON *list = cJSON_AddArrayToObject(o, key);

	for (size_t i = 0; list && i < n; i++) {
		cJSON *item = cJSON_CreateObject();

		/* Added before it is filled, so list frees it on any failure. */
		if (!item || !cJSON_AddItemToArray(list, item)) {
			cJSON_Delete(item);
			list = NULL;
		} else if (fill(item, (const char *)rows + i * size) < 0) {
			list = NULL;
		}
	}
	return list ? 0 : ayb_err_oom(err);
}

cJSON *api_json_list(const char *key, const void *rows, size_t n, size_t size,
		     api_row_json *fill, struct ayb_err *err)
{
	cJSON *o = cJSON_CreateObject();

	if (!o) {
		ayb_err_oom(err);
		return NULL;
	}
	if (api_json_add_rows(o, key, rows, n, size, fill, err) < 0) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

int api_json_add_string(cJSON *o, const char *key, const char *s)
{
	cJSON *v = fcgi_json_string_or_null(s);

	if (!v || !cJSON_AddItemToObject(o, key, v)) {
		cJSON_Delete(v);
		return -1;
	}
	return 0;
}

void api_answer(struct fcgi_call *c, struct ayb_err *err, int status, const cJSON *body)
{
	if (err->kind != AYB_OK)
		fcgi_response_error(c->resp, err);
	else if (status == 204)
		fcgi_response_status(c->resp, status);
	else if (body)
		fcgi_response_json(c->resp, status, body);
	else
		fcgi_response_empty_json(c->resp, status);
	ayb_err_clear(err);
}
