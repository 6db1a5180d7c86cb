#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "form.h"

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s[0..n) into a new NUL-terminated string; *outlen gets its byte
 * count.  Returns NULL with *bad set for a malformed escape, or NULL with
 * *bad clear when out of memory. */
static char *decode(const char *s, size_t n, size_t *outlen, int *bad)
{
	char *out = malloc(n + 1);
	size_t i, j = 0;

	*bad = 0;
	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] == '+') {
			out[j++] = ' ';
		} else if (s[i] != '%') {
			out[j++] = s[i];
		} else if (i + 2 < n && (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
			   (lo = hexval((unsigned char)s[i + 2])) >= 0) {
			out[j++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			free(out);
			*bad = 1;
			return NULL;
		}
	}
	out[j] = '\0';
	*outlen = j;
	return out;
}

void ui_form_free(struct ui_form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->f[i].name);
		free(f->f[i].value);
	}
	free(f->f);
	f->f = NULL;
	f->n = 0;
}

int ui_form_parse(const char *s, size_t len, struct ui_form *out, struct ayb_err *err)
{
	const char *p = s, *end = s + len;
	size_t cap = 0;
	int bad = 0;

	out->f = NULL;
	out->n = 0;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		struct ui_form_field fld = { 0 };
		size_t nlen;

		if (stop == p) {
			p = stop + 1;
			continue;
		}
		if (out->n == AYB_FORM_MAX_FIELDS) {
			bad = 1;
			goto fail;
		}
		if (out->n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct ui_form_field *nf = realloc(out->f, ncap * sizeof(*nf));
			if (!nf)
				goto fail;
			out->f = nf;
			cap = ncap;
		}
		fld.name = decode(p, (size_t)((eq ? eq : stop) - p), &nlen, &bad);
		if (!fld.name)
			goto fail;
		if (strlen(fld.name) != nlen) {
			free(fld.name);
			bad = 1;
			goto fail;
		}
		fld.value = eq ? decode(eq + 1, (size_t)(stop - eq - 1), &fld.len, &bad)
			       : calloc(1, 1);
		if (!fld.value) {
			free(fld.name);
			goto fail;
		}
		out->f[out->n++] = fld;
		p = amp ? amp + 1 : end;
	}
	return 0;
fail:
	ui_form_free(out);
	return bad ? ayb_err_set(err, AYB_E_INVALID, "Malformed form data") : ayb_err_oom(err);
}

const struct ui_form_field *ui_form_field(const struct ui_form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->f[i].name, name) == 0)
			return &f->f[i];
	return NULL;
}

const char *ui_form_get(const struct ui_form *f, const char *name)
{
	const struct ui_form_field *fld = ui_form_field(f, name);

	return fld && strlen(fld->value) == fld->len ? fld->value : NULL;
}

char *ui_url_encode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s), j = 0;
	char *out = malloc(3 * n + 1);

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			out[j++] = (char)c;
		} else {
			out[j++] = '%';
			out[j++] = hex[c >> 4];
			out[j++] = hex[c & 15];
		}
	}
	out[j] = '\0';
	return out;
}
