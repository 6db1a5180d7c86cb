/* ayb: dispatches to `client`, `server`, `default_server_config`, `convert_config` and `admin`. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "commands.h"

static const char usage[] =
	"Usage: ayb [COMMAND]\n"
	"\n"
	"Commands:\n"
	"  server                 Run an HTTP server\n"
	"  default_server_config  Print a default configuration file for a server\n"
	"  convert_config         Print the ayb.conf equivalent to an ayb server's ayb.toml\n"
	"  client                 Connect to an HTTP server\n"
	"  admin                  Administer the server's data (adopt an ayb server's), a cluster's nodes\n"
	"  help                   Print this message or the help of the given subcommand(s)\n"
	"\n"
	"Options:\n"
	"  -h, --help     Print help\n"
	"  -V, --version  Print version\n";

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd)
		return 0; /* as ayb: no subcommand prints nothing */
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		puts("ayb 0.1.12");
		return 0;
	}
	if (strcmp(cmd, "client") == 0)
		return cli_client(argc - 1, argv + 1);
	if (strcmp(cmd, "server") == 0)
		return cli_server(argc - 1, argv + 1);
	if (strcmp(cmd, "convert_config") == 0)
		return cli_convert_config(argc - 1, argv + 1);
	if (strcmp(cmd, "admin") == 0)
		return cli_admin(argc - 1, argv + 1);
	if (strcmp(cmd, "default_server_config") == 0)
		return cli_default_server_config(argc - 1, argv + 1);
	fprintf(stderr, "error: unrecognized subcommand '%s'\n\n%s", cmd, usage);
	return 2;
}
