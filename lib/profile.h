/* Entity profiles: validating an update and its links, which link_check.h
 * then checks (README "The HTTP API": PATCH /v1/entity/{entity}). */
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

/* Links a profile may hold; more is refused (README "The HTTP API"). */
#define AYB_PROFILE_LINKS_MAX 16

/* `links` is the update's value: a string holding a JSON array of at most
 * AYB_PROFILE_LINKS_MAX {"url": "..."} (else Other (400) "Too many links:
 * ...").  Each URL must be absolute ("Failed to parse URL: ..." otherwise,
 * 400).  No link is fetched here: *out (malloc'd, the caller frees) is what
 * to store at once, [{"url":..,"verified":..}], where a URL keeps the flag
 * it has in `stored` (the entity's links as stored, JSON text or NULL) and
 * a new one is false until the link checker (link_check.h) has looked.
 * *check is 1 when some link is https, the only kind the checker verifies. */
int ayb_profile_links(const char *links, const char *stored, char **out, int *check,
		      struct ayb_err *err);

/* 1 when html has <a href="want" rel="... me ...">: the page links back to
 * the profile at `want`; pure, for tests. */
int ayb_profile_html_links_to(const char *html, size_t len, const char *want);

#endif
