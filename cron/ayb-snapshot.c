/* ayb-snapshot: snapshots hosted databases to S3, run by cron (or in the
 * foreground with --loop, which `ayb server` starts).  This file holds the
 * arguments, the loop and the summary; a pass itself, over every hosted
 * database whose interval has elapsed, is lib/snapshot_pass.c's. */
#include "autoconfig.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "clock.h"
#include "config.h"
#include "pitr_ship.h"
#include "s3.h"
#include "slug.h"
#include "snapshot_pass.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2

static const char usage[] =
	"Usage: ayb-snapshot [--config <FILE>] [--database <ENTITY/DATABASE>] [--loop]\n"
	"       ayb-snapshot [--config <FILE>] --continuous\n"
	"\n"
	"Snapshots hosted databases to the S3 storage of the [snapshots] section.\n"
	"Without --database, one pass over every database whose\n"
	"snapshots.automation.interval has elapsed since its last snapshot.\n"
	"\n"
	"Options:\n"
	"  --config <FILE>        ayb.conf to use [env: AYB_CONFIG] [default: ./ayb.conf]\n"
	"  --database <E/D>       snapshot this one database now, whatever the interval\n"
	"  --loop                 run a pass every interval until SIGINT or SIGTERM\n"
	"  --continuous           ship the captured commits of every database to S3 every\n"
	"                         snapshots.continuous.sync_interval, until SIGINT or SIGTERM\n"
	"  -h, --help             Print help\n"
	"\n"
	"Exit status: 0 when every database was snapshotted or had nothing to do,\n"
	"1 when any failed (each failure is listed), 2 for usage or configuration errors.\n";

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* Opens the metadata store, runs the pass (or the one database), prints the
 * summary.  Returns the exit status. */
static int pass_once(const struct ayb_config *cfg, struct ayb_s3 *s3, const char *entity,
		     const char *db)
{
	struct ayb_snapshot_pass p;
	struct ayb_err err = { 0 };
	int status;

	if (ayb_snapshot_pass_open(&p, cfg, s3, &err) < 0) {
		fprintf(stderr, "Unable to walk database directory for snapshots: %s\n",
			err.message ? err.message : "metadata store error");
		ayb_err_clear(&err);
		return EXIT_FAILED;
	}
	p.stopping = &stopping;
	if (entity)
		ayb_snapshot_pass_one(&p, entity, db, 1);
	else
		ayb_snapshot_pass_all(&p);
	printf("Snapshots: %d uploaded, %d unchanged, %d not due, %d busy, %d skipped, %d failed\n",
	       p.uploaded, p.unchanged, p.not_due, p.busy, p.skipped, p.failed);
	fflush(stdout);
	if (p.failed)
		fprintf(stderr, "ayb-snapshot: %d failed:\n%s", p.failed,
			p.failures.data ? p.failures.data : "");
	status = p.failed ? EXIT_FAILED : 0;
	ayb_snapshot_pass_close(&p);
	return status;
}

/* Sleeps until the monotonic time `until` (ns) or a stop signal. */
static void sleep_until(int64_t until_ns)
{
	struct timespec ts = { (time_t)(until_ns / 1000000000), (long)(until_ns % 1000000000) };

	while (!stopping && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Passes every interval, the first one interval after start (as ayb's
 * scheduler), each scheduled from the previous one's start so the cadence
 * does not drift; a pass longer than the interval is followed at once. */
static int loop(const struct ayb_config *cfg, struct ayb_s3 *s3)
{
	int64_t interval_ns = cfg->snapshots->interval_ms * 1000000;
	int64_t next = ayb_clock_ns() + interval_ns;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("Snapshotting every %s (max_snapshots %d)\n", cfg->snapshots->interval,
	       cfg->snapshots->max_snapshots);
	fflush(stdout);
	for (;;) {
		sleep_until(next);
		if (stopping)
			break;
		next += interval_ns;
		if (next < ayb_clock_ns())
			next = ayb_clock_ns();
		printf("Creating snapshots...\n");
		fflush(stdout);
		pass_once(cfg, s3, NULL, NULL);
	}
	return 0;
}

/* The shipper of continuous backup (lib/pitr_ship.h): a pass every
 * sync_interval; after a failed pass the wait doubles, up to BACKOFF_MAX_MS,
 * and what waits stays in the spool, in order. */
#define BACKOFF_MAX_MS 8000

static int ship_loop(const struct ayb_config *cfg, struct ayb_s3 *s3)
{
	struct ayb_pitr_ship p;
	struct ayb_err err = { 0 };
	struct sigaction sa;
	int64_t wait_ms = cfg->snapshots->sync_ms, next;
	int lock;

	if ((lock = ayb_pitr_ship_lock(cfg->data_path, &err)) < 0) {
		ayb_err_report(stderr, &err);
		ayb_err_clear(&err);
		return EXIT_FAILED;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	memset(&p, 0, sizeof(p));
	p.cfg = cfg;
	p.s3 = s3;
	p.log = stderr;
	printf("Shipping continuous backup every %s (retention %s, spool_limit %s)\n",
	       cfg->snapshots->sync_interval, cfg->snapshots->retention,
	       cfg->snapshots->spool_limit);
	fflush(stdout);
	while (!stopping) {
		next = ayb_clock_ns() + wait_ms * 1000000;
		if (ayb_pitr_ship_all(&p) < 0) {
			wait_ms = wait_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : wait_ms * 2;
			if (wait_ms < cfg->snapshots->sync_ms)
				wait_ms = cfg->snapshots->sync_ms;
		} else {
			wait_ms = cfg->snapshots->sync_ms;
		}
		sleep_until(next);
	}
	/* What was committed before the signal goes up before the end. */
	ayb_pitr_ship_all(&p);
	close(lock);
	return 0;
}

int main(int argc, char **argv)
{
	const char *config_arg = NULL, *database = NULL;
	char *entity = NULL, *db = NULL, *slash;
	struct ayb_err err = { 0 };
	struct ayb_config *cfg = NULL;
	struct ayb_s3 *s3 = NULL;
	int looping = 0, continuous = 0, status = EXIT_USAGE;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			config_arg = argv[++i];
		} else if (!strcmp(argv[i], "--database") && i + 1 < argc) {
			database = argv[++i];
		} else if (!strcmp(argv[i], "--loop")) {
			looping = 1;
		} else if (!strcmp(argv[i], "--continuous")) {
			continuous = 1;
		} else {
			fprintf(stderr, "error: unexpected argument '%s'\n\n%s", argv[i], usage);
			return EXIT_USAGE;
		}
	}
	if (continuous && (looping || database)) {
		fprintf(stderr, "error: --continuous cannot be used with --loop or --database"
			"\n\n%s", usage);
		return EXIT_USAGE;
	}
	if (looping && database) {
		fprintf(stderr, "error: --loop and --database cannot be used together\n\n%s",
			usage);
		return EXIT_USAGE;
	}
	/* Output goes to cron's mail or ayb server's log: one line at a time. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "Error: cannot initialise libsodium or libcurl\n");
		return EXIT_FAILED;
	}
	/* Until the pass starts, any failure is the setup's, which this
	 * program's usage text answers with 2 whatever the error's class. */
	if (!(cfg = ayb_config_load(ayb_config_locate(config_arg), NULL, &err))) {
		ayb_err_report(stderr, &err);
		goto out;
	}
	if (!cfg->snapshots) {
		fprintf(stderr,
			"Error: Snapshots are not configured: add a snapshots section to %s\n",
			cfg->file ? cfg->file : ayb_config_locate(config_arg));
		goto out;
	}
	if (continuous && !cfg->snapshots->continuous) {
		fprintf(stderr,
			"Error: snapshots.continuous.enabled is not true in %s: nothing is captured to ship\n",
			cfg->file ? cfg->file : ayb_config_locate(config_arg));
		goto out;
	}
	if (!database && !continuous && !cfg->snapshots->has_automation) {
		fprintf(stderr,
			"Error: snapshots.automation is not configured in %s, so nothing is scheduled; "
			"use --database ENTITY/DATABASE for a one-off snapshot\n",
			cfg->file ? cfg->file : ayb_config_locate(config_arg));
		goto out;
	}
	if (database) {
		/* As the CLI reads <database>: the last '/' splits. */
		if (!(entity = strdup(database)) || !(slash = strrchr(entity, '/'))) {
			fprintf(stderr, "error: invalid value '%s' for '--database': "
				"Argument must be formatted as 'entity/database'\n", database);
			goto out;
		}
		*slash = '\0';
		db = slash + 1;
		ayb_slug_lower(entity);
		if (ayb_slug_check(AYB_SLUG_ENTITY, entity, strlen(entity), &err) < 0 ||
		    ayb_slug_check(AYB_SLUG_DATABASE, db, strlen(db), &err) < 0) {
			fprintf(stderr, "error: invalid value '%s' for '--database': %s\n",
				database, err.message ? err.message : "invalid slug");
			goto out;
		}
	}
	if (ayb_s3_open(cfg->snapshots, &s3, &err) < 0) {
		ayb_err_report(stderr, &err);
		goto out;
	}
	status = continuous ? ship_loop(cfg, s3)
		 : looping ? loop(cfg, s3) : pass_once(cfg, s3, entity, db);
out:
	ayb_s3_close(s3);
	ayb_config_free(cfg);
	ayb_err_clear(&err);
	free(entity);
	curl_global_cleanup();
	return status;
}
