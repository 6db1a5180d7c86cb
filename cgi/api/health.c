#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "disk.h"
#include "pitr_ship.h"
#include "placement.h"

/* On one node of several (README "Several machines"): its name, and
 * whether it reaches the metadata store, proved by writing its heartbeat;
 * 503 when it does not, as it can serve nothing then. */
static void node_health(struct fcgi_call *c, int full, const char *behind)
{
	const struct ayb_config *cfg = c->app->cfg;
	struct ayb_err err = { 0 };
	cJSON *o = cJSON_CreateObject();
	int reached = c->app->store &&
		      ayb_placement_heartbeat(c->app->store, cfg->node->name, cfg->node->url,
					      &err) == 0;

	cJSON_AddStringToObject(o, "status", reached && !full && !behind ? "ok" : "degraded");
	cJSON_AddStringToObject(o, "node", cfg->node->name);
	cJSON_AddStringToObject(o, "metadata", reached ? "ok" : "unreachable");
	if (full)
		cJSON_AddStringToObject(o, "data_path", "full");
	if (behind)
		cJSON_AddStringToObject(o, "continuous_backup", behind);
	fcgi_response_json(c->resp, reached ? 200 : 503, o);
	cJSON_Delete(o);
	ayb_err_clear(&err);
}

/* A single server answers without touching the metadata store, so a load balancer's probe
 * stays cheap and says only that the process serves requests.  A full
 * data_path keeps the 200 (reads still work) but says so, for the operator
 * and a monitor: every write there fails with 507 until space is freed. */
void api_health(struct fcgi_call *c)
{
	const struct ayb_config *cfg = c->app->cfg;
	char *behind = cfg->snapshots && cfg->snapshots->continuous
		       ? ayb_pitr_health(cfg->data_path) : NULL;
	int full = ayb_disk_full(cfg->data_path);

	if (cfg->node) {
		node_health(c, full, behind);
		free(behind);
		return;
	}
	c->resp->status = 200;
	c->resp->content_type = "application/json";
	/* Continuous backup behind its spool_limit: writes go on, but more of
	 * them than configured would be lost with the disk. */
	ayb_buf_adds(&c->resp->body,
		     full || behind ? "{\"status\":\"degraded\"" : "{\"status\":\"ok\"");
	if (full)
		ayb_buf_adds(&c->resp->body, ",\"data_path\":\"full\"");
	if (behind) {
		ayb_buf_adds(&c->resp->body, ",\"continuous_backup\":");
		ayb_buf_add_json_string(&c->resp->body, behind, strlen(behind));
	}
	ayb_buf_adds(&c->resp->body, "}");
	free(behind);
}
