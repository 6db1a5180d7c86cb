#include "autoconfig.h"

#include <string.h>

#include "cookie.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

char *ui_cookie_get(const char *header, const char *name)
{
	size_t nlen = strlen(name);
	const char *p = header;

	if (!p || !nlen)
		return NULL;
	while (*p) {
		const char *end = p + strcspn(p, ";");
		const char *v, *ve;

		while (p < end && is_space(*p))
			p++;
		if ((size_t)(end - p) > nlen && memcmp(p, name, nlen) == 0) {
			/* Allow spaces around '=' as some clients write them. */
			v = p + nlen;
			while (v < end && is_space(*v))
				v++;
			if (v < end && *v == '=') {
				v++;
				ve = end;
				while (v < ve && is_space(*v))
					v++;
				while (ve > v && is_space(ve[-1]))
					ve--;
				if (ve - v >= 2 && *v == '"' && ve[-1] == '"') {
					v++;
					ve--;
				}
				return strndup(v, (size_t)(ve - v));
			}
		}
		p = *end ? end + 1 : end;
	}
	return NULL;
}
