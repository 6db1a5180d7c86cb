#include "autoconfig.h"

#include "api.h"

/* Answers without touching the metadata store, so a load balancer's probe
 * stays cheap and says only that the process serves requests. */
void api_health(struct fcgi_call *c)
{
	c->resp->status = 200;
	c->resp->content_type = "application/json";
	ayb_buf_adds(&c->resp->body, "{\"status\":\"ok\"}");
}
