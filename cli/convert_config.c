/* `ayb convert_config [FILE]`: prints the ayb.conf equivalent to an ayb.toml
 * (README "Moving from ayb"); the work is lib/config_convert.c. */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "config_convert.h"
#include "toml.h"

static const char usage[] =
	"Print the ayb.conf equivalent to an ayb server's ayb.toml\n"
	"\n"
	"Usage: ayb convert_config [FILE]\n"
	"\n"
	"Arguments:\n"
	"  [FILE]  ayb's configuration file (- for standard input) [default: ayb.toml]\n"
	"\n"
	"Options:\n"
	"  -h, --help  Print help\n";

/* The whole file, at most AYB_TOML_MAX_BYTES and one more byte, which the
 * reader then refuses: an operator's mistake (a disk image named on the
 * command line) costs no more than that. */
static int slurp(FILE *f, struct ayb_buf *b)
{
	char chunk[8192];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (ayb_buf_add(b, chunk, n) < 0)
			return -1;
		if (b->len > AYB_TOML_MAX_BYTES)
			break;
	}
	return ferror(f) ? -1 : 0;
}

int cli_convert_config(int argc, char **argv)
{
	const char *path = "ayb.toml";
	struct ayb_buf in = {0}, out = {0};
	struct ayb_err err = {0};
	FILE *f;
	int status = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 0;
		}
	}
	if (argc > 2 || (argc == 2 && argv[1][0] == '-' && argv[1][1])) {
		fprintf(stderr, "error: unexpected argument '%s'\n\n%s", argv[argc - 1], usage);
		return 2;
	}
	if (argc == 2)
		path = argv[1];
	f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		fprintf(stderr, "Error: cannot read %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (slurp(f, &in) < 0) {
		fprintf(stderr, "Error: cannot read %s: %s\n", path,
			in.oom ? "out of memory" : strerror(errno));
		goto out;
	}
	if (ayb_config_convert(in.data ? in.data : "", in.len, &out, &err) < 0) {
		ayb_err_prefix(&err, "%s", path);
		status = ayb_err_report(stderr, &err);
		goto out;
	}
	fputs(out.data, stdout);
	status = fflush(stdout) == 0 ? 0 : 1;
out:
	if (f != stdin)
		fclose(f);
	ayb_buf_free(&in);
	ayb_buf_free(&out);
	ayb_err_clear(&err);
	return status;
}
