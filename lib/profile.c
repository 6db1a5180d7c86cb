#include "autoconfig.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "buf.h"
#include "profile.h"
#include "utf8.h"

int ayb_profile_check_text(const char *field, const char *value, size_t max,
			   struct ayb_err *err)
{
	size_t chars = 0, valid, bad;

	if (!ayb_utf8_check((const unsigned char *)value, strlen(value), &valid, &bad))
		return ayb_err_set(err, AYB_E_INVALID, "%s must be valid UTF-8", field);
	for (const unsigned char *p = (const unsigned char *)value; *p; p++)
		if ((*p & 0xc0) != 0x80)
			chars++;
	if (max && chars > max)
		return ayb_err_set(err, AYB_E_INVALID, "%s can't be longer than %zu characters",
				   field, max);
	return 0;
}

/* Reads one attribute value at p (quoted or bare) into out; returns the end. */
static const char *attr_value(const char *p, const char *end, struct ayb_buf *out)
{
	char q = 0;
	const char *s;

	if (p < end && (*p == '"' || *p == '\''))
		q = *p++;
	for (s = p; p < end && (q ? *p != q : !isspace((unsigned char)*p) && *p != '>'); p++)
		;
	ayb_buf_add(out, s, (size_t)(p - s));
	return q && p < end ? p + 1 : p;
}

static int rel_has_me(const char *rel)
{
	const char *p = rel;

	while (*p) {
		size_t n;
		while (isspace((unsigned char)*p))
			p++;
		n = strcspn(p, " \t\r\n\f");
		if (n == 2 && strncasecmp(p, "me", 2) == 0)
			return 1;
		p += n;
	}
	return 0;
}

int ayb_profile_html_links_to(const char *html, size_t len, const char *want)
{
	const char *p = html, *end = html + len;

	while (p < end && (p = memchr(p, '<', (size_t)(end - p)))) {
		struct ayb_buf href = { 0 }, rel = { 0 };
		int found;

		p++;
		if (p + 1 >= end || tolower((unsigned char)p[0]) != 'a' ||
		    !isspace((unsigned char)p[1]))
			continue;
		p++;
		while (p < end && *p != '>') {
			const char *name;
			size_t n;
			while (p < end && (isspace((unsigned char)*p) || *p == '/'))
				p++;
			name = p;
			while (p < end && !isspace((unsigned char)*p) && *p != '=' && *p != '>')
				p++;
			n = (size_t)(p - name);
			if (p < end && *p == '=') {
				struct ayb_buf skip = { 0 };
				struct ayb_buf *dst = NULL;

				if (n == 4 && !strncasecmp(name, "href", 4))
					dst = &href;
				else if (n == 3 && !strncasecmp(name, "rel", 3))
					dst = &rel;
				p = attr_value(p + 1, end, dst ? dst : &skip);
				ayb_buf_free(&skip);
			} else if (n == 0 && p < end && *p != '>') {
				p++;
			}
		}
		found = href.data && rel.data && strcmp(href.data,
							want) == 0 && rel_has_me(rel.data);
		ayb_buf_free(&href);
		ayb_buf_free(&rel);
		if (found)
			return 1;
	}
	return 0;
}

/* 1 when the stored links (parsed; NULL when there are none) hold url as
 * verified. */
static int stored_verified(const cJSON *stored, const char *url)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, stored) {
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(item, "url");

		if (cJSON_IsString(u) && strcmp(u->valuestring, url) == 0)
			return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "verified"));
	}
	return 0;
}

int ayb_profile_links(const char *links, const char *stored, char **out, int *check,
		      struct ayb_err *err)
{
	cJSON *in = cJSON_Parse(links), *res = cJSON_CreateArray(), *item;
	cJSON *old = stored ? cJSON_Parse(stored) : NULL;
	int rc = -1;

	*check = 0;
	if (!in || !cJSON_IsArray(in)) {
		ayb_err_set(err, AYB_E_INVALID,
			    "Invalid links: expected a JSON array of objects like {\"url\": \"https://...\"}");
		goto out;
	}
	if (cJSON_GetArraySize(in) > AYB_PROFILE_LINKS_MAX) {
		ayb_err_set(err, AYB_E_INVALID, "Too many links: a profile has at most %d",
			    AYB_PROFILE_LINKS_MAX);
		goto out;
	}
	if (!res) {
		ayb_err_oom(err);
		goto out;
	}
	cJSON_ArrayForEach(item, in) {
		cJSON *url = cJSON_GetObjectItemCaseSensitive(item, "url"), *o;
		CURLU *u;
		CURLUcode uc;
		char *scheme = NULL;

		if (!cJSON_IsString(url)) {
			ayb_err_set(err, AYB_E_INVALID,
				    "Invalid links: every link needs a \"url\" string");
			goto out;
		}
		if (!(u = curl_url())) {
			ayb_err_oom(err);
			goto out;
		}
		uc = curl_url_set(u, CURLUPART_URL, url->valuestring, CURLU_NON_SUPPORT_SCHEME);
		if (uc == CURLUE_OK)
			curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
		curl_url_cleanup(u);
		if (uc != CURLUE_OK) {
			ayb_err_set(err, AYB_E_INVALID, "Failed to parse URL: %s",
				    curl_url_strerror(uc));
			goto out;
		}
		if (scheme && strcmp(scheme, "https") == 0)
			*check = 1;
		curl_free(scheme);
		if (!(o = cJSON_CreateObject()) || !cJSON_AddItemToArray(res, o) ||
		    !cJSON_AddStringToObject(o, "url", url->valuestring) ||
		    !cJSON_AddBoolToObject(o, "verified", stored_verified(old, url->valuestring))) {
			ayb_err_oom(err);
			goto out;
		}
	}
	if (!(*out = cJSON_PrintUnformatted(res))) {
		ayb_err_oom(err);
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(in);
	cJSON_Delete(old);
	cJSON_Delete(res);
	return rc;
}
