#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "disk.h"
#include "pitr_ship.h"

/* Answers without touching the metadata store, so a load balancer's probe
 * stays cheap and says only that the process serves requests.  A full
 * data_path keeps the 200 (reads still work) but says so, for the operator
 * and a monitor: every write there fails with 507 until space is freed. */
void api_health(struct fcgi_call *c)
{
	const struct ayb_config *cfg = c->app->cfg;
	char *behind = cfg->snapshots && cfg->snapshots->continuous
		       ? ayb_pitr_health(cfg->data_path) : NULL;
	int full = ayb_disk_full(cfg->data_path);

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
