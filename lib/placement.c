/* Placement in the metadata store (placement.h): its queries, written once
 * for both backends as store.c's are. */
#include "autoconfig.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "placement.h"
#include "store_impl.h"

enum {
	Q_GET = AYB_STORE_QID_PLACEMENT,
	Q_CREATE,
	Q_CAS,
	Q_HEARTBEAT,
	Q_NODES,
	Q_LIST,
	Q_FEWEST,
	Q_URL,
};

static const char *const sql[] = {
	[Q_GET - Q_GET] = "SELECT node, epoch, state FROM placement WHERE database_id = $1",
	[Q_CREATE - Q_GET] = "INSERT INTO placement (database_id, node, epoch, state)"
			     " VALUES ($1, $2, $3, 'serving')",
	[Q_CAS - Q_GET] = "UPDATE placement SET node = $3, epoch = $4, state = $5"
			  " WHERE database_id = $1 AND epoch = $2 RETURNING database_id",
	[Q_HEARTBEAT - Q_GET] = "INSERT INTO node (name, url, heartbeat_at) VALUES ($1, $2, $3)"
				" ON CONFLICT (name) DO UPDATE SET url = excluded.url,"
				" heartbeat_at = excluded.heartbeat_at",
	/* $1: the oldest heartbeat of a node alive. */
	[Q_NODES - Q_GET] = "SELECT n.name, n.url, n.heartbeat_at, n.heartbeat_at >= $1,"
			    " (SELECT count(*) FROM placement p WHERE p.node = n.name)"
			    " FROM node n ORDER BY n.name",
	[Q_LIST - Q_GET] = "SELECT p.database_id, e.slug, d.slug, p.node, p.epoch, p.state"
			   " FROM placement p JOIN database d ON d.id = p.database_id"
			   " JOIN entity e ON e.id = d.entity_id"
			   " WHERE CAST($1 AS TEXT) IS NULL OR p.node = $1 ORDER BY e.slug, d.slug",
	[Q_FEWEST - Q_GET] = "SELECT n.name FROM node n WHERE n.heartbeat_at >= $1 ORDER BY"
			     " (SELECT count(*) FROM placement p WHERE p.node = n.name), n.name"
			     " LIMIT 1",
	[Q_URL - Q_GET] = "SELECT url FROM node WHERE name = $1",
};

static int run(struct ayb_store *st, int q, const struct ayb_param *p, size_t n,
	       struct ayb_rows *rows, struct ayb_err *err)
{
	return ayb_store_run(st, q, sql[q - Q_GET], p, n, rows, err);
}

static int64_t num(const char *s)
{
	return s ? strtoll(s, NULL, 10) : 0;
}

static const char *state_text(int state)
{
	return state == AYB_PLACEMENT_SERVING ? "serving" : "moving";
}

/* Columns node, epoch, state of row i from column c. */
static void placement_of(const struct ayb_rows *r, size_t i, size_t c, struct ayb_placement *p)
{
	const char *node = ayb_rows_get(r, i, c), *state = ayb_rows_get(r, i, c + 2);

	snprintf(p->node, sizeof(p->node), "%s", node ? node : "");
	p->epoch = num(ayb_rows_get(r, i, c + 1));
	p->state = state && strcmp(state, "serving") == 0 ? AYB_PLACEMENT_SERVING
							   : AYB_PLACEMENT_MOVING;
}

int ayb_placement_get(struct ayb_store *st, int64_t database_id, struct ayb_placement *out,
		      struct ayb_err *err)
{
	char id[24];
	struct ayb_param p[1] = { { id } };
	struct ayb_rows r;
	int found;

	memset(out, 0, sizeof(*out));
	snprintf(id, sizeof(id), "%" PRId64, database_id);
	if (run(st, Q_GET, p, 1, &r, err) < 0)
		return -1;
	if ((found = r.nrows == 1))
		placement_of(&r, 0, 0, out);
	ayb_rows_free(&r);
	return found;
}

int ayb_placement_create(struct ayb_store *st, int64_t database_id, const char *node,
			 int64_t epoch, struct ayb_err *err)
{
	char id[24], ep[24];
	struct ayb_param p[3] = { { id }, { node }, { ep } };

	snprintf(id, sizeof(id), "%" PRId64, database_id);
	snprintf(ep, sizeof(ep), "%" PRId64, epoch);
	return run(st, Q_CREATE, p, 3, NULL, err) < 0 ? -1 : 0;
}

int ayb_placement_cas(struct ayb_store *st, int64_t database_id, int64_t expect_epoch,
		      const char *node, int64_t epoch, int state, struct ayb_err *err)
{
	char id[24], old[24], ep[24];
	struct ayb_param p[5] = { { id }, { old }, { node }, { ep }, { state_text(state) } };
	struct ayb_rows r;
	int swapped;

	snprintf(id, sizeof(id), "%" PRId64, database_id);
	snprintf(old, sizeof(old), "%" PRId64, expect_epoch);
	snprintf(ep, sizeof(ep), "%" PRId64, epoch);
	if (run(st, Q_CAS, p, 5, &r, err) < 0)
		return -1;
	swapped = r.nrows == 1;
	ayb_rows_free(&r);
	return swapped;
}

int ayb_placement_heartbeat(struct ayb_store *st, const char *node, const char *url,
			    struct ayb_err *err)
{
	char now[64];
	struct ayb_param p[3] = { { node }, { url }, { now } };

	ayb_store_time_text(now, 0);
	return run(st, Q_HEARTBEAT, p, 3, NULL, err) < 0 ? -1 : 0;
}

void ayb_node_infos_free(struct ayb_node_info *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].url);
		free(v[i].heartbeat_at);
	}
	free(v);
}

static char *dup_cell(const struct ayb_rows *r, size_t row, size_t col)
{
	const char *s = ayb_rows_get(r, row, col);
	return s ? strdup(s) : NULL;
}

int ayb_placement_nodes(struct ayb_store *st, struct ayb_node_info **out, size_t *n,
			struct ayb_err *err)
{
	char since[64];
	struct ayb_param p[1] = { { since } };
	struct ayb_rows r;
	struct ayb_node_info *v;
	int rc = 0;

	ayb_store_time_text(since, -AYB_NODE_ALIVE_SECONDS);
	if (run(st, Q_NODES, p, 1, &r, err) < 0)
		return -1;
	if (!(v = calloc(r.nrows ? r.nrows : 1, sizeof(*v)))) {
		ayb_rows_free(&r);
		return ayb_err_oom(err);
	}
	for (size_t i = 0; i < r.nrows; i++) {
		const char *alive = ayb_rows_get(&r, i, 3);

		snprintf(v[i].name, sizeof(v[i].name), "%s", ayb_rows_get(&r, i, 0));
		v[i].url = dup_cell(&r, i, 1);
		v[i].heartbeat_at = dup_cell(&r, i, 2);
		v[i].alive = alive && (alive[0] == 't' || num(alive) != 0);
		v[i].databases = num(ayb_rows_get(&r, i, 4));
		if (!v[i].url || (ayb_rows_get(&r, i, 2) && !v[i].heartbeat_at))
			rc = -1;
	}
	*n = r.nrows;
	ayb_rows_free(&r);
	if (rc < 0) {
		ayb_node_infos_free(v, *n);
		return ayb_err_oom(err);
	}
	*out = v;
	return 0;
}

void ayb_placement_rows_free(struct ayb_placement_row *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].entity);
		free(v[i].database);
	}
	free(v);
}

int ayb_placement_list(struct ayb_store *st, const char *node, struct ayb_placement_row **out,
		       size_t *n, struct ayb_err *err)
{
	struct ayb_param p[1] = { { node } };
	struct ayb_rows r;
	struct ayb_placement_row *v;
	int rc = 0;

	if (run(st, Q_LIST, p, 1, &r, err) < 0)
		return -1;
	if (!(v = calloc(r.nrows ? r.nrows : 1, sizeof(*v)))) {
		ayb_rows_free(&r);
		return ayb_err_oom(err);
	}
	for (size_t i = 0; i < r.nrows; i++) {
		v[i].database_id = num(ayb_rows_get(&r, i, 0));
		v[i].entity = dup_cell(&r, i, 1);
		v[i].database = dup_cell(&r, i, 2);
		placement_of(&r, i, 3, &v[i].place);
		if (!v[i].entity || !v[i].database)
			rc = -1;
	}
	*n = r.nrows;
	ayb_rows_free(&r);
	if (rc < 0) {
		ayb_placement_rows_free(v, *n);
		return ayb_err_oom(err);
	}
	*out = v;
	return 0;
}

int ayb_placement_fewest(struct ayb_store *st, char out[AYB_NODE_NAME_MAX], struct ayb_err *err)
{
	char since[64];
	struct ayb_param p[1] = { { since } };
	struct ayb_rows r;
	int found;

	ayb_store_time_text(since, -AYB_NODE_ALIVE_SECONDS);
	if (run(st, Q_FEWEST, p, 1, &r, err) < 0)
		return -1;
	if ((found = r.nrows == 1))
		snprintf(out, AYB_NODE_NAME_MAX, "%s", ayb_rows_get(&r, 0, 0));
	ayb_rows_free(&r);
	return found;
}

int ayb_placement_node_url(struct ayb_store *st, const char *node, char **url,
			   struct ayb_err *err)
{
	struct ayb_param p[1] = { { node } };
	struct ayb_rows r;
	int found;

	*url = NULL;
	if (run(st, Q_URL, p, 1, &r, err) < 0)
		return -1;
	found = r.nrows == 1;
	if (found && !(*url = dup_cell(&r, 0, 0)))
		found = ayb_err_oom(err);
	ayb_rows_free(&r);
	return found;
}
