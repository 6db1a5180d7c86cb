/* The command line of `ayb client`: options, defaults, the <database>
 * regex, usage errors and help. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "tap.h"

#define ARGV(...) ((char *[]){"client", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"client", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(out, text, ...) client_args_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), out, text)

static int contains(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

static void test_ok(void)
{
	struct client_args *a = NULL;
	char *text = NULL;
	int given;

	is_int(PARSE(&a, &text, "--url", "http://127.0.0.1:1", "create_database", "e/d.sqlite"),
	       CLIENT_PARSE_OK, "create_database parses");
	is_int(a->cmd, CMD_CREATE_DATABASE, "command");
	is_str(a->url, "http://127.0.0.1:1", "--url before the command");
	is_str(a->entity, "e", "entity");
	is_str(a->database, "d.sqlite", "database");
	is_str(client_args_get(a, "type", &given), "sqlite", "type defaults to sqlite");
	is_int(given, 0, "default is not marked given");
	is_str(client_args_get(a, "public_sharing_level", NULL), "no-access",
	       "public_sharing_level defaults to no-access");
	client_args_free(a);

	is_int(PARSE(&a, &text, "query", "--format", "csv", "a/b/c", "SELECT 1"),
	       CLIENT_PARSE_OK, "query with --format before positionals");
	is_str(a->entity, "a/b", "greedy entity");
	is_str(a->database, "c", "database after the last slash");
	is_str(client_args_get(a, "format", NULL), "csv", "format");
	is_str(client_args_get(a, "query", NULL), "SELECT 1", "query text");
	client_args_free(a);

	is_int(PARSE(&a, &text, "query", "e/d", "--format=table"), CLIENT_PARSE_OK,
	       "--format=value");
	ok(client_args_get(a, "query", NULL) == NULL, "no query: interactive");
	client_args_free(a);

	is_int(PARSE(&a, &text, "query", "a//", "x"), CLIENT_PARSE_OK, "a// matches");
	is_str(a->entity, "a", "a// entity");
	is_str(a->database, "/", "a// database");
	client_args_free(a);

	is_int(PARSE(&a, &text, "query", "e/d", "--", "--not an option"), CLIENT_PARSE_OK,
	       "-- ends options");
	is_str(client_args_get(a, "query", NULL), "--not an option", "value after --");
	client_args_free(a);

	is_int(PARSE(&a, &text, "update_profile", "e", "--links", "a", "b", "--location", "x"),
	       CLIENT_PARSE_OK, "update_profile with several links");
	is_int(a->nlinks, 2, "two links");
	is_str(a->links[0], "a", "first link");
	is_str(a->links[1], "b", "second link");
	is_str(client_args_get(a, "location", &given), "x", "location");
	is_int(given, 1, "location given");
	client_args_get(a, "display_name", &given);
	is_int(given, 0, "display_name not given");
	client_args_free(a);

	is_int(PARSE(&a, &text, "update_profile", "e", "--links"), CLIENT_PARSE_OK,
	       "--links with no value");
	client_args_get(a, "links", &given);
	is_int(given, 1, "links given");
	is_int(a->nlinks, 0, "no link");
	client_args_free(a);

	is_int(PARSE(&a, &text, "--token", "T", "--config=/x/y.json", "list_tokens"),
	       CLIENT_PARSE_OK, "client options with = and space");
	is_str(a->token, "T", "token");
	is_str(a->config, "/x/y.json", "config");
	client_args_free(a);

	setenv("AYB_SERVER_URL", "http://env", 1);
	setenv("AYB_API_TOKEN", "", 1);
	is_int(PARSE(&a, &text, "list", "e"), CLIENT_PARSE_OK, "env vars");
	is_str(a->url, "http://env", "AYB_SERVER_URL is read");
	ok(a->token == NULL, "an empty AYB_API_TOKEN counts as unset");
	client_args_free(a);
	is_int(PARSE(&a, &text, "--url", "http://flag", "list", "e"), CLIENT_PARSE_OK,
	       "flag and env");
	is_str(a->url, "http://flag", "the flag beats the environment");
	client_args_free(a);
	unsetenv("AYB_SERVER_URL");
	unsetenv("AYB_API_TOKEN");

	is_int(PARSE(&a, &text, "register", "e", "e@example.org", "organization"),
	       CLIENT_PARSE_OK, "register with a type");
	is_str(client_args_get(a, "type", NULL), "organization", "entity type");
	client_args_free(a);
}

static void usage(int argc, char **argv, const char *needle, const char *name)
{
	struct client_args *a = NULL;
	char *text = NULL;
	int r = client_args_parse(argc, argv, &a, &text);

	is_int(r, CLIENT_PARSE_USAGE, "%s: usage error", name);
	ok(contains(text, needle), "%s: message", name);
	if (!contains(text, needle))
		printf("#   text: %s\n", text ? text : "(null)");
	ok(text && strncmp(text, "Error: ", 7) == 0, "%s: starts with Error:", name);
	client_args_free(a);
	free(text);
}

#define USAGE(needle, name, ...) usage(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), needle, name)

static void test_usage(void)
{
	USAGE("unrecognized subcommand 'nope'", "unknown command", "nope");
	USAGE("invalid value 'nodb' for '<database>': Argument must be formatted as "
	      "'entity/database'", "database without slash", "query", "nodb");
	USAGE("invalid value 'e/' for '<database>'", "empty database", "query", "e/");
	USAGE("invalid value '/d' for '<database>'", "empty entity", "query", "/d");
	USAGE("invalid value 'e/a b' for '<database>'", "whitespace", "query", "e/a b");
	USAGE("invalid value 'e/a\xc2\xa0" "b' for '<database>'", "no-break space", "query",
	      "e/a\xc2\xa0" "b");
	USAGE("the following required arguments were not provided:\n  "
	      "--public_sharing_level <public_sharing_level>", "missing required option",
	      "update_database", "e/d");
	USAGE("the following required arguments were not provided:\n  <database>\n  <entity>",
	      "all missing arguments listed", "share");
	USAGE("invalid value 'x' for '[type]'\n  [possible values: sqlite, duckdb]",
	      "bad enum", "create_database", "e/d", "x");
	USAGE("invalid value 'json' for '--format <type>'", "bad format", "list", "e",
	      "--format", "json");
	USAGE("unexpected argument '--url' found", "client option after the command", "list",
	      "e", "--url", "http://x");
	USAGE("unexpected argument 'extra' found", "too many positionals", "log_in", "e",
	      "extra");
	USAGE("a value is required for '--format <type>' but none was supplied",
	      "option without value", "list", "e", "--format");
	USAGE("cannot be used multiple times", "repeated option", "list", "e", "--format", "csv",
	      "--format", "table");
	USAGE("unexpected argument '-x' found", "unknown short option", "list", "e", "-x");
	/* As clap prints it: the required option, then [OPTIONS] for --description. */
	USAGE("Usage: ayb client update_database --public_sharing_level <public_sharing_level> "
	      "[OPTIONS] <database>", "usage line names required options", "update_database");
	USAGE("Usage: ayb client [OPTIONS] <COMMAND>", "no command", "--url", "http://x");
}

static void help(int argc, char **argv, const char *needle, const char *name)
{
	struct client_args *a = NULL;
	char *text = NULL;
	int r = client_args_parse(argc, argv, &a, &text);

	is_int(r, CLIENT_PARSE_HELP, "%s: help", name);
	ok(contains(text, needle), "%s: shows \"%s\"", name, needle);
	client_args_free(a);
	free(text);
}

#define HELP(needle, name, ...) help(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), needle, name)

static void test_help(void)
{
	HELP("Connect to an HTTP server", "client --help", "--help");
	HELP("  create_database", "client help lists commands", "-h");
	HELP("[env: AYB_API_TOKEN]", "env vars named", "--help");
	HELP("Usage: ayb client query [OPTIONS] <database> [query]", "query --help", "query",
	     "--help");
	HELP("[default: table] [possible values: table, csv]", "defaults and values", "query",
	     "e/d", "-h");
	HELP("Register a user/organization", "help register", "help", "register");
	HELP("--links [<value>...]", "multi-value option", "update_profile", "--help");
	HELP("--help", "help after a bad value still helps", "query", "bad", "--help");
}

int main(void)
{
	unsetenv("AYB_SERVER_URL");
	unsetenv("AYB_API_TOKEN");
	unsetenv("AYB_CLIENT_CONFIG_FILE");
	test_ok();
	test_usage();
	test_help();
	return tap_done();
}
