/* libFuzzer harness for the configuration file (lib/config.c): the input
 * is the whole content of ayb.conf, loaded with an empty environment so
 * only the file decides.  The file is not hostile in production, but a
 * typo must give a message, never a crash.
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

/* Each input gets a fresh temporary file, removed once loaded: mkstemp
 * fills in the template, which is reset for the next input. */
static char path[] = "/tmp/ayb-fuzz-config.XXXXXX";

/* Writes the input to path; returns 0, or -1 when the disk refuses. */
static int write_conf(const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	int rc = 0;

	if (!f)
		return -1;
	if (size && fwrite(data, 1, size, f) != size)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *const no_env[] = { NULL };
	struct ayb_err err = { 0 };
	struct ayb_config *cfg;
	int fd = mkstemp(path);

	if (fd < 0)
		return 0;
	close(fd);
	if (write_conf(data, size) == 0) {
		cfg = ayb_config_load(path, no_env, &err);
		/* Exactly one of a configuration and a message. */
		if (!cfg == !err.message)
			abort();
		ayb_config_free(cfg);
		ayb_err_clear(&err);
	}
	unlink(path);
	memcpy(path + sizeof(path) - 7, "XXXXXX", 6);
	return 0;
}
