/* ayb-snapshot: snapshots hosted databases to S3, run by cron (or in the
 * foreground with --loop, which `ayb server` starts).  A pass visits every
 * <data_path>/databases/<entity>/<database> directory and snapshots those
 * whose snapshots.automation.interval has elapsed since their last
 * successful snapshot, so cron may start it every minute whatever the
 * interval.
 *
 * Per database, <data_path>/snapshots/<e>/<d>/ holds `lock` (an flock taken
 * for the whole snapshot: a run that finds it held skips the database, so
 * overlapping runs never snapshot one database twice) and `last-run` (when
 * its last successful snapshot started, in Unix milliseconds). */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "buf.h"
#include "config.h"
#include "fs.h"
#include "s3.h"
#include "slug.h"
#include "snapshot.h"
#include "store.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2

static const char usage[] =
	"Usage: ayb-snapshot [--config <FILE>] [--database <ENTITY/DATABASE>] [--loop]\n"
	"\n"
	"Snapshots hosted databases to the S3 storage of the [snapshots] section.\n"
	"Without --database, one pass over every database whose\n"
	"snapshots.automation.interval has elapsed since its last snapshot.\n"
	"\n"
	"Options:\n"
	"  --config <FILE>        ayb.conf to use [env: AYB_CONFIG] [default: ./ayb.conf]\n"
	"  --database <E/D>       snapshot this one database now, whatever the interval\n"
	"  --loop                 run a pass every interval until SIGINT or SIGTERM\n"
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

/* What one pass did, for its summary line. */
struct pass {
	const struct ayb_config *cfg;
	struct ayb_s3 *s3;
	struct ayb_store *store;
	int uploaded, unchanged, not_due, busy, skipped, failed;
	struct ayb_buf failures;  /* "  <e>/<d>: <message>\n" per failure */
};

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fail(struct pass *p, const char *what, const char *msg)
{
	fprintf(stderr, "Unable to snapshot database %s: %s\n", what, msg);
	ayb_buf_printf(&p->failures, "  %s: %s\n", what, msg);
	p->failed++;
}

/* How long before the interval is up a database already counts as due:
 * cron and the loop start passes at nearly, not exactly, interval-spaced
 * times, and a database reached a little earlier in this pass than in the
 * last one must not wait a whole pass more. */
static int64_t slack_ms(int64_t interval_ms)
{
	int64_t s = interval_ms / 10;

	return s < 30000 ? s : 30000;
}

static int due(const char *state, int64_t now_ms, int64_t interval_ms)
{
	char text[32] = "";
	char *end;
	long long last;
	FILE *f = fopen(state, "re");

	if (!f)
		return 1;
	if (!fgets(text, sizeof(text), f))
		text[0] = '\0';
	fclose(f);
	errno = 0;
	last = strtoll(text, &end, 10);
	/* Unreadable or from the future (a clock set back): due. */
	if (errno || end == text || last > now_ms)
		return 1;
	return now_ms - last >= interval_ms - slack_ms(interval_ms);
}

/* Writes the state file whole or not at all. */
static void mark_done(const char *state, int64_t started_ms)
{
	char tmp[PATH_MAX];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", state) >= (int)sizeof(tmp) || !(f = fopen(tmp, "we")))
		return;
	fprintf(f, "%" PRId64 "\n", started_ms);
	if (fclose(f) != 0 || rename(tmp, state) < 0)
		unlink(tmp);
}

/* Looks the database up in the metadata: 1 known, 0 not, -1 error. */
static int known(struct pass *p, const char *entity, const char *db, struct ayb_err *err)
{
	struct ayb_entity e = { 0 };
	struct ayb_database d = { 0 };
	int rc = ayb_store_entity_get(p->store, entity, &e, err);

	if (rc > 0)
		rc = ayb_store_database_get(p->store, e.id, db, &d, err);
	ayb_entity_free(&e);
	ayb_database_free(&d);
	return rc;
}

static void snapshot_one(struct pass *p, const char *entity, const char *db, int force)
{
	const struct ayb_snapshots_config *sc = p->cfg->snapshots;
	struct ayb_err err = { 0 };
	struct ayb_snapshot_result res;
	char dir[PATH_MAX], lock[PATH_MAX], state[PATH_MAX], what[2 * AYB_SLUG_MAX + 2];
	int64_t now;
	int fd = -1, rc;

	snprintf(what, sizeof(what), "%s/%s", entity, db);
	if (snprintf(dir, sizeof(dir), "%s/snapshots/%s/%s", p->cfg->data_path, entity, db) >=
		    (int)sizeof(dir) ||
	    snprintf(lock, sizeof(lock), "%s/lock", dir) >= (int)sizeof(lock) ||
	    snprintf(state, sizeof(state), "%s/last-run", dir) >= (int)sizeof(state)) {
		fail(p, what, "data_path is too long");
		return;
	}
	if (ayb_fs_mkdirs(dir, 0700) < 0 || (fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		ayb_err_set(&err, AYB_E_SNAPSHOT, 500, "Cannot create %s: %s", lock, strerror(errno));
		fail(p, what, err.message);
		goto out;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK) {
			printf("Snapshot of %s is already running in another process, skipping\n", what);
			p->busy++;
		} else {
			ayb_err_set(&err, AYB_E_SNAPSHOT, 500, "Cannot lock %s: %s", lock, strerror(errno));
			fail(p, what, err.message);
		}
		goto out;
	}
	/* Checked under the lock, against the time now: a run that just
	 * finished this database has recorded when it started it. */
	now = wall_ms();
	if (!force && !due(state, now, sc->interval_ms)) {
		p->not_due++;
		goto out;
	}
	printf("Trying to back up %s\n", what);
	rc = known(p, entity, db, &err);
	if (rc < 0) {
		fail(p, what, err.message ? err.message : "metadata store error");
		goto out;
	}
	if (rc == 0) {
		printf("Not a known database %s\n", what);
		p->skipped++;
		goto out;
	}
	rc = ayb_snapshot_make(p->s3, p->cfg, entity, db, sc->has_automation ? sc->max_snapshots : 0,
			       &res, &err);
	if (res.outcome == AYB_SNAPSHOT_UPLOADED) {
		printf("Uploading new snapshot with hash %s.\n", res.snapshot_id);
		if (res.pruned)
			printf("Pruning %zu oldest snapshots\n", res.pruned);
	}
	if (rc < 0) {
		fail(p, what, err.message ? err.message : "snapshot failed");
		goto out;
	}
	switch (res.outcome) {
	case AYB_SNAPSHOT_NO_FILE:
		p->skipped++;
		break;
	case AYB_SNAPSHOT_UNCHANGED:
		printf("Snapshot with hash %s already exists, not uploading again.\n", res.snapshot_id);
		p->unchanged++;
		break;
	case AYB_SNAPSHOT_UPLOADED:
		p->uploaded++;
		break;
	}
	mark_done(state, now);
out:
	fflush(stdout);
	if (fd >= 0)
		close(fd); /* releases the lock */
	ayb_err_clear(&err);
}

static int is_dir(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int skip_name(const struct dirent *d)
{
	return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

/* A directory name that is not a slug was not made by ayb-c. */
static int slug_ok(enum ayb_slug_kind kind, const char *name)
{
	struct ayb_err err = { 0 };
	int ok = ayb_slug_check(kind, name, strlen(name), &err) == 0;

	ayb_err_clear(&err);
	return ok;
}

/* One pass over <data_path>/databases/<entity>/<database>, in name order.
 * A stray file where a directory belongs fails that entry, not the pass. */
static void run_pass(struct pass *p)
{
	/* Sized so that no name can be cut short. */
	char root[PATH_MAX], path[PATH_MAX + NAME_MAX + 2];
	struct dirent **ents = NULL, **dbs = NULL;
	int ne, nd;

	snprintf(root, sizeof(root), "%s/databases", p->cfg->data_path);
	ne = scandir(root, &ents, skip_name, alphasort);
	if (ne < 0) {
		if (errno != ENOENT) {
			fprintf(stderr, "Unable to walk database directory for snapshots: %s: %s\n", root,
				strerror(errno));
			ayb_buf_printf(&p->failures, "  %s: %s\n", root, strerror(errno));
			p->failed++;
		}
		return;
	}
	for (int i = 0; i < ne; i++) {
		const char *entity = ents[i]->d_name;

		snprintf(path, sizeof(path), "%s/%s", root, entity);
		/* A stop signal (--loop only) ends the pass between databases. */
		if (stopping) {
			free(ents[i]);
			continue;
		}
		if (!is_dir(path) || !slug_ok(AYB_SLUG_ENTITY, entity)) {
			char msg[sizeof(path) + 64];

			snprintf(msg, sizeof(msg), "Unexpected file where entity directory expected: %s", path);
			fail(p, entity, msg);
		} else if ((nd = scandir(path, &dbs, skip_name, alphasort)) < 0) {
			fail(p, entity, strerror(errno));
		} else {
			for (int j = 0; j < nd; j++) {
				char dbpath[sizeof(path) + NAME_MAX + 2], what[2 * NAME_MAX + 2];

				snprintf(dbpath, sizeof(dbpath), "%s/%s", path, dbs[j]->d_name);
				snprintf(what, sizeof(what), "%s/%s", entity, dbs[j]->d_name);
				if (stopping)
					break;
				if (!is_dir(dbpath) || !slug_ok(AYB_SLUG_DATABASE, dbs[j]->d_name))
					fail(p, what, "Unexpected file where database directory expected");
				else
					snapshot_one(p, entity, dbs[j]->d_name, 0);
			}
			for (int j = 0; j < nd; j++)
				free(dbs[j]);
			free(dbs);
		}
		free(ents[i]);
	}
	free(ents);
}

/* Opens the metadata store, runs the pass (or the one database), prints the
 * summary.  Returns the exit status. */
static int pass_once(const struct ayb_config *cfg, struct ayb_s3 *s3, const char *entity,
		     const char *db)
{
	struct pass p = { 0 };
	struct ayb_err err = { 0 };
	int status;

	p.cfg = cfg;
	p.s3 = s3;
	if (ayb_store_open(cfg->database_url, &p.store, &err) < 0) {
		fprintf(stderr, "Unable to walk database directory for snapshots: %s\n",
			err.message ? err.message : "metadata store error");
		ayb_err_clear(&err);
		return EXIT_FAILED;
	}
	if (entity)
		snapshot_one(&p, entity, db, 1);
	else
		run_pass(&p);
	printf("Snapshots: %d uploaded, %d unchanged, %d not due, %d busy, %d skipped, %d failed\n",
	       p.uploaded, p.unchanged, p.not_due, p.busy, p.skipped, p.failed);
	fflush(stdout);
	if (p.failed)
		fprintf(stderr, "ayb-snapshot: %d failed:\n%s", p.failed,
			p.failures.data ? p.failures.data : "");
	status = p.failed ? EXIT_FAILED : 0;
	ayb_buf_free(&p.failures);
	ayb_store_close(p.store);
	return status;
}

/* Sleeps until the monotonic time `until` (ns) or a stop signal. */
static void sleep_until(int64_t until_ns)
{
	struct timespec ts = { (time_t)(until_ns / 1000000000), (long)(until_ns % 1000000000) };

	while (!stopping && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Passes every interval, the first one interval after start (as ayb's
 * scheduler), each scheduled from the previous one's start so the cadence
 * does not drift; a pass longer than the interval is followed at once. */
static int loop(const struct ayb_config *cfg, struct ayb_s3 *s3)
{
	int64_t interval_ns = cfg->snapshots->interval_ms * 1000000, next = mono_ns() + interval_ns;
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
		if (next < mono_ns())
			next = mono_ns();
		printf("Creating snapshots...\n");
		fflush(stdout);
		pass_once(cfg, s3, NULL, NULL);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *config_arg = NULL, *database = NULL;
	char *entity = NULL, *db = NULL, *slash;
	struct ayb_err err = { 0 };
	struct ayb_config *cfg = NULL;
	struct ayb_s3 *s3 = NULL;
	int looping = 0, status = EXIT_USAGE;

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
		} else {
			fprintf(stderr, "error: unexpected argument '%s'\n\n%s", argv[i], usage);
			return EXIT_USAGE;
		}
	}
	if (looping && database) {
		fprintf(stderr, "error: --loop and --database cannot be used together\n\n%s", usage);
		return EXIT_USAGE;
	}
	/* Output goes to cron's mail or ayb server's log: one line at a time. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "Error: cannot initialise libsodium or libcurl\n");
		return EXIT_FAILED;
	}
	if (!(cfg = ayb_config_load(ayb_config_locate(config_arg), NULL, &err))) {
		fprintf(stderr, "Error: %s\n", err.message ? err.message : "invalid configuration");
		goto out;
	}
	if (!cfg->snapshots) {
		fprintf(stderr, "Error: Snapshots are not configured: add a snapshots section to %s\n",
			cfg->file ? cfg->file : ayb_config_locate(config_arg));
		goto out;
	}
	if (!database && !cfg->snapshots->has_automation) {
		fprintf(stderr, "Error: snapshots.automation is not configured in %s, so nothing is scheduled; "
			"use --database ENTITY/DATABASE for a one-off snapshot\n",
			cfg->file ? cfg->file : ayb_config_locate(config_arg));
		goto out;
	}
	if (database) {
		/* As the CLI reads <database>: the last '/' splits. */
		if (!(entity = strdup(database)) || !(slash = strrchr(entity, '/'))) {
			fprintf(stderr, "error: invalid value '%s' for '--database': Argument must be formatted as 'entity/database'\n",
				database);
			goto out;
		}
		*slash = '\0';
		db = slash + 1;
		ayb_slug_lower(entity);
		if (ayb_slug_check(AYB_SLUG_ENTITY, entity, strlen(entity), &err) < 0 ||
		    ayb_slug_check(AYB_SLUG_DATABASE, db, strlen(db), &err) < 0) {
			fprintf(stderr, "error: invalid value '%s' for '--database': %s\n", database,
				err.message ? err.message : "invalid slug");
			goto out;
		}
	}
	if (ayb_s3_open(cfg->snapshots, &s3, &err) < 0) {
		fprintf(stderr, "Error: %s\n", err.message ? err.message : "invalid S3 settings");
		goto out;
	}
	status = looping ? loop(cfg, s3) : pass_once(cfg, s3, entity, db);
out:
	ayb_s3_close(s3);
	ayb_config_free(cfg);
	ayb_err_clear(&err);
	free(entity);
	curl_global_cleanup();
	return status;
}
