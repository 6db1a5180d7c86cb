/* The disk layout under data_path (lib/layout.h): the paths it builds, the
 * components it refuses, the other-version check, the snapshot work
 * directory and the walk over every hosted database. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "layout.h"
#include "tap.h"

static char data[PATH_MAX];
static struct ayb_err err;

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* data + "/" + rest, in a static buffer. */
static const char *at(const char *rest)
{
	static char buf[PATH_MAX + 256];

	snprintf(buf, sizeof(buf), "%s/%s", data, rest);
	return buf;
}

static void touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	if (fd >= 0)
		close(fd);
}

/* Every builder refuses the same components, with the same error. */
static void test_refusals(void)
{
	static const char *const bad[] = { "", ".", "..", "a/b", "/" };
	struct ayb_layout_snapshot s;
	struct ayb_layout_file f;
	struct ayb_layout_work w;
	char *p, *vdir;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ayb_err_clear(&err);
		p = ayb_layout_current_path(data, bad[i], "d", &err);
		ok(!p && ayb_err_status(&err) == 500 &&
		   strcmp(err.message, "Invalid database path component") == 0,
		   "current path: entity \"%s\" refused", bad[i]);
		free(p);
		ayb_err_clear(&err);
		p = ayb_layout_current_path(data, "e", bad[i], &err);
		ok(!p, "current path: database \"%s\" refused", bad[i]);
		free(p);
		ayb_err_clear(&err);
		ok(ayb_layout_snapshot(data, "e", bad[i], &s, &err) < 0 && !s.dir,
		   "snapshot dir: database \"%s\" refused", bad[i]);
		ayb_err_clear(&err);
		errno = 0;
		ok(ayb_layout_locate(data, bad[i], "d", &f, &err) < 0 && errno == EINVAL && !f.dir,
		   "locate: entity \"%s\" refused (EINVAL)", bad[i]);
		ayb_err_clear(&err);
		ok(ayb_layout_work_make(data, "e", bad[i], &w, &err) < 0 && !w.dir,
		   "work directory: database \"%s\" refused", bad[i]);
		ayb_err_clear(&err);
		vdir = NULL;
		ok(ayb_layout_new_version(data, bad[i], "d", &vdir, &err) < 0 && !vdir,
		   "new version: entity \"%s\" refused", bad[i]);
		ayb_err_clear(&err);
		p = ayb_layout_version_file("/v", bad[i], &err);
		ok(!p, "version file: database \"%s\" refused", bad[i]);
		free(p);
	}
	ayb_err_clear(&err);
	ok(!exists(at("databases")) && !exists(at("snapshots")), "nothing was created");
}

static void test_paths(void)
{
	struct ayb_layout_snapshot s;
	char *p;

	p = ayb_layout_current_path(data, "e", "d", &err);
	is_str(p, at("databases/e/d/current"), "current link");
	free(p);
	p = ayb_layout_version_file("/v/0190", "d", &err);
	is_str(p, "/v/0190/d", "the file of a version directory");
	free(p);
	ok(ayb_layout_snapshot(data, "e", "d", &s, &err) == 0, "snapshot paths");
	is_str(s.dir, at("snapshots/e/d"), "snapshot directory");
	is_str(s.lock, at("snapshots/e/d/lock"), "its lock");
	is_str(s.state, at("snapshots/e/d/last-run"), "its state file");
	is_str(s.state_tmp, at("snapshots/e/d/last-run.tmp"), "and where it is written first");
	ok(!exists(s.dir), "nothing created");
	ayb_layout_snapshot_free(&s);
}

static void test_locate(void)
{
	struct ayb_layout_file f;
	char want[PATH_MAX + 64], *canon;

	errno = 0;
	ok(ayb_layout_locate(data, "e", "d", &f, &err) < 0 && errno == ENOENT,
	   "no current yet: ENOENT");
	is_int(ayb_err_status(&err), 500, "status 500");
	ok(err.message && strstr(err.message, "kind: NotFound"), "IO error NotFound");
	ayb_err_clear(&err);
	ok(ayb_layout_create(data, "e", "d", &err) == 0, "create e/d");
	ok(ayb_layout_locate(data, "e", "d", &f, &err) == 0, "locate e/d");
	canon = realpath(at("databases/e/d"), NULL);
	ok(canon && strncmp(f.dir, canon, strlen(canon)) == 0 && f.dir[strlen(canon)] == '/',
	   "the version directory is under the canonical database directory");
	snprintf(want, sizeof(want), "%s/d", f.dir);
	is_str(f.path, want, "the file is <version>/<db>");
	snprintf(want, sizeof(want), "databases/e/d/%s/d", strrchr(f.dir, '/') + 1);
	is_str(f.shown, want, "shown relative to data_path");
	free(canon);
	ayb_layout_file_free(&f);
	ok(!f.dir && !f.path && !f.shown, "file_free zeroes");
}

static void test_other_version(void)
{
	const struct ayb_layout_file f = {
		"/x/databases/e/d/0190aaaa-0000-7000-8000-000000000000",
		"/x/databases/e/d/0190aaaa-0000-7000-8000-000000000000/d", NULL,
	};

	ok(ayb_layout_other_version("/x/databases/e/d/0190bbbb-0000-7000-8000-000000000000/d", &f),
	   "another version of the database");
	ok(!ayb_layout_other_version(f.path, &f), "not the same file");
	ok(!ayb_layout_other_version("/x/databases/e/d/0190aaaa-0000-7000-8000-000000000000/d-wal",
				     &f), "nor a file beside it in the same version");
	ok(!ayb_layout_other_version("/x/databases/e/dd/0190bbbb-0000-7000-8000-000000000000/dd",
				     &f), "nor a database whose name starts the same");
	ok(!ayb_layout_other_version("/x/databases/e/x/0190bbbb-0000-7000-8000-000000000000/x",
				     &f), "nor another database");
}

/* A fence moves the database aside whole, with its marker; the version a
 * located file names is current until then, and again once unfenced. */
static void test_fence(void)
{
	struct ayb_layout_file f, g;

	ok(ayb_layout_create(data, "e", "m", &err) == 0 &&
	   ayb_layout_locate(data, "e", "m", &f, &err) == 0, "e/m made and located");
	touch(at("databases/e/m/epoch"));
	ok(ayb_layout_is_current(&f), "its version is current");
	ok(ayb_layout_fence(data, "e", "m", 2, &err) == 0, "fenced at epoch 2");
	ok(!exists(at("databases/e/m")) && exists(at("fenced/e/m/2/epoch")),
	   "the database directory is aside, marker and all");
	ok(!ayb_layout_is_current(&f), "the version located before is no longer current");
	ok(ayb_layout_locate(data, "e", "m", &g, &err) < 0, "nothing to locate");
	ayb_err_clear(&err);
	ok(ayb_layout_fence(data, "e", "m", 3, &err) < 0 && ayb_err_status(&err) == 404,
	   "fencing what is not here: 404");
	ayb_err_clear(&err);
	ok(ayb_layout_unfence(data, "e", "m", 3, &err) < 0 && ayb_err_status(&err) == 404,
	   "unfencing the copy of another epoch: 404");
	ayb_err_clear(&err);
	is_int(ayb_layout_unfence(data, "e", "m", 2, &err), 1, "unfenced: it is back");
	ok(ayb_layout_is_current(&f) && !exists(at("fenced/e/m/2")), "current again");
	is_int(ayb_layout_unfence(data, "e", "m", 2, &err), 0, "unfencing it again: already here");
	ok(ayb_layout_fence(data, "e", "m", 4, &err) == 0, "fenced at epoch 4");
	ayb_layout_fence_discard(data, "e", "m", 3);
	ok(exists(at("fenced/e/m/4")), "discarding another epoch's copy keeps this one");
	ayb_layout_fence_discard(data, "e", "m", 4);
	ok(!exists(at("fenced/e/m")), "discarding its own removes it, and its directory");
	ayb_layout_file_free(&f);
}

static void test_work(void)
{
	struct ayb_layout_work w;
	char want[PATH_MAX + 64], *canon;
	const char *name;

	ok(ayb_fs_mkdirs(at("snapshots/e/d/work.stale/sub"), 0700) == 0, "a stale work directory");
	touch(at("snapshots/e/d/lock"));
	ok(ayb_layout_work_make(data, "e", "d", &w, &err) == 0, "work directory");
	ok(!exists(at("snapshots/e/d/work.stale")), "the stale one is gone");
	ok(exists(at("snapshots/e/d/lock")), "the lock stays");
	ok(exists(w.dir), "the new one exists");
	name = strrchr(w.dir, '/') + 1;
	ok(strncmp(name, "work.", 5) == 0 && strlen(name) == 11, "named work.XXXXXX (%s)", name);
	canon = realpath(w.dir, NULL);
	snprintf(want, sizeof(want), "%s/d", canon ? canon : "?");
	is_str(w.copy, want, "the copy: canonical <work>/<db>");
	snprintf(want, sizeof(want), "%s/d.zst", canon ? canon : "?");
	is_str(w.packed, want, "the compressed copy: <work>/<db>.zst");
	snprintf(want, sizeof(want), "%s", w.dir);
	ayb_layout_work_remove(&w);
	ok(!exists(want) && !w.dir, "work_remove deletes it");
	free(canon);
}

/* Walks every entry, writing "<kind> <what>" lines into out. */
static int walk(char *out, size_t n)
{
	struct ayb_layout_iter *it;
	struct ayb_layout_entry e;
	size_t len = 0;

	out[0] = '\0';
	if (ayb_layout_iter_open(data, &it, &err) < 0)
		return -1;
	while (ayb_layout_iter_next(it, &e) && len < n)
		len += (size_t)snprintf(out + len, n - len, "%s %s%s%s\n",
					e.kind == AYB_LAYOUT_DATABASE ? "db" : "stray", e.what,
					e.message ? ": " : "", e.message ? e.message : "");
	ayb_layout_iter_free(it);
	return 0;
}

static void test_iter(void)
{
	char got[4096], want[4096];
	const char *dbs[] = { "b/x", "a/z", "a/d", "a/y" };

	ok(walk(got, sizeof(got)) == 0, "no databases directory yet");
	is_str(got, "", "an empty walk");
	for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
		char e[2] = { dbs[i][0], '\0' };

		ok(ayb_layout_create(data, e, dbs[i] + 2, &err) == 0, "create %s", dbs[i]);
	}
	touch(at("databases/c"));
	touch(at("databases/a/file"));
	ayb_fs_mkdirs(at("databases/B!ad"), 0700);
	ayb_fs_mkdirs(at("databases/a/no slug"), 0700);
	ok(walk(got, sizeof(got)) == 0, "walk");
	snprintf(want, sizeof(want),
		 "stray B!ad: Unexpected file where entity directory expected: %s/databases/B!ad\n"
		 "db a/d\n"
		 "stray a/file: Unexpected file where database directory expected\n"
		 "stray a/no slug: Unexpected file where database directory expected\n"
		 "db a/y\n"
		 "db a/z\n"
		 "db b/x\n"
		 "stray c: Unexpected file where entity directory expected: %s/databases/c\n",
		 data, data);
	is_str(got, want, "name order, strays in their place");
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(data, sizeof(data), "%s/ayb-layout-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(data)) {
		perror("mkdtemp");
		return 1;
	}
	test_refusals();
	test_paths();
	test_locate();
	test_other_version();
	test_fence();
	test_work();
	/* The walk starts from no databases at all. */
	ayb_fs_remove_tree(at("databases"));
	test_iter();
	ayb_err_clear(&err);
	ayb_fs_remove_tree(data);
	return tap_done();
}
