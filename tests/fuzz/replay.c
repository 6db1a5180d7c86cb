/* Runs a libFuzzer harness over files, for builds without libFuzzer: `make
 * check` links each tests/fuzz/fuzz_<name>.c with this file and runs it over
 * tests/fuzz/corpus/<name>/, so every seed (and every crash input added
 * there later) is replayed on every build, under ASan in the sanitizer
 * build.  Prints TAP, one line per file; a harness that crashes or aborts
 * ends the run, which the TAP driver reports as a failure.
 *
 *   replay_<name> [FILE|DIR]...    default: $top_srcdir/tests/fuzz/corpus/<name>
 */
#include "autoconfig.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef AYB_FUZZ_NAME
#error "AYB_FUZZ_NAME names the harness's corpus directory"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int tests;

/* Reads the whole file at path into a malloc'd buffer the caller frees;
 * NULL when it cannot be read. */
static uint8_t *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n == cap) {
			uint8_t *grown = realloc(data, cap = cap ? cap * 2 : 4096);
			if (!grown) {
				free(data);
				data = NULL;
				break;
			}
			data = grown;
		}
		size_t got = fread(data + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (data && ferror(f)) {
		free(data);
		data = NULL;
	}
	fclose(f);
	*size = n;
	return data;
}

/* Feeds one file to the harness.  Returns 0, or -1 when it cannot be read. */
static int replay_file(const char *path)
{
	size_t size = 0;
	uint8_t *data = slurp(path, &size);

	if (!data) {
		printf("not ok %d - %s: cannot read\n", ++tests, path);
		return -1;
	}
	/* A copy of exactly `size` bytes, so ASan catches a read past the end. */
	uint8_t *exact = malloc(size ? size : 1);
	if (exact) {
		memcpy(exact, data, size);
		LLVMFuzzerTestOneInput(exact, size);
	}
	free(exact);
	free(data);
	if (!exact) {
		printf("not ok %d - %s: out of memory\n", ++tests, path);
		return -1;
	}
	printf("ok %d - %s (%zu bytes)\n", ++tests, path, size);
	fflush(stdout);
	return 0;
}

/* Feeds every regular file of dir, in name order (alphasort in the C
 * locale this program never leaves) so runs compare.  Returns the number of
 * failures. */
static int replay_dir(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	int failed = 0;

	if (n < 0) {
		printf("not ok %d - %s: cannot open the directory\n", ++tests, dir);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (names[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode))
			failed += replay_file(path) != 0;
		free(names[i]);
	}
	free(names);
	return failed;
}

static int replay_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return replay_dir(path);
	return replay_file(path) != 0;
}

int main(int argc, char **argv)
{
	int failed = 0;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			failed += replay_path(argv[i]);
	} else {
		const char *top = getenv("top_srcdir");
		char dir[4096];

		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", top ? top : ".",
			 AYB_FUZZ_NAME);
		failed += replay_dir(dir);
	}
	if (tests == 0)
		printf("not ok 1 - no input to replay\n");
	printf("1..%d\n", tests ? tests : 1);
	return failed || !tests;
}
