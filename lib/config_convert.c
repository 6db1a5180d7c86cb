/* ayb.toml to ayb.conf (config_convert.h): the same key names and nesting
 * (CONFIG.md's libconfuse equivalent), TOML tables becoming `name { }`
 * sections, in the order ayb.conf is documented. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "config_convert.h"
#include "toml.h"

/* Where an ayb key goes.  `section` is its ayb.conf section ("" at the top,
 * "email.smtp"); a retired key is written as a comment with `why`. */
struct key_map {
	const char *table, *key;
	enum ayb_toml_type type;
	const char *section;
	const char *why;
};

#define RETIRED_VACUUM "retired by ayb: snapshots are always taken with VACUUM INTO"
#define RETIRED_NSJAIL "retired by ayb: queries run in a sandboxed worker (README \"Isolation\")"

static const struct key_map keys[] = {
	{ "", "host", AYB_TOML_STRING, "", NULL },
	{ "", "port", AYB_TOML_INTEGER, "", NULL },
	{ "", "public_url", AYB_TOML_STRING, "", NULL },
	{ "", "database_url", AYB_TOML_STRING, "", NULL },
	{ "", "data_path", AYB_TOML_STRING, "", NULL },
	{ "authentication", "fernet_key", AYB_TOML_STRING, "authentication", NULL },
	{ "authentication", "token_expiration_seconds", AYB_TOML_INTEGER, "authentication", NULL },
	{ "email.smtp", "from", AYB_TOML_STRING, "email.smtp", NULL },
	{ "email.smtp", "reply_to", AYB_TOML_STRING, "email.smtp", NULL },
	{ "email.smtp", "smtp_host", AYB_TOML_STRING, "email.smtp", NULL },
	{ "email.smtp", "smtp_port", AYB_TOML_INTEGER, "email.smtp", NULL },
	{ "email.smtp", "smtp_username", AYB_TOML_STRING, "email.smtp", NULL },
	{ "email.smtp", "smtp_password", AYB_TOML_STRING, "email.smtp", NULL },
	/* An older ayb read its SMTP keys straight from [email]. */
	{ "email", "from", AYB_TOML_STRING, "email.smtp", NULL },
	{ "email", "reply_to", AYB_TOML_STRING, "email.smtp", NULL },
	{ "email", "smtp_host", AYB_TOML_STRING, "email.smtp", NULL },
	{ "email", "smtp_port", AYB_TOML_INTEGER, "email.smtp", NULL },
	{ "email", "smtp_username", AYB_TOML_STRING, "email.smtp", NULL },
	{ "email", "smtp_password", AYB_TOML_STRING, "email.smtp", NULL },
	{ "email.file", "path", AYB_TOML_STRING, "email.file", NULL },
	{ "cors", "origin", AYB_TOML_STRING, "cors", NULL },
	{ "snapshots", "access_key_id", AYB_TOML_STRING, "snapshots", NULL },
	{ "snapshots", "secret_access_key", AYB_TOML_STRING, "snapshots", NULL },
	{ "snapshots", "bucket", AYB_TOML_STRING, "snapshots", NULL },
	{ "snapshots", "path_prefix", AYB_TOML_STRING, "snapshots", NULL },
	{ "snapshots", "endpoint_url", AYB_TOML_STRING, "snapshots", NULL },
	{ "snapshots", "region", AYB_TOML_STRING, "snapshots", NULL },
	{ "snapshots", "force_path_style", AYB_TOML_BOOLEAN, "snapshots", NULL },
	{ "snapshots", "sqlite_method", AYB_TOML_STRING, "snapshots", RETIRED_VACUUM },
	{ "snapshots.automation", "interval", AYB_TOML_STRING, "snapshots.automation", NULL },
	{ "snapshots.automation", "max_snapshots", AYB_TOML_INTEGER, "snapshots.automation",
	  NULL },
	{ "isolation", "nsjail_path", AYB_TOML_STRING, "", RETIRED_NSJAIL },
};

/* Tables ayb has retired whole: every key in them becomes a comment. */
static const struct {
	const char *table, *why;
} retired_tables[] = {
	{ "web", "retired by ayb: the server serves its web UI itself (README \"Web UI\")" },
};

/* The sections of ayb.conf in the order they are written; a dotted one is
 * nested in the one before it. */
static const char *const sections[] = {
	"", "authentication", "email", "email.smtp", "email.file", "cors", "snapshots",
	"snapshots.automation",
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))
#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))
#define NRETIRED (sizeof(retired_tables) / sizeof(retired_tables[0]))

static const char *type_name(enum ayb_toml_type t)
{
	return t == AYB_TOML_STRING ? "a \"string\"" : t == AYB_TOML_INTEGER ? "an integer"
									      : "true or false";
}

static const char *retired_table(const char *table)
{
	for (size_t i = 0; i < NRETIRED; i++) {
		size_t n = strlen(retired_tables[i].table);

		if (!strncmp(table, retired_tables[i].table, n) &&
		    (table[n] == '\0' || table[n] == '.'))
			return retired_tables[i].why;
	}
	return NULL;
}

static int known_table(const char *table)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].table, table))
			return 1;
	return retired_table(table) != NULL;
}

/* A value as libconfuse reads it back: integers and booleans bare, strings
 * double-quoted with '"' and '\' escaped (place() refused control
 * characters, which no key of ayb's has a use for). */
static void put_value(struct ayb_buf *out, const struct ayb_toml_item *it)
{
	if (it->type != AYB_TOML_STRING) {
		ayb_buf_adds(out, it->value);
		return;
	}
	ayb_buf_addc(out, '"');
	for (const unsigned char *c = (const unsigned char *)it->value; *c; c++) {
		if (*c == '"' || *c == '\\' || *c == '$')
			ayb_buf_addc(out, '\\');
		ayb_buf_addc(out, (char)*c);
	}
	ayb_buf_addc(out, '"');
}

static int has_control(const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return 1;
	return 0;
}

/* Finds each item's place: *map[i] for a key, NULL for a table header or a
 * key of a retired table.  -1 with err for what cannot be converted. */
static int place(const struct ayb_toml *doc, const struct key_map **map, struct ayb_err *err)
{
	for (size_t i = 0; i < doc->n; i++) {
		const struct ayb_toml_item *it = &doc->items[i];

		map[i] = NULL;
		if (it->type == AYB_TOML_TABLE) {
			if (!known_table(it->table))
				return ayb_err_set(err, AYB_E_CONFIGURATION,
						   "line %d: ayb has no table [%s]", it->line,
						   it->table);
			continue;
		}
		if (retired_table(it->table))
			continue;
		for (size_t k = 0; k < NKEYS && !map[i]; k++)
			if (!strcmp(keys[k].table, it->table) && !strcmp(keys[k].key, it->key))
				map[i] = &keys[k];
		if (!map[i])
			return ayb_err_set(err, AYB_E_CONFIGURATION,
					   "line %d: ayb has no key `%s%s%s` (a key ayb ignores is"
					   " not carried over: remove it)", it->line, it->table,
					   *it->table ? "." : "", it->key);
		if (map[i]->type != it->type)
			return ayb_err_set(err, AYB_E_CONFIGURATION, "line %d: `%s` must be %s",
					   it->line, it->key, type_name(map[i]->type));
		if (has_control(it->value))
			return ayb_err_set(err, AYB_E_CONFIGURATION,
					   "line %d: `%s` holds a control character", it->line,
					   it->key);
		/* [email] and [email.smtp] naming one key twice. */
		for (size_t j = 0; j < i; j++)
			if (map[j] && !strcmp(map[j]->section, map[i]->section) &&
			    !strcmp(map[j]->key, map[i]->key) && !map[i]->why)
				return ayb_err_set(err, AYB_E_CONFIGURATION,
						   "line %d: `%s` is already set on line %d",
						   it->line, it->key, doc->items[j].line);
	}
	return 0;
}

static int section_used(const struct ayb_toml *doc, const struct key_map **map,
			const char *section)
{
	size_t n = strlen(section);

	for (size_t i = 0; i < doc->n; i++)
		if (map[i] && !map[i]->why && !strncmp(map[i]->section, section, n) &&
		    (map[i]->section[n] == '\0' || map[i]->section[n] == '.'))
			return 1;
	return 0;
}

/* The keys of one section, in the file's order, at `indent`. */
static void put_keys(struct ayb_buf *out, const struct ayb_toml *doc,
		     const struct key_map **map, const char *section, const char *indent)
{
	for (size_t i = 0; i < doc->n; i++) {
		if (!map[i] || strcmp(map[i]->section, section) || (map[i]->why && !*section))
			continue;
		/* A retired key sits in its section as a comment. */
		ayb_buf_printf(out, "%s%s%s = ", indent, map[i]->why ? "# " : "", map[i]->key);
		put_value(out, &doc->items[i]);
		if (map[i]->why)
			ayb_buf_printf(out, "   # %s", map[i]->why);
		ayb_buf_addc(out, '\n');
	}
}

static void put_sections(struct ayb_buf *out, const struct ayb_toml *doc,
			 const struct key_map **map)
{
	const char *open = NULL;   /* the top-level section left open for its subsections */

	put_keys(out, doc, map, "", "");
	for (size_t s = 1; s < NSECTIONS; s++) {
		const char *name = sections[s], *dot = strchr(name, '.');

		if (!section_used(doc, map, name))
			continue;
		if (!dot) {
			if (open)
				ayb_buf_adds(out, "}\n");
			ayb_buf_printf(out, "\n%s {\n", name);
			put_keys(out, doc, map, name, "  ");
			open = name;
		} else {
			ayb_buf_printf(out, "  %s {\n", dot + 1);
			put_keys(out, doc, map, name, "    ");
			ayb_buf_adds(out, "  }\n");
		}
	}
	if (open)
		ayb_buf_adds(out, "}\n");
}

/* What ayb has retired outside any ayb.conf section, as comments. */
static void put_retired(struct ayb_buf *out, const struct ayb_toml *doc,
			const struct key_map **map)
{
	int said = 0;

	for (size_t i = 0; i < doc->n; i++) {
		const struct ayb_toml_item *it = &doc->items[i];
		const char *why = it->type == AYB_TOML_TABLE ? retired_table(it->table) : NULL;

		/* A retired key whose section is otherwise empty: an empty
		 * `snapshots { }` would read as snapshots wanted. */
		if (map[i] && map[i]->why &&
		    (!*map[i]->section || !section_used(doc, map, map[i]->section)))
			why = map[i]->why;
		else if (it->type != AYB_TOML_TABLE || !why)
			continue;
		if (!said++)
			ayb_buf_adds(out, "\n# Not carried over"
				     " (ayb.toml's lines, for the record):\n");
		if (it->type == AYB_TOML_TABLE) {
			ayb_buf_printf(out, "# [%s]   # %s\n", it->table, why);
			for (size_t j = i + 1;
			     j < doc->n && doc->items[j].type != AYB_TOML_TABLE; j++) {
				ayb_buf_printf(out, "#   %s = ", doc->items[j].key);
				put_value(out, &doc->items[j]);
				ayb_buf_addc(out, '\n');
			}
		} else {
			ayb_buf_printf(out, "# [%s] %s = ", it->table, it->key);
			put_value(out, it);
			ayb_buf_printf(out, "   # %s\n", why);
		}
	}
}

int ayb_config_convert(const char *text, size_t len, struct ayb_buf *out, struct ayb_err *err)
{
	struct ayb_toml doc;
	const struct key_map **map;
	size_t mark = out->len;
	int ret = -1;

	if (ayb_toml_parse(text, len, &doc, err) < 0)
		return -1;
	map = calloc(doc.n ? doc.n : 1, sizeof(*map));
	if (!map) {
		ayb_toml_free(&doc);
		return ayb_err_oom(err);
	}
	if (place(&doc, map, err) < 0)
		goto out;
	ayb_buf_adds(out,
		     "# ayb.conf, converted from ayb.toml by `ayb convert_config` (README \"Moving"
		     " from ayb\").\n"
		     "# A relative path here is read against this file's directory (ayb read it"
		     " against\n# the directory it was started in): keep this file there, or make"
		     " the paths absolute.\n");
	put_sections(out, &doc, map);
	put_retired(out, &doc, map);
	if (out->oom) {
		ayb_err_oom(err);
		goto out;
	}
	ret = 0;
out:
	if (ret < 0 && out->data && !out->oom) {
		out->len = mark;
		out->data[mark] = '\0';
	}
	free(map);
	ayb_toml_free(&doc);
	return ret;
}
