/* A signed call to a node (lib/node_call.h), with libcurl. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"
#include "node_call.h"
#include "node_sign.h"

/* A node's answer is a small JSON object; more is not one. */
#define REPLY_MAX (64 * 1024)

static size_t collect(char *p, size_t size, size_t n, void *ctx)
{
	struct ayb_buf *b = ctx;

	if (b->len + size * n > REPLY_MAX)
		return 0;
	ayb_buf_add(b, p, size * n);
	return size * n;
}

/* The class of a node's error: the first with its tag and status. */
static enum ayb_err_kind kind_of(const cJSON *o, long status)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(o, "type");

	for (int k = AYB_E_INVALID; k < AYB_E_NCLASSES; k++)
		if (ayb_err_kind_status((enum ayb_err_kind)k) == status && cJSON_IsString(type) &&
		    !strcmp(ayb_err_kind_name((enum ayb_err_kind)k), type->valuestring))
			return (enum ayb_err_kind)k;
	return status == 503 ? AYB_E_UNAVAILABLE : AYB_E_INTERNAL;
}

int ayb_node_call(const unsigned char key[AYB_NODE_KEY_BYTES], const char *name, const char *url,
		  const char *path, long timeout_s, cJSON **reply, struct ayb_err *err)
{
	char sig[AYB_NODE_SIGNATURE_HEX + 1], errbuf[CURL_ERROR_SIZE] = "";
	int64_t now = (int64_t)time(NULL);
	struct curl_slist *h = NULL, *more;
	struct ayb_buf body = { 0 }, line = { 0 };
	size_t ulen = strlen(url);
	char *full = NULL;
	CURL *c = NULL;
	CURLcode rc;
	long status = 0;
	int ret = -1;

	*reply = NULL;
	while (ulen && url[ulen - 1] == '/')
		ulen--;
	ayb_node_sign(key, "POST", path, "", 0, now, sig);
	ayb_buf_printf(&line, "%s: %lld", AYB_NODE_TIME_HEADER, (long long)now);
	if (!(full = ayb_fmt("%.*s%s", (int)ulen, url, path)) || !line.data ||
	    !(h = curl_slist_append(NULL, line.data))) {
		ayb_err_oom(err);
		goto out;
	}
	ayb_buf_free(&line);
	ayb_buf_printf(&line, "%s: %s", AYB_NODE_SIGNATURE_HEADER, sig);
	if (!line.data || !(more = curl_slist_append(h, line.data)) ||
	    !(c = curl_easy_init())) {
		ayb_err_oom(err);
		goto out;
	}
	h = more;
	curl_easy_setopt(c, CURLOPT_URL, full);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if ((rc = curl_easy_perform(c)) != CURLE_OK) {
		ayb_err_set(err, AYB_E_UNAVAILABLE, "Cannot reach node %s at %.*s: %s", name,
			    (int)ulen, url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	*reply = body.data ? cJSON_ParseWithLength(body.data, body.len) : NULL;
	if (status == 200 && *reply) {
		ret = 0;
	} else {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(*reply, "message");

		if (cJSON_IsString(m))
			ayb_err_set(err, kind_of(*reply, status), "Node %s: %s", name,
				    m->valuestring);
		else if (status == 404)
			ayb_err_set(err, AYB_E_MISSING,
				    "Node %s at %.*s has no node endpoints: does its configuration"
				    " have a node section?", name, (int)ulen, url);
		else
			ayb_err_set(err, AYB_E_UNAVAILABLE, "Node %s answered with status %ld",
				    name, status);
		cJSON_Delete(*reply);
		*reply = NULL;
	}
out:
	if (c)
		curl_easy_cleanup(c);
	curl_slist_free_all(h);
	ayb_buf_free(&body);
	ayb_buf_free(&line);
	free(full);
	return ret;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

int ayb_node_answers(const char *url)
{
	char *full = ayb_fmt("%s/health", url);
	CURL *c = full ? curl_easy_init() : NULL;
	int answered = 0;

	if (c) {
		curl_easy_setopt(c, CURLOPT_URL, full);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 3L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
		answered = curl_easy_perform(c) == CURLE_OK;
		curl_easy_cleanup(c);
	}
	free(full);
	return answered;
}
