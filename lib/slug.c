#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "slug.h"
#include "utf8.h"

/* ayb's reserved-username list, generated at build time from
 * lib/reserved-usernames.txt: lowercase, sorted in byte order, so a bsearch
 * with strcmp finds a name. */
static const char *const reserved[] = {
#include "reserved_usernames.inc"
};

#define NRESERVED (sizeof(reserved) / sizeof(reserved[0]))

static int slug_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/* The slug as it can appear in an error message.  ayb echoes the slug as
 * given, and an ayb slug is always valid UTF-8 without NUL (it came from a
 * Rust String).  Ours is raw bytes from the request, so NUL and bytes that
 * are not UTF-8 become U+FFFD: the message stays a C string and valid JSON
 * text.  Returns NULL on OOM; the caller frees. */
static char *printable_slug(const char *slug, size_t len)
{
	const unsigned char *s = (const unsigned char *)slug;
	struct ayb_buf b = {0};
	size_t i = 0, n;

	while (i < len) {
		n = s[i] ? ayb_utf8_seq_len(s + i, len - i) : 0;
		if (n) {
			ayb_buf_add(&b, s + i, n);
			i += n;
		} else {
			ayb_buf_adds(&b, "\xef\xbf\xbd");
			i++;
		}
	}
	return ayb_buf_take(&b);
}

/* Rules in ayb's order: empty, too long, "." / "..", characters.  The
 * length check comes before the character check so a huge slug is never
 * copied into a message. */
int ayb_slug_check(enum ayb_slug_kind kind, const char *slug, size_t len,
		   struct ayb_err *err)
{
	const char *k = kind == AYB_SLUG_ENTITY ? "entity" : "database";
	char *shown;
	size_t i;

	if (len == 0)
		return ayb_err_set(err, AYB_E_INVALID_SLUG,
				   "A %s slug can't be empty", k);
	if (len > AYB_SLUG_MAX)
		return ayb_err_set(err, AYB_E_INVALID_SLUG,
				   "A %s slug can't be longer than %d bytes, but this one is %zu bytes",
				   k, AYB_SLUG_MAX, len);
	if ((len == 1 && slug[0] == '.') ||
	    (len == 2 && slug[0] == '.' && slug[1] == '.'))
		return ayb_err_set(err, AYB_E_INVALID_SLUG,
				   "Invalid %s slug: %.*s", k, (int)len, slug);
	for (i = 0; i < len; i++)
		if (!slug_char_ok((unsigned char)slug[i]))
			break;
	if (i == len)
		return 0;
	shown = printable_slug(slug, len);
	if (!shown)
		return ayb_err_oom(err);
	ayb_err_set(err, AYB_E_INVALID_SLUG,
		    "Invalid %s slug: %s. Only letters, numbers, underscores, hyphens, and periods are allowed",
		    k, shown);
	free(shown);
	return -1;
}

static int cmp_name(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

/* Lowercases into a stack copy first: every reserved name is short, so a
 * longer slug cannot be one and needs no copy at all. */
int ayb_slug_is_reserved(const char *slug)
{
	char low[AYB_SLUG_MAX + 1];
	size_t len = strlen(slug);

	if (len > AYB_SLUG_MAX)
		return 0;
	memcpy(low, slug, len + 1);
	ayb_slug_lower(low);
	return bsearch(low, reserved, NRESERVED, sizeof(reserved[0]), cmp_name) != NULL;
}

/* ASCII only, on purpose: slugs are ASCII, and locale-dependent tolower()
 * could map bytes differently from one server to the next. */
char *ayb_slug_lower(char *s)
{
	char *p;

	for (p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}
