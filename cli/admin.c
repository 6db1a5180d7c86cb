/* `ayb admin`: adopt, which takes over an ayb server's metadata store and
 * data_path in place (README "Moving from ayb"; the work is
 * lib/store_adopt.c), rebuild_from_s3, every database back from continuous
 * backup alone (README "Snapshots"; lib/pitr_restore.c), and the commands
 * of a cluster (cli/admin_cluster.c). */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "commands.h"
#include "config.h"
#include "pitr_remote.h"
#include "pitr_restore.h"
#include "snapshot.h"
#include "store_adopt.h"

static const char usage[] =
	"Administer the server's own data, and the nodes of a cluster\n"
	"\n"
	"Usage: ayb admin adopt [--config <FILE>] [--dry-run]\n"
	"       ayb admin rebuild_from_s3 [--config <FILE>] [--to <DIR>] [--at <TIME>]\n"
	"       ayb admin status|nodes [--config <FILE>]\n"
	"       ayb admin placements [NODE] [--config <FILE>]\n"
	"       ayb admin move <ENTITY/DATABASE> <NODE> [--config <FILE>]\n"
	"       ayb admin rollback <ENTITY/DATABASE> [--config <FILE>]\n"
	"       ayb admin drain|recover <NODE> [--config <FILE>]\n"
	"\n"
	"Commands:\n"
	"  adopt            Take over an ayb metadata store (SQLite or PostgreSQL) and its\n"
	"                   data_path in place: users, email addresses, API tokens, grants,\n"
	"                   public levels and OAuth state carry over; safe to run again\n"
	"  rebuild_from_s3  Rebuild every database that continuous backup holds in S3, from S3\n"
	"                   alone (a host that lost its data_path): into data_path (databases\n"
	"                   it has are left as they are), or with --to into DIR/<entity>/<db>\n"
	"  status           Each node of the cluster: its URL, last heartbeat, whether it is\n"
	"                   alive and how many databases it holds\n"
	"  nodes            Each node: its URL, last heartbeat and how many databases it holds\n"
	"  placements       Each database (on NODE only, if given): its node, epoch and state\n"
	"  move             Move a database to NODE: snapshot to S3 and fence on its node,\n"
	"                   restore on NODE, switch; queries meanwhile get 503, and a failure\n"
	"                   rolls back\n"
	"  rollback         A move that stopped half-way (interrupted): the database serves\n"
	"                   from its node again\n"
	"  drain            Move every database off NODE, each to the live node holding fewest\n"
	"  recover          NODE is gone: restore each of its databases on the live nodes from\n"
	"                   S3 at a new epoch (NODE, back, holds none of them)\n"
	"\n"
	"Options:\n"
	"      --config <FILE>  The ayb.conf naming database_url and data_path (for a cluster:\n"
	"                       its metadata store, fernet_key and snapshots)\n"
	"                       [env: AYB_CONFIG=] (ayb convert_config makes it from ayb.toml)\n"
	"      --dry-run        adopt: print what would be done and change nothing\n"
	"      --to <DIR>       rebuild_from_s3: write the files under DIR instead\n"
	"      --at <TIME>      rebuild_from_s3: as they were at TIME (RFC 3339), not the\n"
	"                       last commit shipped\n"
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

struct rebuild {
	struct ayb_s3 *s3;
	const struct ayb_config *cfg;
	const char *to;
	int64_t at_ms;
	int done, failed;
};

static int rebuild_one(void *ctx, const char *entity, const char *db)
{
	struct rebuild *r = ctx;
	struct ayb_err err = {0};
	int64_t last = 0;
	char when[40];

	if (ayb_pitr_rebuild_one(r->s3, r->cfg, entity, db, r->to, r->at_ms, &last, &err) < 0) {
		fprintf(stderr, "%s/%s: %s\n", entity, db, err.message ? err.message : "failed");
		r->failed++;
	} else {
		ayb_snapshot_format_time(last / 1000, (int32_t)(last % 1000) * 1000000, when);
		printf("Rebuilt %s/%s up to its commit of %s\n", entity, db, when);
		r->done++;
	}
	ayb_err_clear(&err);
	return 0;
}

static int rebuild_from_s3(int argc, char **argv)
{
	const char *config_arg = NULL;
	struct ayb_err err = {0};
	struct ayb_config *cfg = NULL;
	struct rebuild r = {0};
	int64_t seconds;
	int32_t nanos;
	int status = 1;

	r.at_ms = AYB_PITR_LATEST;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--to") && i + 1 < argc) {
			r.to = argv[++i];
		} else if (!strcmp(argv[i], "--at") && i + 1 < argc) {
			if (ayb_snapshot_parse_time(argv[++i], &seconds, &nanos) < 0) {
				fprintf(stderr, "error: invalid value '%s' for '--at': expected an "
					"RFC 3339 time such as 2026-12-03T08:15:00Z\n", argv[i]);
				return 2;
			}
			r.at_ms = seconds * 1000 + nanos / 1000000;
		} else if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			config_arg = argv[++i];
		} else {
			fprintf(stderr, "error: unexpected argument '%s'\n\n%s", argv[i], usage);
			return 2;
		}
	}
	if (!(cfg = ayb_config_load(ayb_config_locate(config_arg), NULL, &err))) {
		status = ayb_err_report(stderr, &err);
		goto out;
	}
	if (!cfg->snapshots) {
		fprintf(stderr, "Error: Snapshots are not configured: add a snapshots section\n");
		status = 2;
		goto out;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	r.cfg = cfg;
	if (ayb_s3_open(cfg->snapshots, &r.s3, &err) < 0 ||
	    ayb_pitr_remote_databases(r.s3, cfg->snapshots, rebuild_one, &r, &err) < 0) {
		status = ayb_err_report(stderr, &err);
		goto out;
	}
	printf("Rebuilt %d database%s from S3, %d failed\n", r.done, r.done == 1 ? "" : "s",
	       r.failed);
	status = r.failed ? 1 : 0;
out:
	ayb_s3_close(r.s3);
	ayb_config_free(cfg);
	ayb_err_clear(&err);
	curl_global_cleanup();
	return status;
}

int cli_admin(int argc, char **argv)
{
	int status;

	if (argc > 1 && !strcmp(argv[1], "adopt"))
		return adopt(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "rebuild_from_s3"))
		return rebuild_from_s3(argc - 1, argv + 1);
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
