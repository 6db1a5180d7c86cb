/* `ayb client`: every client command of ayb (README "The `ayb` command
 * line"), over HTTP.
 *
 * The flow of one run: parse the command line (usage errors exit 2), load
 * the saved configuration, resolve the server URL and the API token, make
 * one request (or one per statement in an interactive session) and print
 * the result on stdout.  Any failure prints `Error: <sentence>` on stderr
 * and exits 1, where ayb prints to stdout and exits 0 (README "Deliberate
 * differences from ayb"). */
#include "autoconfig.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "client.h"
#include "commands.h"

struct client {
	struct client_args *args;
	struct client_config cfg;
	const char *url;                /* effective server URL */
	const char *token;              /* effective API token, or NULL */
	enum client_format format;
	struct client_err err;
	char err_type[64];              /* `type` of the last server error, or "" */
	int reported;                   /* the failure was printed already */
	int tty_out, tty_err;           /* stdout, stderr are terminals: show controls */
};

enum token_use {
	TOKEN_NEVER,
	TOKEN_OPTIONAL,
	TOKEN_REQUIRED,
};

/* ---- output ---------------------------------------------------------------- */

/* Writes text to stdout; a failure (a full disk, a closed pipe) is an
 * error like any other.  Text bound for a terminal has its control
 * characters shown, since much of it comes from the server (cells, profile
 * fields, names); anything else gets the bytes exactly. */
static int emit(struct client *c, const char *text, size_t len)
{
	struct ayb_buf shown = {0};
	int rc = 0;

	if (c->tty_out) {
		if (client_visible(&shown, text, len) < 0) {
			ayb_buf_free(&shown);
			return client_err_set(&c->err, CLIENT_EXIT_FAIL, "Out of memory");
		}
		text = shown.data ? shown.data : "";
		len = shown.len;
	}
	if ((len && fwrite(text, 1, len, stdout) != len) || fflush(stdout) != 0)
		rc = client_err_set(&c->err, CLIENT_EXIT_FAIL,
				    "Cannot write to standard output: %s", strerror(errno));
	ayb_buf_free(&shown);
	return rc;
}

/* Prints "Error: <message>" on stderr; on a terminal, with the message's
 * control characters shown, as the server wrote much of it. */
static void print_error(const struct client *c)
{
	const char *message = c->err.message ? c->err.message : "Out of memory";
	struct ayb_buf shown = {0};

	if (c->tty_err) {
		client_visible(&shown, message, strlen(message));
		message = shown.oom ? "Out of memory" : shown.data ? shown.data : "";
	}
	fprintf(stderr, "Error: %s\n", message);
	ayb_buf_free(&shown);
}

__attribute__((format(printf, 2, 3)))
static int emitf(struct client *c, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int rc;

	va_start(ap, fmt);
	s = ayb_vfmt(fmt, ap);
	va_end(ap);
	if (!s)
		return client_err_set(&c->err, CLIENT_EXIT_FAIL, "Out of memory");
	rc = emit(c, s, strlen(s));
	free(s);
	return rc;
}

static int emit_buf(struct client *c, struct ayb_buf *b)
{
	int rc;

	if (b->oom)
		rc = client_err_set(&c->err, CLIENT_EXIT_FAIL, "Out of memory");
	else
		rc = emit(c, b->data ? b->data : "", b->len);
	ayb_buf_free(b);
	return rc;
}

static int oom(struct client *c)
{
	return client_err_set(&c->err, CLIENT_EXIT_FAIL, "Out of memory");
}

static int bad_response(struct client *c, const char *what)
{
	return client_err_set(&c->err, CLIENT_EXIT_FAIL,
			      "Unexpected response from the server: %s", what);
}

/* ---- requests --------------------------------------------------------------- */

/* "name: value", refusing line breaks that would end the header early. */
static char *header(struct client *c, const char *name, const char *value)
{
	char *h;

	if (strpbrk(value, "\r\n")) {
		client_err_set(&c->err, CLIENT_EXIT_USAGE,
			       "The value for '%s' must not contain a line break", name);
		return NULL;
	}
	if (!(h = ayb_fmt("%s: %s", name, value)))
		oom(c);
	return h;
}

struct call {
	const char *method;
	const char *path;
	enum token_use token;
	const char *const *headers;
	const char *body;
	size_t body_len;
	const char *content_type;
	long expected;             /* the success status */
	cJSON **json;              /* when set, the parsed success body */
};

/* Sends req with the caller's token as `token` says and checks the
 * answer's status; on success *json (when not NULL) is the parsed body,
 * freed by the caller with cJSON_Delete. */
static int perform(struct client *c, struct client_http_request *req, enum token_use token,
		   long expected, cJSON **json)
{
	struct client_http_response resp;
	int rc = -1;

	c->err_type[0] = '\0';
	if (json)
		*json = NULL;
	if (token == TOKEN_REQUIRED && !c->token)
		return client_err_set(&c->err, CLIENT_EXIT_FAIL,
				      "Calling endpoint that requires client API token, but none "
				      "provided");
	if (token != TOKEN_NEVER && c->token) {
		if (strpbrk(c->token, "\r\n"))
			return client_err_set(&c->err, CLIENT_EXIT_USAGE,
					      "The API token must not contain a line break");
		req->token = c->token;
	}
	if (client_http_perform(req, &resp, &c->err) < 0)
		return -1;
	if (resp.status != expected) {
		cJSON *j = resp.body.len ? cJSON_ParseWithLength(resp.body.data, resp.body.len)
					 : NULL;
		const cJSON *type = j ? cJSON_GetObjectItemCaseSensitive(j, "type") : NULL;

		if (type && cJSON_IsString(type))
			snprintf(c->err_type, sizeof(c->err_type), "%s", type->valuestring);
		cJSON_Delete(j);
		client_err_from_response(&c->err, resp.status, resp.body.data, resp.body.len);
		goto out;
	}
	if (json) {
		*json = resp.body.len ? cJSON_ParseWithLength(resp.body.data, resp.body.len)
				      : NULL;
		if (!*json) {
			bad_response(c, resp.body.len ? "the body is not valid JSON"
						      : "the body is empty");
			goto out;
		}
	}
	rc = 0;
out:
	ayb_buf_free(&resp.body);
	return rc;
}

/* Makes the request and checks the answer.  On success *call->json (if
 * asked for) is the parsed body, freed by the caller with cJSON_Delete. */
static int api_call(struct client *c, const struct call *call)
{
	struct client_http_request req = {
		.method = call->method,
		.base_url = c->url,
		.path = call->path,
		.headers = call->headers,
		.body = call->body,
		.body_len = call->body_len,
		.content_type = call->content_type,
	};

	return perform(c, &req, call->token, call->expected, call->json);
}

/* The text of b, or NULL after saying "Out of memory" when it ran out. */
static char *took(struct client *c, struct ayb_buf *b)
{
	char *s = ayb_buf_take(b);

	if (!s)
		oom(c);
	return s;
}

/* "/v1/<e>/<d>/<action>" with each part escaped as a path segment. */
static char *db_path(struct client *c, const char *action)
{
	struct ayb_buf b = {0};

	ayb_buf_adds(&b, "/v1");
	client_http_add_segment(&b, c->args->entity);
	client_http_add_segment(&b, c->args->database);
	ayb_buf_printf(&b, "/%s", action);
	return took(c, &b);
}

static char *path_of(struct client *c, const char *prefix, const char *segment)
{
	struct ayb_buf b = {0};

	ayb_buf_adds(&b, prefix);
	client_http_add_segment(&b, segment);
	return took(c, &b);
}

static const char *arg(struct client *c, const char *name)
{
	return client_args_get(c->args, name, NULL);
}

/* The database as the user typed it, for messages. */
static const char *db_arg(struct client *c)
{
	return arg(c, "database");
}

/* ---- rendering JSON answers ------------------------------------------------- */

static const char *string_or(const cJSON *obj, const char *name, const char *fallback)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(v) ? v->valuestring : fallback;
}

/* A table of string cells built from a JSON answer; cells are owned. */
struct grid {
	size_t ncols, nrows;
	char **cells;
};

static void grid_free(struct grid *g)
{
	for (size_t i = 0; i < g->ncols * g->nrows; i++)
		free(g->cells[i]);
	free(g->cells);
	memset(g, 0, sizeof(*g));
}

static int grid_init(struct grid *g, size_t ncols, size_t nrows)
{
	memset(g, 0, sizeof(*g));
	g->ncols = ncols;
	g->nrows = nrows;
	if (ncols && nrows > (size_t)-1 / sizeof(char *) / ncols)
		return -1;
	g->cells = calloc(ncols * nrows > 0 ? ncols * nrows : 1, sizeof(char *));
	return g->cells ? 0 : -1;
}

static int render_grid(struct client *c, const char *const *header, const struct grid *g)
{
	struct ayb_buf out = {0};

	if (client_render(&out, c->format, c->tty_out, g->ncols, header, g->nrows,
			  (const char *const *)g->cells) < 0) {
		ayb_buf_free(&out);
		return oom(c);
	}
	return emit_buf(c, &out);
}

/* How a value of a query result is shown: NULL for null, text as is, and
 * any other JSON value as JSON. */
static char *cell_text(const cJSON *v)
{
	if (cJSON_IsNull(v))
		return strdup("NULL");
	if (cJSON_IsString(v))
		return strdup(v->valuestring);
	return cJSON_PrintUnformatted(v);
}

/* Prints a query answer {"fields":[...],"rows":[[...],...]}. */
static int print_query_result(struct client *c, const cJSON *json)
{
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(json, "fields");
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(json, "rows");
	const cJSON *row, *v;
	const char **header = NULL;
	size_t ncols, nrows, r = 0, i;
	struct grid g = {0};
	int rc = -1;

	if (!cJSON_IsArray(fields) || !cJSON_IsArray(rows))
		return bad_response(c, "missing \"fields\" or \"rows\"");
	ncols = (size_t)cJSON_GetArraySize(fields);
	nrows = (size_t)cJSON_GetArraySize(rows);
	if (nrows) {
		header = calloc(ncols ? ncols : 1, sizeof(*header));
		if (!header || grid_init(&g, ncols, nrows) < 0) {
			oom(c);
			goto out;
		}
		i = 0;
		cJSON_ArrayForEach(v, fields) {
			if (!cJSON_IsString(v)) {
				bad_response(c, "a field name is not a string");
				goto out;
			}
			header[i++] = v->valuestring;
		}
		cJSON_ArrayForEach(row, rows) {
			if (!cJSON_IsArray(row) || (size_t)cJSON_GetArraySize(row) != ncols) {
				bad_response(c, "a row does not have one value per field");
				goto out;
			}
			i = 0;
			cJSON_ArrayForEach(v, row) {
				if (!(g.cells[r * ncols + i++] = cell_text(v))) {
					oom(c);
					goto out;
				}
			}
			r++;
		}
		if (render_grid(c, header, &g) < 0)
			goto out;
	}
	rc = emitf(c, "\nRows: %zu\n", nrows);
out:
	grid_free(&g);
	free(header);
	return rc;
}

/* Fills one grid column per name from an array of objects; a missing or
 * null member becomes `null_text[col]`. */
static int grid_from_objects(struct client *c, struct grid *g, const cJSON *array,
			     const char *const *names, const char *const *null_text, size_t ncols)
{
	const cJSON *obj;
	size_t r = 0;

	if (grid_init(g, ncols, (size_t)cJSON_GetArraySize(array)) < 0)
		return oom(c);
	cJSON_ArrayForEach(obj, array) {
		if (!cJSON_IsObject(obj))
			return bad_response(c, "a list item is not an object");
		for (size_t col = 0; col < ncols; col++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, names[col]);
			char *text;

			if (cJSON_IsString(v))
				text = strdup(v->valuestring);
			else if (!v || cJSON_IsNull(v))
				text = strdup(null_text[col]);
			else
				text = cJSON_PrintUnformatted(v);
			if (!(g->cells[r * ncols + col] = text))
				return oom(c);
		}
		r++;
	}
	return 0;
}

/* How a list command shows its answer: the array `key` as a table of
 * `ncols` columns, each with its heading, the member it shows and the text
 * for a missing or null member; `empty` when the array has no item. */
#define LIST_MAX_COLS 6
struct list_view {
	const char *key;
	size_t ncols;
	const char *header[LIST_MAX_COLS];
	const char *names[LIST_MAX_COLS];
	const char *nulls[LIST_MAX_COLS];
	const char *empty;
};

/* Prints a list answer as a table, or "<empty> <subject>" (just `empty`
 * when subject is NULL) when it has no item. */
static int print_list(struct client *c, const cJSON *json, const struct list_view *v,
		      const char *subject)
{
	const cJSON *array = cJSON_GetObjectItemCaseSensitive(json, v->key);
	struct grid g = {0};
	int rc;

	if (!cJSON_IsArray(array)) {
		char what[64];

		snprintf(what, sizeof(what), "missing \"%s\"", v->key);
		return bad_response(c, what);
	}
	if (cJSON_GetArraySize(array) == 0)
		return subject ? emitf(c, "%s %s\n", v->empty, subject)
			       : emitf(c, "%s\n", v->empty);
	rc = grid_from_objects(c, &g, array, v->names, v->nulls, v->ncols);
	if (rc == 0)
		rc = render_grid(c, v->header, &g);
	grid_free(&g);
	return rc;
}

/* ---- commands --------------------------------------------------------------- */

static int cmd_register(struct client *c)
{
	const char *entity = arg(c, "entity");
	char *h[4] = {header(c, "entity", entity), NULL, NULL, NULL};
	int rc = -1;

	if (!h[0] || !(h[1] = header(c, "email-address", arg(c, "email_address"))) ||
	    !(h[2] = header(c, "entity-type", arg(c, "type"))))
		goto out;
	rc = api_call(c, &(struct call){"POST", "/v1/register", TOKEN_NEVER,
					(const char *const *)h, NULL, 0, NULL, 200, NULL});
	if (rc == 0)
		rc = emitf(c, "Check your email to finish registering %s\n", entity);
out:
	for (int i = 0; i < 3; i++)
		free(h[i]);
	return rc;
}

static int cmd_log_in(struct client *c)
{
	const char *entity = arg(c, "entity");
	char *h[2] = {header(c, "entity", entity), NULL};
	int rc;

	if (!h[0])
		return -1;
	rc = api_call(c, &(struct call){"POST", "/v1/log_in", TOKEN_NEVER,
					(const char *const *)h, NULL, 0, NULL, 200, NULL});
	if (rc == 0)
		rc = emitf(c, "Check your email to finish logging in %s\n", entity);
	free(h[0]);
	return rc;
}

static int cmd_confirm(struct client *c)
{
	char *h[2] = {header(c, "authentication-token", arg(c, "authentication_token")), NULL};
	cJSON *json = NULL;
	const char *entity, *token;
	int rc = -1;

	if (!h[0])
		return -1;
	if (api_call(c, &(struct call){"POST", "/v1/confirm", TOKEN_NEVER,
				       (const char *const *)h, NULL, 0, NULL, 200, &json}) < 0)
		goto out;
	entity = string_or(json, "entity", NULL);
	token = string_or(json, "token", NULL);
	if (!entity || !token) {
		bad_response(c, "missing \"entity\" or \"token\"");
		goto out;
	}
	if (client_config_set_token(&c->cfg, c->url, token) < 0) {
		oom(c);
		goto out;
	}
	if (client_config_save(&c->cfg, &c->err) < 0)
		goto out;
	rc = emitf(c, "Successfully authenticated %s and saved token %s\n", entity, token);
out:
	cJSON_Delete(json);
	free(h[0]);
	return rc;
}

static int cmd_create_database(struct client *c)
{
	char *h[3] = {header(c, "db-type", arg(c, "type")), NULL, NULL};
	char *path = NULL;
	int rc = -1;

	if (!h[0] || !(h[1] = header(c, "public-sharing-level", arg(c, "public_sharing_level"))) ||
	    !(path = db_path(c, "create")))
		goto out;
	rc = api_call(c, &(struct call){"POST", path, TOKEN_REQUIRED, (const char *const *)h,
					NULL, 0, NULL, 201, NULL});
	if (rc == 0)
		rc = emitf(c, "Successfully created %s\n", db_arg(c));
out:
	free(h[0]);
	free(h[1]);
	free(path);
	return rc;
}

/* Prints a batch's answer {"results":[...]}: each statement's result in
 * turn, a blank line between them. */
static int print_batch_result(struct client *c, const cJSON *json)
{
	const cJSON *results = cJSON_GetObjectItemCaseSensitive(json, "results"), *r;
	int first = 1;

	if (!cJSON_IsArray(results))
		return bad_response(c, "missing \"results\"");
	cJSON_ArrayForEach(r, results) {
		if ((!first && emitf(c, "\n") < 0) || print_query_result(c, r) < 0)
			return -1;
		first = 0;
	}
	return 0;
}

static int run_query(struct client *c, const struct client_query_in *in)
{
	char *path = db_path(c, "query");
	struct ayb_buf body = {0};
	cJSON *json = NULL;
	int is_json, rc = -1;

	if (!path)
		return -1;
	if (client_query_body(in, &body, &is_json, &c->err) == 0 &&
	    api_call(c, &(struct call){"POST", path, TOKEN_REQUIRED, NULL,
				       body.data ? body.data : "", body.len,
				       is_json ? "application/json" : NULL, 200, &json}) == 0)
		rc = in->batch ? print_batch_result(c, json) : print_query_result(c, json);
	cJSON_Delete(json);
	ayb_buf_free(&body);
	free(path);
	return rc;
}

/* One statement of an interactive session: errors are printed and the
 * session goes on. */
static int session_query(void *ctx, const char *sql)
{
	struct client *c = ctx;
	struct client_query_in in = { .sql = sql };

	if (run_query(c, &in) == 0)
		return 0;
	print_error(c);
	client_err_clear(&c->err);
	return -1;
}

static int cmd_query(struct client *c)
{
	struct client_query_in in = {
		arg(c, "query"), c->args->params, c->args->nparams, arg(c, "params-json"),
		arg(c, "batch"),
	};
	char *prompt = NULL, *history = NULL, *slash;
	int status;

	if (in.sql || in.batch)
		return run_query(c, &in);
	if (in.nparams || in.params_json)
		return client_err_set(&c->err, CLIENT_EXIT_USAGE,
				      "--param and --params-json need a query to bind to");
	if (emitf(c, "Launching an interactive session for %s\n", db_arg(c)) < 0)
		return -1;
	if (!(prompt = ayb_fmt("%s> ", db_arg(c))))
		return oom(c);
	slash = strrchr(c->cfg.path, '/');
	history = ayb_fmt("%.*s/history", slash ? (int)(slash - c->cfg.path) : 1,
			  slash ? c->cfg.path : ".");
	status = client_interactive(prompt, history, session_query, c);
	free(prompt);
	free(history);
	if (status != CLIENT_EXIT_OK) {
		/* Each failure was printed already: only the status is left. */
		c->err.exit_status = status;
		c->reported = 1;
		return -1;
	}
	return 0;
}

/* GETs path (NULL: making it failed, and said so), expecting 200 and a
 * JSON answer in *json, which the caller deletes. */
static int get_json(struct client *c, const char *path, enum token_use token, cJSON **json)
{
	if (!path)
		return -1;
	return api_call(c, &(struct call){"GET", path, token, NULL, NULL, 0, NULL, 200, json});
}

static int get_entity(struct client *c, cJSON **json)
{
	char *path = path_of(c, "/v1/entity", arg(c, "entity"));
	int rc = get_json(c, path, TOKEN_OPTIONAL, json);

	free(path);
	return rc;
}

/* A list command: GETs path, lets `adjust` (when set) rewrite the answer,
 * and prints it as `v` says. */
static int list_command(struct client *c, const char *path, enum token_use token,
			int (*adjust)(struct client *c, cJSON *json),
			const struct list_view *v, const char *subject)
{
	cJSON *json = NULL;
	int rc = -1;

	if (get_json(c, path, token, &json) == 0 && (!adjust || adjust(c, json) == 0))
		rc = print_list(c, json, v, subject);
	cJSON_Delete(json);
	return rc;
}

/* A list command about the database of the command line: GETs its
 * `action` with the caller's token. */
static int db_list_command(struct client *c, const char *action,
			   int (*adjust)(struct client *c, cJSON *json), const struct list_view *v)
{
	char *path = db_path(c, action);
	int rc = list_command(c, path, TOKEN_REQUIRED, adjust, v, db_arg(c));

	free(path);
	return rc;
}

static int cmd_list(struct client *c)
{
	static const struct list_view v = {
		"databases", 2, {"Database slug", "Type"}, {"slug", "database_type"},
		{"null", "null"}, "No queryable databases owned by",
	};
	char *path = path_of(c, "/v1/entity", arg(c, "entity"));
	int rc = list_command(c, path, TOKEN_OPTIONAL, NULL, &v, arg(c, "entity"));

	free(path);
	return rc;
}

/* "url1 (verified),url2" */
static char *links_text(const cJSON *links)
{
	struct ayb_buf b = {0};
	const cJSON *l;
	int first = 1;

	cJSON_ArrayForEach(l, links) {
		const char *url = string_or(l, "url", "");

		if (!first)
			ayb_buf_addc(&b, ',');
		first = 0;
		ayb_buf_adds(&b, url);
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(l, "verified")))
			ayb_buf_adds(&b, " (verified)");
	}
	return ayb_buf_take(&b);
}

static int cmd_profile(struct client *c)
{
	static const char *const header[] = {"Display name", "Description", "Organization",
					     "Location", "Links"};
	static const char *const names[] = {"display_name", "description", "organization",
					    "location"};
	const char *row[5];
	char *links = NULL;
	cJSON *json = NULL;
	const cJSON *profile;
	struct ayb_buf out = {0};
	int rc = -1;

	if (get_entity(c, &json) < 0)
		return -1;
	profile = cJSON_GetObjectItemCaseSensitive(json, "profile");
	if (!cJSON_IsObject(profile)) {
		bad_response(c, "missing \"profile\"");
		goto out;
	}
	for (int i = 0; i < 4; i++)
		row[i] = string_or(profile, names[i], "null");
	links = links_text(cJSON_GetObjectItemCaseSensitive(profile, "links"));
	if (!links) {
		oom(c);
		goto out;
	}
	row[4] = links;
	if (client_render(&out, c->format, c->tty_out, 5, header, 1, row) < 0) {
		ayb_buf_free(&out);
		oom(c);
		goto out;
	}
	rc = emit_buf(c, &out);
out:
	free(links);
	cJSON_Delete(json);
	return rc;
}

static void add_profile_field(struct ayb_buf *b, const char *key, const char *value)
{
	if (b->len > 1)
		ayb_buf_addc(b, ',');
	ayb_buf_add_json_string(b, key, strlen(key));
	ayb_buf_addc(b, ':');
	ayb_buf_add_json_string(b, value, strlen(value));
}

/* The body ayb sends: the given fields only, and `links` as a string that
 * holds a JSON array of {"url": ...}. */
static char *profile_body(struct client *c)
{
	static const char *const keys[] = {"display_name", "description", "organization",
					   "location"};
	struct ayb_buf b = {0}, links = {0};
	int given;

	ayb_buf_addc(&b, '{');
	for (int i = 0; i < 4; i++) {
		const char *v = client_args_get(c->args, keys[i], &given);

		if (given)
			add_profile_field(&b, keys[i], v);
	}
	client_args_get(c->args, "links", &given);
	if (given) {
		ayb_buf_addc(&links, '[');
		for (size_t i = 0; i < c->args->nlinks; i++) {
			if (i)
				ayb_buf_addc(&links, ',');
			ayb_buf_adds(&links, "{\"url\":");
			ayb_buf_add_json_string(&links, c->args->links[i],
						strlen(c->args->links[i]));
			ayb_buf_addc(&links, '}');
		}
		ayb_buf_addc(&links, ']');
		if (links.oom)
			b.oom = 1;
		else
			add_profile_field(&b, "links", links.data);
		ayb_buf_free(&links);
	}
	ayb_buf_addc(&b, '}');
	return ayb_buf_take(&b);
}

static int cmd_update_profile(struct client *c)
{
	char *path = path_of(c, "/v1/entity", arg(c, "entity")), *body = NULL;
	int rc = -1;

	if (!path)
		return -1;
	body = profile_body(c);
	if (!body) {
		oom(c);
		goto out;
	}
	rc = api_call(c, &(struct call){"PATCH", path, TOKEN_REQUIRED, NULL, body, strlen(body),
					"application/json", 200, NULL});
	if (rc == 0)
		rc = emitf(c, "Successfully updated profile\n");
out:
	free(body);
	free(path);
	return rc;
}

/* The public level goes as ayb's header; the description (README
 * "Explore") as a JSON body, "" clearing it. */
static int cmd_update_database(struct client *c)
{
	const char *level = arg(c, "public_sharing_level"), *desc = arg(c, "description");
	char *h[2] = {NULL, NULL}, *path = NULL, *body = NULL;
	cJSON *o = NULL;
	int rc = -1;

	if (level && !(h[0] = header(c, "public-sharing-level", level)))
		goto out;
	if (desc && (!(o = cJSON_CreateObject()) ||
		     !cJSON_AddStringToObject(o, "description", desc) ||
		     !(body = cJSON_PrintUnformatted(o)))) {
		oom(c);
		goto out;
	}
	if (!(path = db_path(c, "update")))
		goto out;
	rc = api_call(c, &(struct call){"PATCH", path, TOKEN_REQUIRED, (const char *const *)h,
					body, body ? strlen(body) : 0,
					body ? "application/json" : NULL, 200, NULL});
	if (rc == 0)
		rc = emitf(c, "Database %s updated successfully\n", db_arg(c));
out:
	free(h[0]);
	free(path);
	free(body);
	cJSON_Delete(o);
	return rc;
}

/* The schema (README "Explore") as lines: each table or view with its
 * row count, then its columns and indexes, indented. */
static int schema_table(struct client *c, const cJSON *t)
{
	const cJSON *item, *count = cJSON_GetObjectItemCaseSensitive(t, "row_count");
	const char *kind = string_or(t, "type", "table");

	if (emitf(c, "%s %s", strcmp(kind, "view") == 0 ? "View" : "Table",
		  string_or(t, "name", "?")) < 0)
		return -1;
	if (cJSON_IsNumber(count) &&
	    emitf(c, " (%s%.0f rows)",
		  cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "row_count_more")) ? "more than "
										    : "",
		  count->valuedouble) < 0)
		return -1;
	if (emitf(c, "\n") < 0)
		return -1;
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(t, "columns")) {
		const char *type = string_or(item, "type", "");

		if (emitf(c, "  %s%s%s%s%s\n", string_or(item, "name", "?"), *type ? " " : "",
			  type,
			  cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "primary_key"))
				  ? " PRIMARY KEY" : "",
			  cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(item, "nullable"))
				  ? " NOT NULL" : "") < 0)
			return -1;
	}
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(t, "indexes")) {
		if (emitf(c, "  %sindex %s (%s)\n",
			  cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "unique")) ? "unique "
											   : "",
			  string_or(item, "name", "?"), string_or(item, "columns", "")) < 0)
			return -1;
	}
	return 0;
}

static int cmd_schema(struct client *c)
{
	char *path = db_path(c, "schema");
	cJSON *json = NULL;
	const cJSON *t, *tables;
	int rc = -1;

	if (get_json(c, path, TOKEN_OPTIONAL, &json) < 0)
		goto out;
	if (!cJSON_IsArray(tables = cJSON_GetObjectItemCaseSensitive(json, "tables"))) {
		bad_response(c, "missing \"tables\"");
		goto out;
	}
	rc = 0;
	cJSON_ArrayForEach(t, tables) {
		if ((rc = schema_table(c, t)) < 0)
			break;
	}
	if (rc == 0 && cJSON_GetArraySize(tables) == 0)
		rc = emitf(c, "No tables\n");
out:
	free(path);
	cJSON_Delete(json);
	return rc;
}

static int cmd_share(struct client *c)
{
	const char *entity = arg(c, "entity");
	char *h[3] = {header(c, "entity-for-permission", entity), NULL, NULL};
	char *path = NULL;
	int rc = -1;

	if (!h[0] || !(h[1] = header(c, "sharing-level", arg(c, "sharing_level"))) ||
	    !(path = db_path(c, "share")))
		goto out;
	rc = api_call(c, &(struct call){"POST", path, TOKEN_REQUIRED, (const char *const *)h,
					NULL, 0, NULL, 204, NULL});
	if (rc == 0)
		rc = emitf(c, "Permissions for %s on %s updated successfully\n", entity, db_arg(c));
out:
	free(h[0]);
	free(h[1]);
	free(path);
	return rc;
}

static int cmd_list_database_permissions(struct client *c)
{
	static const struct list_view v = {
		"permissions", 2, {"Entity", "Sharing level"}, {"entity_slug", "sharing_level"},
		{"null", "null"}, "No shared permissions for",
	};

	return db_list_command(c, "permissions", NULL, &v);
}

static int cmd_database_details(struct client *c)
{
	char *path = db_path(c, "details");
	cJSON *json = NULL;
	const char *type, *level;
	const cJSON *access;
	int rc = -1;

	if (get_json(c, path, TOKEN_OPTIONAL, &json) < 0)
		goto out;
	type = string_or(json, "database_type", NULL);
	access = cJSON_GetObjectItemCaseSensitive(json, "highest_query_access_level");
	if (!type) {
		bad_response(c, "missing \"database_type\"");
		goto out;
	}
	level = cJSON_IsString(access) ? access->valuestring : "No query access";
	rc = emitf(c, "Database: %s\nType: %s\nAccess level: %s\n%s", db_arg(c), type, level,
		   cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(json, "can_manage_database"))
			   ? "You have management permissions for this database\n"
			   : "");
out:
	free(path);
	cJSON_Delete(json);
	return rc;
}

/* Shows snapshot timestamps as ayb's CLI shows them: +00:00, not Z. */
static int snapshot_times(struct client *c, cJSON *json)
{
	cJSON *item;

	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(json, "snapshots")) {
		cJSON *ts = cJSON_GetObjectItemCaseSensitive(item, "last_modified_at");
		char *shown;

		if (!cJSON_IsString(ts))
			continue;
		shown = client_rfc3339_utc(ts->valuestring);
		if (!shown || !cJSON_ReplaceItemInObjectCaseSensitive(
				      item, "last_modified_at", cJSON_CreateString(shown))) {
			free(shown);
			return oom(c);
		}
		free(shown);
	}
	return 0;
}

static int cmd_list_snapshots(struct client *c)
{
	static const struct list_view v = {
		"snapshots", 2, {"Name", "Last modified"}, {"snapshot_id", "last_modified_at"},
		{"null", "null"}, "No snapshots for",
	};

	char *path = db_path(c, "list_snapshots");
	const cJSON *w, *from, *to;
	cJSON *json = NULL;
	int rc = -1;

	if (path && get_json(c, path, TOKEN_REQUIRED, &json) == 0 &&
	    snapshot_times(c, json) == 0)
		rc = print_list(c, json, &v, db_arg(c));
	/* Continuous backup's window, after the table (a CSV has none). */
	w = cJSON_GetObjectItemCaseSensitive(json, "restorable");
	from = cJSON_GetObjectItemCaseSensitive(w, "from");
	to = cJSON_GetObjectItemCaseSensitive(w, "to");
	if (rc == 0 && c->format == CLIENT_FORMAT_TABLE && cJSON_IsString(from) &&
	    cJSON_IsString(to))
		rc = emitf(c, "Restorable to any instant from %s to %s (restore_snapshot --at)\n",
			   from->valuestring, to->valuestring);
	cJSON_Delete(json);
	free(path);
	return rc;
}

/* restore_snapshot --at: the JSON form of the request. */
static int restore_at(struct client *c, const char *at)
{
	cJSON *o = cJSON_CreateObject();
	char *body = NULL, *path = NULL;
	int rc = -1;

	if (!o || !cJSON_AddStringToObject(o, "at", at) || !(body = cJSON_PrintUnformatted(o))) {
		oom(c);
		goto out;
	}
	if (!(path = db_path(c, "restore_snapshot")))
		goto out;
	rc = api_call(c, &(struct call){"POST", path, TOKEN_REQUIRED, NULL, body, strlen(body),
					NULL, 200, NULL});
	if (rc == 0)
		rc = emitf(c, "Restored %s to its state at %s\n", db_arg(c), at);
out:
	cJSON_Delete(o);
	free(body);
	free(path);
	return rc;
}

static int cmd_restore_snapshot(struct client *c)
{
	const char *id = arg(c, "snapshot_id"), *at = arg(c, "at");
	char *path;
	int rc;

	if (id && at)
		return client_err_set(&c->err, CLIENT_EXIT_USAGE,
				      "give either a snapshot id or --at, not both");
	if (at)
		return restore_at(c, at);
	if (!(path = db_path(c, "restore_snapshot")))
		return -1;
	rc = api_call(c, &(struct call){"POST", path, TOKEN_REQUIRED, NULL, id, strlen(id), NULL,
					200, NULL});
	free(path);
	if (rc < 0 && strcmp(c->err_type, "SnapshotDoesNotExistError") == 0)
		return client_err_set(&c->err, CLIENT_EXIT_FAIL,
				      "Snapshot %s does not exist for %s", id, db_arg(c));
	if (rc < 0)
		return -1;
	return emitf(c, "Restored %s to snapshot %s\n", db_arg(c), id);
}

static int cmd_fork_database(struct client *c)
{
	const char *to = arg(c, "fork_to");
	char *h[2] = {header(c, "fork-to", to), NULL};
	char *path = NULL;
	int rc = -1;

	if (!h[0] || !(path = db_path(c, "fork")))
		goto out;
	rc = api_call(c, &(struct call){"POST", path, TOKEN_REQUIRED, (const char *const *)h,
					NULL, 0, NULL, 201, NULL});
	if (rc == 0)
		rc = emitf(c, "Forked %s to %s\n", db_arg(c), to);
out:
	free(h[0]);
	free(path);
	return rc;
}

/* ---- export and import -------------------------------------------------------- */

/* 1 for SQL: --format sql, or no --format and a FILE ending in .sql. */
static int sql_format(struct client *c)
{
	const char *format = arg(c, "format"), *file = arg(c, "file");
	size_t n = strlen(file);

	if (format)
		return strcmp(format, "sql") == 0;
	return n > 4 && strcmp(file + n - 4, ".sql") == 0;
}

/* Sends or fetches the file of an export or an import, with a progress
 * bar on a terminal. */
static int transfer(struct client *c, struct client_http_request *req, const char *verb)
{
	struct client_progress p = { NULL, 0, 0 };
	char what[256];
	int rc;

	snprintf(what, sizeof(what), "%s %s", verb, db_arg(c));
	p.what = what;
	if (c->tty_err) {
		req->progress = client_progress_update;
		req->progress_ctx = &p;
	}
	rc = perform(c, req, TOKEN_REQUIRED, 200, NULL);
	client_progress_end(&p);
	return rc;
}

/* The answer goes to a temporary file beside FILE, renamed over it once
 * complete: a failed export leaves no half file behind. */
static int cmd_export_database(struct client *c)
{
	const char *file = arg(c, "file");
	int sql = sql_format(c);
	char *path = db_path(c, sql ? "export?format=sql" : "export");
	char *tmp = path ? ayb_fmt("%s.XXXXXX", file) : NULL;
	struct client_http_request req = { .method = "GET", .base_url = c->url };
	FILE *out = NULL;
	int fd = -1, rc = -1;

	if (!path || !tmp) {
		rc = path ? oom(c) : -1;
		goto out;
	}
	req.path = path;
	if ((fd = mkstemp(tmp)) < 0 || !(out = fdopen(fd, "wb"))) {
		client_err_set(&c->err, CLIENT_EXIT_FAIL, "Cannot create %s: %s", tmp,
			       strerror(errno));
		if (fd >= 0)
			unlink(tmp);
		goto out;
	}
	req.download = out;
	rc = transfer(c, &req, "Exporting");
	if (fclose(out) != 0 && rc == 0)
		rc = client_err_set(&c->err, CLIENT_EXIT_FAIL, "Cannot write %s: %s", file,
				    strerror(errno));
	if (rc == 0 && rename(tmp, file) < 0)
		rc = client_err_set(&c->err, CLIENT_EXIT_FAIL, "Cannot write %s: %s", file,
				    strerror(errno));
	if (rc < 0)
		unlink(tmp);
	else
		rc = emitf(c, "Exported %s to %s\n", db_arg(c), file);
out:
	free(tmp);
	free(path);
	return rc;
}

static int cmd_import_database(struct client *c)
{
	const char *file = arg(c, "file");
	int sql = sql_format(c);
	char *path = db_path(c, "import");
	struct client_http_request req = {
		.method = "POST",
		.base_url = c->url,
		.content_type = sql ? "application/sql" : "application/octet-stream",
	};
	struct stat st;
	FILE *in = NULL;
	int rc = -1;

	if (!path)
		return -1;
	req.path = path;
	if (!(in = fopen(file, "rb")) || fstat(fileno(in), &st) < 0 || !S_ISREG(st.st_mode)) {
		client_err_set(&c->err, CLIENT_EXIT_FAIL, "Cannot read %s: %s", file,
			       in ? "not a regular file" : strerror(errno));
		goto out;
	}
	req.upload = in;
	req.upload_size = (long long)st.st_size;
	rc = transfer(c, &req, "Importing");
	if (rc == 0)
		rc = emitf(c, "Imported %s into %s\n", file, db_arg(c));
out:
	if (in)
		fclose(in);
	free(path);
	return rc;
}

static int cmd_list_tokens(struct client *c)
{
	static const struct list_view v = {
		"tokens", 6,
		{"Short token", "Scope", "Permission", "App", "Created", "Expires"},
		{"short_token", "scoped_database", "permission_level", "app_name", "created_at",
		 "expires_at"},
		{"", "(all databases)", "(full access)", "", "", "(never)"},
		"No active API tokens",
	};

	return list_command(c, "/v1/tokens", TOKEN_REQUIRED, NULL, &v, NULL);
}

static int cmd_revoke_token(struct client *c)
{
	const char *short_token = arg(c, "short_token");
	char *path = path_of(c, "/v1/tokens", short_token);
	int rc;

	if (!path)
		return -1;
	rc = api_call(c, &(struct call){"DELETE", path, TOKEN_REQUIRED, NULL, NULL, 0, NULL, 200,
					NULL});
	free(path);
	if (rc == 0)
		rc = emitf(c, "Successfully revoked token %s\n", short_token);
	return rc;
}

static int cmd_set_default_url(struct client *c)
{
	const char *url = arg(c, "url");

	if (client_http_check_url(url, &c->err) < 0)
		return -1;
	if (client_config_set_default_url(&c->cfg, url) < 0)
		return oom(c);
	if (client_config_save(&c->cfg, &c->err) < 0)
		return -1;
	return emitf(c, "Saved %s as new default_url\n", url);
}

static int (*const handlers[CMD_COUNT])(struct client *) = {
	[CMD_CREATE_DATABASE] = cmd_create_database,
	[CMD_UPDATE_DATABASE] = cmd_update_database,
	[CMD_SCHEMA] = cmd_schema,
	[CMD_QUERY] = cmd_query,
	[CMD_REGISTER] = cmd_register,
	[CMD_LOG_IN] = cmd_log_in,
	[CMD_CONFIRM] = cmd_confirm,
	[CMD_LIST] = cmd_list,
	[CMD_UPDATE_PROFILE] = cmd_update_profile,
	[CMD_PROFILE] = cmd_profile,
	[CMD_SET_DEFAULT_URL] = cmd_set_default_url,
	[CMD_SHARE] = cmd_share,
	[CMD_LIST_DATABASE_PERMISSIONS] = cmd_list_database_permissions,
	[CMD_DATABASE_DETAILS] = cmd_database_details,
	[CMD_LIST_SNAPSHOTS] = cmd_list_snapshots,
	[CMD_RESTORE_SNAPSHOT] = cmd_restore_snapshot,
	[CMD_FORK_DATABASE] = cmd_fork_database,
	[CMD_LIST_TOKENS] = cmd_list_tokens,
	[CMD_REVOKE_TOKEN] = cmd_revoke_token,
	[CMD_EXPORT_DATABASE] = cmd_export_database,
	[CMD_IMPORT_DATABASE] = cmd_import_database,
};

/* ---- resolution order (client_config.c) ------------------------------------ */

static int resolve_url(struct client *c)
{
	if (c->args->url) {
		c->url = c->args->url;
		/* The first URL given is remembered as the default.  A URL
		 * that is not even well-formed is refused before it is. */
		if (!c->cfg.default_url) {
			if (client_http_check_url(c->url, &c->err) < 0)
				return -1;
			if (client_config_set_default_url(&c->cfg, c->url) < 0)
				return oom(c);
			if (client_config_save(&c->cfg, &c->err) < 0)
				return -1;
		}
		return 0;
	}
	if (c->cfg.default_url) {
		c->url = c->cfg.default_url;
		return 0;
	}
	return client_err_set(&c->err, CLIENT_EXIT_FAIL,
			      "Server URL is required through --url parameter, AYB_SERVER_URL "
			      "environment variable, or default_url in %s", c->cfg.path);
}

static int run(struct client *c)
{
	const char *format;
	char *path = NULL;

	format = client_args_get(c->args, "format", NULL);
	c->format = format && strcmp(format, "csv") == 0 ? CLIENT_FORMAT_CSV : CLIENT_FORMAT_TABLE;
	if (client_config_path(c->args->config, &path, &c->err) < 0)
		return -1;
	if (client_config_load(&c->cfg, path, &c->err) < 0)
		return -1;
	if (c->args->cmd == CMD_SET_DEFAULT_URL)
		return cmd_set_default_url(c);
	if (resolve_url(c) < 0)
		return -1;
	c->token = c->args->token ? c->args->token : client_config_token(&c->cfg, c->url);
	return handlers[c->args->cmd](c);
}

int cli_client(int argc, char **argv)
{
	struct client c;
	char *text = NULL;
	int parsed, status = CLIENT_EXIT_OK;

	memset(&c, 0, sizeof(c));
	parsed = client_args_parse(argc, argv, &c.args, &text);
	if (parsed < 0) {
		fputs("Error: Out of memory\n", stderr);
		return CLIENT_EXIT_FAIL;
	}
	if (parsed == CLIENT_PARSE_HELP) {
		fputs(text, stdout);
		free(text);
		return fflush(stdout) == 0 ? CLIENT_EXIT_OK : CLIENT_EXIT_FAIL;
	}
	if (parsed == CLIENT_PARSE_USAGE) {
		fputs(text, stderr);
		free(text);
		return CLIENT_EXIT_USAGE;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fputs("Error: Cannot initialise libcurl\n", stderr);
		client_args_free(c.args);
		return CLIENT_EXIT_FAIL;
	}
	c.tty_out = isatty(STDOUT_FILENO);
	c.tty_err = isatty(STDERR_FILENO);
	if (run(&c) < 0) {
		status = c.err.exit_status ? c.err.exit_status : CLIENT_EXIT_FAIL;
		if (!c.reported)
			print_error(&c);
	}
	client_err_clear(&c.err);
	client_config_free(&c.cfg);
	client_args_free(c.args);
	curl_global_cleanup();
	return status;
}
