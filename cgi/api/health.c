#include "autoconfig.h"

#include "api.h"
#include "disk.h"

/* Answers without touching the metadata store, so a load balancer's probe
 * stays cheap and says only that the process serves requests.  A full
 * data_path keeps the 200 (reads still work) but says so, for the operator
 * and a monitor: every write there fails with 507 until space is freed. */
void api_health(struct fcgi_call *c)
{
	c->resp->status = 200;
	c->resp->content_type = "application/json";
	if (ayb_disk_full(c->app->cfg->data_path))
		ayb_buf_adds(&c->resp->body, "{\"status\":\"degraded\",\"data_path\":\"full\"}");
	else
		ayb_buf_adds(&c->resp->body, "{\"status\":\"ok\"}");
}
