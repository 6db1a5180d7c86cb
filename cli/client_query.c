/* The body of `ayb client query` (README "The `ayb` command line"): bare
 * SQL as ayb sends it, or a JSON form of the request when parameters or a
 * batch are given.  JSON the user wrote (--params-json, a batch file) is
 * checked with cJSON but sent as written: re-printing it through cJSON
 * would turn 64-bit integers into doubles. */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

/* A batch file larger than this is refused before it is read whole: the
 * server takes far less anyway (isolation.max_batch_kb, at most 256 KiB). */
#define BATCH_FILE_MAX (64L << 20)

static int read_file(const char *name, struct ayb_buf *b, struct client_err *err)
{
	FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
	char chunk[65536];
	size_t n;
	int rc = 0;

	if (!f)
		return client_err_set(err, CLIENT_EXIT_FAIL, "Cannot read %s: %s", name,
				      strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b->len + n > (size_t)BATCH_FILE_MAX) {
			rc = client_err_set(err, CLIENT_EXIT_FAIL, "%s is too large for a batch",
					    name);
			break;
		}
		if (ayb_buf_add(b, chunk, n) < 0) {
			rc = client_err_set(err, CLIENT_EXIT_FAIL, "Out of memory");
			break;
		}
	}
	if (rc == 0 && ferror(f))
		rc = client_err_set(err, CLIENT_EXIT_FAIL, "Cannot read %s: %s", name,
				    strerror(errno));
	if (f != stdin)
		fclose(f);
	return rc;
}

/* The JSON text at p (n bytes), checked: an array, or (when `object`) an
 * object too.  Returns the kind (cJSON_Array or cJSON_Object), 0 when it is
 * neither or not JSON. */
static int json_kind(const char *p, size_t n)
{
	cJSON *j = cJSON_ParseWithLength(p, n);
	int kind = cJSON_IsArray(j) ? cJSON_Array : cJSON_IsObject(j) ? cJSON_Object : 0;

	cJSON_Delete(j);
	return kind;
}

static int batch_body(const char *file, struct ayb_buf *body, struct client_err *err)
{
	struct ayb_buf text = { 0 };
	int kind, rc = -1;

	if (read_file(file, &text, err) < 0)
		goto out;
	kind = json_kind(text.data ? text.data : "", text.len);
	if (!kind) {
		client_err_set(err, CLIENT_EXIT_USAGE,
			       "The batch in %s is not JSON: expected [{\"query\": \"...\", "
			       "\"params\": [...]}, ...] or {\"statements\": [...]}", file);
		goto out;
	}
	if (kind == cJSON_Array)
		ayb_buf_adds(body, "{\"statements\":");
	ayb_buf_add(body, text.data, text.len);
	if (kind == cJSON_Array)
		ayb_buf_addc(body, '}');
	rc = body->oom ? client_err_set(err, CLIENT_EXIT_FAIL, "Out of memory") : 0;
out:
	ayb_buf_free(&text);
	return rc;
}

int client_query_body(const struct client_query_in *in, struct ayb_buf *body, int *json,
		      struct client_err *err)
{
	*json = 0;
	if (in->batch) {
		if (in->sql || in->nparams || in->params_json)
			return client_err_set(err, CLIENT_EXIT_USAGE,
					      "--batch takes its statements from the file: give no "
					      "query, --param or --params-json with it");
		*json = 1;
		return batch_body(in->batch, body, err);
	}
	if (!in->nparams && !in->params_json) {
		ayb_buf_adds(body, in->sql);
		return body->oom ? client_err_set(err, CLIENT_EXIT_FAIL, "Out of memory") : 0;
	}
	if (in->nparams && in->params_json)
		return client_err_set(err, CLIENT_EXIT_USAGE,
				      "Give the parameters with --param or with --params-json, not both");
	if (in->params_json && !json_kind(in->params_json, strlen(in->params_json)))
		return client_err_set(err, CLIENT_EXIT_USAGE,
				      "--params-json must be a JSON array (positional) or object "
				      "(named), e.g. '[1, \"text\", null]' or '{\"id\": 1}'");
	*json = 1;
	ayb_buf_adds(body, "{\"query\":");
	ayb_buf_add_json_string(body, in->sql, strlen(in->sql));
	ayb_buf_adds(body, ",\"params\":");
	if (in->params_json) {
		ayb_buf_adds(body, in->params_json);
	} else {
		ayb_buf_addc(body, '[');
		for (size_t i = 0; i < in->nparams; i++) {
			if (i)
				ayb_buf_addc(body, ',');
			ayb_buf_add_json_string(body, in->params[i], strlen(in->params[i]));
		}
		ayb_buf_addc(body, ']');
	}
	ayb_buf_addc(body, '}');
	return body->oom ? client_err_set(err, CLIENT_EXIT_FAIL, "Out of memory") : 0;
}
