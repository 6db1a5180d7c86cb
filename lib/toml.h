/* A reader of the TOML subset ayb's configuration uses (README "Moving from
 * ayb"): `key = value` with a basic "..." or literal '...' string, a decimal
 * integer or a boolean; `[table]` and `[table.sub]` headers; comments and
 * blank lines.  Anything else (arrays, inline tables, floats, dates,
 * multi-line strings, dotted keys) is refused with the line it is on.  Pure
 * functions. */
#ifndef AYB_TOML_H
#define AYB_TOML_H

#include <stddef.h>

#include "error.h"

/* The largest file read: ayb's configuration is a few hundred bytes. */
#define AYB_TOML_MAX_BYTES (1024 * 1024)
/* The most keys and table headers read: ayb has about thirty keys, and
 * duplicates are looked for by comparing each with those before it. */
#define AYB_TOML_MAX_ITEMS 1000

enum ayb_toml_type { AYB_TOML_STRING, AYB_TOML_INTEGER, AYB_TOML_BOOLEAN, AYB_TOML_TABLE };

/* One line that says something: a table header (type AYB_TOML_TABLE, key
 * NULL) or a key and its value.  `table` is the dotted name of the table the
 * line belongs to ("" at the top, "email.smtp"); `value` is the string's
 * bytes (escapes decoded), the integer's digits as written without '+' or
 * '_', or "true"/"false". */
struct ayb_toml_item {
	int line;
	enum ayb_toml_type type;
	char *table;
	char *key;
	char *value;
};

struct ayb_toml {
	struct ayb_toml_item *items;
	size_t n;
};

/* Reads text (len bytes, NUL bytes refused).  Returns 0 with *doc filled,
 * which the caller frees with ayb_toml_free(), or -1 with err
 * (ConfigurationError, "line <n>: <what is wrong>") and *doc empty.  A key
 * or table given twice is an error, as in TOML. */
int ayb_toml_parse(const char *text, size_t len, struct ayb_toml *doc, struct ayb_err *err);
void ayb_toml_free(struct ayb_toml *doc);

#endif
