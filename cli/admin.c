/* `ayb admin`: adopt, which takes over an ayb server's metadata store and
 * data_path in place (README "Moving from ayb"; the work is
 * lib/store_adopt.c), and the commands of a cluster (cli/admin_cluster.c). */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "config.h"
#include "store_adopt.h"

static const char usage[] =
	"Administer the server's own data, and the nodes of a cluster\n"
	"\n"
	"Usage: ayb admin adopt [--config <FILE>] [--dry-run]\n"
	"       ayb admin status|nodes [--config <FILE>]\n"
	"       ayb admin placements [NODE] [--config <FILE>]\n"
	"       ayb admin move <ENTITY/DATABASE> <NODE> [--config <FILE>]\n"
	"       ayb admin rollback <ENTITY/DATABASE> [--config <FILE>]\n"
	"       ayb admin drain|recover <NODE> [--config <FILE>]\n"
	"\n"
	"Commands:\n"
	"  adopt       Take over an ayb metadata store (SQLite or PostgreSQL) and its data_path in\n"
	"              place: users, email addresses, API tokens, grants, public levels and OAuth\n"
	"              state carry over; safe to run again\n"
	"  status      Each node of the cluster: its URL, last heartbeat, whether it is alive\n"
	"              and how many databases it holds\n"
	"  nodes       Each node: its URL, last heartbeat and how many databases it holds\n"
	"  placements  Each database (on NODE only, if given): its node, epoch and state\n"
	"  move        Move a database to NODE: snapshot to S3 and fence on its node, restore on\n"
	"              NODE, switch; queries meanwhile get 503, and a failure rolls back\n"
	"  rollback    A move that stopped half-way (interrupted): the database serves from\n"
	"              its node again\n"
	"  drain       Move every database off NODE, each to the live node holding fewest\n"
	"  recover     NODE is gone: restore each of its databases on the live nodes from its\n"
	"              newest snapshot in S3, at a new epoch (NODE, back, holds none of them)\n"
	"\n"
	"Options:\n"
	"      --config <FILE>  The ayb.conf naming database_url and data_path (for a cluster:\n"
	"                       its metadata store, fernet_key and snapshots)\n"
	"                       [env: AYB_CONFIG=] (ayb convert_config makes it from ayb.toml)\n"
	"      --dry-run        adopt: print what would be done and change nothing\n"
	"  -h, --help           Print help\n";

static void print_report(const struct ayb_adopt_report *r, const struct ayb_config *cfg,
			 int dry_run)
{
	if (r->already) {
		printf("%s is already ayb-c's (adopted, or made by ayb-c):"
		       " nothing to change in it.\n", cfg->database_url);
	} else {
		printf("%s: ayb's metadata store (%lld ayb migrations applied)%s\n",
		       cfg->database_url, (long long)r->ayb_migrations,
		       dry_run ? ", dry run: nothing is changed" : "");
		printf("  entities: %lld users, %lld organizations\n", (long long)r->users,
		       (long long)r->organizations);
		printf("  email addresses: %lld", (long long)r->emails);
		if (r->extra_emails)
			printf(" (%lld second addresses of one entity dropped: an entity has one)",
			       (long long)r->extra_emails);
		printf("\n  databases: %lld (%lld DuckDB)\n", (long long)r->databases,
		       (long long)r->duckdb);
		printf("  API tokens: %lld (%lld revoked, %lld scoped to one database)\n",
		       (long long)r->tokens, (long long)r->revoked, (long long)r->scoped);
		printf("  grants: %lld\n  OAuth authorization codes: %lld\n", (long long)r->grants,
		       (long long)r->oauth_codes);
	}
	printf("data_path %s: %lld databases with a file, %lld not written yet, %lld re-pointed,"
	       " %lld missing\n", cfg->data_path, (long long)r->files, (long long)r->empty,
	       (long long)r->relinked, (long long)r->missing);
	if (r->notes.len)
		fputs(r->notes.data, stdout);
	if (!r->already)
		puts(dry_run ? "Dry run: run again without --dry-run to adopt."
			     : "Adopted: ayb-c serves this store and data_path from now on.");
}

static int adopt(int argc, char **argv)
{
	const char *config_arg = NULL;
	struct ayb_err err = {0};
	struct ayb_config *cfg = NULL;
	struct ayb_adopt_report r = {0};
	int dry_run = 0, status = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--dry-run")) {
			dry_run = 1;
		} else if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			config_arg = argv[++i];
		} else if (!strncmp(argv[i], "--config=", 9)) {
			config_arg = argv[i] + 9;
		} else {
			fprintf(stderr, "error: unexpected argument '%s'\n\n%s", argv[i], usage);
			return 2;
		}
	}
	if (!(cfg = ayb_config_load(ayb_config_locate(config_arg), NULL, &err))) {
		status = ayb_err_report(stderr, &err);
		goto out;
	}
	if (ayb_store_adopt(cfg->database_url, cfg->data_path, dry_run, &r, &err) < 0) {
		status = ayb_err_report(stderr, &err);
		goto out;
	}
	print_report(&r, cfg, dry_run);
	status = 0;
out:
	ayb_adopt_report_free(&r);
	ayb_config_free(cfg);
	ayb_err_clear(&err);
	return status;
}

int cli_admin(int argc, char **argv)
{
	int status;

	if (argc > 1 && !strcmp(argv[1], "adopt"))
		return adopt(argc - 1, argv + 1);
	if (argc > 1 && (status = cli_admin_cluster(usage, argc - 1, argv + 1)) >= 0)
		return status;
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return 0;
	}
	fprintf(stderr, "error: %s\n\n%s",
		argc > 1 ? "unrecognized subcommand" : "a subcommand is required", usage);
	return 2;
}
