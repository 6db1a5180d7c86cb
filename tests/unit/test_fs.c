/* lib/fs.c: mkdir -p, the atomic file replacement and finding a program
 * beside the running one. */
#include "autoconfig.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "tap.h"

static char dir[] = "/tmp/ayb-test-fs.XXXXXX";

static char *path_in(const char *name)
{
	static char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

static void mkdirs(void)
{
	struct stat st;
	FILE *f;

	ok(ayb_fs_mkdirs(path_in("a/b/c"), 0700) == 0, "mkdir -p of three levels");
	ok(stat(path_in("a/b/c"), &st) == 0 && S_ISDIR(st.st_mode), "the last one is a directory");
	ok(ayb_fs_mkdirs(path_in("a/b/c"), 0700) == 0, "again: nothing to do");
	f = fopen(path_in("a/file"), "w");
	if (f)
		fclose(f);
	errno = 0;
	ok(ayb_fs_mkdirs(path_in("a/file"), 0700) == -1 && errno == ENOTDIR,
	   "a file where a directory should be: ENOTDIR");
	errno = 0;
	ok(ayb_fs_mkdirs_for(path_in("a/file/x.json"), 0700) == -1 && errno == ENOTDIR,
	   "below a file: ENOTDIR");
}

static void write_atomic(void)
{
	char *target = strdup(path_in("a/b/conf.json")), got[64] = "";
	struct stat st;
	FILE *f;
	size_t n = 0;

	ok(ayb_fs_write_atomic(target, "first", 5, 0600) == 0, "write a new file");
	ok(ayb_fs_write_atomic(target, "{\"v\":2}", 7, 0600) == 0, "replace it");
	if ((f = fopen(target, "r"))) {
		n = fread(got, 1, sizeof(got) - 1, f);
		fclose(f);
	}
	got[n] = '\0';
	is_str(got, "{\"v\":2}", "the new content, whole");
	ok(stat(target, &st) == 0 && (st.st_mode & 0777) == 0600, "mode 0600");
	ok(ayb_fs_remove_tree(path_in("a/b/c")) == 0, "remove a tree");
	ok(rmdir(path_in("a/b")) == -1 && errno == ENOTEMPTY, "only conf.json is left beside it");
	ok(unlink(target) == 0 && rmdir(path_in("a/b")) == 0, "and no temporary file");
	errno = 0;
	ok(ayb_fs_write_atomic(path_in("missing/x"), "x", 1, 0600) == -1 && errno == ENOENT,
	   "a missing directory: ENOENT");
	free(target);
}

static void sibling(const char *argv0)
{
	char out[PATH_MAX];
	const char *name = strrchr(argv0, '/');

	name = name ? name + 1 : argv0;
	ok(ayb_fs_sibling_program(name, out, sizeof(out)) == 0, "this test is beside itself");
	ok(strlen(out) > strlen(name) && strcmp(out + strlen(out) - strlen(name), name) == 0,
	   "the path ends with its name: %s", out);
	ok(ayb_fs_sibling_program("no-such-program", out, sizeof(out)) == -1, "a missing one");
	ok(ayb_fs_sibling_program(name, out, 4) == -1 && out[0] == '\0', "a buffer too small");
}

int main(int argc, char **argv)
{
	(void)argc;
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	mkdirs();
	write_atomic();
	sibling(argv[0]);
	ayb_fs_remove_tree(dir);
	return tap_done();
}
