/* libFuzzer harness for S3's replies as lib/s3.c reads them: ListObjectsV2
 * pages (keys, dates, continuation tokens, XML entities) and error bodies.
 * A hostile or broken S3 endpoint controls every byte of both.
 *
 * Input: the first byte picks the reader (even: a listing page read twice
 * into the same array, as paging does; odd: an error body, its status from
 * the second byte), the rest is the reply body.
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"

static void list_page(const char *xml, size_t len)
{
	struct ayb_err err = { 0 };
	struct ayb_s3_object *objs = NULL;
	size_t n = 0;

	for (int page = 0; page < 2; page++) {
		int truncated = 0;
		char *next = NULL;
		size_t before = n;

		if (ayb_s3_parse_list_page(xml, len, &objs, &n, &truncated, &next, &err) != 0) {
			free(next);
			ayb_err_clear(&err);
			break;
		}
		for (size_t i = before; i < n; i++)
			if (!objs[i].key || !objs[i].last_modified)
				abort();
		free(next);
	}
	ayb_s3_objects_free(objs, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	if (data[0] % 2 == 0) {
		list_page((const char *)data + 1, size - 1);
	} else {
		long status = 400 + data[1] % 200;
		char *text = ayb_s3_error_text(status, (const char *)data + 2, size - 2);

		/* Control characters are replaced: the text is one log line. */
		if (text && strpbrk(text, "\r\n"))
			abort();
		free(text);
	}
	return 0;
}
