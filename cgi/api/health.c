#include "autoconfig.h"

#include "handlers.h"

/* Answers without touching the metadata store, so a load balancer's probe
 * stays cheap and says only that the process serves requests. */
void api_health(struct ayb_ctx *ctx, struct fcgi_request *req, struct fcgi_response *resp)
{
	(void)ctx;
	(void)req;
	resp->status = 200;
	resp->content_type = "application/json";
	ayb_buf_adds(&resp->body, "{\"status\":\"ok\"}");
}
