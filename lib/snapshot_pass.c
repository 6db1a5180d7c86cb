/* A pass of scheduled snapshots: the lock, the interval check, the snapshot
 * and its prune, and one outcome per database (see snapshot_pass.h). */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "fs.h"
#include "layout.h"
#include "node.h"
#include "placement.h"
#include "slug.h"
#include "snapshot.h"
#include "snapshot_pass.h"

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fail(struct ayb_snapshot_pass *p, const char *what, const char *msg)
{
	fprintf(p->log, "Unable to snapshot database %s: %s\n", what, msg);
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

/* Writes the state file whole or not at all: into tmp, then renamed. */
static void mark_done(const char *state, const char *tmp, int64_t started_ms)
{
	FILE *f = fopen(tmp, "we");

	if (!f)
		return;
	fprintf(f, "%" PRId64 "\n", started_ms);
	if (fclose(f) != 0 || rename(tmp, state) < 0)
		unlink(tmp);
}

/* Looks the database up in the metadata: 1 known, 0 not, -1 error; and
 * on a node of several, 2 when this node does not hold it at its epoch
 * (it moved away, or it is moving): the copy here is stale, and a
 * snapshot of it would become the newest that a recovery restores. */
static int known(struct ayb_snapshot_pass *p, const char *entity, const char *db,
		 struct ayb_err *err)
{
	struct ayb_entity e = { 0 };
	struct ayb_database d = { 0 };
	struct ayb_placement place;
	int rc = ayb_store_entity_get(p->store, entity, &e, err);

	if (rc > 0)
		rc = ayb_store_database_get(p->store, e.id, db, &d, err);
	/* No placement row (a database from before the node section) is
	 * served where its file is, as the request path serves it. */
	if (rc > 0 && p->cfg->node) {
		if (ayb_placement_get(p->store, d.id, &place, err) < 0) {
			rc = -1;
		} else if (ayb_node_serving(p->cfg, entity, db, &place, err) != AYB_NODE_HERE) {
			ayb_err_clear(err);
			rc = 2;
		}
	}
	ayb_entity_free(&e);
	ayb_database_free(&d);
	return rc;
}

void ayb_snapshot_pass_one(struct ayb_snapshot_pass *p, const char *entity, const char *db,
			   int force)
{
	const struct ayb_snapshots_config *sc = p->cfg->snapshots;
	struct ayb_err err = { 0 };
	struct ayb_layout_snapshot dir;
	struct ayb_snapshot_result res;
	char what[2 * AYB_SLUG_MAX + 2];
	int64_t now;
	int fd = -1, rc;

	snprintf(what, sizeof(what), "%s/%s", entity, db);
	if (ayb_layout_snapshot(p->cfg->data_path, entity, db, &dir, &err) < 0) {
		fail(p, what, err.message ? err.message : "invalid path");
		goto out;
	}
	if (ayb_fs_mkdirs(dir.dir, 0700) < 0 ||
	    (fd = open(dir.lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		ayb_err_set(&err, AYB_E_SNAPSHOT, "Cannot create %s: %s", dir.lock,
			    strerror(errno));
		fail(p, what, err.message);
		goto out;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK) {
			fprintf(p->out, "Snapshot of %s is already running in another process, "
				"skipping\n", what);
			p->busy++;
		} else {
			ayb_err_set(&err, AYB_E_SNAPSHOT, "Cannot lock %s: %s", dir.lock,
				    strerror(errno));
			fail(p, what, err.message);
		}
		goto out;
	}
	/* Checked under the lock, against the time now: a run that just
	 * finished this database has recorded when it started it. */
	now = wall_ms();
	if (!force && !due(dir.state, now, sc->interval_ms)) {
		p->not_due++;
		goto out;
	}
	fprintf(p->out, "Trying to back up %s\n", what);
	rc = known(p, entity, db, &err);
	if (rc < 0) {
		fail(p, what, err.message ? err.message : "metadata store error");
		goto out;
	}
	if (rc == 0 || rc == 2) {
		fprintf(p->out, rc ? "Not held by this node at its epoch: %s\n" :
			"Not a known database %s\n", what);
		p->skipped++;
		goto out;
	}
	rc = ayb_snapshot_make(p->s3, p->cfg, entity, db,
			       sc->has_automation ? sc->max_snapshots : 0, &res, &err);
	if (res.outcome == AYB_SNAPSHOT_UPLOADED) {
		fprintf(p->out, "Uploading new snapshot with hash %s.\n", res.snapshot_id);
		if (res.pruned)
			fprintf(p->out, "Pruning %zu oldest snapshots\n", res.pruned);
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
		fprintf(p->out, "Snapshot with hash %s already exists, not uploading again.\n",
			res.snapshot_id);
		p->unchanged++;
		break;
	case AYB_SNAPSHOT_UPLOADED:
		p->uploaded++;
		/* New content: the directory of public databases lists it as
		 * recently active.  A failure here costs only that order. */
		if (ayb_store_database_changed(p->store, entity, db, &err) < 0)
			fprintf(p->out, "Cannot record that %s changed: %s\n", what,
				err.message ? err.message : "metadata store error");
		break;
	}
	mark_done(dir.state, dir.state_tmp, now);
out:
	fflush(p->out);
	if (fd >= 0)
		close(fd); /* releases the lock */
	ayb_layout_snapshot_free(&dir);
	ayb_err_clear(&err);
}

/* A stray entry (a file where a directory belongs, a name that is no slug)
 * fails that entry, not the pass. */
void ayb_snapshot_pass_all(struct ayb_snapshot_pass *p)
{
	struct ayb_layout_iter *it;
	struct ayb_layout_entry e;
	struct ayb_err err = { 0 };

	if (ayb_layout_iter_open(p->cfg->data_path, &it, &err) < 0) {
		const char *msg = err.message ? err.message : "Out of memory";

		fprintf(p->log, "Unable to walk database directory for snapshots: %s\n", msg);
		ayb_buf_printf(&p->failures, "  %s\n", msg);
		p->failed++;
		ayb_err_clear(&err);
		return;
	}
	/* A stop signal (--loop only) ends the pass between databases. */
	while (!(p->stopping && *p->stopping) && ayb_layout_iter_next(it, &e)) {
		if (e.kind == AYB_LAYOUT_STRAY)
			fail(p, e.what, e.message);
		else
			ayb_snapshot_pass_one(p, e.entity, e.db, 0);
	}
	ayb_layout_iter_free(it);
}

int ayb_snapshot_pass_open(struct ayb_snapshot_pass *p, const struct ayb_config *cfg,
			   struct ayb_s3 *s3, struct ayb_err *err)
{
	memset(p, 0, sizeof(*p));
	p->cfg = cfg;
	p->s3 = s3;
	p->out = stdout;
	p->log = stderr;
	return ayb_store_open(cfg->database_url, &p->store, err);
}

void ayb_snapshot_pass_close(struct ayb_snapshot_pass *p)
{
	ayb_buf_free(&p->failures);
	ayb_store_close(p->store);
	p->store = NULL;
}
