/* The admin's operations on a cluster (lib/node_admin.h). */
#include "autoconfig.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "node_admin.h"
#include "node_call.h"
#include "node_ops.h"
#include "node_sign.h"
#include "placement.h"
#include "snapshot.h"

/* A fence snapshots a whole database and a restore downloads it: a node
 * call may take as long as the largest database takes to cross the
 * network twice. */
#define CALL_TIMEOUT_S 3600L

int ayb_node_admin_open(struct ayb_node_admin *a, const struct ayb_config *cfg, FILE *out,
			struct ayb_err *err)
{
	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	a->out = out;
	ayb_node_key(cfg, AYB_NODE_SIGN_PURPOSE, a->key);
	return ayb_store_open(cfg->database_url, &a->store, err);
}

void ayb_node_admin_close(struct ayb_node_admin *a)
{
	ayb_store_close(a->store);
	memset(a, 0, sizeof(*a));
}

/* The nodes as the store lists them, and one of them by name. */
struct nodes {
	struct ayb_node_info *v;
	size_t n;
};

static void nodes_free(struct nodes *ns)
{
	ayb_node_infos_free(ns->v, ns->n);
	memset(ns, 0, sizeof(*ns));
}

static const struct ayb_node_info *node_named(const struct nodes *ns, const char *name)
{
	for (size_t i = 0; i < ns->n; i++)
		if (!strcmp(ns->v[i].name, name))
			return &ns->v[i];
	return NULL;
}

/* The node `name`, known and alive: NULL with err otherwise.  `then` says
 * what to do about a node that is down. */
static const struct ayb_node_info *node_up(const struct nodes *ns, const char *name,
					   const char *then, struct ayb_err *err)
{
	const struct ayb_node_info *n = node_named(ns, name);

	if (!n)
		ayb_err_set(err, AYB_E_MISSING, "Unknown node %s: `ayb admin nodes` lists them",
			    name);
	else if (!n->alive)
		ayb_err_set(err, AYB_E_UNAVAILABLE, "Node %s is down (last heartbeat %s)%s", name,
			    n->heartbeat_at ? n->heartbeat_at : "never", then);
	return n && n->alive ? n : NULL;
}

/* The live node other than `except` holding fewest databases (ties: by
 * name, the store's order), or NULL with err. */
static const struct ayb_node_info *fewest(const struct nodes *ns, const char *except,
					  struct ayb_err *err)
{
	const struct ayb_node_info *best = NULL;

	for (size_t i = 0; i < ns->n; i++)
		if (ns->v[i].alive && strcmp(ns->v[i].name, except) &&
		    (!best || ns->v[i].databases < best->databases))
			best = &ns->v[i];
	if (!best)
		ayb_err_set(err, AYB_E_UNAVAILABLE, "No node but %s is alive to take its databases",
			    except);
	return best;
}

/* One node call; the reply's snapshot_id, if any, copied into id. */
static int call(struct ayb_node_admin *a, const struct ayb_node_info *n, const char *op,
		const char *entity, const char *db, int64_t epoch, const char *from,
		char id[AYB_SNAPSHOT_ID_LEN + 1], struct ayb_err *err)
{
	char *path = ayb_fmt("/_ayb/node/%s/%s/%s/%" PRId64 "%s%s", op, entity, db, epoch,
			     from ? "/" : "", from ? from : "");
	cJSON *reply = NULL;
	const cJSON *sid;
	int rc;

	if (!path)
		return ayb_err_oom(err);
	rc = ayb_node_call(a->key, n->name, n->url, path, CALL_TIMEOUT_S, &reply, err);
	sid = cJSON_GetObjectItemCaseSensitive(reply, "snapshot_id");
	if (id) {
		id[0] = '\0';
		if (cJSON_IsString(sid) && strlen(sid->valuestring) <= AYB_SNAPSHOT_ID_LEN &&
		    (!sid->valuestring[0] || ayb_snapshot_id_valid(sid->valuestring) ||
		     !strncmp(sid->valuestring, AYB_NODE_FROM_WAL, strlen(AYB_NODE_FROM_WAL))))
			memcpy(id, sid->valuestring, strlen(sid->valuestring) + 1);
	}
	cJSON_Delete(reply);
	free(path);
	return rc;
}

/* The database entity/db and its placement: 0, or -1 with err. */
static int find(struct ayb_node_admin *a, const char *entity, const char *db, int64_t *id,
		struct ayb_placement *p, struct ayb_err *err)
{
	struct ayb_entity e = { 0 };
	struct ayb_database d = { 0 };
	int rc = ayb_store_entity_get(a->store, entity, &e, err);

	if (rc > 0)
		rc = ayb_store_database_get(a->store, e.id, db, &d, err);
	if (rc > 0)
		rc = ayb_placement_get(a->store, d.id, p, err);
	*id = d.id;
	ayb_entity_free(&e);
	ayb_database_free(&d);
	if (rc == 0)
		ayb_err_set(err, AYB_E_MISSING, "Database %s/%s not found%s", entity, db,
			    d.id ? " in any node's placement (made before the cluster?)" : "");
	return rc > 0 ? 0 : -1;
}

/* The way back of a move to epoch `moving`: the source unfences (if the
 * fence got that far) and serves again at moving + 1.  0, or -1 with err. */
static int unmove(struct ayb_node_admin *a, const struct ayb_node_info *src, const char *entity,
		  const char *db, int64_t dbid, int64_t moving, struct ayb_err *err)
{
	int rc;

	if (call(a, src, "unfence", entity, db, moving + 1, NULL, NULL, err) < 0 ||
	    (rc = ayb_placement_cas(a->store, dbid, moving, src->name, moving + 1,
				    AYB_PLACEMENT_SERVING, err)) < 0)
		return -1;
	if (rc == 0)
		return ayb_err_set(err, AYB_E_CONFLICT, "the placement of %s/%s changed meanwhile",
				   entity, db);
	return 0;
}

/* A failed move's way back.  The move's error is kept, and says whether
 * this worked. */
static void roll_back(struct ayb_node_admin *a, const struct ayb_node_info *src,
		      const char *entity, const char *db, int64_t dbid, int64_t moving,
		      struct ayb_err *err)
{
	struct ayb_err e2 = { 0 };

	if (unmove(a, src, entity, db, dbid, moving, &e2) == 0)
		ayb_err_prefix(err, "Rolled back (%s/%s serves from %s at epoch %" PRId64 ")",
			       entity, db, src->name, moving + 1);
	else
		ayb_err_prefix(err, "Not rolled back (%s; %s/%s stays moving at epoch %" PRId64
			       ": `ayb admin rollback %s/%s` when %s is back, or `ayb admin"
			       " recover %s` if it is gone)", e2.message, entity, db, moving,
			       entity, db, src->name, src->name);
	ayb_err_clear(&e2);
}

/* Moves one database whose placement p is on a live source, to dst. */
static int move_one(struct ayb_node_admin *a, const struct ayb_node_info *src,
		    const struct ayb_node_info *dst, const char *entity, const char *db,
		    int64_t dbid, const struct ayb_placement *p, struct ayb_err *err)
{
	char id[AYB_SNAPSHOT_ID_LEN + 1];
	int64_t e1 = p->epoch + 1;
	int rc;

	fprintf(a->out, "Moving %s/%s from %s to %s (epoch %" PRId64 " -> %" PRId64 ")\n", entity,
		db, src->name, dst->name, p->epoch, e1);
	if ((rc = ayb_placement_cas(a->store, dbid, p->epoch, src->name, e1,
				    AYB_PLACEMENT_MOVING, err)) <= 0)
		return rc < 0 ? -1 : ayb_err_set(err, AYB_E_CONFLICT,
						 "The placement of %s/%s changed meanwhile",
						 entity, db);
	if (call(a, src, "fence", entity, db, e1, NULL, id, err) < 0) {
		roll_back(a, src, entity, db, dbid, e1, err);
		return -1;
	}
	fprintf(a->out, "  %s: fenced, %s\n", src->name, id[0] ? id : "no file yet");
	if (call(a, dst, "restore", entity, db, e1, id[0] ? id : "none", NULL, err) < 0) {
		roll_back(a, src, entity, db, dbid, e1, err);
		return -1;
	}
	fprintf(a->out, "  %s: restored\n", dst->name);
	if ((rc = ayb_placement_cas(a->store, dbid, e1, dst->name, e1, AYB_PLACEMENT_SERVING,
				    err)) <= 0)
		return rc < 0 ? -1 : ayb_err_set(err, AYB_E_CONFLICT,
						 "The placement of %s/%s changed during its move",
						 entity, db);
	fprintf(a->out, "Moved %s/%s to %s at epoch %" PRId64 "\n", entity, db, dst->name, e1);
	/* The fenced copy is only a way back, which the switch closed. */
	if (call(a, src, "discard", entity, db, e1, NULL, NULL, err) < 0) {
		fprintf(a->out, "  %s: its fenced copy stays: %s\n", src->name, err->message);
		ayb_err_clear(err);
	}
	return 0;
}

/* The checks a move of a database placed at p makes before anything. */
static int move_check(const struct nodes *ns, const char *entity, const char *db,
		      const struct ayb_placement *p, const char *target,
		      const struct ayb_node_info **src, const struct ayb_node_info **dst,
		      struct ayb_err *err)
{
	if (!(*dst = node_up(ns, target, ": it cannot take a database", err)))
		return -1;
	if (!strcmp(p->node, target))
		return ayb_err_set(err, AYB_E_INVALID, "%s/%s is already on %s", entity, db,
				   target);
	if (p->state != AYB_PLACEMENT_SERVING)
		return ayb_err_set(err, AYB_E_CONFLICT,
				   "%s/%s is being moved (epoch %" PRId64 "); try again later",
				   entity, db, p->epoch);
	if (!(*src = node_up(ns, p->node, ": `ayb admin recover` brings its databases back",
			     err)))
		return -1;
	return 0;
}

int ayb_node_admin_move(struct ayb_node_admin *a, const char *entity, const char *db,
			const char *target, struct ayb_err *err)
{
	const struct ayb_node_info *src = NULL, *dst = NULL;
	struct ayb_placement p;
	struct nodes ns = { 0 };
	int64_t dbid;
	int ret = -1;

	if (!a->cfg->snapshots)
		return ayb_err_set(err, AYB_E_CONFIGURATION,
				   "Moving a database goes through S3: add a snapshots section"
				   " to %s", a->cfg->file ? a->cfg->file : "the configuration");
	if (ayb_placement_nodes(a->store, &ns.v, &ns.n, err) < 0)
		return -1;
	if (find(a, entity, db, &dbid, &p, err) == 0 &&
	    move_check(&ns, entity, db, &p, target, &src, &dst, err) == 0)
		ret = move_one(a, src, dst, entity, db, dbid, &p, err);
	nodes_free(&ns);
	return ret;
}

int ayb_node_admin_rollback(struct ayb_node_admin *a, const char *entity, const char *db,
			    struct ayb_err *err)
{
	const struct ayb_node_info *src;
	struct ayb_placement p;
	struct nodes ns = { 0 };
	int64_t dbid;
	int ret = -1;

	if (ayb_placement_nodes(a->store, &ns.v, &ns.n, err) < 0)
		return -1;
	if (find(a, entity, db, &dbid, &p, err) < 0)
		goto out;
	if (p.state != AYB_PLACEMENT_MOVING) {
		ayb_err_set(err, AYB_E_INVALID, "%s/%s is not moving: it serves from %s",
			    entity, db, p.node);
		goto out;
	}
	if (!(src = node_up(&ns, p.node, ": `ayb admin recover` brings its databases back",
			    err)))
		goto out;
	if ((ret = unmove(a, src, entity, db, dbid, p.epoch, err)) == 0)
		fprintf(a->out, "Rolled back: %s/%s serves from %s at epoch %" PRId64 "\n", entity,
			db, src->name, p.epoch + 1);
out:
	nodes_free(&ns);
	return ret;
}

/* What drain and recover do for each database of a node. */
typedef int per_db_fn(struct ayb_node_admin *a, const struct nodes *ns,
		      const struct ayb_node_info *from, const struct ayb_placement_row *r,
		      struct ayb_err *err);

static int drain_one(struct ayb_node_admin *a, const struct nodes *ns,
		     const struct ayb_node_info *from, const struct ayb_placement_row *r,
		     struct ayb_err *err)
{
	const struct ayb_node_info *dst = fewest(ns, from->name, err);

	if (!dst)
		return -1;
	if (r->place.state != AYB_PLACEMENT_SERVING)
		return ayb_err_set(err, AYB_E_CONFLICT,
				   "%s/%s is being moved (epoch %" PRId64 "); try again later",
				   r->entity, r->database, r->place.epoch);
	return move_one(a, from, dst, r->entity, r->database, r->database_id, &r->place, err);
}

/* The placement goes to 'moving' at epoch+1 while still naming the lost
 * node, so that a recover that stops half-way leaves it to the next. */
static int recover_one(struct ayb_node_admin *a, const struct nodes *ns,
		       const struct ayb_node_info *from, const struct ayb_placement_row *r,
		       struct ayb_err *err)
{
	const struct ayb_node_info *dst = fewest(ns, from->name, err);
	char id[AYB_SNAPSHOT_ID_LEN + 1];
	int64_t e1 = r->place.epoch + 1;
	int rc;

	if (!dst)
		return -1;
	fprintf(a->out, "Recovering %s/%s on %s (epoch %" PRId64 " -> %" PRId64 ")\n",
		r->entity, r->database, dst->name, r->place.epoch, e1);
	if ((rc = ayb_placement_cas(a->store, r->database_id, r->place.epoch, from->name, e1,
				    AYB_PLACEMENT_MOVING, err)) <= 0)
		return rc < 0 ? -1 : ayb_err_set(err, AYB_E_CONFLICT,
						 "The placement of %s/%s changed meanwhile",
						 r->entity, r->database);
	if (call(a, dst, "restore", r->entity, r->database, e1, "latest", id, err) < 0)
		return -1;
	if ((rc = ayb_placement_cas(a->store, r->database_id, e1, dst->name, e1,
				    AYB_PLACEMENT_SERVING, err)) <= 0)
		return rc < 0 ? -1 : ayb_err_set(err, AYB_E_CONFLICT,
						 "The placement of %s/%s changed meanwhile",
						 r->entity, r->database);
	if (!strncmp(id, AYB_NODE_FROM_WAL, strlen(AYB_NODE_FROM_WAL)))
		fprintf(a->out, "Recovered %s/%s on %s at epoch %" PRId64 " from continuous backup,"
			" up to its commit at %s\n", r->entity, r->database, dst->name, e1,
			id + strlen(AYB_NODE_FROM_WAL));
	else if (id[0])
		fprintf(a->out, "Recovered %s/%s on %s at epoch %" PRId64 " from snapshot %s\n",
			r->entity, r->database, dst->name, e1, id);
	else
		fprintf(a->out, "Recovered %s/%s on %s at epoch %" PRId64 " EMPTY: it has no"
			" snapshot in S3\n", r->entity, r->database, dst->name, e1);
	return 0;
}

/* Runs fn for every database on `node`, the node list read afresh for
 * each (fewest changes as databases arrive); goes on past failures, each
 * reported on out. */
static int each_db(struct ayb_node_admin *a, const char *node, int want_alive, per_db_fn *fn,
		   const char *verb, struct ayb_err *err)
{
	struct ayb_placement_row *rows = NULL;
	struct nodes ns = { 0 };
	const struct ayb_node_info *from;
	size_t n = 0, failed = 0;

	if (!a->cfg->snapshots)
		return ayb_err_set(err, AYB_E_CONFIGURATION,
				   "Moving databases goes through S3: add a snapshots section"
				   " to %s", a->cfg->file ? a->cfg->file : "the configuration");
	if (ayb_placement_nodes(a->store, &ns.v, &ns.n, err) < 0)
		return -1;
	if (!(from = node_named(&ns, node))) {
		ayb_err_set(err, AYB_E_MISSING, "Unknown node %s: `ayb admin nodes` lists them",
			    node);
		goto out;
	}
	if (from->alive != want_alive) {
		if (want_alive)
			ayb_err_set(err, AYB_E_UNAVAILABLE, "Node %s is down (last heartbeat %s):"
				    " `ayb admin recover %s` brings its databases back", node,
				    from->heartbeat_at ? from->heartbeat_at : "never", node);
		else
			ayb_err_set(err, AYB_E_CONFLICT, "Node %s is alive (last heartbeat %s):"
				    " recover is for a node that is gone; drain it instead", node,
				    from->heartbeat_at ? from->heartbeat_at : "never");
		goto out;
	}
	if (!want_alive && ayb_node_answers(from->url)) {
		ayb_err_set(err, AYB_E_CONFLICT, "Node %s answers at %s (last heartbeat %s): it"
			    " is alive, only quiet; recover is for a node that is gone", node,
			    from->url, from->heartbeat_at ? from->heartbeat_at : "never");
		goto out;
	}
	if (ayb_placement_list(a->store, node, &rows, &n, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		nodes_free(&ns);
		if (ayb_placement_nodes(a->store, &ns.v, &ns.n, err) < 0 ||
		    !(from = node_named(&ns, node)) || fn(a, &ns, from, &rows[i], err) < 0) {
			fprintf(a->out, "Failed: %s/%s: %s\n", rows[i].entity, rows[i].database,
				err->message ? err->message : "its node is gone from the store");
			ayb_err_clear(err);
			failed++;
		}
	}
	if (failed)
		ayb_err_set(err, AYB_E_UNAVAILABLE, "%zu of %zu databases of %s were not %s",
			    failed, n, node, verb);
	else
		fprintf(a->out, "%s: %zu databases %s\n", node, n, verb);
out:
	ayb_placement_rows_free(rows, n);
	nodes_free(&ns);
	return err->kind ? -1 : 0;
}

int ayb_node_admin_drain(struct ayb_node_admin *a, const char *node, struct ayb_err *err)
{
	return each_db(a, node, 1, drain_one, "moved", err);
}

int ayb_node_admin_recover(struct ayb_node_admin *a, const char *node, struct ayb_err *err)
{
	return each_db(a, node, 0, recover_one, "recovered", err);
}
