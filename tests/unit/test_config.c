/* ayb.conf: parsing, defaults, environment overrides, and one clear
 * message per mistake. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "tap.h"
#include "token.h"

static char dir[] = "/tmp/ayb-test-config.XXXXXX";
static char path[256];

#define KEY "dGhpcyBpcyBhIDMyLWJ5dGUga2V5IGZvciB0ZXN0cyE="

static const char base[] =
	"host = \"127.0.0.1\"\n"
	"port = 5433\n"
	"database_url = \"sqlite://ayb_data/ayb.sqlite\"\n"
	"data_path = \"./ayb_data\"\n"
	"authentication {\n  fernet_key = \"" KEY "\"\n  token_expiration_seconds = 3600\n}\n"
	"email {\n  file {\n    path = \"./ayb_data/emails.jsonl\"\n  }\n}\n"
	"cors {\n  origin = \" https://app.example.com \"\n}\n";

static void write_conf(const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

/* Loads `text` with the given environment; returns the config or NULL with
 * the message in msg. */
static struct ayb_config *load(const char *text, char **env, char *msg, size_t n)
{
	struct ayb_err err = { 0 };
	struct ayb_config *cfg;
	static char *empty[] = { NULL };

	if (text)
		write_conf(text);
	else
		unlink(path);
	cfg = ayb_config_load(path, env ? env : empty, &err);
	snprintf(msg, n, "%s", err.message ? err.message : "");
	ayb_err_clear(&err);
	return cfg;
}

/* The base config with one line replaced by `with` (or removed if empty). */
static char *edit(const char *line, const char *with)
{
	static char out[4096];
	const char *p = strstr(base, line);
	size_t n = (size_t)(p - base);

	memcpy(out, base, n);
	snprintf(out + n, sizeof(out) - n, "%s%s", with, p + strlen(line));
	return out;
}

int main(void)
{
	struct ayb_config *cfg;
	char msg[1024], cwd[512], want[600];

	ayb_token_init();
	if (!mkdtemp(dir) || chdir(dir) != 0 || !getcwd(cwd, sizeof(cwd)))
		return 1;
	snprintf(path, sizeof(path), "%s/ayb.conf", dir);

	cfg = load(base, NULL, msg, sizeof(msg));
	ok(cfg != NULL, "the base config loads (%s)", msg);
	if (!cfg)
		return tap_done();
	is_str(cfg->host, "127.0.0.1", "host");
	is_int(cfg->port, 5433, "port");
	is_str(cfg->public_url, "http://localhost:5433", "public_url defaults to localhost:<port>");
	snprintf(want, sizeof(want), "sqlite://%s/ayb_data/ayb.sqlite", cwd);
	is_str(cfg->database_url, want, "relative sqlite path made absolute");
	snprintf(want, sizeof(want), "%s/ayb_data", cwd);
	is_str(cfg->data_path, want, "relative data_path made absolute");
	is_int(cfg->token_expiration_seconds, 3600, "token_expiration_seconds");
	ok(cfg->smtp == NULL, "no smtp section");
	ok(cfg->email_file_path != NULL, "file email backend");
	is_str(cfg->cors_origin, "https://app.example.com", "cors origin trimmed");
	ok(cfg->snapshots == NULL, "no snapshots section");
	ok(memcmp(cfg->key, "this is a 32-byte key for tests!", 32) == 0, "fernet key decoded");
	ayb_config_free(cfg);

	char *env1[] = { "AYB__PORT=6000", "AYB__AUTHENTICATION__TOKEN_EXPIRATION_SECONDS=60",
			 "AYB__EMAIL__SMTP__FROM=ayb <a@example.org>",
			 "AYB__EMAIL__SMTP__REPLY_TO=ayb <a@example.org>",
			 "AYB__EMAIL__SMTP__SMTP_HOST=127.0.0.1",
			 "AYB__EMAIL__SMTP__SMTP_PORT=2525",
			 "AYB__EMAIL__SMTP__SMTP_USERNAME=u", "AYB__EMAIL__SMTP__SMTP_PASSWORD=p",
			 "AYB__EMAIL__SMTP__SMTP_TLS=none", "AYB__UNKNOWN__KEY=ignored", "OTHER=1",
			 NULL };
	cfg = load(base, env1, msg, sizeof(msg));
	ok(cfg != NULL, "environment overrides load (%s)", msg);
	if (cfg) {
		is_int(cfg->port, 6000, "AYB__PORT overrides port");
		is_str(cfg->public_url, "http://localhost:6000",
		       "default public_url follows the port");
		is_int(cfg->token_expiration_seconds, 60, "nested override");
		ok(cfg->smtp != NULL, "the environment creates the smtp section");
		if (cfg->smtp) {
			is_int(cfg->smtp->smtp_port, 2525, "smtp port");
			is_int(cfg->smtp->tls, AYB_SMTP_TLS_NONE, "smtp_tls none");
		}
		ayb_config_free(cfg);
	}

	char *env_only[] = { "AYB__HOST=0.0.0.0", "AYB__PORT=5433",
			     "AYB__DATABASE_URL=sqlite:///tmp/x.sqlite", "AYB__DATA_PATH=/tmp/d",
			     "AYB__AUTHENTICATION__FERNET_KEY=" KEY,
			     "AYB__AUTHENTICATION__TOKEN_EXPIRATION_SECONDS=10",
			     "AYB__EMAIL__FILE__PATH=/tmp/e.jsonl", "AYB__CORS__ORIGIN=*", NULL };
	cfg = load(NULL, env_only, msg, sizeof(msg));
	ok(cfg != NULL, "a missing file is fine when the environment has every key (%s)", msg);
	if (cfg) {
		ok(cfg->file == NULL, "no file recorded");
		is_str(cfg->database_url, "sqlite:///tmp/x.sqlite", "absolute sqlite path kept");
		ayb_config_free(cfg);
	}

	cfg = load(edit("  fernet_key = \"" KEY "\"\n", ""), NULL, msg, sizeof(msg));
	ok(cfg == NULL, "missing fernet_key fails");
	snprintf(want, sizeof(want),
		 "Missing required configuration key `authentication.fernet_key`: set it in %s or with the environment variable AYB__AUTHENTICATION__FERNET_KEY",
		 path);
	is_str(msg, want, "missing key message names the key, file and variable");

	cfg = load(edit("port = 5433\n", "port = \"abc\"\n"), NULL, msg, sizeof(msg));
	ok(cfg == NULL && strstr(msg, path) && strstr(msg, "port"),
	   "a string for an int fails naming file and key: %s", msg);

	cfg = load(edit("port = 5433\n", "port = 70000\n"), NULL, msg, sizeof(msg));
	snprintf(want, sizeof(want), "Invalid value for `port` in %s: must be between 1 and 65535",
		 path);
	is_str(msg, want, "port out of range");

	char *bad_env[] = { "AYB__PORT=x", NULL };
	cfg = load(base, bad_env, msg, sizeof(msg));
	is_str(msg, "Invalid value for environment variable AYB__PORT: expected a whole number",
	       "a bad environment value names the variable");

	cfg = load(edit("host = \"127.0.0.1\"\n", "hots = \"127.0.0.1\"\n"), NULL, msg,
		   sizeof(msg));
	ok(cfg == NULL && strstr(msg, "hots") && strstr(msg, path), "an unknown key is named: %s",
	   msg);

	cfg = load("port = \n", NULL, msg, sizeof(msg));
	ok(cfg == NULL && strstr(msg, "Invalid configuration file"), "syntax error: %s", msg);

	cfg = load(edit("email {\n  file {\n    path = \"./ayb_data/emails.jsonl\"\n  }\n}\n", ""),
		   NULL, msg, sizeof(msg));
	ok(cfg == NULL &&
	   strncmp(msg, "At least one email backend (smtp or file) must be configured", 60) == 0,
	   "no email backend: %s", msg);

	cfg = load(edit("  fernet_key = \"" KEY "\"\n", "  fernet_key = \"short\"\n"), NULL, msg,
		   sizeof(msg));
	ok(cfg == NULL && strstr(msg, "authentication.fernet_key") && strstr(msg, "32 bytes"),
	   "a bad fernet key fails at start: %s", msg);

	cfg = load(edit("database_url = \"sqlite://ayb_data/ayb.sqlite\"\n",
			"database_url = \"mysql://x\"\n"), NULL, msg, sizeof(msg));
	ok(cfg == NULL &&
	   strstr(msg, "Database type for mysql://x is not supported "
		  "(currently only SQLite and PostgreSQL)"),
	   "unsupported database_url: %s", msg);

	cfg = load(edit("port = 5433\n", "port = 5433\npublic_url = \"https://x.org/path\"\n"),
		   NULL, msg, sizeof(msg));
	ok(cfg == NULL && strstr(msg, "public_url"), "public_url with a path fails: %s", msg);

	cfg = load(edit("cors {", "email { smtp { from = \"a <a@b.c>\" } }\ncors {"), NULL, msg,
		   sizeof(msg));
	ok(cfg == NULL, "a present smtp section needs all its keys: %s", msg);

	cfg = load(edit("cors {", "snapshots {\n access_key_id = \"a\"\n"
				  " secret_access_key = \"s\"\n bucket = \"b\"\n path_prefix = \"\"\n automation {\n"
				  "  interval = \"1h30m\"\n  max_snapshots = 3\n }\n}\ncors {"),
		   NULL, msg, sizeof(msg));
	ok(cfg != NULL, "snapshots section loads (%s)", msg);
	if (cfg) {
		is_str(cfg->snapshots->region, "us-east-1", "region default");
		is_int(cfg->snapshots->interval_ms, 5400000, "1h30m");
		is_int(cfg->snapshots->max_snapshots, 3, "max_snapshots");
		ayb_config_free(cfg);
	}
	cfg = load(edit("cors {", "snapshots {\n access_key_id = \"a\"\n"
				  " secret_access_key = \"s\"\n bucket = \"b\"\n path_prefix = \"\"\n automation {\n"
				  "  interval = \"often\"\n  max_snapshots = 3\n }\n}\ncors {"),
		   NULL, msg, sizeof(msg));
	ok(cfg == NULL && strstr(msg, "often"), "a bad interval fails: %s", msg);

	/* snapshots.continuous: off by default with its defaults; values,
	 * days and sizes; each bad value names its key. */
	cfg = load(edit("cors {", "snapshots {\n access_key_id = \"a\"\n"
				  " secret_access_key = \"s\"\n bucket = \"b\"\n path_prefix = \"\"\n}\ncors {"),
		   NULL, msg, sizeof(msg));
	if (cfg) {
		ok(!cfg->snapshots->continuous && !cfg->isolation.capture_wal,
		   "continuous backup is off by default");
		is_int(cfg->snapshots->sync_ms, 1000, "sync_interval 1s by default");
		is_int(cfg->snapshots->retention_ms, 7 * 86400000LL, "retention 7d by default");
		is_int(cfg->snapshots->spool_limit_bytes, 1LL << 30, "spool_limit 1GB by default");
		ayb_config_free(cfg);
	}
	cfg = load(edit("cors {", "snapshots {\n access_key_id = \"a\"\n"
				  " secret_access_key = \"s\"\n bucket = \"b\"\n path_prefix = \"\"\n"
				  " continuous {\n  enabled = true\n  sync_interval = \"250ms\"\n"
				  "  retention = \"1d12h\"\n  spool_limit = \"512MB\"\n }\n}\ncors {"),
		   NULL, msg, sizeof(msg));
	ok(cfg != NULL, "a continuous section loads (%s)", msg);
	if (cfg) {
		ok(cfg->snapshots->continuous && cfg->isolation.capture_wal,
		   "enabled: the writers capture");
		is_int(cfg->snapshots->sync_ms, 250, "250ms");
		is_int(cfg->snapshots->retention_ms, 36 * 3600000LL, "1d12h");
		is_int(cfg->snapshots->spool_limit_bytes, 512LL << 20, "512MB");
		ayb_config_free(cfg);
	}
	{
		static const char *const bad[] = {
			"sync_interval = \"soon\"", "sync_interval = \"5ms\"",
			"sync_interval = \"2h\"",
			"retention = \"30s\"", "retention = \"xd\"", "spool_limit = \"1 GB\"",
			"spool_limit = \"0\"",
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char section[256], key[32];

			snprintf(key, sizeof(key), "%.*s", (int)strcspn(bad[i], " "), bad[i]);
			snprintf(section, sizeof(section),
				 "snapshots {\n access_key_id = \"a\"\n secret_access_key = \"s\"\n"
				 " bucket = \"b\"\n path_prefix = \"\"\n continuous {\n  %s\n }\n}\n"
				 "cors {", bad[i]);
			cfg = load(edit("cors {", section), NULL, msg, sizeof(msg));
			ok(cfg == NULL && strstr(msg, key) && strstr(msg, "expected"),
			   "%s is refused: %s", bad[i], msg);
			ayb_config_free(cfg);
		}
	}
	cfg = load(edit("cors {", "isolation {\n mode = \"fork\"\n}\nsnapshots {\n"
				  " access_key_id = \"a\"\n secret_access_key = \"s\"\n bucket = \"b\"\n"
				  " path_prefix = \"\"\n continuous {\n  enabled = true\n }\n}\ncors {"),
		   NULL, msg, sizeof(msg));
	ok(cfg == NULL && strstr(msg, "isolation.mode"), "continuous backup needs the pool: %s",
	   msg);
	ayb_config_free(cfg);

	/* isolation: defaults without the section, values, and bad values. */
	cfg = load(base, NULL, msg, sizeof(msg));
	if (cfg) {
		const struct ayb_isolation_config *iso = &cfg->isolation;

		ok(iso->enabled && iso->mode == AYB_ISOLATION_POOL,
		   "isolation on, pooled, by default");
		ok(iso->query_timeout_ms == 10000 && iso->heap_limit_mb == 64 &&
		   iso->max_result_rows == 1000000 && iso->max_result_mb == 64 &&
		   iso->max_file_size_mb == 256 && iso->address_space_mb == 256 &&
		   iso->cpu_seconds == 60 && iso->open_files == 32 && iso->max_workers == 8 &&
		   iso->worker_idle_seconds == 300, "isolation defaults");
		ok(iso->max_queries_per_entity == 4 && iso->max_queries_per_database == 4,
		   "4 queries at once per entity and per database by default");
		ok(iso->duckdb_memory_mb == 128, "DuckDB's memory cap: ayb's 128 MB by default");
		ok(iso->max_batch_statements == 1000 && iso->max_batch_kb == 256 &&
		   iso->max_batch_result_mb == 8, "batch limits by default");
		ayb_config_free(cfg);
	}
	cfg = load(edit("cors {", "isolation {\n max_batch_statements = 5\n max_batch_kb = 16\n"
				  " max_batch_result_mb = 2\n}\ncors {"),
		   NULL, msg, sizeof(msg));
	ok(cfg && cfg->isolation.max_batch_statements == 5 && cfg->isolation.max_batch_kb == 16 &&
	   cfg->isolation.max_batch_result_mb == 2, "batch limits set (%s)", msg);
	ayb_config_free(cfg);
	cfg = load(edit("cors {", "isolation {\n max_batch_kb = 300\n}\ncors {"), NULL, msg,
		   sizeof(msg));
	ok(cfg == NULL && strstr(msg, "max_batch_kb"),
	   "a batch body limit past the query route's 256 KiB fails: %s", msg);
	ayb_config_free(cfg);
	cfg = load(edit("cors {", "isolation {\n max_queries_per_entity = 0\n"
				  " max_queries_per_database = 16\n}\ncors {"),
		   NULL, msg, sizeof(msg));
	ok(cfg && cfg->isolation.max_queries_per_entity == 0 &&
	   cfg->isolation.max_queries_per_database == 16, "query caps set (0: none) (%s)", msg);
	ayb_config_free(cfg);
	cfg = load(edit("cors {", "isolation {\n max_queries_per_entity = -1\n}\ncors {"), NULL,
		   msg, sizeof(msg));
	ok(cfg == NULL && strstr(msg, "isolation.max_queries_per_entity"),
	   "a negative query cap: %s", msg);
	cfg = load(edit("cors {", "isolation {\n enabled = false\n mode = \"fork\"\n"
				  " query_timeout_ms = 500\n max_result_rows = 0\n}\ncors {"),
		   NULL, msg, sizeof(msg));
	ok(cfg && !cfg->isolation.enabled && cfg->isolation.mode == AYB_ISOLATION_FORK &&
	   cfg->isolation.query_timeout_ms == 500 && cfg->isolation.max_result_rows == 0 &&
	   cfg->isolation.heap_limit_mb == 64, "isolation values, the rest defaulted (%s)", msg);
	ayb_config_free(cfg);
	{
		char *env[] = { (char *)"AYB__ISOLATION__QUERY_TIMEOUT_MS=2500", NULL };

		cfg = load(base, env, msg, sizeof(msg));
		ok(cfg && cfg->isolation.query_timeout_ms == 2500,
		   "AYB__ISOLATION__QUERY_TIMEOUT_MS");
		ayb_config_free(cfg);
	}
	cfg = load(edit("cors {", "isolation {\n mode = \"thread\"\n}\ncors {"), NULL, msg,
		   sizeof(msg));
	ok(cfg == NULL && strstr(msg, "isolation.mode") && strstr(msg, "\"pool\" or \"fork\""),
	   "an unknown isolation mode: %s", msg);
	cfg = load(edit("cors {", "isolation {\n heap_limit_mb = 0\n}\ncors {"), NULL, msg,
		   sizeof(msg));
	ok(cfg == NULL && strstr(msg, "isolation.heap_limit_mb"), "a zero heap limit: %s", msg);
	cfg = load(edit("cors {", "isolation {\n query_timeout_ms = 60000\n}\ncors {"), NULL, msg,
		   sizeof(msg));
	ok(cfg == NULL && strstr(msg, "cpu_seconds must exceed"),
	   "a timeout the CPU limit would cut short: %s", msg);
	cfg = load(edit("cors {", "isolation {\n cpu_limit = 3\n}\ncors {"), NULL, msg,
		   sizeof(msg));
	ok(cfg == NULL && strstr(msg, "cpu_limit"), "an unknown isolation key: %s", msg);

	/* Email limits: defaults, values (0: none), the environment, bad values. */
	cfg = load(base, NULL, msg, sizeof(msg));
	ok(cfg && cfg->email_max_per_address == 5 && cfg->email_max_per_client == 30,
	   "email limits default to 5 an hour per address, 30 per client (%s)", msg);
	ayb_config_free(cfg);
	cfg = load(edit("  }\n}\ncors", "  }\n  max_per_address_per_hour = 0\n"
					  "  max_per_client_per_hour = 100\n}\ncors"),
		   NULL, msg, sizeof(msg));
	ok(cfg && cfg->email_max_per_address == 0 && cfg->email_max_per_client == 100,
	   "email limits set (%s)", msg);
	ayb_config_free(cfg);
	{
		char *env[] = { (char *)"AYB__EMAIL__MAX_PER_ADDRESS_PER_HOUR=7", NULL };

		cfg = load(base, env, msg, sizeof(msg));
		ok(cfg && cfg->email_max_per_address == 7, "AYB__EMAIL__MAX_PER_ADDRESS_PER_HOUR");
		ayb_config_free(cfg);
	}
	cfg = load(edit("  }\n}\ncors", "  }\n  max_per_client_per_hour = -1\n}\ncors"), NULL,
		   msg, sizeof(msg));
	ok(cfg == NULL && strstr(msg, "email.max_per_client_per_hour"),
	   "a negative email limit: %s", msg);
	/* profile_links: private targets off by default; the CA file is
	 * resolved like every path. */
	cfg = load(base, NULL, msg, sizeof(msg));
	ok(cfg && !cfg->links.allow_private_targets && !cfg->links.ca_file,
	   "profile links: no private targets, the system's CAs by default");
	ayb_config_free(cfg);
	cfg = load(edit("cors {", "profile_links {\n allow_private_targets = true\n"
				  " ca_file = \"ca.pem\"\n}\ncors {"),
		   NULL, msg, sizeof(msg));
	ok(cfg && cfg->links.allow_private_targets && cfg->links.ca_file &&
	   strncmp(cfg->links.ca_file, dir, strlen(dir)) == 0 &&
	   strcmp(cfg->links.ca_file + strlen(dir), "/ca.pem") == 0,
	   "profile_links values, the CA file beside the configuration (%s)", msg);
	ayb_config_free(cfg);
	{
		char *env[] = { (char *)"AYB__PROFILE_LINKS__ALLOW_PRIVATE_TARGETS=true", NULL };

		cfg = load(base, env, msg, sizeof(msg));
		ok(cfg && cfg->links.allow_private_targets,
		   "AYB__PROFILE_LINKS__ALLOW_PRIVATE_TARGETS");
		ayb_config_free(cfg);
	}
	cfg = load(edit("cors {", "profile_links {\n allow_private_targets = maybe\n}\ncors {"),
		   NULL, msg, sizeof(msg));
	ok(cfg == NULL && strstr(msg, "allow_private_targets"), "a bad switch fails: %s", msg);

	/* node (README "Several machines"): absent by default; it needs the
	 * PostgreSQL metadata the nodes share. */
	cfg = load(base, NULL, msg, sizeof(msg));
	ok(cfg && !cfg->node, "no node section: one server");
	ayb_config_free(cfg);
	cfg = load(edit("cors {", "node {\n name = \"n1\"\n url = \"http://10.0.0.1:5433\"\n}\n"
				  "cors {"), NULL, msg, sizeof(msg));
	ok(cfg == NULL && strstr(msg, "needs the PostgreSQL metadata store"),
	   "a node on SQLite metadata: %s", msg);
	{
		char conf[4096];

		snprintf(conf, sizeof(conf), "%s",
			 edit("sqlite://ayb_data/ayb.sqlite", "postgresql://u@h/db"));
		snprintf(conf + strlen(conf), sizeof(conf) - strlen(conf),
			 "node {\n name = \"n1\"\n url = \"http://10.0.0.1:5433\"\n"
			 " placement = \"fewest\"\n forward = \"x-accel\"\n}\n");
		cfg = load(conf, NULL, msg, sizeof(msg));
		ok(cfg && cfg->node && !strcmp(cfg->node->name, "n1") &&
		   !strcmp(cfg->node->url, "http://10.0.0.1:5433") &&
		   cfg->node->placement == AYB_PLACE_FEWEST &&
		   cfg->node->forward == AYB_FORWARD_X_ACCEL &&
		   cfg->node->forward_timeout_ms == 30000, "node values (%s)", msg);
		ayb_config_free(cfg);
		strcpy(strstr(conf, " placement"), "}\n");
		cfg = load(conf, NULL, msg, sizeof(msg));
		ok(cfg && cfg->node->placement == AYB_PLACE_LOCAL &&
		   cfg->node->forward == AYB_FORWARD_CURL, "node defaults: local, curl (%s)", msg);
		ayb_config_free(cfg);
		strcpy(strstr(conf, " url"), " url = \"http://h/x\"\n}\n");
		cfg = load(conf, NULL, msg, sizeof(msg));
		ok(cfg == NULL && strstr(msg, "node.url"), "a url with a path: %s", msg);
		strcpy(strstr(conf, " name"), " name = \"N 1\"\n url = \"http://h\"\n}\n");
		cfg = load(conf, NULL, msg, sizeof(msg));
		ok(cfg == NULL && strstr(msg, "node.name"), "a bad node name: %s", msg);
		strcpy(strstr(conf, " name"), " name = \"n1\"\n}\n");
		cfg = load(conf, NULL, msg, sizeof(msg));
		ok(cfg == NULL && strstr(msg, "node.url"), "no url: %s", msg);
	}

	is_int(ayb_config_parse_duration_ms("10m"), 600000, "10m");
	is_int(ayb_config_parse_duration_ms("2s"), 2000, "2s");
	is_int(ayb_config_parse_duration_ms("1.5h"), 5400000, "1.5h");
	is_int(ayb_config_parse_duration_ms("300ms"), 300, "300ms");
	is_int(ayb_config_parse_duration_ms("1m30s"), 90000, "1m30s");
	is_int(ayb_config_parse_duration_ms("10"), -1, "a number without a unit");
	is_int(ayb_config_parse_duration_ms(""), -1, "empty");
	is_int(ayb_config_parse_duration_ms("5x"), -1, "unknown unit");

	setenv("AYB_CONFIG", "/etc/from-env.conf", 1);
	is_str(ayb_config_locate("/x/explicit.conf"), "/x/explicit.conf", "--config wins");
	is_str(ayb_config_locate(NULL), "/etc/from-env.conf", "then AYB_CONFIG");
	unsetenv("AYB_CONFIG");
	unsetenv("AYB_SERVER_CONFIG_FILE");
	is_str(ayb_config_locate(NULL), "./ayb.conf", "then ./ayb.conf");

	unlink(path);
	rmdir(dir);
	return tap_done();
}
