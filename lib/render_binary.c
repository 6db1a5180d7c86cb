/* Binary values, {"base64":"..."}: one form for the API, the downloads,
 * the web UI's table and the command line, and the one a blob parameter
 * is given in. */
#include "autoconfig.h"

#include <string.h>

#include "base64.h"
#include "render.h"

#define OPEN "{\"base64\":\""
#define CLOSE "\"}"

int ayb_render_binary(struct ayb_buf *b, const char *p, size_t n)
{
	ayb_buf_adds(b, OPEN);
	ayb_base64_add(b, p, n);
	return ayb_buf_adds(b, CLOSE);
}

size_t ayb_render_binary_len(size_t n)
{
	return strlen(OPEN) + ayb_base64_len(n) + strlen(CLOSE);
}
