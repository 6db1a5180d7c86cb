#include "autoconfig.h"

#include <string.h>

#include "cors.h"

#define VARY "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"

static int allowed(const char *origin_cfg, const char *origin)
{
	return strcmp(origin_cfg, "*") == 0 || strcmp(origin_cfg, origin) == 0;
}

static void plain_400(struct ayb_response *resp, const char *msg)
{
	resp->status = 400;
	resp->content_type = "text/plain";
	ayb_buf_adds(&resp->body, msg);
}

int ayb_cors_preflight(const char *origin_cfg, const struct ayb_request *req,
		       struct ayb_response *resp)
{
	const char *origin = ayb_request_header(req, "origin");
	const char *method = ayb_request_header(req, "access-control-request-method");
	const char *headers = ayb_request_header(req, "access-control-request-headers");

	if (strcmp(req->method, "OPTIONS") != 0 || !method || !*method)
		return 0;
	ayb_response_header(resp, "Vary", VARY);
	if (!origin && strcmp(origin_cfg, "*") != 0) {
		plain_400(resp, "Request header `Origin` is required but was not provided");
		return 1;
	}
	if (origin && !allowed(origin_cfg, origin)) {
		plain_400(resp, "Origin is not allowed to make this request");
		return 1;
	}
	/* ayb echoes the origin even when any origin is allowed, never "*". */
	if (origin)
		ayb_response_header(resp, "Access-Control-Allow-Origin", origin);
	ayb_response_header(resp, "Access-Control-Allow-Methods",
			    "GET, POST, PUT, DELETE, HEAD, OPTIONS, CONNECT, PATCH, TRACE");
	if (headers)
		ayb_response_header(resp, "Access-Control-Allow-Headers", headers);
	ayb_response_header(resp, "Access-Control-Max-Age", "7200");
	resp->status = 200;
	return 1;
}

void ayb_cors_headers(const char *origin_cfg, const struct ayb_request *req,
		      struct ayb_response *resp)
{
	const char *origin = ayb_request_header(req, "origin");

	if (origin && allowed(origin_cfg, origin))
		ayb_response_header(resp, "Access-Control-Allow-Origin", origin);
	ayb_response_header(resp, "Vary", VARY);
}
