/* S3 (and S3-compatible storage) through libcurl: PutObject from a file,
 * GetObject into a sink, ListObjectsV2 with pagination, DeleteObject.
 * libcurl signs every request (CURLOPT_AWS_SIGV4); this module only builds
 * canonical URLs and the x-amz-content-sha256 header, and reads replies.
 *
 * Addressing follows [snapshots] (README "Snapshots"): endpoint_url (absent:
 * AWS for `region`), path style (<endpoint>/<bucket>/<key>) when
 * force_path_style, else virtual-host style (<scheme>://<bucket>.<host>/<key>).
 *
 * Errors: transport failures (no connection, TLS, timeouts) are
 * S3ConnectionError with status 503; an answer outside 2xx is
 * S3ExecutionError with status 502 and a message built from S3's XML error
 * body ("S3 answered 403 SignatureDoesNotMatch: <S3's message>").  No
 * message, log line or URL ever holds the secret key. */
#ifndef AYB_S3_H
#define AYB_S3_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "error.h"

struct ayb_s3;

/* One object of a listing.  Both strings are owned by the listing. */
struct ayb_s3_object {
	char *key;
	char *last_modified;   /* as S3 sent it, e.g. "2024-08-18T15:05:04.123Z" */
};

/* Checks the [snapshots] addressing settings and prepares a client (one
 * libcurl handle, reused so requests share a connection).  Bad settings are
 * ConfigurationError (500) naming the key, e.g. an endpoint_url that is not
 * http(s), or an IP address endpoint without force_path_style.  The caller
 * frees with ayb_s3_close(); cfg must outlive the client. */
int ayb_s3_open(const struct ayb_snapshots_config *cfg, struct ayb_s3 **out,
		struct ayb_err *err);
void ayb_s3_close(struct ayb_s3 *s3);

/* The URL an object key is requested at, key URI-encoded except '/'.  The
 * caller frees; NULL on OOM. */
char *ayb_s3_object_url(const struct ayb_s3 *s3, const char *key);

/* Uploads `size` bytes read from fd (from its current offset) as one
 * PutObject with Content-Type application/octet-stream.  sha256_hex is the
 * lowercase hex SHA-256 of those bytes, which S3 checks against what it
 * receives.  Returns 0 or -1 with err. */
int ayb_s3_put_file(struct ayb_s3 *s3, const char *key, int fd, uint64_t size,
		    const char *sha256_hex, struct ayb_err *err);

/* Downloads an object, handing its body to `out` in pieces as they arrive
 * (nothing is held whole).  Returns 1 when done, 0 when S3 answered 404
 * NoSuchKey (out got nothing), -1 with err on any other failure, including
 * `out` refusing a write (err then says so; the sink's owner knows why). */
int ayb_s3_get(struct ayb_s3 *s3, const char *key, struct ayb_sink *out,
	       struct ayb_err *err);

/* Every object whose key starts with prefix, in S3's (key) order, following
 * continuation tokens to the end.  *out is an array of *n the caller frees
 * with ayb_s3_objects_free(), even when *n is 0. */
int ayb_s3_list(struct ayb_s3 *s3, const char *prefix, struct ayb_s3_object **out,
		size_t *n, struct ayb_err *err);
void ayb_s3_objects_free(struct ayb_s3_object *o, size_t n);

/* The same, from the first key after `after` (NULL: the first), up to
 * `stop` (keys from it on are left out, and no page past it is asked for;
 * NULL: no end), and at most `max` objects (0: all). */
int ayb_s3_list_range(struct ayb_s3 *s3, const char *prefix, const char *after,
		      const char *stop, size_t max, struct ayb_s3_object **out, size_t *n,
		      struct ayb_err *err);

/* DeleteObject.  S3 answers 204 for a key that does not exist too. */
int ayb_s3_delete(struct ayb_s3 *s3, const char *key, struct ayb_err *err);

/* ---- pure helpers, exposed for unit tests ---------------------------------- */

/* Appends s percent-encoded as SigV4 canonicalises it: RFC 3986 unreserved
 * characters stay, '/' stays when keep_slash, every other byte is %XX. */
int ayb_s3_uri_encode(struct ayb_buf *b, const char *s, int keep_slash);

/* One ListObjectsV2 page.  Appends its objects to *objs (an array of *n,
 * grown with realloc), sets *truncated and *next_token (caller frees; NULL
 * when absent).  A body that is not a ListBucketResult, or an object without
 * a Key or LastModified, is S3ExecutionError (502). */
int ayb_s3_parse_list_page(const char *xml, size_t len, struct ayb_s3_object **objs,
			   size_t *n, int *truncated, char **next_token, struct ayb_err *err);

/* The message for a non-2xx answer: "S3 answered <status> <Code>: <Message>"
 * from an XML error body, or "S3 answered HTTP <status>" when the body holds
 * no S3 error.  Control characters are replaced and the text is capped.
 * Caller frees; NULL on OOM. */
char *ayb_s3_error_text(long status, const char *body, size_t len);

#endif
