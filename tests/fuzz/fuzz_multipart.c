/* libFuzzer harness for the streaming multipart/form-data reader
 * (cgi/multipart.c) and the first look at a file to import
 * (lib/import_check.c), both fed by a hostile client.
 *
 * Input: the first byte sets the size of the pieces the body arrives in
 * (1 to 256), the next line is the Content-Type, the rest the body.  The
 * field's content then goes through the import header check, as an import
 * would see it. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import_check.h"
#include "multipart.h"

struct src {
	const uint8_t *p;
	size_t left, step;
};

static long src_read(void *ctx, char *p, size_t n, struct ayb_err *err)
{
	struct src *s = ctx;
	size_t k = n < s->left ? n : s->left;

	(void)err;
	if (k > s->step)
		k = s->step;
	memcpy(p, s->p, k);
	s->p += k;
	s->left -= k;
	return (long)k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ayb_err err = { 0 };
	struct fcgi_multipart *m;
	unsigned char head[AYB_IMPORT_HEADER], buf[1000];
	const uint8_t *nl;
	struct src s;
	char *ct;
	size_t headn = 0;
	uint64_t total = 0;
	long got;

	if (size < 1)
		return 0;
	s.step = (size_t)data[0] + 1;
	data++;
	size--;
	nl = memchr(data, '\n', size);
	if (!nl || !(ct = strndup((const char *)data, (size_t)(nl - data))))
		return 0;
	s.p = nl + 1;
	s.left = size - (size_t)(nl + 1 - data);
	if ((m = fcgi_multipart_open(ct, "database", src_read, &s, &err))) {
		while ((got = fcgi_multipart_read(m, (char *)buf, sizeof(buf), &err)) > 0) {
			size_t k = (size_t)got < sizeof(head) - headn ? (size_t)got
								     : sizeof(head) - headn;

			memcpy(head + headn, buf, k);
			headn += k;
			total += (uint64_t)got;
		}
		if (got == 0)
			ayb_import_header_check(head, headn, total, &err);
		fcgi_multipart_free(m);
	}
	ayb_err_clear(&err);
	free(ct);
	return 0;
}
