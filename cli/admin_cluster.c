/* `ayb admin status | nodes | placements | move | rollback | drain |
 * recover`: the operations of a cluster (README "Several machines":
 * Operations), from any machine with the cluster's ayb.conf.  The work is
 * lib/node_admin.c's; this file reads the arguments and prints tables. */
#include "autoconfig.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "client.h"
#include "commands.h"
#include "config.h"
#include "node_admin.h"
#include "placement.h"
#include "slug.h"

#define ARGS_MAX 2

/* The command line of one subcommand: --config and up to two operands. */
struct cluster_args {
	const char *config;
	const char *arg[ARGS_MAX];
	int n;
};

/* Renders a table of nrows x ncols cells to stdout, as the client does. */
static int print_table(size_t ncols, const char *const *header, size_t nrows,
		       const char *const *cells)
{
	struct ayb_buf out = { 0 };
	int rc = client_render(&out, CLIENT_FORMAT_TABLE, isatty(1), ncols, header, nrows, cells);

	if (rc == 0 && out.data)
		fputs(out.data, stdout);
	ayb_buf_free(&out);
	return rc;
}

static int show_nodes(struct ayb_node_admin *a, int verdict, struct ayb_err *err)
{
	static const char *const header[] = { "node", "url", "last heartbeat", "alive",
					      "databases" };
	struct ayb_node_info *v = NULL;
	size_t n = 0, ncols = verdict ? 5 : 4;
	const char **cells = NULL;
	char (*counts)[24] = NULL;
	int rc = -1;

	if (ayb_placement_nodes(a->store, &v, &n, err) < 0)
		return -1;
	if (!n) {
		puts("No nodes: none has a node section in its configuration, or none has served"
		     " a request yet");
		rc = 0;
		goto out;
	}
	if (!(cells = calloc(n * ncols, sizeof(*cells))) ||
	    !(counts = calloc(n, sizeof(*counts)))) {
		ayb_err_oom(err);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const char **row = cells + i * ncols;

		snprintf(counts[i], sizeof(counts[i]), "%" PRId64, v[i].databases);
		row[0] = v[i].name;
		row[1] = v[i].url;
		row[2] = v[i].heartbeat_at ? v[i].heartbeat_at : "never";
		if (verdict)
			row[3] = v[i].alive ? "yes" : "NO";
		row[ncols - 1] = counts[i];
	}
	if (!verdict) {
		static const char *const short_header[] = { "node", "url", "last heartbeat",
							    "databases" };

		rc = print_table(ncols, short_header, n, cells);
	} else {
		rc = print_table(ncols, header, n, cells);
	}
	if (rc < 0)
		ayb_err_oom(err);
out:
	free(counts);
	free(cells);
	ayb_node_infos_free(v, n);
	return rc;
}

static int show_placements(struct ayb_node_admin *a, const char *node, struct ayb_err *err)
{
	static const char *const header[] = { "database", "node", "epoch", "state" };
	struct ayb_placement_row *v = NULL;
	size_t n = 0;
	const char **cells = NULL;
	char (*names)[2 * AYB_SLUG_MAX + 2] = NULL, (*epochs)[24] = NULL;
	int rc = -1;

	if (ayb_placement_list(a->store, node, &v, &n, err) < 0)
		return -1;
	if (!n) {
		printf("No databases%s%s\n", node ? " on " : "", node ? node : "");
		rc = 0;
		goto out;
	}
	if (!(cells = calloc(n * 4, sizeof(*cells))) || !(names = calloc(n, sizeof(*names))) ||
	    !(epochs = calloc(n, sizeof(*epochs)))) {
		ayb_err_oom(err);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "%s/%s", v[i].entity, v[i].database);
		snprintf(epochs[i], sizeof(epochs[i]), "%" PRId64, v[i].place.epoch);
		cells[i * 4] = names[i];
		cells[i * 4 + 1] = v[i].place.node;
		cells[i * 4 + 2] = epochs[i];
		cells[i * 4 + 3] = v[i].place.state == AYB_PLACEMENT_SERVING ? "serving" : "moving";
	}
	if ((rc = print_table(4, header, n, cells)) < 0)
		ayb_err_oom(err);
out:
	free(epochs);
	free(names);
	free(cells);
	ayb_placement_rows_free(v, n);
	return rc;
}

/* A node that is not known is a clear error rather than an empty table. */
static int node_known(struct ayb_node_admin *a, const char *node, struct ayb_err *err)
{
	char *url = NULL;
	int rc = ayb_placement_node_url(a->store, node, &url, err);

	free(url);
	if (rc == 0)
		return ayb_err_set(err, AYB_E_MISSING,
				   "Unknown node %s: `ayb admin nodes` lists them", node);
	return rc < 0 ? -1 : 0;
}

/* ENTITY/DB as the client reads a database: the last '/' splits; both
 * must be slugs.  *entity is malloc'd (db points into it). */
static int split_database(const char *arg, char **entity, char **db, struct ayb_err *err)
{
	char *slash;

	if (!(*entity = strdup(arg)))
		return ayb_err_oom(err);
	if (!(slash = strrchr(*entity, '/')))
		return ayb_err_set(err, AYB_E_INVALID,
				   "invalid database '%s': it must be formatted as 'entity/database'",
				   arg);
	*slash = '\0';
	*db = slash + 1;
	ayb_slug_lower(*entity);
	if (ayb_slug_check(AYB_SLUG_ENTITY, *entity, strlen(*entity), err) < 0 ||
	    ayb_slug_check(AYB_SLUG_DATABASE, *db, strlen(*db), err) < 0)
		return -1;
	return 0;
}

static int run(const char *cmd, struct ayb_node_admin *a, const struct cluster_args *ca,
	       struct ayb_err *err)
{
	char *entity = NULL, *db = NULL;
	int rc;

	if (!strcmp(cmd, "status") || !strcmp(cmd, "nodes"))
		return show_nodes(a, !strcmp(cmd, "status"), err);
	if (!strcmp(cmd, "placements"))
		return ca->n && node_known(a, ca->arg[0], err) < 0 ? -1 :
		       show_placements(a, ca->n ? ca->arg[0] : NULL, err);
	if (!strcmp(cmd, "drain"))
		return ayb_node_admin_drain(a, ca->arg[0], err);
	if (!strcmp(cmd, "recover"))
		return ayb_node_admin_recover(a, ca->arg[0], err);
	if (split_database(ca->arg[0], &entity, &db, err) < 0)
		rc = -1;
	else if (!strcmp(cmd, "rollback"))
		rc = ayb_node_admin_rollback(a, entity, db, err);
	else
		rc = ayb_node_admin_move(a, entity, db, ca->arg[1], err);
	free(entity);
	return rc;
}

/* Operands each subcommand takes: at least, at most. */
static int operands(const char *cmd, int *min, int *max)
{
	static const struct {
		const char *name;
		int min, max;
	} t[] = { { "status", 0, 0 }, { "nodes", 0, 0 }, { "placements", 0, 1 },
		  { "move", 2, 2 },   { "rollback", 1, 1 }, { "drain", 1, 1 },
		  { "recover", 1, 1 } };

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(cmd, t[i].name)) {
			*min = t[i].min;
			*max = t[i].max;
			return 1;
		}
	return 0;
}

int cli_admin_cluster(const char *usage, int argc, char **argv)
{
	const char *cmd = argv[0];
	struct cluster_args ca = { 0 };
	struct ayb_config *cfg = NULL;
	struct ayb_node_admin a;
	struct ayb_err err = { 0 };
	int min, max, status = 1;

	if (!operands(cmd, &min, &max))
		return -1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			ca.config = argv[++i];
		} else if (!strncmp(argv[i], "--config=", 9)) {
			ca.config = argv[i] + 9;
		} else if (argv[i][0] != '-' && ca.n < max) {
			ca.arg[ca.n++] = argv[i];
		} else {
			fprintf(stderr, "error: unexpected argument '%s'\n\n%s", argv[i], usage);
			return 2;
		}
	}
	if (ca.n < min) {
		fprintf(stderr, "error: `ayb admin %s` needs %s\n\n%s", cmd,
			!strcmp(cmd, "move") ? "ENTITY/DATABASE and NODE" :
			!strcmp(cmd, "rollback") ? "ENTITY/DATABASE" : "NODE", usage);
		return 2;
	}
	/* A move's steps show as they happen, on a pipe too. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fputs("Error: cannot initialise libsodium or libcurl\n", stderr);
		return 1;
	}
	if (!(cfg = ayb_config_load(ayb_config_locate(ca.config), NULL, &err)) ||
	    ayb_node_admin_open(&a, cfg, stdout, &err) < 0) {
		status = ayb_err_report(stderr, &err);
		goto out;
	}
	fflush(stdout);
	if (run(cmd, &a, &ca, &err) < 0) {
		fflush(stdout);
		status = ayb_err_report(stderr, &err);
	} else {
		status = 0;
	}
	ayb_node_admin_close(&a);
out:
	ayb_config_free(cfg);
	ayb_err_clear(&err);
	curl_global_cleanup();
	return status;
}
