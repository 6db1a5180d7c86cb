/* Entity profiles: validating an update and checking profile links
 * (README "The HTTP API": PATCH /v1/entity/{entity}). */
#ifndef AYB_PROFILE_H
#define AYB_PROFILE_H

#include <stddef.h>

#include "error.h"

/* The column limits ayb declares (VARCHAR(n)), in characters. */
#define AYB_PROFILE_DISPLAY_NAME_MAX 35
#define AYB_PROFILE_DESCRIPTION_MAX 100
#define AYB_PROFILE_ORGANIZATION_MAX 35
#define AYB_PROFILE_LOCATION_MAX 35

/* Checks one text value of an update: it must be valid UTF-8, since it is
 * served in JSON (else Other (400) "<field> must be valid UTF-8"), and have
 * at most max characters when max is not 0 (else "<field> can't be longer
 * than <max> characters"). */
int ayb_profile_check_text(const char *field, const char *value, size_t max,
			   struct ayb_err *err);

/* `links` is the update's value: a string holding a JSON array of
 * {"url": "..."}.  Each URL must be absolute ("Failed to parse URL: ..."
 * otherwise, 400).  The result, stored as the entity's links, is
 * [{"url":..,"verified":..}] where verified means: https, the page loads, and
 * it has an <a> whose href is exactly <public_url>/<entity> and whose rel
 * holds "me".  *out is malloc'd (caller frees). */
int ayb_profile_links(const char *links, const char *public_url, const char *entity, char **out,
		      struct ayb_err *err);

/* 1 when html has <a href="want" rel="... me ...">; pure, for tests. */
int ayb_profile_html_links_to(const char *html, size_t len, const char *want);

#endif
