#include "autoconfig.h"

#include "api.h"
#include "disk.h"
#include "placement.h"

/* A single server answers without touching the metadata store, so a load balancer's probe
 * stays cheap and says only that the process serves requests.  A full
 * data_path keeps the 200 (reads still work) but says so, for the operator
 * and a monitor: every write there fails with 507 until space is freed. */
/* On one node of several (README "Several machines"): its name, and
 * whether it reaches the metadata store, proved by writing its heartbeat;
 * 503 when it does not, as it can serve nothing then. */
static void node_health(struct fcgi_call *c)
{
	const struct ayb_config *cfg = c->app->cfg;
	struct ayb_err err = { 0 };
	cJSON *o = cJSON_CreateObject();
	int reached = c->app->store &&
		      ayb_placement_heartbeat(c->app->store, cfg->node->name, cfg->node->url,
					      &err) == 0;
	int full = ayb_disk_full(cfg->data_path);

	cJSON_AddStringToObject(o, "status", reached && !full ? "ok" : "degraded");
	cJSON_AddStringToObject(o, "node", cfg->node->name);
	cJSON_AddStringToObject(o, "metadata", reached ? "ok" : "unreachable");
	if (full)
		cJSON_AddStringToObject(o, "data_path", "full");
	fcgi_response_json(c->resp, reached ? 200 : 503, o);
	cJSON_Delete(o);
	ayb_err_clear(&err);
}

void api_health(struct fcgi_call *c)
{
	if (c->app->cfg->node) {
		node_health(c);
		return;
	}
	c->resp->status = 200;
	c->resp->content_type = "application/json";
	if (ayb_disk_full(c->app->cfg->data_path))
		ayb_buf_adds(&c->resp->body, "{\"status\":\"degraded\",\"data_path\":\"full\"}");
	else
		ayb_buf_adds(&c->resp->body, "{\"status\":\"ok\"}");
}
