/* The HTTP transport of `ayb client`: one libcurl request per command,
 * with ayb's headers, and one clear sentence for every way the network can
 * fail. */
#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "client.h"

int client_http_check_url(const char *url, struct client_err *err)
{
	CURLU *u = curl_url();
	CURLUcode rc;
	char *scheme = NULL;
	int ok;

	if (!u)
		return client_err_set(err, CLIENT_EXIT_FAIL, "Out of memory");
	rc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (rc != CURLUE_OK) {
		curl_url_cleanup(u);
#if LIBCURL_VERSION_NUM >= 0x075000
		return client_err_set(err, CLIENT_EXIT_FAIL, "Invalid server URL '%s': %s", url,
				      curl_url_strerror(rc));
#else
		return client_err_set(err, CLIENT_EXIT_FAIL,
				      "Invalid server URL '%s': not an absolute URL", url);
#endif
	}
	ok = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	     (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);
	curl_free(scheme);
	curl_url_cleanup(u);
	if (!ok)
		return client_err_set(err, CLIENT_EXIT_FAIL,
				      "Invalid server URL '%s': only http and https are supported",
				      url);
	return 0;
}

int client_http_add_segment(struct ayb_buf *path, const char *segment)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)segment;

	if (ayb_buf_addc(path, '/') < 0)
		return -1;
	for (; *s; s++) {
		if (*s <= 0x20 || *s >= 0x7F || strchr("\"#<>?\\^`{|}", *s)) {
			char esc[3] = {'%', hex[*s >> 4], hex[*s & 15]};

			if (ayb_buf_add(path, esc, 3) < 0)
				return -1;
		} else if (ayb_buf_addc(path, (char)*s) < 0) {
			return -1;
		}
	}
	return 0;
}

/* Where an answer's body goes: the download file once the status says
 * success, else (an error's JSON) the buffer. */
struct sink {
	CURL *curl;
	const struct client_http_request *req;
	struct client_http_response *resp;
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct sink *s = ctx;
	long status = 0;

	if (s->req->download) {
		curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200 && status < 300) {
			if (fwrite(p, size, n, s->req->download) != n) {
				s->resp->download_failed = 1;
				return 0;
			}
			return size * n;
		}
	}
	if (ayb_buf_add(&s->resp->body, p, size * n) < 0)
		return 0;  /* curl reports CURLE_WRITE_ERROR */
	return size * n;
}

static size_t on_upload(char *p, size_t size, size_t n, void *ctx)
{
	const struct client_http_request *req = ctx;
	size_t got = fread(p, size, n, req->upload);

	return got == 0 && ferror(req->upload) ? CURL_READFUNC_ABORT : got;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	const struct client_http_request *req = ctx;

	if (req->upload)
		req->progress(req->progress_ctx, (long long)ulnow, (long long)ultotal);
	else
		req->progress(req->progress_ctx, (long long)dlnow, (long long)dltotal);
	return 0;
}

/* Errors that happen before the server has seen the request. */
static int is_connect_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return 1;
	default:
		return 0;
	}
}

static int transport_error(CURL *h, CURLcode rc, const char *errbuf, const char *base,
			   struct client_http_response *resp, struct client_err *err)
{
	struct ayb_buf *body = &resp->body;
	const char *text = errbuf[0] ? errbuf : curl_easy_strerror(rc);
	long os_errno = 0;

	if (rc == CURLE_WRITE_ERROR && resp->download_failed)
		return client_err_set(err, CLIENT_EXIT_FAIL, "Cannot write the file: %s",
				      strerror(errno));
	if (rc == CURLE_ABORTED_BY_CALLBACK || rc == CURLE_READ_ERROR)
		return client_err_set(err, CLIENT_EXIT_FAIL, "Cannot read the file: %s",
				      strerror(errno));
	if (rc == CURLE_WRITE_ERROR && body->oom)
		return client_err_set(err, CLIENT_EXIT_FAIL,
				      "Out of memory while reading the response from %s", base);
	if (rc == CURLE_COULDNT_CONNECT &&
	    curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK && os_errno)
		text = strerror((int)os_errno);
	if (rc == CURLE_URL_MALFORMAT)
		return client_err_set(err, CLIENT_EXIT_FAIL, "Invalid server URL '%s': %s", base,
				      text);
	if (rc == CURLE_PARTIAL_FILE)
		return client_err_set(err, CLIENT_EXIT_FAIL,
				      "Incomplete response from %s: %s", base, text);
	if (is_connect_error(rc))
		return client_err_set(err, CLIENT_EXIT_FAIL, "cannot reach %s: %s", base, text);
	return client_err_set(err, CLIENT_EXIT_FAIL, "Request to %s failed: %s", base, text);
}

int client_http_perform(const struct client_http_request *req,
			struct client_http_response *resp, struct client_err *err)
{
	char errbuf[CURL_ERROR_SIZE] = "", *auth = NULL, *ctype = NULL, *url = NULL;
	struct curl_slist *headers = NULL, *tmp;
	size_t baselen = strlen(req->base_url);
	const char *const *h;
	CURL *curl = NULL;
	struct sink sink = { NULL, req, resp };
	CURLcode rc;
	int ret = -1;

	memset(resp, 0, sizeof(*resp));
	if (client_http_check_url(req->base_url, err) < 0)
		return -1;
	/* A configured URL ending in '/' still addresses {url}/v1/... */
	while (baselen && req->base_url[baselen - 1] == '/')
		baselen--;
	if (!(url = ayb_fmt("%.*s%s", (int)baselen, req->base_url, req->path)))
		goto oom;
	curl = curl_easy_init();
	if (!curl)
		goto oom;
	sink.curl = curl;

#define ADD_HEADER(s)                                   \
	do {                                            \
		tmp = curl_slist_append(headers, (s));  \
		if (!tmp)                               \
			goto oom;                       \
		headers = tmp;                          \
	} while (0)

	for (h = req->headers; h && *h; h++)
		ADD_HEADER(*h);
	if (req->token) {
		if (!(auth = ayb_fmt("Authorization: Bearer %s", req->token)))
			goto oom;
		ADD_HEADER(auth);
	}
	/* libcurl would label a POST body as a form; ayb's CLI sends none. */
	if (req->content_type) {
		if (!(ctype = ayb_fmt("Content-Type: %s", req->content_type)))
			goto oom;
		ADD_HEADER(ctype);
	} else {
		ADD_HEADER("Content-Type:");
	}
	ADD_HEADER("Expect:");
#undef ADD_HEADER

	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 30L);
	/* Queries may run long, so there is no overall timeout; keepalive
	 * probes still notice a peer that vanished. */
	curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS,
			 (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "ayb-c/" PACKAGE_VERSION);
	curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
	if (req->progress) {
		curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(curl, CURLOPT_XFERINFODATA, req);
	}
	if (strcmp(req->method, "GET") == 0) {
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(req->method, "DELETE") == 0) {
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "DELETE");
	} else if (req->upload) {
		curl_easy_setopt(curl, CURLOPT_POST, 1L);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->upload_size);
		curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_upload);
		curl_easy_setopt(curl, CURLOPT_READDATA, req);
	} else {
		/* Always a body, even an empty one: with it curl sends a
		 * Content-Length, without which some servers answer 411. */
		curl_easy_setopt(curl, CURLOPT_POST, 1L);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(req->body ? req->body_len : 0));
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		if (strcmp(req->method, "POST") != 0)
			curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
	}
	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK) {
		transport_error(curl, rc, errbuf, req->base_url, resp, err);
		ayb_buf_free(&resp->body);
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
	ret = 0;
	goto out;
oom:
	client_err_set(err, CLIENT_EXIT_FAIL, "Out of memory");
out:
	if (curl)
		curl_easy_cleanup(curl);
	curl_slist_free_all(headers);
	free(auth);
	free(ctype);
	free(url);
	return ret;
}
