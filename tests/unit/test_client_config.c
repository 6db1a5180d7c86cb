/* The saved client configuration: default path, exact file text, loading,
 * atomic saving with mode 0600, and the errors for bad files. */
#include "autoconfig.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "tap.h"

static char dir[] = "/tmp/ayb-client-config-XXXXXX";

static char *file_text(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[4096];
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static char *path_in(const char *name)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

static void test_default_path(void)
{
	struct client_err err = {0};
	char *path = NULL;

	setenv("XDG_CONFIG_HOME", "/xdg", 1);
	client_config_path(NULL, &path, &err);
	is_str(path, "/xdg/ayb/ayb.json", "XDG_CONFIG_HOME");
	free(path);
	setenv("XDG_CONFIG_HOME", "relative", 1);
	setenv("HOME", "/home/u", 1);
	client_config_path(NULL, &path, &err);
	is_str(path, "/home/u/.config/ayb/ayb.json", "relative XDG_CONFIG_HOME is ignored");
	free(path);
	unsetenv("XDG_CONFIG_HOME");
	client_config_path(NULL, &path, &err);
	is_str(path, "/home/u/.config/ayb/ayb.json", "HOME fallback");
	free(path);
	client_config_path("/given.json", &path, &err);
	is_str(path, "/given.json", "explicit path wins");
	free(path);
	client_err_clear(&err);
}

static void test_text(void)
{
	struct client_config cfg;
	struct client_err err = {0};
	char *text;

	is_int(client_config_load(&cfg, path_in("missing/ayb.json"), &err), 0,
	       "a missing file loads as empty");
	text = client_config_text(&cfg);
	is_str(text, "{\"version\":1,\"authentication\":{},\"default_url\":null}",
	       "empty configuration text");
	free(text);
	client_config_set_default_url(&cfg, "http://127.0.0.1:5434");
	text = client_config_text(&cfg);
	is_str(text,
	       "{\"version\":1,\"authentication\":{},\"default_url\":\"http://127.0.0.1:5434\"}",
	       "text with a default URL");
	free(text);
	client_config_set_token(&cfg, "http://127.0.0.1:5434", "ayb_a_b");
	client_config_set_token(&cfg, "http://other", "ayb_c_d");
	client_config_set_token(&cfg, "http://127.0.0.1:5434", "ayb_e_f");
	text = client_config_text(&cfg);
	is_str(text, "{\"version\":1,\"authentication\":{\"http://127.0.0.1:5434\":\"ayb_e_f\","
		     "\"http://other\":\"ayb_c_d\"},\"default_url\":\"http://127.0.0.1:5434\"}",
	       "a new token replaces the old one in place");
	free(text);
	is_str(client_config_token(&cfg, "http://other"), "ayb_c_d", "token lookup");
	ok(client_config_token(&cfg, "http://other/") == NULL, "token lookup is exact");
	client_config_free(&cfg);
	client_err_clear(&err);
}

static void load_error(const char *text, const char *needle, const char *name)
{
	struct client_config cfg;
	struct client_err err = {0};
	char *path = path_in("bad.json");

	write_text(path, text);
	is_int(client_config_load(&cfg, path, &err), -1, "%s: refused", name);
	ok(err.message && strstr(err.message, needle), "%s: message", name);
	if (!(err.message && strstr(err.message, needle)))
		printf("#   message: %s\n", err.message ? err.message : "(null)");
	is_int(err.exit_status, CLIENT_EXIT_FAIL, "%s: exit status 1", name);
	client_config_free(&cfg);
	client_err_clear(&err);
}

static void test_load(void)
{
	struct client_config cfg;
	struct client_err err = {0};
	char *path = path_in("good.json"), *text;

	write_text(path, "{ \"version\": 1, \"authentication\": {\"http://a\": \"ayb_x_y\"},\n"
			 "  \"default_url\": \"http://a\", \"extra\": true }\n");
	is_int(client_config_load(&cfg, path, &err), 0, "a hand-edited file loads");
	is_str(cfg.default_url, "http://a", "default_url read");
	is_str(client_config_token(&cfg, "http://a"), "ayb_x_y", "token read");
	text = client_config_text(&cfg);
	is_str(text, "{\"version\":1,\"authentication\":{\"http://a\":\"ayb_x_y\"},"
		     "\"default_url\":\"http://a\"}", "written back compact");
	free(text);
	client_config_free(&cfg);

	path = path_in("nourl.json");
	write_text(path, "{\"version\":1,\"authentication\":{}}");
	is_int(client_config_load(&cfg, path, &err), 0, "default_url is optional");
	ok(cfg.default_url == NULL, "no default_url");
	client_config_free(&cfg);

	load_error("{\"version\":1,", "not valid JSON", "truncated JSON");
	load_error("", "not valid JSON", "empty file");
	load_error("[]", "expected a JSON object", "array");
	load_error("{\"authentication\":{}}", "\"version\"", "no version");
	load_error("{\"version\":1}", "\"authentication\"", "no authentication");
	load_error("{\"version\":1,\"authentication\":{\"u\":1}}", "must be a string",
		   "token not a string");
	load_error("{\"version\":1,\"authentication\":{},\"default_url\":5}", "\"default_url\"",
		   "default_url not a string");
	load_error("{\"version\":\"1\",\"authentication\":{}}", "\"version\"", "version a string");

	path = path_in("adir");
	mkdir(path, 0700);
	is_int(client_config_load(&cfg, path, &err), -1, "a directory is refused");
	ok(err.message && strstr(err.message, "Is a directory"), "directory: message");
	client_config_free(&cfg);
	client_err_clear(&err);
}

static void test_save(void)
{
	struct client_config cfg;
	struct client_err err = {0};
	char *path = path_in("a/b/ayb.json"), *check = path_in("a/b/ayb.json"), *text;
	struct stat st;

	client_config_load(&cfg, path, &err);
	client_config_set_default_url(&cfg, "http://x");
	is_int(client_config_save(&cfg, &err), 0, "save creates parent directories");
	text = file_text(check);
	is_str(text, "{\"version\":1,\"authentication\":{},\"default_url\":\"http://x\"}",
	       "saved text has no trailing newline");
	ok(stat(check, &st) == 0 && (st.st_mode & 0777) == 0600, "file mode 0600");
	free(check);
	check = path_in("a/b");
	ok(stat(check, &st) == 0 && (st.st_mode & 0777) == 0700, "created directory mode 0700");
	free(check);

	/* Saving again replaces the file; no temporary file is left. */
	client_config_set_token(&cfg, "http://x", "ayb_s_t");
	is_int(client_config_save(&cfg, &err), 0, "second save");
	check = path_in("a/b");
	{
		char cmd[512];

		snprintf(cmd, sizeof(cmd), "test $(ls -A %s | wc -l) -eq 1", check);
		is_int(system(cmd), 0, "no temporary file left behind");
	}
	free(check);

	/* A read-only file is left alone, even for root. */
	chmod(cfg.path, 0400);
	is_int(client_config_save(&cfg, &err), -1, "read-only file refused");
	ok(err.message && strstr(err.message, "read-only"), "read-only: message");
	chmod(cfg.path, 0600);
	client_config_free(&cfg);

	/* A parent that is a file. */
	write_text(path = path_in("plainfile"), "x");
	free(path);
	path = path_in("plainfile/ayb.json");
	client_config_load(&cfg, path, &err);
	client_err_clear(&err);
	is_int(client_config_save(&cfg, &err), -1, "parent is a file");
	ok(err.message && strstr(err.message, "Not a directory"), "parent is a file: message");
	if (err.message)
		printf("# %s\n", err.message);
	client_config_free(&cfg);

	/* A symbolic link keeps pointing at its target. */
	path = path_in("target.json");
	write_text(path, "{\"version\":1,\"authentication\":{}}");
	check = path_in("link.json");
	if (symlink(path, check) == 0) {
		struct stat lst;

		client_config_load(&cfg, check, &err);
		client_config_set_default_url(&cfg, "http://l");
		is_int(client_config_save(&cfg, &err), 0, "save through a symlink");
		ok(lstat(cfg.path, &lst) == 0 && S_ISLNK(lst.st_mode), "the link stays a link");
		is_str(file_text(path), "{\"version\":1,\"authentication\":{},"
					"\"default_url\":\"http://l\"}", "the target was written");
		client_config_free(&cfg);
	} else {
		free(check);
	}
	free(path);
	client_err_clear(&err);
}

int main(void)
{
	char cmd[256];

	if (!mkdtemp(dir))
		return 1;
	test_default_path();
	test_text();
	test_load();
	test_save();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
