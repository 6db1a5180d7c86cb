/* The web UI's stylesheet, script and icon, compiled into the program from
 * cgi/ui/assets/ (see cgi/ui/assets/embed.sh), served under /static/.  Each
 * URL carries a hash of the file (?v=...), so browsers may cache it for a
 * year and still see a new version at once. */
#include "autoconfig.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "ui.h"

struct ui_asset {
	const char *name;
	const unsigned char *data;
	size_t len;
};

#include "ui_assets.inc"

#define NASSETS (sizeof(ui_assets) / sizeof(ui_assets[0]))
#define VERSION_HEX 16

/* Computed once per process from the bytes themselves, before any
 * request thread reads them. */
static char versions[NASSETS][VERSION_HEX + 1];
static char urls[NASSETS][128];
static pthread_once_t computed = PTHREAD_ONCE_INIT;

static void compute_versions(void)
{
	for (size_t i = 0; i < NASSETS; i++) {
		unsigned char h[VERSION_HEX / 2];

		crypto_generichash(h, sizeof(h), ui_assets[i].data, ui_assets[i].len, NULL, 0);
		sodium_bin2hex(versions[i], sizeof(versions[i]), h, sizeof(h));
		snprintf(urls[i], sizeof(urls[i]), "/static/%s?v=%s", ui_assets[i].name,
			 versions[i]);
	}
}

static const char *version(size_t i)
{
	pthread_once(&computed, compute_versions);
	return versions[i];
}

static int find(const char *name, size_t len)
{
	for (size_t i = 0; i < NASSETS; i++)
		if (strlen(ui_assets[i].name) == len && memcmp(ui_assets[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

const char *ui_asset_url(const char *name)
{
	int i = find(name, strlen(name));

	if (i < 0)
		return "/static/missing";
	pthread_once(&computed, compute_versions);
	return urls[i];
}

static const char *type_of(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot && strcmp(dot, ".css") == 0)
		return "text/css; charset=utf-8";
	if (dot && strcmp(dot, ".js") == 0)
		return "text/javascript; charset=utf-8";
	if (dot && strcmp(dot, ".svg") == 0)
		return "image/svg+xml";
	return "application/octet-stream";
}

void ui_static(struct fcgi_call *c)
{
	struct fcgi_request *req = c->req;
	struct fcgi_response *resp = c->resp;
	const char *qs = fcgi_request_param(req, "QUERY_STRING");
	const char *inm = fcgi_request_header(req, "if-none-match");
	char etag[VERSION_HEX + 3];
	int i = find(req->seg[1].s, req->seg[1].len);

	if (i < 0) {
		fcgi_response_status(resp, 404);
		return;
	}
	snprintf(etag, sizeof(etag), "\"%s\"", version((size_t)i));
	fcgi_response_header(resp, "ETag", etag);
	fcgi_response_header(resp, "X-Content-Type-Options", "nosniff");
	/* Only the URL naming this exact version may be cached for good. */
	if (qs && strncmp(qs, "v=", 2) == 0 && strcmp(qs + 2, version((size_t)i)) == 0)
		fcgi_response_header(resp, "Cache-Control", "public, max-age=31536000, immutable");
	else
		fcgi_response_header(resp, "Cache-Control", "public, max-age=300");
	if (inm && strstr(inm, etag)) {
		fcgi_response_status(resp, 304);
		return;
	}
	resp->status = 200;
	resp->content_type = type_of(ui_assets[i].name);
	ayb_buf_add(&resp->body, ui_assets[i].data, ui_assets[i].len);
}
