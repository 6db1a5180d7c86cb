/* HTML form data: application/x-www-form-urlencoded bodies and query
 * strings, and the percent-encoding the web UI needs to build URLs.  Pure
 * functions, no FastCGI. */
#ifndef AYB_CGI_FORM_H
#define AYB_CGI_FORM_H

#include <stddef.h>

#include "error.h"

/* A form holds at most this many fields; more is refused as malformed. */
#define AYB_FORM_MAX_FIELDS 1000

struct ui_form_field {
	char *name;     /* decoded, NUL-terminated, never holds a NUL */
	char *value;    /* decoded, NUL-terminated; may hold NUL bytes (see len) */
	size_t len;     /* bytes in value */
};

struct ui_form {
	struct ui_form_field *f;   /* owned, in the order sent */
	size_t n;
};

/* Parses "a=1&b=x+y&c=%2F" (len bytes, not necessarily NUL-terminated):
 * '+' is a space, %XX a byte; a pair without '=' has an empty value; empty
 * pairs ("a=1&&b=2") are skipped.  Returns 0 with *out filled (the caller
 * frees it with ui_form_free), or -1 with err: Other (400) "Malformed form
 * data" for a bad escape, a NUL in a name or too many fields, or out of
 * memory.  On failure *out is empty. */
int ui_form_parse(const char *s, size_t len, struct ui_form *out, struct ayb_err *err);
void ui_form_free(struct ui_form *f);

/* The first field called name, or NULL when there is none. */
const struct ui_form_field *ui_form_field(const struct ui_form *f, const char *name);
/* Its value as a C string, or NULL (a value holding a NUL byte counts as
 * absent: no field the UI reads as text may contain one). */
const char *ui_form_get(const struct ui_form *f, const char *name);

/* Percent-encodes everything but RFC 3986 unreserved characters, so the
 * result is safe as a path segment or a query value.  Caller frees; NULL on
 * out of memory. */
char *ui_url_encode(const char *s);

#endif
