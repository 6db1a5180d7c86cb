/* The error log line ayb-api.fcgi writes for a failed request.  It goes to
 * the web server's error log (FastCGI stderr, or a CGI program's stderr), so
 * it must be one line, safe to print, and free of credentials. */
#ifndef AYB_CGI_LOG_H
#define AYB_CGI_LOG_H

/* "ayb-api: <status> <method> <path>: <why>\n" as a new string the caller
 * frees, or NULL when out of memory.  method and path may be NULL ("-").
 * Bytes outside printable ASCII become \xNN, and secrets are masked:
 * the secret part of API tokens (ayb_<short>_***), the password of
 * scheme://user:password@ URLs, and what follows "Bearer ". */
char *fcgi_log_line(int status, const char *method, const char *path, const char *why);

#endif
