/* ayb.conf loading.  libconfuse parses the file; every value is then
 * collected as text into one table keyed by ayb's dotted key names, the
 * AYB__... environment overlays that table, and only then are values typed
 * and validated.  Doing the overlay on the table (not on libconfuse's tree)
 * lets an environment variable create a section the file lacks, as ayb does. */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <confuse.h>

#include "buf.h"
#include "config.h"
#include "token.h"

extern char **environ;

enum ktype { K_STR, K_INT, K_BOOL };

struct key {
	const char *path;
	enum ktype type;
	int required;       /* required whenever its section is present */
	long min, max;      /* K_INT range */
};

/* Sections that may be absent; all others ("", authentication, cors) must be. */
static const char *const optional_sections[] = {
	"email", "email.smtp", "email.file", "snapshots", "snapshots.automation",
	"snapshots.continuous",
	"isolation", "profile_links", "node",
};
#define NOPT (sizeof(optional_sections) / sizeof(optional_sections[0]))

static const struct key keys[] = {
	{ "host", K_STR, 1, 0, 0 },
	{ "port", K_INT, 1, 1, 65535 },
	{ "public_url", K_STR, 0, 0, 0 },
	{ "database_url", K_STR, 1, 0, 0 },
	{ "data_path", K_STR, 1, 0, 0 },
	{ "authentication.fernet_key", K_STR, 1, 0, 0 },
	{ "authentication.token_expiration_seconds", K_INT, 1, 0, LONG_MAX },
	{ "email.smtp.from", K_STR, 1, 0, 0 },
	{ "email.smtp.reply_to", K_STR, 1, 0, 0 },
	{ "email.smtp.smtp_host", K_STR, 1, 0, 0 },
	{ "email.smtp.smtp_port", K_INT, 1, 1, 65535 },
	{ "email.smtp.smtp_username", K_STR, 1, 0, 0 },
	{ "email.smtp.smtp_password", K_STR, 1, 0, 0 },
	{ "email.smtp.smtp_tls", K_STR, 0, 0, 0 },
	{ "email.file.path", K_STR, 1, 0, 0 },
	/* 0: no limit; defaults in typed(). */
	{ "email.max_per_address_per_hour", K_INT, 0, 0, 1000000 },
	{ "email.max_per_client_per_hour", K_INT, 0, 0, 1000000 },
	{ "cors.origin", K_STR, 1, 0, 0 },
	{ "node.name", K_STR, 1, 0, 0 },
	{ "node.url", K_STR, 1, 0, 0 },
	{ "node.placement", K_STR, 0, 0, 0 },
	{ "node.forward", K_STR, 0, 0, 0 },
	{ "node.forward_timeout_ms", K_INT, 0, 100, 86400000 },
	{ "snapshots.access_key_id", K_STR, 1, 0, 0 },
	{ "snapshots.secret_access_key", K_STR, 1, 0, 0 },
	{ "snapshots.bucket", K_STR, 1, 0, 0 },
	{ "snapshots.path_prefix", K_STR, 1, 0, 0 },
	{ "snapshots.endpoint_url", K_STR, 0, 0, 0 },
	{ "snapshots.region", K_STR, 0, 0, 0 },
	{ "snapshots.force_path_style", K_BOOL, 0, 0, 0 },
	{ "snapshots.automation.interval", K_STR, 1, 0, 0 },
	{ "snapshots.automation.max_snapshots", K_INT, 1, 0, 65535 },
	/* snapshots.continuous: every key optional, defaults in continuous_typed(). */
	{ "snapshots.continuous.enabled", K_BOOL, 0, 0, 0 },
	{ "snapshots.continuous.sync_interval", K_STR, 0, 0, 0 },
	{ "snapshots.continuous.retention", K_STR, 0, 0, 0 },
	{ "snapshots.continuous.spool_limit", K_STR, 0, 0, 0 },
	/* isolation: every key optional, defaults in isolation_defaults(). */
	{ "isolation.enabled", K_BOOL, 0, 0, 0 },
	{ "isolation.mode", K_STR, 0, 0, 0 },
	{ "isolation.query_timeout_ms", K_INT, 0, 1, 86400000 },
	{ "isolation.heap_limit_mb", K_INT, 0, 1, 1048576 },
	{ "isolation.duckdb_memory_mb", K_INT, 0, 1, 1048576 },
	{ "isolation.max_result_rows", K_INT, 0, 0, LONG_MAX },
	{ "isolation.max_result_mb", K_INT, 0, 0, 1048576 },
	{ "isolation.max_file_size_mb", K_INT, 0, 1, 1048576 },
	{ "isolation.address_space_mb", K_INT, 0, 16, 1048576 },
	{ "isolation.cpu_seconds", K_INT, 0, 1, 86400 },
	{ "isolation.open_files", K_INT, 0, 8, 65536 },
	{ "isolation.max_workers", K_INT, 0, 1, 1024 },
	{ "isolation.worker_idle_seconds", K_INT, 0, 1, 86400 },
	{ "profile_links.allow_private_targets", K_BOOL, 0, 0, 0 },
	{ "profile_links.ca_file", K_STR, 0, 0, 0 },
	{ "isolation.max_queries_per_entity", K_INT, 0, 0, 65536 },
	{ "isolation.max_queries_per_database", K_INT, 0, 0, 65536 },
	{ "isolation.max_batch_statements", K_INT, 0, 1, 100000 },
	{ "isolation.max_batch_kb", K_INT, 0, 1, 256 },
	{ "isolation.max_batch_result_mb", K_INT, 0, 1, 1048576 },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* libconfuse's schema of the same keys.  Every section is CFGF_MULTI so its
 * absence is visible (cfg_size == 0); more than one occurrence is refused. */
static cfg_opt_t auth_opts[] = {
	CFG_STR("fernet_key", NULL, CFGF_NODEFAULT),
	CFG_INT("token_expiration_seconds", 0, CFGF_NODEFAULT),
	CFG_END()
};
static cfg_opt_t smtp_opts[] = {
	CFG_STR("from", NULL, CFGF_NODEFAULT),
	CFG_STR("reply_to", NULL, CFGF_NODEFAULT),
	CFG_STR("smtp_host", NULL, CFGF_NODEFAULT),
	CFG_INT("smtp_port", 0, CFGF_NODEFAULT),
	CFG_STR("smtp_username", NULL, CFGF_NODEFAULT),
	CFG_STR("smtp_password", NULL, CFGF_NODEFAULT),
	CFG_STR("smtp_tls", NULL, CFGF_NODEFAULT),
	CFG_END()
};
static cfg_opt_t file_opts[] = {
	CFG_STR("path", NULL, CFGF_NODEFAULT),
	CFG_END()
};
static cfg_opt_t email_opts[] = {
	CFG_SEC("smtp", smtp_opts, CFGF_MULTI),
	CFG_SEC("file", file_opts, CFGF_MULTI),
	CFG_INT("max_per_address_per_hour", 0, CFGF_NODEFAULT),
	CFG_INT("max_per_client_per_hour", 0, CFGF_NODEFAULT),
	CFG_END()
};
static cfg_opt_t cors_opts[] = {
	CFG_STR("origin", NULL, CFGF_NODEFAULT),
	CFG_END()
};
static cfg_opt_t automation_opts[] = {
	CFG_STR("interval", NULL, CFGF_NODEFAULT),
	CFG_INT("max_snapshots", 0, CFGF_NODEFAULT),
	CFG_END()
};
static cfg_opt_t continuous_opts[] = {
	CFG_BOOL("enabled", cfg_false, CFGF_NODEFAULT),
	CFG_STR("sync_interval", NULL, CFGF_NODEFAULT),
	CFG_STR("retention", NULL, CFGF_NODEFAULT),
	CFG_STR("spool_limit", NULL, CFGF_NODEFAULT),
	CFG_END()
};
static cfg_opt_t snapshots_opts[] = {
	CFG_STR("access_key_id", NULL, CFGF_NODEFAULT),
	CFG_STR("secret_access_key", NULL, CFGF_NODEFAULT),
	CFG_STR("bucket", NULL, CFGF_NODEFAULT),
	CFG_STR("path_prefix", NULL, CFGF_NODEFAULT),
	CFG_STR("endpoint_url", NULL, CFGF_NODEFAULT),
	CFG_STR("region", NULL, CFGF_NODEFAULT),
	CFG_BOOL("force_path_style", cfg_false, CFGF_NODEFAULT),
	CFG_SEC("automation", automation_opts, CFGF_MULTI),
	CFG_SEC("continuous", continuous_opts, CFGF_MULTI),
	CFG_END()
};
static cfg_opt_t isolation_opts[] = {
	CFG_BOOL("enabled", cfg_true, CFGF_NODEFAULT),
	CFG_STR("mode", NULL, CFGF_NODEFAULT),
	CFG_INT("query_timeout_ms", 0, CFGF_NODEFAULT),
	CFG_INT("heap_limit_mb", 0, CFGF_NODEFAULT),
	CFG_INT("duckdb_memory_mb", 0, CFGF_NODEFAULT),
	CFG_INT("max_result_rows", 0, CFGF_NODEFAULT),
	CFG_INT("max_result_mb", 0, CFGF_NODEFAULT),
	CFG_INT("max_file_size_mb", 0, CFGF_NODEFAULT),
	CFG_INT("address_space_mb", 0, CFGF_NODEFAULT),
	CFG_INT("cpu_seconds", 0, CFGF_NODEFAULT),
	CFG_INT("open_files", 0, CFGF_NODEFAULT),
	CFG_INT("max_workers", 0, CFGF_NODEFAULT),
	CFG_INT("worker_idle_seconds", 0, CFGF_NODEFAULT),
	CFG_INT("max_queries_per_entity", 0, CFGF_NODEFAULT),
	CFG_INT("max_queries_per_database", 0, CFGF_NODEFAULT),
	CFG_INT("max_batch_statements", 0, CFGF_NODEFAULT),
	CFG_INT("max_batch_kb", 0, CFGF_NODEFAULT),
	CFG_INT("max_batch_result_mb", 0, CFGF_NODEFAULT),
	CFG_END()
};
static cfg_opt_t profile_links_opts[] = {
	CFG_BOOL("allow_private_targets", cfg_false, CFGF_NODEFAULT),
	CFG_STR("ca_file", NULL, CFGF_NODEFAULT),
	CFG_END()
};
static cfg_opt_t node_opts[] = {
	CFG_STR("name", NULL, CFGF_NODEFAULT),
	CFG_STR("url", NULL, CFGF_NODEFAULT),
	CFG_STR("placement", NULL, CFGF_NODEFAULT),
	CFG_STR("forward", NULL, CFGF_NODEFAULT),
	CFG_INT("forward_timeout_ms", 0, CFGF_NODEFAULT),
	CFG_END()
};
static cfg_opt_t root_opts[] = {
	CFG_STR("host", NULL, CFGF_NODEFAULT),
	CFG_INT("port", 0, CFGF_NODEFAULT),
	CFG_STR("public_url", NULL, CFGF_NODEFAULT),
	CFG_STR("database_url", NULL, CFGF_NODEFAULT),
	CFG_STR("data_path", NULL, CFGF_NODEFAULT),
	CFG_SEC("authentication", auth_opts, CFGF_MULTI),
	CFG_SEC("email", email_opts, CFGF_MULTI),
	CFG_SEC("cors", cors_opts, CFGF_MULTI),
	CFG_SEC("snapshots", snapshots_opts, CFGF_MULTI),
	CFG_SEC("isolation", isolation_opts, CFGF_MULTI),
	CFG_SEC("profile_links", profile_links_opts, CFGF_MULTI),
	CFG_SEC("node", node_opts, CFGF_MULTI),
	CFG_END()
};

/* The values as text, before typing.  from_env names the variable that set
 * a value, for error messages. */
struct raw {
	char *val[NKEYS];
	const char *from_env[NKEYS];
	int section_present[NOPT];
	const char *file;
};

/* libconfuse reports parse errors through a callback; keep the first.
 * Its parser keeps its state in globals, so files are parsed one at a time
 * (ayb-api.fcgi's request threads each load their configurations). */
static char parse_error[512];
static pthread_mutex_t parse_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_parse_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[400];

	if (parse_error[0])
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (cfg && cfg->line)
		snprintf(parse_error, sizeof(parse_error), "line %d: %s", cfg->line, msg);
	else
		snprintf(parse_error, sizeof(parse_error), "%s", msg);
}

static int section_index(const char *sec, size_t len)
{
	for (size_t i = 0; i < NOPT; i++)
		if (strlen(optional_sections[i]) == len &&
		    strncmp(optional_sections[i], sec, len) == 0)
			return (int)i;
	return -1;
}

/* Marks every optional section on the key's path as present. */
static void mark_sections(struct raw *raw, const char *path)
{
	for (const char *dot = strchr(path, '.'); dot; dot = strchr(dot + 1, '.')) {
		int i = section_index(path, (size_t)(dot - path));
		if (i >= 0)
			raw->section_present[i] = 1;
	}
}

/* 1 when every section on the key's path is present (required ones always are). */
static int key_section_present(const struct raw *raw, const char *path)
{
	for (const char *dot = strchr(path, '.'); dot; dot = strchr(dot + 1, '.')) {
		int i = section_index(path, (size_t)(dot - path));
		if (i >= 0 && !raw->section_present[i])
			return 0;
	}
	return 1;
}

static int key_index(const char *path)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].path, path) == 0)
			return (int)i;
	return -1;
}

/* Walks cfg along the dotted section path of keys[k]; NULL when a section
 * is absent.  Sets *dup when a section appears more than once. */
static cfg_t *section_of(cfg_t *cfg, const char *path, char *dup, size_t duplen)
{
	char name[64];
	const char *p = path, *dot;

	while ((dot = strchr(p, '.'))) {
		size_t n = (size_t)(dot - p);
		if (n >= sizeof(name))
			return NULL;
		memcpy(name, p, n);
		name[n] = '\0';
		if (cfg_size(cfg, name) > 1 && !dup[0])
			snprintf(dup, duplen, "%.*s", (int)(dot - path), path);
		if (cfg_size(cfg, name) == 0)
			return NULL;
		cfg = cfg_getnsec(cfg, name, 0);
		p = dot + 1;
	}
	return cfg;
}

static int read_file_locked(struct raw *raw, const char *path, struct ayb_err *err)
{
	cfg_t *cfg = cfg_init(root_opts, 0);
	char dup[128] = "";
	int rc;

	if (!cfg)
		return ayb_err_oom(err);
	parse_error[0] = '\0';
	cfg_set_error_function(cfg, on_parse_error);
	errno = 0;
	rc = cfg_parse(cfg, path);
	if (rc == CFG_FILE_ERROR) {
		int e = errno;
		cfg_free(cfg);
		if (e == ENOENT)
			return 0; /* a missing file is fine if the environment has every key */
		return ayb_err_set(err, AYB_E_CONFIGURATION,
				   "Unable to read configuration file %s: %s", path,
				   strerror(e ? e : EIO));
	}
	if (rc != CFG_SUCCESS) {
		cfg_free(cfg);
		return ayb_err_set(err, AYB_E_CONFIGURATION,
				   "Invalid configuration file %s: %s", path,
				   parse_error[0] ? parse_error : "parse error");
	}
	raw->file = path;
	for (size_t k = 0; k < NKEYS; k++) {
		cfg_t *sec = section_of(cfg, keys[k].path, dup, sizeof(dup));
		const char *leaf = strrchr(keys[k].path, '.');
		char num[32];
		const char *text = NULL;

		leaf = leaf ? leaf + 1 : keys[k].path;
		if (!sec)
			continue;
		mark_sections(raw, keys[k].path);
		if (cfg_size(sec, leaf) == 0)
			continue;
		switch (keys[k].type) {
		case K_STR:
			text = cfg_getstr(sec, leaf);
			break;
		case K_INT:
			snprintf(num, sizeof(num), "%ld", cfg_getint(sec, leaf));
			text = num;
			break;
		case K_BOOL:
			text = cfg_getbool(sec, leaf) ? "true" : "false";
			break;
		}
		if (text && !(raw->val[k] = strdup(text))) {
			cfg_free(cfg);
			return ayb_err_oom(err);
		}
	}
	/* An empty section (e.g. `email { file { } }`) is still present. */
	if (cfg_size(cfg, "email") > 0) {
		cfg_t *email = cfg_getnsec(cfg, "email", 0);
		raw->section_present[section_index("email", 5)] = 1;
		if (cfg_size(email, "smtp") > 0)
			raw->section_present[section_index("email.smtp", 10)] = 1;
		if (cfg_size(email, "file") > 0)
			raw->section_present[section_index("email.file", 10)] = 1;
		if ((cfg_size(email, "smtp") > 1 || cfg_size(email, "file") > 1) && !dup[0])
			snprintf(dup, sizeof(dup), "email.%s",
				 cfg_size(email, "smtp") > 1 ? "smtp" : "file");
	}
	if (cfg_size(cfg, "snapshots") > 0) {
		cfg_t *s = cfg_getnsec(cfg, "snapshots", 0);
		raw->section_present[section_index("snapshots", 9)] = 1;
		if (cfg_size(s, "automation") > 0)
			raw->section_present[section_index("snapshots.automation", 20)] = 1;
		if (cfg_size(s, "continuous") > 0)
			raw->section_present[section_index("snapshots.continuous", 20)] = 1;
	}
	if (cfg_size(cfg, "node") > 0)
		raw->section_present[section_index("node", 4)] = 1;
	for (const char *s = "authentication\0email\0cors\0snapshots\0isolation\0"
			     "profile_links\0node\0";
	     *s; s += strlen(s) + 1)
		if (cfg_size(cfg, s) > 1 && !dup[0])
			snprintf(dup, sizeof(dup), "%s", s);
	cfg_free(cfg);
	if (dup[0])
		return ayb_err_set(err, AYB_E_CONFIGURATION,
				   "Invalid configuration file %s: section `%s` appears more than once",
				   path, dup);
	return 0;
}

static int read_file(struct raw *raw, const char *path, struct ayb_err *err)
{
	int rc;

	pthread_mutex_lock(&parse_lock);
	rc = read_file_locked(raw, path, err);
	pthread_mutex_unlock(&parse_lock);
	return rc;
}

/* AYB__A__B=v sets key "a.b".  Unknown keys are ignored, as ayb does. */
static int read_env(struct raw *raw, char *const *envp, struct ayb_err *err)
{
	for (; envp && *envp; envp++) {
		const char *e = *envp, *eq = strchr(e, '=');
		char path[128];
		size_t n = 0;
		int k;

		if (strncmp(e, "AYB__", 5) != 0 || !eq)
			continue;
		for (const char *p = e + 5; p < eq && n + 1 < sizeof(path); p++) {
			if (p[0] == '_' && p[1] == '_') {
				path[n++] = '.';
				p++;
			} else {
				path[n++] = (char)tolower((unsigned char)*p);
			}
		}
		path[n] = '\0';
		if ((k = key_index(path)) < 0)
			continue;
		free(raw->val[k]);
		if (!(raw->val[k] = strdup(eq + 1)))
			return ayb_err_oom(err);
		raw->from_env[k] = e;
		mark_sections(raw, path);
	}
	return 0;
}

/* "the key `x` in FILE" or "the environment variable AYB__X". */
static void describe_source(const struct raw *raw, int k, char *out, size_t n)
{
	if (raw->from_env[k])
		snprintf(out, n, "environment variable %.*s", (int)strcspn(raw->from_env[k], "="),
			 raw->from_env[k]);
	else
		snprintf(out, n, "`%s` in %s", keys[k].path, raw->file ? raw->file : "(no file)");
}

static void env_name(const char *path, char *out, size_t n)
{
	size_t j = (size_t)snprintf(out, n, "AYB__");
	for (const char *p = path; *p && j + 3 < n; p++) {
		if (*p == '.') {
			out[j++] = '_';
			out[j++] = '_';
		} else {
			out[j++] = (char)toupper((unsigned char)*p);
		}
	}
	out[j] = '\0';
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Makes a relative path absolute.  ayb resolves against the working
 * directory, but a web server starts FastCGI processes wherever it likes,
 * so ayb-c resolves against the directory of the configuration file (the
 * working directory only when there is no file). */
static char *absolute(const char *file, const char *path)
{
	char cwd[PATH_MAX];
	const char *slash = file ? strrchr(file, '/') : NULL;

	if (path[0] == '/')
		return strdup(path);
	if (file && slash) {
		if (snprintf(cwd, sizeof(cwd), "%.*s", (int)(slash - file), file) >=
		    (int)sizeof(cwd))
			return NULL;
		if (slash == file)
			strcpy(cwd, "/");
	} else if (!getcwd(cwd, sizeof(cwd))) {
		return strdup(path);
	}
	if (file && strcmp(cwd, ".") == 0) {
		if (!getcwd(cwd, sizeof(cwd)))
			return strdup(path);
	} else if (file && cwd[0] != '/') {
		/* A relative config path: anchor it to the working directory too. */
		char rel[PATH_MAX], here[PATH_MAX];
		if (!getcwd(here, sizeof(here)) ||
		    snprintf(rel, sizeof(rel), "%s/%s", here, cwd) >= (int)sizeof(rel))
			return NULL;
		strcpy(cwd, rel);
	}
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	return ayb_fmt("%s/%s", cwd, path);
}

int64_t ayb_config_parse_duration_ms(const char *text)
{
	static const struct { const char *unit; double ms; } units[] = {
		{ "ns", 1e-6 }, { "us", 1e-3 }, { "\xc2\xb5s", 1e-3 }, { "ms", 1 },
		{ "s", 1e3 }, { "m", 60e3 }, { "h", 3600e3 },
	};
	const char *p = text;
	double total = 0;

	if (!p || !*p)
		return -1;
	if (strcmp(p, "0") == 0)
		return 0;
	while (*p) {
		char *end;
		double v;
		size_t best = 0, u;
		double mult = 0;

		if (!isdigit((unsigned char)*p) && *p != '.')
			return -1;
		errno = 0;
		v = strtod(p, &end);
		if (end == p || errno)
			return -1;
		p = end;
		for (u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
			size_t l = strlen(units[u].unit);
			/* Longest match wins: "ms" before "m", "ns" before "s". */
			if (l > best && strncmp(p, units[u].unit, l) == 0) {
				best = l;
				mult = units[u].ms;
			}
		}
		if (!best)
			return -1;
		p += best;
		total += v * mult;
		if (total > 9e15)
			return -1;
	}
	return (int64_t)total;
}

int64_t ayb_config_parse_days_ms(const char *text)
{
	const char *d = text ? strchr(text, 'd') : NULL;
	char *end;
	int64_t rest = 0;
	long days;

	if (!d)
		return ayb_config_parse_duration_ms(text);
	if (d == text || !isdigit((unsigned char)*text))
		return -1;
	errno = 0;
	days = strtol(text, &end, 10);
	if (errno || end != d || days > 100000)
		return -1;
	if (d[1] && (rest = ayb_config_parse_duration_ms(d + 1)) < 0)
		return -1;
	return (int64_t)days * 86400000 + rest;
}

int64_t ayb_config_parse_size(const char *text)
{
	static const struct { const char *unit; int shift; } units[] = {
		{ "", 0 }, { "B", 0 }, { "KB", 10 }, { "MB", 20 }, { "GB", 30 }, { "TB", 40 },
	};
	char *end;
	long long v;

	if (!text || !isdigit((unsigned char)*text))
		return -1;
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno || v > (1LL << 40))
		return -1;
	for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++)
		if (strcasecmp(end, units[u].unit) == 0)
			return (int64_t)v << units[u].shift;
	return -1;
}

/* Checks public_url is a bare origin: scheme://host[:port], no path. */
static int bare_origin(const char *url)
{
	const char *p = strstr(url, "://");

	if (!p || p == url)
		return 0;
	for (const char *s = url; s < p; s++)
		if (!isalpha((unsigned char)*s))
			return 0;
	p += 3;
	if (!*p)
		return 0;
	return strpbrk(p, "/?#") == NULL;
}

static int typed(const struct raw *raw, struct ayb_config *cfg, struct ayb_err *err);

void ayb_config_free(struct ayb_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->file);
	free(cfg->host);
	free(cfg->public_url);
	free(cfg->database_url);
	free(cfg->data_path);
	free(cfg->fernet_key);
	memset(cfg->key, 0, sizeof(cfg->key));
	if (cfg->smtp) {
		free(cfg->smtp->from);
		free(cfg->smtp->reply_to);
		free(cfg->smtp->smtp_host);
		free(cfg->smtp->smtp_username);
		free(cfg->smtp->smtp_password);
		free(cfg->smtp);
	}
	free(cfg->email_file_path);
	free(cfg->cors_origin);
	if (cfg->snapshots) {
		struct ayb_snapshots_config *s = cfg->snapshots;
		free(s->access_key_id);
		free(s->secret_access_key);
		free(s->bucket);
		free(s->path_prefix);
		free(s->endpoint_url);
		free(s->region);
		free(s->interval);
		free(s->sync_interval);
		free(s->retention);
		free(s->spool_limit);
		free(s);
	}
	free(cfg->links.ca_file);
	if (cfg->node) {
		free(cfg->node->name);
		free(cfg->node->url);
		free(cfg->node);
	}
	free(cfg);
}

const char *ayb_config_locate(const char *explicit_path)
{
	const char *p;

	if (explicit_path && *explicit_path)
		return explicit_path;
	if ((p = getenv("AYB_CONFIG")) && *p)
		return p;
	if ((p = getenv("AYB_SERVER_CONFIG_FILE")) && *p)
		return p;
	return "./ayb.conf";
}

struct ayb_config *ayb_config_load(const char *path, char *const *envp, struct ayb_err *err)
{
	struct raw raw;
	struct ayb_config *cfg = NULL;

	memset(&raw, 0, sizeof(raw));
	if (read_file(&raw, path, err) < 0 || read_env(&raw, envp ? envp : environ, err) < 0)
		goto out;
	if (!(cfg = calloc(1, sizeof(*cfg)))) {
		ayb_err_oom(err);
		goto out;
	}
	if (typed(&raw, cfg, err) < 0) {
		ayb_config_free(cfg);
		cfg = NULL;
	}
out:
	for (size_t k = 0; k < NKEYS; k++)
		free(raw.val[k]);
	return cfg;
}

static int bad(const struct raw *raw, int k, struct ayb_err *err, const char *why)
{
	char src[256];

	describe_source(raw, k, src, sizeof(src));
	return ayb_err_set(err, AYB_E_CONFIGURATION, "Invalid value for %s: %s", src, why);
}

static int int_of(const struct raw *raw, int k, long *out, struct ayb_err *err)
{
	char *end;
	long v;
	char why[96];

	errno = 0;
	v = strtol(raw->val[k], &end, 10);
	if (errno || end == raw->val[k] || *end)
		return bad(raw, k, err, "expected a whole number");
	if (v < keys[k].min || v > keys[k].max) {
		snprintf(why, sizeof(why), "must be between %ld and %ld", keys[k].min, keys[k].max);
		return bad(raw, k, err, why);
	}
	*out = v;
	return 0;
}

static int bool_of(const struct raw *raw, int k, int *out, struct ayb_err *err)
{
	const char *v = raw->val[k];

	if (!strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes"))
		*out = 1;
	else if (!strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "no"))
		*out = 0;
	else
		return bad(raw, k, err, "expected true or false");
	return 0;
}

#define V(path) raw->val[key_index(path)]
#define K(path) key_index(path)

/* An optional whole number: `dflt` when the key is not set. */
static int int_or_default(const struct raw *raw, const char *path, int64_t dflt, int64_t *out,
			  struct ayb_err *err)
{
	long n;

	*out = dflt;
	if (!V(path))
		return 0;
	if (int_of(raw, K(path), &n, err) < 0)
		return -1;
	*out = n;
	return 0;
}

/* One duration or size of snapshots.continuous, between min and max:
 * `dflt` when unset; *text is owned; `why` says what is expected. */
static int continuous_value(const struct raw *raw, const char *key, const char *dflt,
			    int64_t (*parse)(const char *), int64_t min, int64_t max,
			    const char *why, char **text, int64_t *out, struct ayb_err *err)
{
	const char *v = V(key) ? V(key) : dflt;

	if (!(*text = strdup(v)))
		return ayb_err_oom(err);
	*out = parse(v);
	return *out < min || *out > max ? bad(raw, K(key), err, why) : 0;
}

/* snapshots.continuous (README "Snapshots"): off unless enabled; the
 * other keys have defaults and are checked even when it is off. */
static int continuous_typed(const struct raw *raw, struct ayb_snapshots_config *s,
			    struct ayb_err *err)
{
	if (V("snapshots.continuous.enabled") &&
	    bool_of(raw, K("snapshots.continuous.enabled"), &s->continuous, err) < 0)
		return -1;
	if (continuous_value(raw, "snapshots.continuous.sync_interval", "1s",
			     ayb_config_parse_duration_ms, 10, 3600000,
			     "expected a duration such as \"1s\" or \"500ms\" (10ms to 1h)",
			     &s->sync_interval, &s->sync_ms, err) < 0 ||
	    continuous_value(raw, "snapshots.continuous.retention", "7d",
			     ayb_config_parse_days_ms, 60000, INT64_MAX,
			     "expected a duration of a minute or more, such as \"7d\" or \"36h\"",
			     &s->retention, &s->retention_ms, err) < 0 ||
	    continuous_value(raw, "snapshots.continuous.spool_limit", "1GB",
			     ayb_config_parse_size, 1, INT64_MAX,
			     "expected a size such as \"1GB\", \"512MB\" or a number of bytes",
			     &s->spool_limit, &s->spool_limit_bytes, err) < 0)
		return -1;
	return 0;
}

/* The isolation section: every key has a default (README "Isolation"), so
 * the section may be absent or partial.  The CPU limit must leave room for
 * a query that runs its full wall-clock time, or the kernel would kill a
 * worker before its own timeout could say what happened. */
static int isolation_typed(const struct raw *raw, struct ayb_isolation_config *iso,
			   struct ayb_err *err)
{
	static const struct {
		const char *path;
		size_t off;
		int64_t dflt;
	} ints[] = {
#define ISO(k, d) { "isolation." #k, offsetof(struct ayb_isolation_config, k), d }
		ISO(query_timeout_ms, 10000),
		ISO(heap_limit_mb, 64),
		ISO(duckdb_memory_mb, 128),
		ISO(max_result_rows, 1000000),
		ISO(max_result_mb, 64),
		ISO(max_file_size_mb, 256),
		ISO(address_space_mb, 256),
		ISO(cpu_seconds, 60),
		ISO(open_files, 32),
		ISO(max_workers, 8),
		ISO(worker_idle_seconds, 300),
		ISO(max_queries_per_entity, 4),
		ISO(max_queries_per_database, 4),
		ISO(max_batch_statements, 1000),
		ISO(max_batch_kb, 256),
		ISO(max_batch_result_mb, 8),
#undef ISO
	};
	const char *mode = V("isolation.mode");
	long n;

	iso->enabled = 1;
	if (V("isolation.enabled") && bool_of(raw, K("isolation.enabled"), &iso->enabled, err) < 0)
		return -1;
	if (!mode || !strcmp(mode, "pool"))
		iso->mode = AYB_ISOLATION_POOL;
	else if (!strcmp(mode, "fork"))
		iso->mode = AYB_ISOLATION_FORK;
	else
		return bad(raw, K("isolation.mode"), err, "expected \"pool\" or \"fork\"");
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		int64_t *field = (int64_t *)((char *)iso + ints[i].off);

		*field = ints[i].dflt;
		if (!raw->val[K(ints[i].path)])
			continue;
		if (int_of(raw, K(ints[i].path), &n, err) < 0)
			return -1;
		*field = n;
	}
	if (iso->cpu_seconds * 1000 <= iso->query_timeout_ms + 1000)
		return bad(raw, K(raw->val[K("isolation.cpu_seconds")] ? "isolation.cpu_seconds"
					: "isolation.query_timeout_ms"), err,
			   "isolation.cpu_seconds must exceed isolation.query_timeout_ms by more than one second");
	return 0;
}

/* A node's name travels in URLs and the metadata: 1 to 63 of [a-z0-9_-]. */
static int node_name_ok(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-");

	return n > 0 && n < 64 && !s[n];
}

/* The node section (README "Several machines"): nodes share their metadata
 * in PostgreSQL, so a node on SQLite metadata would see only itself. */
static int node_typed(const struct raw *raw, struct ayb_config *cfg, struct ayb_err *err)
{
	const char *place = V("node.placement"), *fwd = V("node.forward"), *url = V("node.url");
	struct ayb_node_config *n;
	long ms = 30000;

	if (!raw->section_present[section_index("node", 4)])
		return 0;
	if (!(n = cfg->node = calloc(1, sizeof(*n))))
		return ayb_err_oom(err);
	if (strncmp(cfg->database_url, "postgres", 8) != 0)
		return bad(raw, K("node.name"), err,
			   "a node section needs the PostgreSQL metadata store (database_url = \"postgresql://...\"), which all the nodes share");
	if (!node_name_ok(V("node.name")))
		return bad(raw, K("node.name"), err,
			   "expected a short name of letters, digits, '-' and '_'");
	if (strncmp(url, "http://", 7) != 0 || !bare_origin(url))
		return bad(raw, K("node.url"), err,
			   "expected a bare origin such as http://10.0.0.2:5433 (no path, no trailing slash)");
	if (!place || !strcmp(place, "local"))
		n->placement = AYB_PLACE_LOCAL;
	else if (!strcmp(place, "fewest"))
		n->placement = AYB_PLACE_FEWEST;
	else
		return bad(raw, K("node.placement"), err, "expected \"local\" or \"fewest\"");
	if (!fwd || !strcmp(fwd, "curl"))
		n->forward = AYB_FORWARD_CURL;
	else if (!strcmp(fwd, "x-accel"))
		n->forward = AYB_FORWARD_X_ACCEL;
	else
		return bad(raw, K("node.forward"), err, "expected \"curl\" or \"x-accel\"");
	if (V("node.forward_timeout_ms") && int_of(raw, K("node.forward_timeout_ms"), &ms, err) < 0)
		return -1;
	n->forward_timeout_ms = ms;
	n->name = strdup(V("node.name"));
	n->url = strdup(url);
	return n->name && n->url ? 0 : ayb_err_oom(err);
}

static int typed(const struct raw *raw, struct ayb_config *cfg, struct ayb_err *err)
{
	long n;

	/* Required keys of every present section. */
	for (size_t k = 0; k < NKEYS; k++) {
		char env[128];
		if (!keys[k].required || raw->val[k] || !key_section_present(raw, keys[k].path))
			continue;
		env_name(keys[k].path, env, sizeof(env));
		return ayb_err_set(err, AYB_E_CONFIGURATION,
				   "Missing required configuration key `%s`: set it in %s or with the environment variable %s",
				   keys[k].path, raw->file ? raw->file : "the configuration file",
				   env);
	}
	if (!raw->section_present[section_index("email.smtp", 10)] &&
	    !raw->section_present[section_index("email.file", 10)])
		return ayb_err_set(err, AYB_E_CONFIGURATION,
				   "At least one email backend (smtp or file) must be configured. "
				   "See email configuration documentation at https://github.com/marcua/ayb#email-configuration");

	cfg->file = dup_or_null(raw->file);
	cfg->host = strdup(V("host"));
	if (int_of(raw, K("port"), &n, err) < 0)
		return -1;
	cfg->port = (int)n;
	if (V("public_url")) {
		if (!bare_origin(V("public_url")))
			return bad(raw, K("public_url"), err,
				   "expected a bare origin such as https://ayb.example.com (no path, no trailing slash)");
		cfg->public_url = strdup(V("public_url"));
	} else if (!(cfg->public_url = ayb_fmt("http://localhost:%d", cfg->port))) {
		return ayb_err_oom(err);
	}

	const char *db = V("database_url");
	if (strncmp(db, "sqlite://", 9) == 0) {
		char *abs = absolute(raw->file, db + 9);
		if (!abs || !(cfg->database_url = ayb_fmt("sqlite://%s", abs))) {
			free(abs);
			return ayb_err_oom(err);
		}
		free(abs);
	} else if (strncmp(db, "postgres://", 11) == 0 || strncmp(db, "postgresql://", 13) == 0) {
		cfg->database_url = strdup(db);
	} else {
		char why[600];
		snprintf(why, sizeof(why),
			 "Database type for %s is not supported (currently only SQLite and PostgreSQL)",
			 db);
		return bad(raw, K("database_url"), err, why);
	}
	cfg->data_path = absolute(raw->file, V("data_path"));

	cfg->fernet_key = strdup(V("authentication.fernet_key"));
	if (ayb_token_decode_key(cfg->fernet_key, cfg->key) < 0)
		return bad(raw, K("authentication.fernet_key"), err,
			   "expected URL-safe base64 of 32 bytes (run `ayb default_server_config` for a fresh one)");
	if (int_of(raw, K("authentication.token_expiration_seconds"), &n, err) < 0)
		return -1;
	cfg->token_expiration_seconds = n;

	if (raw->section_present[section_index("email.smtp", 10)]) {
		struct ayb_smtp_config *s = calloc(1, sizeof(*s));
		const char *tls = V("email.smtp.smtp_tls");
		if (!(cfg->smtp = s))
			return ayb_err_oom(err);
		s->from = strdup(V("email.smtp.from"));
		s->reply_to = strdup(V("email.smtp.reply_to"));
		s->smtp_host = strdup(V("email.smtp.smtp_host"));
		s->smtp_username = strdup(V("email.smtp.smtp_username"));
		s->smtp_password = strdup(V("email.smtp.smtp_password"));
		if (int_of(raw, K("email.smtp.smtp_port"), &n, err) < 0)
			return -1;
		s->smtp_port = (int)n;
		if (!tls || !strcmp(tls, "implicit"))
			s->tls = AYB_SMTP_TLS_IMPLICIT;
		else if (!strcmp(tls, "starttls"))
			s->tls = AYB_SMTP_TLS_STARTTLS;
		else if (!strcmp(tls, "none"))
			s->tls = AYB_SMTP_TLS_NONE;
		else
			return bad(raw, K("email.smtp.smtp_tls"), err,
				   "expected \"implicit\", \"starttls\" or \"none\"");
	}
	if (raw->section_present[section_index("email.file", 10)])
		cfg->email_file_path = absolute(raw->file, V("email.file.path"));
	/* Anyone may ask for emails: limited by default (README "Isolation"). */
	if (int_or_default(raw, "email.max_per_address_per_hour", 5, &cfg->email_max_per_address,
			   err) < 0 ||
	    int_or_default(raw, "email.max_per_client_per_hour", 30, &cfg->email_max_per_client,
			   err) < 0)
		return -1;

	/* ayb trims the configured origin before comparing. */
	const char *o = V("cors.origin");
	size_t olen;
	while (isspace((unsigned char)*o))
		o++;
	olen = strlen(o);
	while (olen && isspace((unsigned char)o[olen - 1]))
		olen--;
	cfg->cors_origin = strndup(o, olen);

	if (raw->section_present[section_index("snapshots", 9)]) {
		struct ayb_snapshots_config *s = calloc(1, sizeof(*s));
		if (!(cfg->snapshots = s))
			return ayb_err_oom(err);
		s->access_key_id = strdup(V("snapshots.access_key_id"));
		s->secret_access_key = strdup(V("snapshots.secret_access_key"));
		s->bucket = strdup(V("snapshots.bucket"));
		s->path_prefix = strdup(V("snapshots.path_prefix"));
		s->endpoint_url = dup_or_null(V("snapshots.endpoint_url"));
		s->region = strdup(V("snapshots.region") ? V("snapshots.region") : "us-east-1");
		if (V("snapshots.force_path_style") &&
		    bool_of(raw, K("snapshots.force_path_style"), &s->force_path_style, err) < 0)
			return -1;
		if (raw->section_present[section_index("snapshots.automation", 20)]) {
			s->has_automation = 1;
			s->interval = strdup(V("snapshots.automation.interval"));
			s->interval_ms = ayb_config_parse_duration_ms(s->interval);
			if (s->interval_ms <= 0)
				return ayb_err_set(err, AYB_E_DURATION,
						   "Invalid duration `%s` for snapshots.automation.interval (examples: \"10m\", \"1h30m\", \"2s\")",
						   s->interval);
			if (int_of(raw, K("snapshots.automation.max_snapshots"), &n, err) < 0)
				return -1;
			s->max_snapshots = (int)n;
		}
	}
	if (isolation_typed(raw, &cfg->isolation, err) < 0)
		return -1;
	if (cfg->snapshots && continuous_typed(raw, cfg->snapshots, err) < 0)
		return -1;
	if (cfg->snapshots && cfg->snapshots->continuous) {
		/* Every commit is captured by the database's writer, which only
		 * the pooled, isolated workers have. */
		if (!cfg->isolation.enabled || cfg->isolation.mode != AYB_ISOLATION_POOL)
			return bad(raw, K("snapshots.continuous.enabled"), err,
				   "continuous backup needs isolation.enabled = true and "
				   "isolation.mode = \"pool\"");
		cfg->isolation.capture_wal = 1;
	}
	if (V("profile_links.allow_private_targets") &&
	    bool_of(raw, K("profile_links.allow_private_targets"),
		    &cfg->links.allow_private_targets, err) < 0)
		return -1;
	if (V("profile_links.ca_file") &&
	    !(cfg->links.ca_file = absolute(raw->file, V("profile_links.ca_file"))))
		return ayb_err_oom(err);
	if (cfg->database_url && node_typed(raw, cfg, err) < 0)
		return -1;
	if (!cfg->host || !cfg->database_url || !cfg->data_path || !cfg->fernet_key ||
	    !cfg->cors_origin)
		return ayb_err_oom(err);
	return 0;
}
