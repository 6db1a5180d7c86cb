/* Entity and database slug rules (README "The HTTP API").  Pure functions. */
#ifndef AYB_SLUG_H
#define AYB_SLUG_H

#include <stddef.h>

#include "error.h"

/* 128 bytes, ayb's cap since its #822, so every database of an adopted ayb
 * server can be addressed; metadata migration 5 widens PostgreSQL's slug
 * columns to match, so both stores accept every slug the API accepts. */
#define AYB_SLUG_MAX 128

enum ayb_slug_kind { AYB_SLUG_ENTITY, AYB_SLUG_DATABASE };

/* Checks syntax: non-empty, at most AYB_SLUG_MAX bytes, only [A-Za-z0-9_.-],
 * not "." or "..".  `len` is the byte length (a NUL inside fails).  Returns
 * 0, or -1 with err = InvalidSlug (400) and ayb's message. */
int ayb_slug_check(enum ayb_slug_kind kind, const char *slug, size_t len,
		   struct ayb_err *err);

/* 1 when the (lowercase) entity slug is a reserved name, compared
 * case-insensitively. */
int ayb_slug_is_reserved(const char *slug);

/* Lowercases ASCII letters in place; returns s. */
char *ayb_slug_lower(char *s);

#endif
