/* The endpoints one node offers the admin of a cluster (README "Several
 * machines"): /_ayb/node/<op>/<entity>/<database>/<epoch>[/<from>].  No
 * entity can own the path (API paths start with /v1, the web UI's have
 * fewer segments), and a node answers only a request signed with the
 * cluster's key (lib/node_sign.h): without a node section it is a bare 404
 * as for any unknown path, and a missing or bad signature is a 401 before
 * anything is parsed or done. */
#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "node_ops.h"
#include "node_sign.h"
#include "slug.h"

/* The segments of every node path: _ayb, node, op, entity, database, epoch. */
#define SEG_ENTITY 3
#define SEG_DB 4
#define SEG_EPOCH 5
#define SEG_FROM 6

/* The database and epoch the path names, checked: 0, or -1 with err
 * (InvalidSlug 400, Other 400 for an epoch that is not a positive
 * number). */
static int read_target(const struct fcgi_request *req, int64_t *epoch, struct ayb_err *err)
{
	const struct fcgi_segment *e = &req->seg[SEG_ENTITY], *d = &req->seg[SEG_DB];
	const char *text = req->seg[SEG_EPOCH].s;
	char *end;
	long long v;

	if (ayb_slug_check(AYB_SLUG_ENTITY, e->s, e->len, err) < 0 ||
	    ayb_slug_check(AYB_SLUG_DATABASE, d->s, d->len, err) < 0)
		return -1;
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno || end == text || *end || v <= 0 || strlen(text) != req->seg[SEG_EPOCH].len)
		return ayb_err_set(err, AYB_E_INVALID, "Invalid epoch: %s", text);
	*epoch = v;
	return 0;
}

/* 0 when the request may go on; else it is answered here. */
static int node_begin(struct fcgi_call *c, int64_t *epoch, struct ayb_err *err)
{
	const struct fcgi_request *req = c->req;
	unsigned char key[AYB_NODE_KEY_BYTES];

	if (!c->app->cfg->node) {
		fcgi_response_status(c->resp, 404);
		return -1;
	}
	ayb_node_key(c->app->cfg, AYB_NODE_SIGN_PURPOSE, key);
	if (ayb_node_verify(key, req->method, req->path,
			    req->body ? req->body : "", req->body_len,
			    fcgi_request_header(req, AYB_NODE_TIME_HEADER),
			    fcgi_request_header(req, AYB_NODE_SIGNATURE_HEADER),
			    (int64_t)time(NULL), err) < 0 ||
	    read_target(req, epoch, err) < 0) {
		api_answer(c, err, 0, NULL);
		return -1;
	}
	return 0;
}

/* {"<key>": id} */
static void answer_id(struct fcgi_call *c, struct ayb_err *err, const char *key, const char *id)
{
	cJSON *o = NULL;

	if (!err->kind && (!(o = cJSON_CreateObject()) || !cJSON_AddStringToObject(o, key, id)))
		ayb_err_oom(err);
	api_answer(c, err, 200, o);
	cJSON_Delete(o);
}

void api_node_fence(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	char id[AYB_SNAPSHOT_ID_LEN + 1] = "";
	int64_t epoch;

	if (node_begin(c, &epoch, &err) < 0)
		return;
	ayb_node_fence(c->app->cfg, c->req->seg[SEG_ENTITY].s, c->req->seg[SEG_DB].s, epoch, id,
		       &err);
	answer_id(c, &err, "snapshot_id", id);
}

void api_node_unfence(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	int64_t epoch;

	if (node_begin(c, &epoch, &err) < 0)
		return;
	ayb_node_unfence(c->app->cfg, c->req->seg[SEG_ENTITY].s, c->req->seg[SEG_DB].s, epoch,
			 &err);
	api_answer(c, &err, 200, NULL);
}

void api_node_discard(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	int64_t epoch;

	if (node_begin(c, &epoch, &err) < 0)
		return;
	ayb_node_discard(c->app->cfg, c->req->seg[SEG_ENTITY].s, c->req->seg[SEG_DB].s, epoch);
	api_answer(c, &err, 200, NULL);
}

void api_node_restore(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	char id[AYB_SNAPSHOT_ID_LEN + 1] = "";
	int64_t epoch;

	if (node_begin(c, &epoch, &err) < 0)
		return;
	ayb_node_restore(c->app->cfg, c->req->seg[SEG_ENTITY].s, c->req->seg[SEG_DB].s, epoch,
			 c->req->seg[SEG_FROM].s, c->req->seg[SEG_FROM].len, id, &err);
	answer_id(c, &err, "snapshot_id", id);
}
