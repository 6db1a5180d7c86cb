/* The saved client configuration of `ayb client` (README "The `ayb`
 * command line"): the default server URL and one API token per server URL,
 * in a small JSON file.  The file holds tokens, so it is written with mode 0600, and it is
 * replaced atomically (temporary file, fsync, rename) so that a crash or a
 * full disk never leaves half a file behind. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "fs.h"

/* Configuration files are tiny; anything larger is not ours. */
#define CONFIG_MAX_BYTES (16 * 1024 * 1024)

static const char *home_dir(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home && *home)
		return home;
	pw = getpwuid(getuid());
	return pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
}

int client_config_path(const char *explicit_path, char **path, struct client_err *err)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home;

	*path = NULL;
	if (explicit_path)
		*path = strdup(explicit_path);
#ifdef __APPLE__
	else if ((home = home_dir()))
		*path = ayb_fmt("%s/Library/Application Support/org.ayb.ayb/ayb.json", home);
#else
	/* Like the XDG base directory spec: a relative XDG_CONFIG_HOME is
	 * ignored. */
	else if (xdg && xdg[0] == '/')
		*path = ayb_fmt("%s/ayb/ayb.json", xdg);
	else if ((home = home_dir()))
		*path = ayb_fmt("%s/.config/ayb/ayb.json", home);
#endif
	else
		return client_err_set(err, CLIENT_EXIT_FAIL,
				      "Cannot find a home directory for the client configuration "
				      "file; use --config or AYB_CLIENT_CONFIG_FILE");
	(void)xdg;
	if (!*path)
		return client_err_set(err, CLIENT_EXIT_FAIL, "Out of memory");
	return 0;
}

static int invalid(const struct client_config *cfg, struct client_err *err, const char *what)
{
	return client_err_set(err, CLIENT_EXIT_FAIL, "Invalid client configuration file %s: %s",
			      cfg->path ? cfg->path : "", what);
}

int client_config_parse(struct client_config *cfg, const char *text, struct client_err *err)
{
	cJSON *json = cJSON_Parse(text), *version, *auth, *url, *item;

	if (!json)
		return invalid(cfg, err, "not valid JSON");
	if (!cJSON_IsObject(json)) {
		cJSON_Delete(json);
		return invalid(cfg, err, "expected a JSON object");
	}
	version = cJSON_GetObjectItemCaseSensitive(json, "version");
	if (!cJSON_IsNumber(version) || version->valuedouble < 0 ||
	    version->valuedouble > 4294967295.0 ||
	    version->valuedouble != (double)(long long)version->valuedouble) {
		cJSON_Delete(json);
		return invalid(cfg, err, "missing or invalid \"version\"");
	}
	auth = cJSON_GetObjectItemCaseSensitive(json, "authentication");
	if (!cJSON_IsObject(auth)) {
		cJSON_Delete(json);
		return invalid(cfg, err, "missing or invalid \"authentication\"");
	}
	cJSON_ArrayForEach(item, auth) {
		if (!cJSON_IsString(item)) {
			cJSON_Delete(json);
			return invalid(cfg, err,
				       "every token in \"authentication\" must be a string");
		}
	}
	url = cJSON_GetObjectItemCaseSensitive(json, "default_url");
	if (url && !cJSON_IsNull(url) && !cJSON_IsString(url)) {
		cJSON_Delete(json);
		return invalid(cfg, err, "\"default_url\" must be a string or null");
	}
	cfg->version = (long long)version->valuedouble;
	free(cfg->default_url);
	cfg->default_url = NULL;
	if (url && cJSON_IsString(url) && !(cfg->default_url = strdup(url->valuestring))) {
		cJSON_Delete(json);
		return client_err_set(err, CLIENT_EXIT_FAIL, "Out of memory");
	}
	cJSON_Delete(cfg->authentication);
	cfg->authentication = cJSON_DetachItemViaPointer(json, auth);
	cJSON_Delete(json);
	return 0;
}

static int read_file(const char *path, char **text, int *missing, struct client_err *err)
{
	struct ayb_buf b = {0};
	struct stat st;
	char chunk[4096];
	ssize_t n;
	int fd, rc = -1;

	*text = NULL;
	*missing = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			*missing = 1;
			return 0;
		}
		return client_err_set(err, CLIENT_EXIT_FAIL,
				      "Cannot read client configuration file %s: %s", path,
				      strerror(errno));
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		client_err_set(err, CLIENT_EXIT_FAIL,
			       "Cannot read client configuration file %s: %s", path,
			       strerror(EISDIR));
		goto out;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			client_err_set(err, CLIENT_EXIT_FAIL,
				       "Cannot read client configuration file %s: %s", path,
				       strerror(errno));
			goto out;
		}
		if (b.len + (size_t)n > CONFIG_MAX_BYTES) {
			client_err_set(err, CLIENT_EXIT_FAIL,
				       "Invalid client configuration file %s: larger than %d bytes",
				       path, CONFIG_MAX_BYTES);
			goto out;
		}
		if (ayb_buf_add(&b, chunk, (size_t)n) < 0) {
			client_err_set(err, CLIENT_EXIT_FAIL, "Out of memory");
			goto out;
		}
	}
	*text = ayb_buf_take(&b);
	rc = *text ? 0 : client_err_set(err, CLIENT_EXIT_FAIL, "Out of memory");
out:
	ayb_buf_free(&b);
	close(fd);
	return rc;
}

static int set_empty(struct client_config *cfg)
{
	cfg->version = 1;
	cfg->default_url = NULL;
	cfg->authentication = cJSON_CreateObject();
	return cfg->authentication ? 0 : -1;
}

int client_config_load(struct client_config *cfg, char *path, struct client_err *err)
{
	char *text = NULL;
	int missing, rc;

	memset(cfg, 0, sizeof(*cfg));
	cfg->path = path;
	if (set_empty(cfg) < 0)
		return client_err_set(err, CLIENT_EXIT_FAIL, "Out of memory");
	if (read_file(path, &text, &missing, err) < 0)
		return -1;
	if (missing)
		return 0;
	rc = client_config_parse(cfg, text, err);
	free(text);
	return rc;
}

char *client_config_text(const struct client_config *cfg)
{
	struct ayb_buf b = {0};
	const cJSON *item;
	int first = 1;

	ayb_buf_printf(&b, "{\"version\":%lld,\"authentication\":{", cfg->version);
	cJSON_ArrayForEach(item, cfg->authentication) {
		if (!first)
			ayb_buf_addc(&b, ',');
		first = 0;
		ayb_buf_add_json_string(&b, item->string, strlen(item->string));
		ayb_buf_addc(&b, ':');
		ayb_buf_add_json_string(&b, item->valuestring, strlen(item->valuestring));
	}
	ayb_buf_adds(&b, "},\"default_url\":");
	if (cfg->default_url)
		ayb_buf_add_json_string(&b, cfg->default_url, strlen(cfg->default_url));
	else
		ayb_buf_adds(&b, "null");
	ayb_buf_addc(&b, '}');
	return ayb_buf_take(&b);
}

int client_config_save(const struct client_config *cfg, struct client_err *err)
{
	char *text = client_config_text(cfg), *real = NULL;
	const char *target = cfg->path;
	struct stat st;
	int rc = 0;

	if (!text)
		return client_err_set(err, CLIENT_EXIT_FAIL, "Out of memory");
	/* A symbolic link keeps pointing at the file it names. */
	if (lstat(target, &st) == 0 && S_ISLNK(st.st_mode) && (real = realpath(target, NULL)))
		target = real;
	/* A file made read-only stays unchanged, even for root (rename would
	 * otherwise replace it regardless of its mode). */
	if (stat(target, &st) == 0 && (!(st.st_mode & S_IWUSR) || access(target, W_OK) < 0)) {
		rc = client_err_set(err, CLIENT_EXIT_FAIL,
				    "Cannot write client configuration file %s: the file is "
				    "read-only", cfg->path);
	} else if (ayb_fs_mkdirs_for(target, 0700) < 0 ||
		   ayb_fs_write_atomic(target, text, strlen(text), 0600) < 0) {
		rc = client_err_set(err, CLIENT_EXIT_FAIL,
				    "Cannot write client configuration file %s: %s", cfg->path,
				    strerror(errno));
	}
	free(real);
	free(text);
	return rc;
}

const char *client_config_token(const struct client_config *cfg, const char *url)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(cfg->authentication, url);

	return cJSON_IsString(t) ? t->valuestring : NULL;
}

int client_config_set_token(struct client_config *cfg, const char *url, const char *token)
{
	cJSON *t = cJSON_CreateString(token), *old;

	if (!t)
		return -1;
	old = cJSON_GetObjectItemCaseSensitive(cfg->authentication, url);
	if (old) {
		if (cJSON_ReplaceItemInObjectCaseSensitive(cfg->authentication, url, t))
			return 0;
		cJSON_Delete(t);
		return -1;
	}
	if (!cJSON_AddItemToObject(cfg->authentication, url, t)) {
		cJSON_Delete(t);
		return -1;
	}
	return 0;
}

int client_config_set_default_url(struct client_config *cfg, const char *url)
{
	char *copy = strdup(url);

	if (!copy)
		return -1;
	free(cfg->default_url);
	cfg->default_url = copy;
	return 0;
}

void client_config_free(struct client_config *cfg)
{
	free(cfg->path);
	free(cfg->default_url);
	cJSON_Delete(cfg->authentication);
	memset(cfg, 0, sizeof(*cfg));
}
