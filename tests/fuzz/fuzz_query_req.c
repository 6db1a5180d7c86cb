/* libFuzzer harness for the JSON forms of a query request
 * (lib/query_req.c): a body as a client sends it, parsed within a batch
 * limit of 8 statements.  Every value the parse hands back is read whole,
 * so ASan sees any overrun.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. -Ilib \
 *     tests/fuzz/fuzz_query_req.c lib/query_req.c lib/base64.c lib/buf.c \
 *     lib/error.c lib/utf8.c -lsodium -o fuzz_query_req
 *   ./fuzz_query_req -max_total_time=60
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>

#include "query_req.h"

static size_t touch(const char *p, size_t n)
{
	size_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += (unsigned char)p[i];
	return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ayb_query_req r;
	struct ayb_err err = { 0 };
	size_t sum = 0;

	if (ayb_query_req_parse((const char *)data, size, 8, &r, &err) == 0) {
		for (size_t i = 0; i < r.n; i++) {
			const struct ayb_statement *st = &r.stmts[i];

			sum += touch(st->sql, st->len);
			for (size_t k = 0; k < st->nparams; k++) {
				const struct ayb_param *p = &st->params[k];

				if (p->name)
					sum += touch(p->name, p->name_len);
				if (p->v.type == AYB_VALUE_TEXT || p->v.type == AYB_VALUE_BLOB)
					sum += touch(p->v.u.s.p, p->v.u.s.n);
			}
		}
		ayb_query_req_free(&r);
	}
	ayb_err_clear(&err);
	return sum == (size_t)-1;
}
