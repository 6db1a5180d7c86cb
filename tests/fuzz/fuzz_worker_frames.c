/* libFuzzer harness for what the parent decodes from a query worker, which
 * runs tenant SQL and so may say anything: the payloads of the fields,
 * rows, error and setup frames, and those of the query, check and copy
 * requests (a worker decodes them).  The first input byte picks the frame and (for
 * rows) the column count; the rest is its payload.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. -Ilib \
 *     $(pkg-config --cflags libcjson) tests/fuzz/fuzz_worker_frames.c \
 *     lib/worker_proto.c lib/query_req.c lib/base64.c lib/buf.c lib/error.c lib/utf8.c \
 *     $(pkg-config --libs libcjson) -lsodium -o fuzz_worker_frames
 *   ./fuzz_worker_frames -max_total_time=60
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "worker_impl.h"

/* Touches every byte a decoded row claims, so ASan sees any overrun. */
static int on_row(void *ctx, const struct ayb_value *v, size_t n)
{
	size_t *sum = ctx;

	for (size_t i = 0; i < n; i++) {
		if (v[i].type != AYB_VALUE_TEXT && v[i].type != AYB_VALUE_BLOB &&
		    v[i].type != AYB_VALUE_BINARY)
			continue;
		for (size_t k = 0; k < v[i].u.s.n; k++)
			*sum += (unsigned char)v[i].u.s.p[k];
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *p = data + 1;
	size_t n = size ? size - 1 : 0, sum = 0;

	if (!size)
		return 0;
	switch (data[0] % 4) {
	case 0: {
		const char **names;
		size_t count;

		if (ayb_worker_get_fields(p, n, &names, &count) == 0) {
			for (size_t i = 0; i < count; i++)
				sum += strlen(names[i]);
			free(names);
		}
		break;
	}
	case 1: {
		struct ayb_value v[8];
		struct ayb_row_sink rows = { NULL, on_row, NULL, &sum };

		ayb_worker_get_rows(p, n, v, (size_t)(data[0] >> 2) % 8 + 1, &rows);
		break;
	}
	case 2: {
		struct ayb_err err = { 0 };

		ayb_worker_get_error(p, n, &err);
		ayb_err_clear(&err);
		break;
	}
	default: {
		struct ayb_worker_setup s;
		struct ayb_query_limits lim;
		struct ayb_query_req r;
		enum ayb_query_mode mode;

		if (ayb_worker_setup_decode(p, n, &s) == 0)
			ayb_worker_setup_free(&s);
		if (ayb_worker_get_task(p, n, &lim) == 0)
			sum += (size_t)lim.timeout_ms;
		if (ayb_worker_get_query(p, n, &mode, &lim, &r) == 0) {
			for (size_t i = 0; i < r.n; i++)
				for (size_t k = 0; k < r.stmts[i].len; k++)
					sum += (unsigned char)r.stmts[i].sql[k];
			ayb_query_req_free(&r);
		}
		break;
	}
	}
	return sum == (size_t)-1;
}
