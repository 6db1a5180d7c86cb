/* The top-level commands of `ayb`.  Each takes the arguments after
 * its own name (argv[0] is the command name) and returns the exit status. */
#ifndef AYB_CLI_COMMANDS_H
#define AYB_CLI_COMMANDS_H

int cli_client(int argc, char **argv);
int cli_server(int argc, char **argv);
int cli_default_server_config(int argc, char **argv);
int cli_admin(int argc, char **argv);
/* `ayb admin <cluster command> ...` (cli/admin_cluster.c): argv[0] is the
 * subcommand; -1 when it is not one of the cluster's, else the exit
 * status.  usage is `ayb admin --help`'s text. */
int cli_admin_cluster(const char *usage, int argc, char **argv);
int cli_convert_config(int argc, char **argv);

#endif
