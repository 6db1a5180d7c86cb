#include "autoconfig.h"

#include "handlers.h"

/* Answers without touching the metadata store, so a load balancer's probe
 * stays cheap and says only that the process serves requests. */
void ayb_handle_health(struct ayb_ctx *ctx, struct ayb_request *req, struct ayb_response *resp)
{
	(void)ctx;
	(void)req;
	resp->status = 200;
	resp->content_type = "application/json";
	ayb_buf_adds(&resp->body, "{\"status\":\"ok\"}");
}
