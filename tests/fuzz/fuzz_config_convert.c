/* libFuzzer harness for `ayb convert_config` (lib/toml.c and
 * lib/config_convert.c): the input is a whole ayb.toml.  An operator's file,
 * but one written for another program: any bytes must give ayb.conf text or
 * a message naming a line, never a crash or a read past the input. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config_convert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ayb_buf out = {0};
	struct ayb_err err = {0};
	/* Not NUL-terminated: the reader must stay within size bytes. */
	char *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	if (ayb_config_convert(copy, size, &out, &err) < 0 && !err.message)
		abort(); /* a refusal always says why */
	ayb_buf_free(&out);
	ayb_err_clear(&err);
	free(copy);
	return 0;
}
