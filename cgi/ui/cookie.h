/* Reading a cookie from a Cookie request header.  Pure function. */
#ifndef AYB_CGI_COOKIE_H
#define AYB_CGI_COOKIE_H

/* The value of the first cookie called `name` in `header` ("a=1; b=2"),
 * surrounding spaces trimmed and one pair of double quotes removed, as a
 * malloc'd string the caller frees.  NULL when the header is NULL, the
 * cookie is absent, or out of memory: all mean "no cookie" to a caller. */
char *ui_cookie_get(const char *header, const char *name);

#endif
