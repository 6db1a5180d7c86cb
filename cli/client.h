/* Private interfaces of `ayb client`: the command-line parser, the saved
 * client configuration, the HTTP transport, error rendering and the table
 * and CSV output.  Everything here is used by cli/client*.c and the unit
 * tests only; nothing is shared with lib/ beyond struct ayb_buf. */
#ifndef AYB_CLI_CLIENT_H
#define AYB_CLI_CLIENT_H

#include <stddef.h>
#include <stdio.h>

#include <cJSON.h>

#include "buf.h"

/* Exit statuses of `ayb client`. */
enum {
	CLIENT_EXIT_OK = 0,
	CLIENT_EXIT_FAIL = 1,   /* server, network or local I/O error */
	CLIENT_EXIT_USAGE = 2,  /* bad command line */
};

/* ---- errors (client_err.c) ------------------------------------------------ */

/* An error to print as `Error: <message>` on stderr, with the exit status
 * that goes with it.  Zero-initialise; the message is owned and freed by
 * client_err_clear(). */
struct client_err {
	int exit_status;
	char *message;
};

/* Replaces any earlier error.  Always returns -1. */
int client_err_set(struct client_err *err, int exit_status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void client_err_clear(struct client_err *err);

/* Turns a response that did not have the expected status into an error
 * sentence: the server's ayb error JSON (`{"type":...}`) when the body is
 * one, else a sentence naming the status.  Sets err (exit status 1) and
 * returns -1. */
int client_err_from_response(struct client_err *err, long status,
			     const char *body, size_t len);

/* The sentence for one parsed ayb error envelope (an object with `type`).
 * Caller frees.  NULL when obj is not an envelope or on OOM. */
char *client_err_sentence(const cJSON *obj);

/* The reason phrase of an HTTP status ("Not Found"), "" when unknown. */
const char *client_http_reason(long status);

/* ---- output (client_output.c) --------------------------------------------- */

enum client_format {
	CLIENT_FORMAT_TABLE,
	CLIENT_FORMAT_CSV,
};

/* Terminal column width of the UTF-8 text s[0..n): East Asian wide and
 * fullwidth characters count 2, combining marks and controls 0, and ANSI
 * `ESC[...m` sequences are not counted.  Invalid bytes count 1 each. */
size_t client_display_width(const char *s, size_t n);

/* Appends s[0..n) as it is safe to show on a terminal: each control
 * character but a line break (LF, CR LF) as `\xNN` (C0 and DEL) or
 * `\u00NN` (C1), and each byte that is not UTF-8 as `\xNN`, so that text
 * from a server cannot drive the terminal (set the clipboard or the title,
 * clear the screen).  Returns 0, or -1 on OOM. */
int client_visible(struct ayb_buf *out, const char *s, size_t n);

/* Renders a header row and nrows rows of ncols cells each (row-major in
 * cells; every pointer non-NULL) as ayb's table (see client_output.c),
 * appending to out; with visible, every cell as client_visible() shows it
 * (for a terminal).  Returns 0, or -1 on OOM. */
int client_render(struct ayb_buf *out, enum client_format format, int visible, size_t ncols,
		  const char *const *header, size_t nrows, const char *const *cells);

/* Converts an RFC 3339 timestamp to ayb's display form: UTC with a
 * `+00:00` offset and 0, 3, 6 or 9 fractional digits (only as many as
 * needed).  Caller frees; a copy of the input when it cannot be parsed,
 * NULL on OOM. */
char *client_rfc3339_utc(const char *ts);

/* ---- query bodies (client_query.c) --------------------------------------- */

/* What `ayb client query` was given. */
struct client_query_in {
	const char *sql;                 /* the query, NULL with a batch */
	const char *const *params;       /* --param values, each bound as text */
	size_t nparams;
	const char *params_json;         /* --params-json, or NULL */
	const char *batch;               /* --batch FILE ("-": stdin), or NULL */
};

/* Appends the request body to `body`: bare SQL without parameters (as
 * ayb sends it), else {"query": ..., "params": ...}, or for a batch the
 * file's statements (an array is wrapped as {"statements": [...]}); *json
 * says whether it is JSON.  Returns 0, or -1 with err set: a usage error
 * (exit 2) for options that do not go together or JSON that is not what
 * they take, exit 1 for a file that cannot be read. */
int client_query_body(const struct client_query_in *in, struct ayb_buf *body, int *json,
		      struct client_err *err);

/* ---- command line (client_args.c) ---------------------------------------- */

#define CLIENT_MAX_ARGS 8

enum client_cmd {
	CMD_CREATE_DATABASE,
	CMD_UPDATE_DATABASE,
	CMD_QUERY,
	CMD_REGISTER,
	CMD_LOG_IN,
	CMD_CONFIRM,
	CMD_LIST,
	CMD_UPDATE_PROFILE,
	CMD_PROFILE,
	CMD_SET_DEFAULT_URL,
	CMD_SHARE,
	CMD_LIST_DATABASE_PERMISSIONS,
	CMD_DATABASE_DETAILS,
	CMD_LIST_SNAPSHOTS,
	CMD_RESTORE_SNAPSHOT,
	CMD_FORK_DATABASE,
	CMD_LIST_TOKENS,
	CMD_REVOKE_TOKEN,
	CMD_EXPORT_DATABASE,
	CMD_IMPORT_DATABASE,
	CMD_COUNT,
};

/* The parsed command line.  Strings point into argv, the environment or
 * static defaults; `links`, `params`, `entity` and `database` are owned and freed by
 * client_args_free(). */
struct client_args {
	const char *config;        /* --config or AYB_CLIENT_CONFIG_FILE, or NULL */
	const char *url;           /* --url or AYB_SERVER_URL, or NULL */
	const char *token;         /* --token or AYB_API_TOKEN, or NULL */
	enum client_cmd cmd;
	/* Values of the command's arguments in the order of its spec (see
	 * client_args_get); NULL when absent and without default. */
	const char *value[CLIENT_MAX_ARGS];
	int given[CLIENT_MAX_ARGS];
	const char **links;        /* --links values (owned array) */
	size_t nlinks;
	const char **params;       /* --param values, in order (owned array) */
	size_t nparams;
	/* The <database> argument split by ^(\S+)/(\S+)$ (owned), or NULL
	 * for commands without one. */
	char *entity;
	char *database;
};

enum client_parse_result {
	CLIENT_PARSE_OK,
	CLIENT_PARSE_HELP,    /* text holds help for stdout: exit 0 */
	CLIENT_PARSE_USAGE,   /* text holds an error + usage for stderr: exit 2 */
};

/* Parses argv (argv[0] is "client").  On CLIENT_PARSE_OK *args is set
 * (caller frees with client_args_free); otherwise *text is set to what to
 * print (caller frees).  Environment variables are read with getenv.
 * Returns -1 on OOM. */
int client_args_parse(int argc, char **argv, struct client_args **args, char **text);
void client_args_free(struct client_args *args);

/* The value of the named argument ("format", "query", "type", ...), the
 * default when absent, or NULL.  `given` tells whether it was typed. */
const char *client_args_get(const struct client_args *args, const char *name, int *given);

/* The command's name as typed, e.g. "create_database". */
const char *client_cmd_name(enum client_cmd cmd);

/* ---- saved configuration (client_config.c) -------------------------------- */

/* The client configuration file (README "The `ayb` command line"), e.g.
 * {"version":1,"authentication":{"http://...":"ayb_..."},"default_url":null} */
struct client_config {
	char *path;             /* owned */
	long long version;
	cJSON *authentication;  /* owned object of url -> token strings */
	char *default_url;      /* owned; NULL when unset */
};

/* The path to use: `explicit` when not NULL, else the platform default
 * (XDG_CONFIG_HOME, HOME, the password database).  Caller frees. */
int client_config_path(const char *explicit_path, char **path, struct client_err *err);

/* Loads path into *cfg (a missing file gives the empty configuration).
 * On error sets err, leaves *cfg empty and returns -1.  Takes ownership
 * of path in every case. */
int client_config_load(struct client_config *cfg, char *path, struct client_err *err);

/* Writes the file atomically, mode 0600, creating parent directories. */
int client_config_save(const struct client_config *cfg, struct client_err *err);

/* The compact JSON text of the file, keys in ayb's order.  Caller frees. */
char *client_config_text(const struct client_config *cfg);

/* Parses the text of a configuration file.  Returns -1 with err set. */
int client_config_parse(struct client_config *cfg, const char *text, struct client_err *err);

/* The saved token for url, or NULL.  Owned by cfg. */
const char *client_config_token(const struct client_config *cfg, const char *url);
int client_config_set_token(struct client_config *cfg, const char *url, const char *token);
int client_config_set_default_url(struct client_config *cfg, const char *url);
void client_config_free(struct client_config *cfg);

/* ---- HTTP (client_http.c) -------------------------------------------------- */

struct client_http_request {
	const char *method;        /* "GET", "POST", "PATCH", "DELETE" */
	const char *base_url;      /* server URL as configured */
	const char *path;          /* "/v1/...", already escaped */
	const char *token;         /* sent as a bearer token when not NULL */
	const char *const *headers; /* "name: value" strings, NULL-terminated, or NULL */
	const char *body;          /* POST/PATCH body; NULL sends an empty one */
	size_t body_len;
	const char *content_type;  /* NULL: no Content-Type header */
	/* A file to send instead of body (upload_size bytes from where it
	 * stands), and one that takes a successful (2xx) answer's body
	 * instead of the response buffer; both streamed, never held whole. */
	FILE *upload;
	long long upload_size;
	FILE *download;
	/* Called as bytes go up or come down (done of total, 0 when unknown);
	 * NULL: not called. */
	void (*progress)(void *ctx, long long done, long long total);
	void *progress_ctx;
};

struct client_http_response {
	long status;
	struct ayb_buf body;       /* owned; free with ayb_buf_free */
	int download_failed;       /* writing the download failed (errno kept) */
};

/* Checks that url is an absolute http(s) URL before anything is sent. */
int client_http_check_url(const char *url, struct client_err *err);

/* Appends one path segment, percent-encoding only what cannot appear in a
 * URL path (spaces, controls, `?`, `#`, non-ASCII, ...), so segments go
 * to the server as typed. */
int client_http_add_segment(struct ayb_buf *path, const char *segment);

/* Performs the request.  Any HTTP status is a success here; network
 * failures set err and return -1. */
int client_http_perform(const struct client_http_request *req,
			struct client_http_response *resp, struct client_err *err);

/* ---- progress (client_progress.c) ---------------------------------------- */

/* Files smaller than this move without a progress bar. */
#define CLIENT_PROGRESS_MIN (1LL << 20)

struct client_progress {
	const char *what;          /* "Exporting entity/db" */
	int percent;
	int drawn;                 /* a line is on the terminal */
};

/* The bar's text: "<what> [####....]  45% 12.3 MiB / 27.0 MiB". */
void client_progress_line(char *out, size_t len, const char *what, long long done,
			  long long total);
/* client_http_request's progress callback (ctx: a struct client_progress):
 * redraws the line on stderr when the percentage changes, for a total of
 * at least CLIENT_PROGRESS_MIN.  The caller checks stderr is a terminal. */
void client_progress_update(void *ctx, long long done, long long total);
/* Ends the line, if one was drawn. */
void client_progress_end(struct client_progress *p);

/* ---- the interactive session (client_interactive.c) ----------------------- */

/* Runs one query and prints it; returns 0 or -1 after printing the error. */
typedef int (*client_query_fn)(void *ctx, const char *sql);

/* Reads statements from stdin (with libedit and history when stdin is a
 * terminal) and runs each through run.  history_path may be NULL.  Returns
 * the exit status: 0, or 1 when a statement failed or input broke. */
int client_interactive(const char *prompt, const char *history_path,
		       client_query_fn run, void *ctx);

#endif
