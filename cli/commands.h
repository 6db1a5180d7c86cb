/* The top-level commands of `ayb`.  Each takes the arguments after
 * its own name (argv[0] is the command name) and returns the exit status. */
#ifndef AYB_CLI_COMMANDS_H
#define AYB_CLI_COMMANDS_H

int cli_client(int argc, char **argv);
int cli_server(int argc, char **argv);
int cli_default_server_config(int argc, char **argv);
int cli_admin(int argc, char **argv);
int cli_convert_config(int argc, char **argv);

#endif
