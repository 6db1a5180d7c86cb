/* ayb's query result JSON, {"fields":[...],"rows":[[...],...]}, written
 * from rows: every value a JSON string of the text ayb shows for it
 * (ayb_render_text), NULL as null, a binary value as {"base64":"..."}, no
 * whitespace. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "render.h"

/* Bytes ayb_buf_add_json_string writes for s, quotes included: two for
 * the escapes \" \\ \n \r \t \b \f, six for the other control characters
 * (\u00XX), one for every other byte. */
static size_t json_string_len(const char *s, size_t n)
{
	size_t len = n + 2;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			len += 1;
		else if (c < 0x20)
			len += memchr("\n\r\t\b\f", c, 5) ? 1 : 5;
	}
	return len;
}

/* Digits of v in decimal, with its sign. */
static size_t int_len(int64_t v)
{
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	size_t n = v < 0 ? 1 : 0;

	do {
		n++;
		u /= 10;
	} while (u);
	return n;
}

static size_t json_value_len(const struct ayb_value *v)
{
	char tmp[AYB_REAL_TEXT_MAX];

	switch (v->type) {
	case AYB_VALUE_NULL:
		return 4;
	case AYB_VALUE_INTEGER:
		return int_len(v->u.i) + 2;
	case AYB_VALUE_REAL:
		ayb_render_real(v->u.r, tmp);
		return strlen(tmp) + 2; /* digits need no escaping */
	case AYB_VALUE_BINARY:
		return ayb_render_binary_len(v->u.s.n);
	default:
		return json_string_len(v->u.s.p, v->u.s.n);
	}
}

size_t ayb_render_json_head_len(const char *const *names, size_t n)
{
	size_t len = strlen("{\"fields\":[],\"rows\":[");

	for (size_t i = 0; i < n; i++)
		len += (i ? 1 : 0) + json_string_len(names[i], strlen(names[i]));
	return len;
}

size_t ayb_render_json_row_len(const struct ayb_value *values, size_t n, int first)
{
	size_t len = (first ? 0 : 1) + 2;

	for (size_t i = 0; i < n; i++)
		len += (i ? 1 : 0) + json_value_len(&values[i]);
	return len;
}

/* Hands the buffered text to the sink once it is big enough, or always
 * when `all`.  A result smaller than a chunk reaches the sink only once it
 * is complete, so an error part-way through a small result never leaves a
 * partial document behind. */
static int flush(struct ayb_render_json *j, int all)
{
	if (j->b.oom)
		return -1;
	if (j->batch)
		return 0;
	if (j->b.len == 0 || (!all && j->b.len < AYB_RENDER_JSON_CHUNK))
		return 0;
	if (ayb_sink_write(j->out, j->b.data, j->b.len) < 0)
		return -1;
	j->b.len = 0;
	j->b.data[0] = '\0';
	return 0;
}

static int json_fields(void *ctx, const char *const *names, size_t n)
{
	struct ayb_render_json *j = ctx;

	if (j->batch) {
		ayb_buf_adds(&j->b, j->nresults++ ? "," : "{\"results\":[");
		j->nrows = 0;
	}
	ayb_buf_adds(&j->b, "{\"fields\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			ayb_buf_addc(&j->b, ',');
		ayb_buf_add_json_string(&j->b, names[i], strlen(names[i]));
	}
	ayb_buf_adds(&j->b, "],\"rows\":[");
	return j->b.oom ? -1 : 0;
}

static int json_row(void *ctx, const struct ayb_value *values, size_t n)
{
	struct ayb_render_json *j = ctx;
	char tmp[AYB_REAL_TEXT_MAX];
	const char *text;
	size_t len;

	ayb_buf_adds(&j->b, j->nrows++ ? ",[" : "[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			ayb_buf_addc(&j->b, ',');
		if (values[i].type == AYB_VALUE_BINARY) {
			ayb_render_binary(&j->b, values[i].u.s.p, values[i].u.s.n);
			continue;
		}
		text = ayb_render_text(&values[i], tmp, &len);
		if (!text) {
			ayb_buf_adds(&j->b, "null");
		} else if (text == tmp) {
			/* A number: its digits need no escaping. */
			ayb_buf_addc(&j->b, '"');
			ayb_buf_add(&j->b, tmp, len);
			ayb_buf_addc(&j->b, '"');
		} else {
			ayb_buf_add_json_string(&j->b, text, len);
		}
	}
	ayb_buf_addc(&j->b, ']');
	return flush(j, 0);
}

static int json_end(void *ctx)
{
	struct ayb_render_json *j = ctx;

	ayb_buf_addc(&j->b, ']');
	if (j->tail)
		ayb_buf_adds(&j->b, j->tail);
	ayb_buf_addc(&j->b, '}');
	return flush(j, 1);
}

void ayb_render_json_init(struct ayb_render_json *j, struct ayb_sink *out)
{
	memset(j, 0, sizeof(*j));
	j->rows = (struct ayb_row_sink){ json_fields, json_row, json_end, j };
	j->out = out;
}

void ayb_render_json_init_batch(struct ayb_render_json *j, struct ayb_sink *out)
{
	ayb_render_json_init(j, out);
	j->batch = 1;
}

int ayb_render_json_batch_end(struct ayb_render_json *j)
{
	ayb_buf_adds(&j->b, "]}");
	j->batch = 0;
	return flush(j, 1);
}

void ayb_render_json_free(struct ayb_render_json *j)
{
	ayb_buf_free(&j->b);
}
