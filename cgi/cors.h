/* CORS as ayb answers it (README "The HTTP API"), for `[cors] origin`. */
#ifndef AYB_CGI_CORS_H
#define AYB_CGI_CORS_H

#include "request.h"
#include "response.h"

/* 1 when req is a preflight (OPTIONS with Access-Control-Request-Method);
 * then resp holds the whole answer. */
int fcgi_cors_preflight(const char *origin_cfg, const struct fcgi_request *req,
			struct fcgi_response *resp);

/* Adds Vary and, for an allowed Origin, Access-Control-Allow-Origin. */
void fcgi_cors_headers(const char *origin_cfg, const struct fcgi_request *req,
		       struct fcgi_response *resp);

#endif
