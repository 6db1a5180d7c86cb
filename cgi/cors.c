#include "autoconfig.h"

#include <string.h>

#include "cors.h"

#define VARY "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"

static int allowed(const char *origin_cfg, const char *origin)
{
	return strcmp(origin_cfg, "*") == 0 || strcmp(origin_cfg, origin) == 0;
}

static void plain_400(struct fcgi_response *resp, const char *msg)
{
	resp->status = 400;
	resp->content_type = "text/plain";
	ayb_buf_adds(&resp->body, msg);
}

int fcgi_cors_preflight(const char *origin_cfg, const struct fcgi_request *req,
			struct fcgi_response *resp)
{
	const char *origin = fcgi_request_header(req, "origin");
	const char *method = fcgi_request_header(req, "access-control-request-method");
	const char *headers = fcgi_request_header(req, "access-control-request-headers");

	if (strcmp(req->method, "OPTIONS") != 0 || !method || !*method)
		return 0;
	fcgi_response_header(resp, "Vary", VARY);
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
		fcgi_response_header(resp, "Access-Control-Allow-Origin", origin);
	fcgi_response_header(resp, "Access-Control-Allow-Methods",
			     "GET, POST, PUT, DELETE, HEAD, OPTIONS, CONNECT, PATCH, TRACE");
	if (headers)
		fcgi_response_header(resp, "Access-Control-Allow-Headers", headers);
	fcgi_response_header(resp, "Access-Control-Max-Age", "7200");
	resp->status = 200;
	return 1;
}

void fcgi_cors_headers(const char *origin_cfg, const struct fcgi_request *req,
		       struct fcgi_response *resp)
{
	const char *origin = fcgi_request_header(req, "origin");

	if (origin && allowed(origin_cfg, origin))
		fcgi_response_header(resp, "Access-Control-Allow-Origin", origin);
	fcgi_response_header(resp, "Vary", VARY);
}
