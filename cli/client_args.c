/* The command line of `ayb client`: one table describes every command and
 * its arguments; the parser, the usage errors and the help texts all come
 * from it.  Parsing follows ayb's (clap's) rules: client options before the
 * command, command options anywhere after it, `--` ends options. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

enum arg_kind {
	ARG_NONE = 0,   /* end of the list */
	ARG_POS,        /* positional */
	ARG_OPT,        /* --name <value> */
	ARG_MULTI,      /* --name [<value>...] */
	ARG_REPEAT,     /* --name <value>, as many times as wanted, in order */
};

struct arg_spec {
	enum arg_kind kind;
	const char *name;
	int required;
	const char *value_name;          /* options only */
	const char *help;
	const char *const *choices;      /* NULL-terminated, or NULL */
	const char *def;                 /* default value, or NULL */
	int is_database;                 /* must match ^(\S+)/(\S+)$: 1, the database
					    the command is about (split into entity and
					    database); 2, another (kept as typed) */
	const char *unless;              /* a required option is not when this one is given */
};

struct cmd_spec {
	const char *name;
	const char *about;
	struct arg_spec args[CLIENT_MAX_ARGS];
};

static const char *const db_types[] = {"sqlite", "duckdb", NULL};
static const char *const public_levels[] = {"no-access", "fork", "read-only", NULL};
static const char *const sharing_levels[] = {"no-access", "read-only", "read-write", "manager",
					     NULL};
static const char *const entity_types[] = {"user", "organization", NULL};
static const char *const formats[] = {"table", "csv", NULL};
static const char *const file_formats[] = {"sqlite", "sql", NULL};

#define FORMAT_ARG                                                                     \
	{ARG_OPT, "format", 0, "type", "The format in which to output the result", formats, \
	 "table", 0}

static const struct cmd_spec commands[CMD_COUNT] = {
	[CMD_CREATE_DATABASE] = {"create_database", "Create a database", {
		{ARG_POS, "database", 1, NULL,
		 "The database to create (e.g., entity/database.sqlite)", NULL, NULL, 1},
		{ARG_POS, "type", 0, NULL, "The type of DB", db_types, "sqlite", 0},
		{ARG_POS, "public_sharing_level", 0, NULL,
		 "The sharing level that the public/an anonymous user will have",
		 public_levels, "no-access", 0},
	}},
	[CMD_UPDATE_DATABASE] = {"update_database", "Update database metadata", {
		{ARG_POS, "database", 1, NULL,
		 "The database to update (e.g., entity/database.sqlite)", NULL, NULL, 1},
		{ARG_OPT, "public_sharing_level", 1, "public_sharing_level",
		 "The sharing level that the public/an anonymous user will have (required "
		 "unless --description is given)", public_levels, NULL, 0, "description"},
		{ARG_OPT, "description", 0, "text",
		 "What the database holds, shown in the directory of public databases "
		 "('' removes it)", NULL, NULL, 0},
	}},
	[CMD_SCHEMA] = {"schema", "Show the tables and views of a database", {
		{ARG_POS, "database", 1, NULL,
		 "The database whose schema to show (e.g., entity/database.sqlite)", NULL, NULL, 1},
	}},
	[CMD_QUERY] = {"query", "Query a database", {
		{ARG_POS, "database", 1, NULL,
		 "The database to which to connect (e.g., entity/database.sqlite)", NULL, NULL, 1},
		{ARG_POS, "query", 0, NULL,
		 "The query to execute. If not provided, an interactive session will be launched",
		 NULL, NULL, 0},
		FORMAT_ARG,
		{ARG_REPEAT, "param", 0, "value",
		 "A value for the query's next positional parameter (?), bound as text; repeat "
		 "for each (a value may start with '-')", NULL, NULL, 0},
		{ARG_OPT, "params-json", 0, "json",
		 "The query's parameters as JSON: an array binds ?, ?NNN by position, an object "
		 ":name, @name, $name by name; {\"base64\": \"...\"} is a blob", NULL, NULL, 0},
		{ARG_OPT, "batch", 0, "file",
		 "Run the statements of a JSON file ('-': standard input) as one transaction: "
		 "[{\"query\": \"...\", \"params\": [...]}, ...]", NULL, NULL, 0},
	}},
	[CMD_REGISTER] = {"register", "Register a user/organization", {
		{ARG_POS, "entity", 1, NULL, "The entity to register", NULL, NULL, 0},
		{ARG_POS, "email_address", 1, NULL, "The email address of the entity", NULL, NULL,
		 0},
		{ARG_POS, "type", 0, NULL, "The type of entity", entity_types, "user", 0},
	}},
	[CMD_LOG_IN] = {"log_in", "Log in to ayb via email", {
		{ARG_POS, "entity", 1, NULL, "The user/organization to log in as", NULL, NULL, 0},
	}},
	[CMD_CONFIRM] = {"confirm", "Confirm an email-based login/registration", {
		{ARG_POS, "authentication_token", 1, NULL,
		 "The authentication token from the email", NULL, NULL, 0},
	}},
	[CMD_LIST] = {"list", "List databases", {
		{ARG_POS, "entity", 1, NULL, "The entity whose databases to list", NULL, NULL, 0},
		FORMAT_ARG,
	}},
	[CMD_UPDATE_PROFILE] = {"update_profile", "Update the profile of an entity", {
		{ARG_POS, "entity", 1, NULL, "The entity to update", NULL, NULL, 0},
		{ARG_OPT, "display_name", 0, "value", "New display name", NULL, NULL, 0},
		{ARG_OPT, "description", 0, "value", "New description", NULL, NULL, 0},
		{ARG_OPT, "organization", 0, "value", "New organization", NULL, NULL, 0},
		{ARG_OPT, "location", 0, "value", "New location", NULL, NULL, 0},
		{ARG_MULTI, "links", 0, "value", "New links (each value is one URL)", NULL, NULL,
		 0},
	}},
	[CMD_PROFILE] = {"profile", "Show the profile of an entity", {
		{ARG_POS, "entity", 1, NULL, "The entity whose profile to show", NULL, NULL, 0},
		FORMAT_ARG,
	}},
	[CMD_SET_DEFAULT_URL] = {"set_default_url",
		"Set the default server URL for future requests in ayb.json", {
		{ARG_POS, "url", 1, NULL, "The URL to use in the future", NULL, NULL, 0},
	}},
	[CMD_SHARE] = {"share", "Share a database with another entity", {
		{ARG_POS, "database", 1, NULL,
		 "The database to share (e.g., entity/database.sqlite)", NULL, NULL, 1},
		{ARG_POS, "entity", 1, NULL, "The entity to share the database with", NULL, NULL,
		 0},
		{ARG_POS, "sharing_level", 1, NULL, "The sharing level that the entity will have",
		 sharing_levels, NULL, 0},
	}},
	[CMD_LIST_DATABASE_PERMISSIONS] = {"list_database_permissions",
		"List the entities a database is shared with", {
		{ARG_POS, "database", 1, NULL,
		 "The database whose permissions to list (e.g., entity/database.sqlite)", NULL,
		 NULL, 1},
		FORMAT_ARG,
	}},
	[CMD_DATABASE_DETAILS] = {"database_details", "Show the details of a database", {
		{ARG_POS, "database", 1, NULL,
		 "The database to show (e.g., entity/database.sqlite)", NULL, NULL, 1},
	}},
	[CMD_LIST_SNAPSHOTS] = {"list_snapshots", "List snapshots/backups of a database", {
		{ARG_POS, "database", 1, NULL,
		 "The database whose snapshots to list (e.g., entity/database.sqlite)", NULL,
		 NULL, 1},
		FORMAT_ARG,
	}},
	[CMD_RESTORE_SNAPSHOT] = {"restore_snapshot",
		"Restore a database to a particular snapshot/backup", {
		{ARG_POS, "database", 1, NULL,
		 "The database to restore (e.g., entity/database.sqlite)", NULL, NULL, 1},
		{ARG_POS, "snapshot_id", 1, NULL, "The snapshot to restore", NULL, NULL, 0, "at"},
		{ARG_OPT, "at", 0, "timestamp",
		 "Instead of a snapshot: the instant to restore to, from continuous backup "
		 "(RFC 3339, e.g. 2026-12-03T08:15:00Z)", NULL, NULL, 0},
	}},
	[CMD_FORK_DATABASE] = {"fork_database",
		"Fork a database: copy it into a new database of your own", {
		{ARG_POS, "database", 1, NULL,
		 "The database to fork (e.g., entity/database.sqlite)", NULL, NULL, 1},
		{ARG_POS, "fork_to", 1, NULL,
		 "The new database (e.g., you/copy.sqlite), created private", NULL, NULL, 2},
	}},
	[CMD_EXPORT_DATABASE] = {"export_database",
		"Download a copy of a database, as a file or as SQL", {
		{ARG_POS, "database", 1, NULL,
		 "The database to export (e.g., entity/database.sqlite)", NULL, NULL, 1},
		{ARG_POS, "file", 1, NULL, "The file to write", NULL, NULL, 0},
		{ARG_OPT, "format", 0, "format",
		 "sqlite: the database file; sql: an SQL dump [default: sql for a FILE "
		 "ending in .sql, else sqlite]", file_formats, NULL, 0},
	}},
	[CMD_IMPORT_DATABASE] = {"import_database",
		"Replace a database with a database file or an SQL dump", {
		{ARG_POS, "database", 1, NULL,
		 "The database to replace (e.g., entity/database.sqlite)", NULL, NULL, 1},
		{ARG_POS, "file", 1, NULL, "The file to send", NULL, NULL, 0},
		{ARG_OPT, "format", 0, "format",
		 "sqlite: a database file; sql: an SQL dump [default: sql for a FILE "
		 "ending in .sql, else sqlite]", file_formats, NULL, 0},
	}},
	[CMD_LIST_TOKENS] = {"list_tokens", "List your active API tokens", {
		FORMAT_ARG,
	}},
	[CMD_REVOKE_TOKEN] = {"revoke_token", "Revoke an API token", {
		{ARG_POS, "short_token", 1, NULL,
		 "The short token to revoke (as list_tokens shows it)", NULL, NULL, 0},
	}},
};

/* The order in which `ayb client --help` lists the commands. */
static const enum client_cmd help_order[] = {
	CMD_CREATE_DATABASE, CMD_UPDATE_DATABASE, CMD_QUERY, CMD_REGISTER, CMD_LOG_IN,
	CMD_CONFIRM, CMD_LIST, CMD_UPDATE_PROFILE, CMD_PROFILE, CMD_SET_DEFAULT_URL,
	CMD_SHARE, CMD_LIST_DATABASE_PERMISSIONS, CMD_DATABASE_DETAILS, CMD_LIST_SNAPSHOTS,
	CMD_RESTORE_SNAPSHOT, CMD_FORK_DATABASE, CMD_EXPORT_DATABASE, CMD_IMPORT_DATABASE,
	CMD_SCHEMA, CMD_LIST_TOKENS, CMD_REVOKE_TOKEN,
};

/* The client options (before the command). */
static const struct {
	const char *name, *value_name, *env, *help;
} client_opts[] = {
	{"config", "FILE", "AYB_CLIENT_CONFIG_FILE", "Path to the client configuration file"},
	{"url", "VALUE", "AYB_SERVER_URL", "The URL of the HTTP server"},
	{"token", "VALUE", "AYB_API_TOKEN", "The API token used to authenticate the client"},
};

const char *client_cmd_name(enum client_cmd cmd)
{
	return (unsigned)cmd < CMD_COUNT ? commands[cmd].name : "";
}

/* ---- help and usage texts ------------------------------------------------- */

static void add_pad(struct ayb_buf *b, size_t used, size_t col)
{
	for (; used < col; used++)
		ayb_buf_addc(b, ' ');
}

/* `<name>` for a required positional, `[name]` for an optional one. */
static void add_pos_name(struct ayb_buf *b, const struct arg_spec *a)
{
	ayb_buf_printf(b, a->required ? "<%s>" : "[%s]", a->name);
}

static void add_opt_name(struct ayb_buf *b, const struct arg_spec *a)
{
	if (a->kind == ARG_REPEAT)
		ayb_buf_printf(b, "--%s <%s>...", a->name, a->value_name);
	else if (a->kind == ARG_MULTI)
		ayb_buf_printf(b, "--%s [<%s>...]", a->name, a->value_name);
	else
		ayb_buf_printf(b, "--%s <%s>", a->name, a->value_name);
}

static void add_cmd_usage(struct ayb_buf *b, const struct cmd_spec *c)
{
	const struct arg_spec *a;
	int optional_opts = 0;

	ayb_buf_printf(b, "Usage: ayb client %s", c->name);
	for (a = c->args; a->kind; a++) {
		if (a->kind != ARG_POS && a->required) {
			ayb_buf_addc(b, ' ');
			add_opt_name(b, a);
		} else if (a->kind != ARG_POS) {
			optional_opts = 1;
		}
	}
	if (optional_opts)
		ayb_buf_adds(b, " [OPTIONS]");
	for (a = c->args; a->kind; a++) {
		if (a->kind == ARG_POS) {
			ayb_buf_addc(b, ' ');
			add_pos_name(b, a);
		}
	}
	ayb_buf_addc(b, '\n');
}

static void add_arg_details(struct ayb_buf *b, const struct arg_spec *a)
{
	const char *const *ch;

	if (a->def)
		ayb_buf_printf(b, " [default: %s]", a->def);
	if (a->choices) {
		ayb_buf_adds(b, " [possible values: ");
		for (ch = a->choices; *ch; ch++)
			ayb_buf_printf(b, "%s%s", ch == a->choices ? "" : ", ", *ch);
		ayb_buf_addc(b, ']');
	}
}

/* One line of a command's help: the argument's name, padded to `col`,
 * then its help text and details. */
static void add_help_row(struct ayb_buf *b, const struct arg_spec *a, size_t col)
{
	size_t start = b->len;

	if (a->kind == ARG_POS) {
		ayb_buf_adds(b, "  ");
		add_pos_name(b, a);
	} else {
		ayb_buf_adds(b, "      ");
		add_opt_name(b, a);
	}
	add_pad(b, b->len - start, col);
	ayb_buf_adds(b, a->help);
	add_arg_details(b, a);
	ayb_buf_addc(b, '\n');
}

static void add_cmd_help(struct ayb_buf *b, const struct cmd_spec *c)
{
	const struct arg_spec *a;
	size_t col = 0, start, w;
	int have_pos = 0;

	ayb_buf_printf(b, "%s\n\n", c->about);
	add_cmd_usage(b, c);
	/* One column for the descriptions of both sections, as clap does. */
	for (a = c->args; a->kind; a++) {
		struct ayb_buf tmp = {0};

		if (a->kind == ARG_POS)
			add_pos_name(&tmp, a);
		else
			add_opt_name(&tmp, a);
		w = tmp.len + (a->kind == ARG_POS ? 2 : 6);
		if (w > col)
			col = w;
		ayb_buf_free(&tmp);
		have_pos |= a->kind == ARG_POS;
	}
	if (col < 12)
		col = 12;  /* "  -h, --help" */
	col += 2;
	if (have_pos) {
		ayb_buf_adds(b, "\nArguments:\n");
		for (a = c->args; a->kind; a++)
			if (a->kind == ARG_POS)
				add_help_row(b, a, col);
	}
	ayb_buf_adds(b, "\nOptions:\n");
	for (a = c->args; a->kind; a++)
		if (a->kind != ARG_POS)
			add_help_row(b, a, col);
	start = b->len;
	ayb_buf_adds(b, "  -h, --help");
	add_pad(b, b->len - start, col);
	ayb_buf_adds(b, "Print help\n");
}

static void add_client_usage(struct ayb_buf *b)
{
	ayb_buf_adds(b, "Usage: ayb client [OPTIONS] <COMMAND>\n");
}

static void add_client_help(struct ayb_buf *b)
{
	size_t i, start, col = 0;

	ayb_buf_adds(b, "Connect to an HTTP server\n\n");
	add_client_usage(b);
	ayb_buf_adds(b, "\nCommands:\n");
	for (i = 0; i < CMD_COUNT; i++)
		if (strlen(commands[i].name) > col)
			col = strlen(commands[i].name);
	col += 4;
	for (i = 0; i < sizeof(help_order) / sizeof(help_order[0]); i++) {
		const struct cmd_spec *c = &commands[help_order[i]];

		start = b->len;
		ayb_buf_printf(b, "  %s", c->name);
		add_pad(b, b->len - start, col);
		ayb_buf_printf(b, "%s\n", c->about);
	}
	start = b->len;
	ayb_buf_adds(b, "  help");
	add_pad(b, b->len - start, col);
	ayb_buf_adds(b, "Print this message or the help of the given subcommand(s)\n");
	ayb_buf_adds(b, "\nOptions:\n");
	for (i = 0; i < sizeof(client_opts) / sizeof(client_opts[0]); i++) {
		start = b->len;
		ayb_buf_printf(b, "      --%s <%s>", client_opts[i].name,
			       client_opts[i].value_name);
		add_pad(b, b->len - start, 23);
		ayb_buf_printf(b, "%s [env: %s]\n", client_opts[i].help, client_opts[i].env);
	}
	start = b->len;
	ayb_buf_adds(b, "  -h, --help");
	add_pad(b, b->len - start, 23);
	ayb_buf_adds(b, "Print help\n");
	ayb_buf_adds(b, "\nWithout --config, the configuration is saved in "
			"$XDG_CONFIG_HOME/ayb/ayb.json (default ~/.config/ayb/ayb.json).\n");
}

/* ---- parsing -------------------------------------------------------------- */

struct parser {
	int argc;
	char **argv;
	const struct cmd_spec *cmd;   /* NULL while parsing client options */
	struct client_args *args;
	struct ayb_buf text;
	enum client_parse_result result;
};

/* Formats a usage error: the message, the usage line and where to look. */
__attribute__((format(printf, 2, 3)))
static int usage_error(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = ayb_vfmt(fmt, ap);
	va_end(ap);
	ayb_buf_free(&p->text);
	ayb_buf_printf(&p->text, "Error: %s\n\n", msg ? msg : "invalid command line");
	free(msg);
	if (p->cmd) {
		add_cmd_usage(&p->text, p->cmd);
		ayb_buf_printf(&p->text, "\nFor more information, try 'ayb client %s --help'.\n",
			       p->cmd->name);
	} else {
		add_client_usage(&p->text);
		ayb_buf_adds(&p->text, "\nFor more information, try 'ayb client --help'.\n");
	}
	p->result = CLIENT_PARSE_USAGE;
	return -1;
}

static int show_help(struct parser *p, const struct cmd_spec *c)
{
	ayb_buf_free(&p->text);
	if (c)
		add_cmd_help(&p->text, c);
	else
		add_client_help(&p->text);
	p->result = CLIENT_PARSE_HELP;
	return -1;
}

/* Unicode White_Space, which \s matches in ayb's regex. */
static int is_space_at(const unsigned char *s, size_t *len)
{
	static const uint32_t spaces[] = {0x85, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
					  0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A,
					  0x2028, 0x2029, 0x202F, 0x205F, 0x3000};
	uint32_t c;

	*len = 1;
	if (*s < 0x80)
		return *s == ' ' || (*s >= '\t' && *s <= '\r');
	if ((*s & 0xE0) == 0xC0 && (s[1] & 0xC0) == 0x80) {
		c = ((uint32_t)(*s & 0x1F) << 6) | (s[1] & 0x3F);
		*len = 2;
	} else if ((*s & 0xF0) == 0xE0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
		c = ((uint32_t)(*s & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
		*len = 3;
	} else {
		return 0;
	}
	for (size_t i = 0; i < sizeof(spaces) / sizeof(spaces[0]); i++)
		if (spaces[i] == c)
			return 1;
	return 0;
}

/* Splits `entity/database` as ^(\S+)/(\S+)$ does (the entity takes as much
 * as it can).  Returns 0, or -1 when s does not match. */
static int split_database(const char *s, char **entity, char **database)
{
	size_t n = strlen(s), i, len;

	for (i = 0; i < n; i += len)
		if (is_space_at((const unsigned char *)s + i, &len))
			return -1;
	for (i = n >= 2 ? n - 2 : 0; i >= 1; i--) {
		if (s[i] == '/') {
			*entity = strndup(s, i);
			*database = strdup(s + i + 1);
			return 0;
		}
	}
	return -1;
}

static int check_value(struct parser *p, const struct arg_spec *a, const char *v)
{
	struct ayb_buf list = {0};
	const char *const *ch;
	char label[96];

	if (a->kind == ARG_POS)
		snprintf(label, sizeof(label), a->required ? "<%s>" : "[%s]", a->name);
	else
		snprintf(label, sizeof(label), "--%s <%s>", a->name, a->value_name);
	if (a->is_database) {
		char *entity = NULL, *database = NULL;
		int rc = split_database(v, &entity, &database);

		if (a->is_database == 1) {
			free(p->args->entity);
			free(p->args->database);
			p->args->entity = entity;
			p->args->database = database;
		} else {
			free(entity);
			free(database);
		}
		if (rc < 0)
			return usage_error(p, "invalid value '%s' for '%s': Argument must be "
					   "formatted as 'entity/database'", v, label);
		return 0;
	}
	if (!a->choices)
		return 0;
	for (ch = a->choices; *ch; ch++)
		if (strcmp(*ch, v) == 0)
			return 0;
	for (ch = a->choices; *ch; ch++)
		ayb_buf_printf(&list, "%s%s", ch == a->choices ? "" : ", ", *ch);
	usage_error(p, "invalid value '%s' for '%s'\n  [possible values: %s]", v, label,
		    list.data ? list.data : "");
	ayb_buf_free(&list);
	return -1;
}

static int set_value(struct parser *p, size_t idx, const char *v)
{
	const struct arg_spec *a = &p->cmd->args[idx];

	if (p->args->given[idx]) {
		if (a->kind == ARG_POS)
			return usage_error(p, "unexpected argument '%s' found", v);
		return usage_error(p, "the argument '--%s <%s>' cannot be used multiple times",
				   a->name, a->value_name);
	}
	if (check_value(p, a, v) < 0)
		return -1;
	p->args->value[idx] = v;
	p->args->given[idx] = 1;
	return 0;
}

static int add_to(const char ***list, size_t *n, const char *v)
{
	const char **l = realloc(*list, (*n + 1) * sizeof(*l));

	if (!l)
		return -1;
	*list = l;
	l[(*n)++] = v;
	return 0;
}

static int add_link(struct parser *p, const char *v)
{
	return add_to(&p->args->links, &p->args->nlinks, v);
}

/* A command option at argv[*i] (starting with "--"). */
static int parse_cmd_option(struct parser *p, int *i)
{
	const char *arg = p->argv[*i] + 2, *eq = strchr(arg, '=');
	size_t namelen = eq ? (size_t)(eq - arg) : strlen(arg), idx;
	const struct arg_spec *a = NULL;

	for (idx = 0; p->cmd->args[idx].kind; idx++) {
		const struct arg_spec *s = &p->cmd->args[idx];

		if (s->kind != ARG_POS && strlen(s->name) == namelen &&
		    strncmp(s->name, arg, namelen) == 0) {
			a = s;
			break;
		}
	}
	if (!a)
		return usage_error(p, "unexpected argument '%s' found", p->argv[*i]);
	if (a->kind == ARG_REPEAT) {
		/* Any next argument is the value, a negative number too. */
		p->args->given[idx] = 1;
		if (!eq && *i + 1 >= p->argc)
			return usage_error(p, "a value is required for '--%s <%s>' but none was "
					   "supplied", a->name, a->value_name);
		if (add_to(&p->args->params, &p->args->nparams, eq ? eq + 1 : p->argv[++*i]) < 0)
			return usage_error(p, "out of memory");
		return 0;
	}
	if (a->kind == ARG_MULTI) {
		if (p->args->given[idx])
			return usage_error(p, "the argument '--%s [<%s>...]' cannot be used "
					   "multiple times", a->name, a->value_name);
		p->args->given[idx] = 1;
		if (eq)
			return add_link(p, eq + 1) < 0 ? usage_error(p, "out of memory") : 0;
		while (*i + 1 < p->argc && (p->argv[*i + 1][0] != '-' ||
					    strcmp(p->argv[*i + 1], "-") == 0)) {
			if (add_link(p, p->argv[++*i]) < 0)
				return usage_error(p, "out of memory");
		}
		return 0;
	}
	if (eq)
		return set_value(p, idx, eq + 1);
	if (*i + 1 >= p->argc ||
	    (p->argv[*i + 1][0] == '-' && strcmp(p->argv[*i + 1], "-") != 0))
		return usage_error(p, "a value is required for '--%s <%s>' but none was supplied",
				   a->name, a->value_name);
	return set_value(p, idx, p->argv[++*i]);
}

/* 1 when the command's option called name (NULL: none) was given. */
static int given_by_name(const struct parser *p, const char *name)
{
	for (size_t i = 0; name && p->cmd->args[i].kind; i++)
		if (strcmp(p->cmd->args[i].name, name) == 0)
			return p->args->given[i];
	return 0;
}

static int parse_cmd(struct parser *p, int i)
{
	int only_positional = 0;
	size_t next_pos = 0, idx;
	struct ayb_buf missing = {0};

	/* --help anywhere after the command wins, as with clap. */
	for (int j = i; j < p->argc && strcmp(p->argv[j], "--") != 0; j++)
		if (strcmp(p->argv[j], "--help") == 0 || strcmp(p->argv[j], "-h") == 0)
			return show_help(p, p->cmd);
	for (; i < p->argc; i++) {
		const char *arg = p->argv[i];

		if (!only_positional && strcmp(arg, "--") == 0) {
			only_positional = 1;
			continue;
		}
		if (!only_positional && arg[0] == '-' && arg[1] == '-') {
			if (parse_cmd_option(p, &i) < 0)
				return -1;
			continue;
		}
		if (!only_positional && arg[0] == '-' && arg[1] != '\0')
			return usage_error(p, "unexpected argument '%s' found\n\n"
					   "  tip: to pass '%s' as a value, use '-- %s'",
					   arg, arg, arg);
		while (p->cmd->args[next_pos].kind && p->cmd->args[next_pos].kind != ARG_POS)
			next_pos++;
		if (!p->cmd->args[next_pos].kind)
			return usage_error(p, "unexpected argument '%s' found", arg);
		if (set_value(p, next_pos, arg) < 0)
			return -1;
		next_pos++;
	}
	for (idx = 0; p->cmd->args[idx].kind; idx++) {
		const struct arg_spec *a = &p->cmd->args[idx];

		if (!a->required || p->args->given[idx] || given_by_name(p, a->unless))
			continue;
		ayb_buf_adds(&missing, "\n  ");
		if (a->kind == ARG_POS)
			add_pos_name(&missing, a);
		else
			add_opt_name(&missing, a);
	}
	if (missing.len) {
		usage_error(p, "the following required arguments were not provided:%s",
			    missing.data);
		ayb_buf_free(&missing);
		return -1;
	}
	return 0;
}

static int find_cmd(const char *name)
{
	for (int c = 0; c < CMD_COUNT; c++)
		if (strcmp(commands[c].name, name) == 0)
			return c;
	return -1;
}

/* `ayb client help [COMMAND]`. */
static int parse_help_cmd(struct parser *p, int i)
{
	int c;

	if (i >= p->argc)
		return show_help(p, NULL);
	c = find_cmd(p->argv[i]);
	if (c < 0)
		return usage_error(p, "unrecognized subcommand '%s'", p->argv[i]);
	return show_help(p, &commands[c]);
}

static const char *env_value(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static int parse(struct parser *p)
{
	const char **slot[3];
	int i, c;

	slot[0] = &p->args->config;
	slot[1] = &p->args->url;
	slot[2] = &p->args->token;
	for (i = 1; i < p->argc; i++) {
		const char *arg = p->argv[i], *eq;
		size_t k, namelen;

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
			return show_help(p, NULL);
		if (arg[0] != '-')
			break;
		if (arg[1] != '-')
			return usage_error(p, "unexpected argument '%s' found", arg);
		eq = strchr(arg, '=');
		namelen = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		for (k = 0; k < 3; k++)
			if (strlen(client_opts[k].name) == namelen &&
			    strncmp(client_opts[k].name, arg + 2, namelen) == 0)
				break;
		if (k == 3)
			return usage_error(p, "unexpected argument '%s' found", arg);
		if (*slot[k])
			return usage_error(p, "the argument '--%s <%s>' cannot be used multiple "
					   "times", client_opts[k].name, client_opts[k].value_name);
		if (eq) {
			*slot[k] = eq + 1;
		} else {
			if (i + 1 >= p->argc || p->argv[i + 1][0] == '-')
				return usage_error(p, "a value is required for '--%s <%s>' "
						   "but none was supplied", client_opts[k].name,
						   client_opts[k].value_name);
			*slot[k] = p->argv[++i];
		}
	}
	for (size_t k = 0; k < 3; k++)
		if (!*slot[k])
			*slot[k] = env_value(client_opts[k].env);
	if (i >= p->argc) {
		/* No command: say so, then the whole help. */
		ayb_buf_free(&p->text);
		ayb_buf_adds(&p->text, "Error: a command is required\n\n");
		add_client_help(&p->text);
		p->result = CLIENT_PARSE_USAGE;
		return -1;
	}
	if (strcmp(p->argv[i], "help") == 0)
		return parse_help_cmd(p, i + 1);
	c = find_cmd(p->argv[i]);
	if (c < 0)
		return usage_error(p, "unrecognized subcommand '%s'", p->argv[i]);
	p->cmd = &commands[c];
	p->args->cmd = (enum client_cmd)c;
	return parse_cmd(p, i + 1);
}

int client_args_parse(int argc, char **argv, struct client_args **args, char **text)
{
	struct parser p = {.argc = argc, .argv = argv, .result = CLIENT_PARSE_OK};

	*args = NULL;
	*text = NULL;
	p.args = calloc(1, sizeof(*p.args));
	if (!p.args)
		return -1;
	if (parse(&p) < 0) {
		client_args_free(p.args);
		if (!(*text = ayb_buf_take(&p.text)))
			return -1;
		return (int)p.result;
	}
	ayb_buf_free(&p.text);
	if (p.cmd->args[0].is_database && (!p.args->entity || !p.args->database)) {
		/* split_database failed to allocate */
		client_args_free(p.args);
		return -1;
	}
	*args = p.args;
	return CLIENT_PARSE_OK;
}

void client_args_free(struct client_args *args)
{
	if (!args)
		return;
	free(args->links);
	free(args->params);
	free(args->entity);
	free(args->database);
	free(args);
}

const char *client_args_get(const struct client_args *args, const char *name, int *given)
{
	const struct cmd_spec *c = &commands[args->cmd];

	for (size_t i = 0; c->args[i].kind; i++) {
		if (strcmp(c->args[i].name, name) != 0)
			continue;
		if (given)
			*given = args->given[i];
		return args->given[i] ? args->value[i] : c->args[i].def;
	}
	if (given)
		*given = 0;
	return NULL;
}
