/* The streaming multipart/form-data reader (cgi/multipart.c): one field's
 * content out of bodies of every shape, whatever the sizes of the pieces
 * the body arrives in, and the refusals of malformed bodies. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "multipart.h"
#include "tap.h"

/* A body handed out at most `step` bytes at a time. */
struct src {
	const char *p;
	size_t n, at, step;
};

static long src_read(void *ctx, char *p, size_t n, struct ayb_err *err)
{
	struct src *s = ctx;
	size_t k = s->n - s->at;

	(void)err;
	if (k > s->step)
		k = s->step;
	if (k > n)
		k = n;
	memcpy(p, s->p + s->at, k);
	s->at += k;
	return (long)k;
}

/* The field's content, or NULL with err; out_n its length. */
static char *field(const char *ct, const char *body, size_t n, size_t step, size_t *out_n,
		   struct ayb_err *err)
{
	struct src s = { body, n, 0, step };
	struct fcgi_multipart *m = fcgi_multipart_open(ct, "database", src_read, &s, err);
	char *out = malloc(n + 1), buf[7];
	long got;

	*out_n = 0;
	if (!m || !out) {
		free(out);
		fcgi_multipart_free(m);
		return NULL;
	}
	while ((got = fcgi_multipart_read(m, buf, sizeof(buf), err)) > 0) {
		memcpy(out + *out_n, buf, (size_t)got);
		*out_n += (size_t)got;
	}
	fcgi_multipart_free(m);
	if (got < 0) {
		free(out);
		return NULL;
	}
	out[*out_n] = '\0';
	return out;
}

#define CT "multipart/form-data; boundary=XyZ"

static void test_shapes(void)
{
	static const char body[] =
		"preamble\r\n--XyZ\r\n"
		"Content-Disposition: form-data; name=\"other\"\r\n\r\nnot this\r\n--XyZ\r\n"
		"Content-Disposition: form-data; name=\"database\"; filename=\"a.db\"\r\n"
		"Content-Type: application/octet-stream\r\n\r\n"
		"bin\r\n--Xy\0ary \r\n--Xy Z done\r\n--XyZ--\r\n";
	static const char want[] = "bin\r\n--Xy\0ary \r\n--Xy Z done";
	struct ayb_err err = { 0 };
	size_t n, steps[] = { 1, 2, 3, 5, 64, 100000 };

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char *got = field(CT, body, sizeof(body) - 1, steps[i], &n, &err);

		ok(got && n == sizeof(want) - 1 && memcmp(got, want, n) == 0,
		   "the field's bytes exactly, pieces of %zu bytes", steps[i]);
		free(got);
		ayb_err_clear(&err);
	}
}

static void test_first_and_quoted(void)
{
	static const char body[] = "--b c\r\nContent-Disposition: form-data; name=\"database\""
				   "\r\n\r\n\r\n--b c--";
	static const char named[] = "--XyZ\r\nContent-Disposition: form-data; "
				    "filename=\"database\"; name=\"x\"\r\n\r\nno\r\n--XyZ--";
	struct ayb_err err = { 0 };
	size_t n;
	char *got;

	got = field("multipart/form-data; boundary=\"b c\"", body, sizeof(body) - 1, 3, &n, &err);
	ok(got && n == 0, "an empty field at the very start, quoted boundary");
	free(got);
	got = field(CT, named, sizeof(named) - 1, 4, &n, &err);
	ok(!got && err.kind == AYB_E_INVALID, "filename=\"database\" is not name=\"database\"");
	is_str(err.message, "Malformed multipart body: no field named `database`", "says so");
	ayb_err_clear(&err);
}

static void test_refusals(void)
{
	static const char cut[] = "--XyZ\r\nContent-Disposition: form-data; name=\"database\""
				  "\r\n\r\nabc";
	static const char bad[] = "--XyZ!!";
	struct ayb_err err = { 0 };
	char *big = malloc(20000), *got;
	size_t n;

	got = field(CT, cut, sizeof(cut) - 1, 2, &n, &err);
	ok(!got, "a body cut short");
	is_str(err.message, "Malformed multipart body: the body ends before its last boundary",
	       "says so");
	ayb_err_clear(&err);
	got = field(CT, bad, sizeof(bad) - 1, 2, &n, &err);
	ok(!got, "a boundary followed by garbage");
	ayb_err_clear(&err);
	memcpy(big, "--XyZ\r\nX: ", 10);
	memset(big + 10, 'a', 19990);
	got = field(CT, big, 20000, 4096, &n, &err);
	ok(!got, "headers of 20000 bytes");
	is_str(err.message, "Malformed multipart body: a part's headers are too long", "says so");
	ayb_err_clear(&err);
	free(big);
	ok(fcgi_multipart_open("text/plain", "database", src_read, NULL, &err) == NULL &&
	   err.kind == AYB_E_UNSUPPORTED_MEDIA, "another media type is 415");
	ayb_err_clear(&err);
	ok(fcgi_multipart_open("multipart/form-data", "database", src_read, NULL, &err) == NULL &&
	   err.kind == AYB_E_INVALID, "no boundary is 400");
	ayb_err_clear(&err);
	ok(fcgi_multipart_open("multipart/form-data; boundary=" "0123456789012345678901234567890"
			       "12345678901234567890123456789012345678901", "database", src_read,
			       NULL, &err) == NULL, "a boundary over 70 characters");
	ayb_err_clear(&err);
	ok(fcgi_media_type_is("Application/SQL ; charset=utf-8", "application/sql"),
	   "media types compare without case or parameters");
	ok(!fcgi_media_type_is("application/sqlite", "application/sql"), "and whole");
}

int main(void)
{
	test_shapes();
	test_first_and_quoted();
	test_refusals();
	return tap_done();
}
