/* Placement (lib/placement.c) and this node's view of it (lib/node.c): the
 * store functions, the epoch marker and the serving rule.  SQLite in a
 * temporary directory, or the PostgreSQL database named by AYB_TEST_PG_URL
 * (an empty one; tests/e2e/pg_store.sh runs it so). */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fs.h"
#include "layout.h"
#include "node.h"
#include "placement.h"
#include "store.h"
#include "tap.h"

static void test_store(struct ayb_store *st)
{
	struct ayb_err err = { 0 };
	struct ayb_entity e = { 0 };
	struct ayb_database a = { 0 }, b = { 0 };
	struct ayb_placement p;
	struct ayb_node_info *nodes = NULL;
	struct ayb_placement_row *rows = NULL;
	size_t n = 0;
	char name[AYB_NODE_NAME_MAX] = "", *url = NULL;
	int grant;

	ayb_store_entity_get_or_create(st, "alice", 0, &e, &err);
	ayb_store_database_create(st, e.id, "a.sqlite", 0, 0, &a, &err);
	ayb_store_database_create(st, e.id, "b.sqlite", 0, 0, &b, &err);
	is_int(ayb_placement_get(st, a.id, &p, &err), 0, "no placement yet");
	is_int(ayb_placement_fewest(st, name, &err), 0, "no node alive yet");
	is_int(ayb_placement_heartbeat(st, "n1", "http://127.0.0.1:1", &err), 0, "heartbeat n1");
	is_int(ayb_placement_heartbeat(st, "n2", "http://127.0.0.1:2", &err), 0, "heartbeat n2");
	is_int(ayb_placement_heartbeat(st, "n2", "http://127.0.0.1:22", &err), 0, "again: updated");
	is_int(ayb_placement_node_url(st, "n2", &url, &err), 1, "url of n2");
	is_str(url, "http://127.0.0.1:22", "the latest url");
	free(url);
	is_int(ayb_placement_node_url(st, "n9", &url, &err), 0, "no such node");

	is_int(ayb_placement_create(st, a.id, "n1", 1, &err), 0, "place a on n1");
	is_int(ayb_placement_get(st, a.id, &p, &err), 1, "placement of a");
	is_str(p.node, "n1", "on n1");
	is_int(p.epoch, 1, "epoch 1");
	is_int(p.state, AYB_PLACEMENT_SERVING, "serving");
	is_int(ayb_placement_fewest(st, name, &err), 1, "fewest");
	is_str(name, "n2", "n2 holds none");

	is_int(ayb_placement_cas(st, a.id, 7, "n2", 8, AYB_PLACEMENT_MOVING, &err), 0,
	       "a swap expecting another epoch does nothing");
	is_int(ayb_placement_cas(st, a.id, 1, "n1", 2, AYB_PLACEMENT_MOVING, &err), 1,
	       "moving at epoch 2");
	is_int(ayb_placement_cas(st, a.id, 1, "n2", 2, AYB_PLACEMENT_SERVING, &err), 0,
	       "a second swap from epoch 1 loses");
	is_int(ayb_placement_cas(st, a.id, 2, "n2", 3, AYB_PLACEMENT_SERVING, &err), 1,
	       "serving on n2 at epoch 3");
	ayb_placement_get(st, a.id, &p, &err);
	ok(!strcmp(p.node, "n2") && p.epoch == 3 && p.state == AYB_PLACEMENT_SERVING,
	   "the placement after the move");

	/* The target lookup reads the placement with the rest. */
	ayb_entity_free(&e);
	ayb_database_free(&a);
	is_int(ayb_store_target_get(st, "alice", "a.sqlite", 0, &e, &a, &grant, &err), 2,
	       "target lookup");
	ok(!strcmp(a.place.node, "n2") && a.place.epoch == 3, "with its placement");
	is_str(a.node_url, "http://127.0.0.1:22", "and its node's URL");
	ayb_entity_free(&e);
	ayb_database_free(&a);
	ayb_database_free(&b);
	is_int(ayb_store_target_get(st, "alice", "b.sqlite", 0, &e, &b, &grant, &err), 2,
	       "target lookup without placement");
	ok(!b.place.node[0] && !b.node_url, "no node");

	ayb_placement_create(st, b.id, "n1", 1, &err);
	is_int(ayb_placement_nodes(st, &nodes, &n, &err), 0, "list nodes");
	is_int(n, 2, "two nodes");
	ok(n == 2 && !strcmp(nodes[0].name, "n1") && nodes[0].databases == 1 && nodes[0].alive &&
	   nodes[0].heartbeat_at, "n1: one database, alive");
	ok(n == 2 && !strcmp(nodes[1].url, "http://127.0.0.1:22") && nodes[1].databases == 1,
	   "n2: one database");
	ayb_node_infos_free(nodes, n);
	is_int(ayb_placement_list(st, NULL, &rows, &n, &err), 0, "every placement");
	ok(n == 2 && !strcmp(rows[0].database, "a.sqlite") && !strcmp(rows[0].entity, "alice"),
	   "by entity and database");
	ayb_placement_rows_free(rows, n);
	is_int(ayb_placement_list(st, "n1", &rows, &n, &err), 0, "placements of n1");
	ok(n == 1 && !strcmp(rows[0].database, "b.sqlite") && rows[0].place.epoch == 1,
	   "b only");
	ayb_placement_rows_free(rows, n);

	is_int(ayb_store_database_delete(st, b.id, &err), 0, "delete b");
	is_int(ayb_placement_get(st, b.id, &p, &err), 0, "its placement goes with it");
	ayb_entity_free(&e);
	ayb_database_free(&b);
	ayb_err_clear(&err);
}

static void test_serving(const char *dir)
{
	struct ayb_config cfg = { 0 };
	struct ayb_node_config node = { 0 };
	struct ayb_placement p = { "n1", 4, AYB_PLACEMENT_SERVING };
	struct ayb_err err = { 0 };
	unsigned char k1[AYB_NODE_KEY_BYTES], k2[AYB_NODE_KEY_BYTES];
	int64_t epoch = 0;
	char data[300];

	snprintf(data, sizeof(data), "%s/data", dir);
	cfg.data_path = data;
	is_int(ayb_node_serving(&cfg, "alice", "a.sqlite", &p, &err), AYB_NODE_HERE,
	       "one node: always here");
	node.name = "n1";
	cfg.node = &node;
	is_int(ayb_node_marker_read(data, "alice", "a.sqlite", &epoch, &err), 0, "no marker");
	is_int(ayb_node_serving(&cfg, "alice", "a.sqlite", &p, &err), -1,
	       "placed here, no marker: refused");
	is_int(err.kind, AYB_E_UNAVAILABLE, "503");
	is_str(err.message, "Database alice/a.sqlite is moving between nodes; try again",
	       "the message");
	ok(err.retry_after > 0, "with Retry-After");
	ayb_err_clear(&err);
	is_int(ayb_node_marker_write(data, "alice", "a.sqlite", 3, &err), 0, "marker at 3");
	is_int(ayb_node_marker_read(data, "alice", "a.sqlite", &epoch, &err), 1, "read back");
	is_int(epoch, 3, "3");
	is_int(ayb_node_serving(&cfg, "alice", "a.sqlite", &p, &err), -1,
	       "a stale epoch: refused");
	ayb_err_clear(&err);
	ayb_node_marker_write(data, "alice", "a.sqlite", 4, &err);
	is_int(ayb_node_serving(&cfg, "alice", "a.sqlite", &p, &err), AYB_NODE_HERE,
	       "the epoch of the placement: served");
	p.state = AYB_PLACEMENT_MOVING;
	is_int(ayb_node_serving(&cfg, "alice", "a.sqlite", &p, &err), -1, "moving: refused");
	ayb_err_clear(&err);
	snprintf(p.node, sizeof(p.node), "n2");
	is_int(ayb_node_serving(&cfg, "alice", "a.sqlite", &p, &err), AYB_NODE_ELSEWHERE,
	       "on another node: forward");
	p.node[0] = 0;
	is_int(ayb_node_serving(&cfg, "alice", "a.sqlite", &p, &err), AYB_NODE_HERE,
	       "no placement (made before the node section): here");
	is_int(ayb_node_marker_read(data, "alice", "..", &epoch, &err), -1, "a bad name: refused");
	ayb_err_clear(&err);

	memset(cfg.key, 1, sizeof(cfg.key));
	ayb_node_key(&cfg, "forward", k1);
	ayb_node_key(&cfg, "admin", k2);
	ok(memcmp(k1, k2, sizeof(k1)) != 0, "one key per purpose");
}

int main(void)
{
	char dir[] = "/tmp/ayb-test-placement.XXXXXX", url[300];
	struct ayb_err err = { 0 };
	struct ayb_store *st = NULL;

	if (!mkdtemp(dir))
		return 1;
	if (getenv("AYB_TEST_PG_URL") && *getenv("AYB_TEST_PG_URL"))
		snprintf(url, sizeof(url), "%s", getenv("AYB_TEST_PG_URL"));
	else
		snprintf(url, sizeof(url), "sqlite://%s/meta.sqlite", dir);
	is_int(ayb_store_open(url, &st, &err), 0, "open (migration 8 applied)");
	if (st)
		test_store(st);
	ayb_store_close(st);
	test_serving(dir);
	ayb_fs_remove_tree(dir);
	ayb_err_clear(&err);
	return tap_done();
}
