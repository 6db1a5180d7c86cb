/* ayb.toml to ayb.conf: the TOML subset's details, and a round trip through
 * ayb-c's own loader, which must read back every value exactly as ayb did. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_convert.h"
#include "tap.h"
#include "toml.h"

/* The value of the first item keyed `key`, or the error message. */
static char got[512];
static const char *toml_value(const char *text, const char *key)
{
	struct ayb_toml doc;
	struct ayb_err err = {0};

	if (ayb_toml_parse(text, strlen(text), &doc, &err) < 0) {
		snprintf(got, sizeof(got), "error: %s", err.message);
		ayb_err_clear(&err);
		return got;
	}
	snprintf(got, sizeof(got), "(none)");
	for (size_t i = 0; i < doc.n; i++)
		if (doc.items[i].key && !strcmp(doc.items[i].key, key)) {
			snprintf(got, sizeof(got), "%s|%s|%d", doc.items[i].table,
				 doc.items[i].value, doc.items[i].line);
			break;
		}
	ayb_toml_free(&doc);
	return got;
}

static void reader(void)
{
	is_str(toml_value("a = \"x\\ty\\u00e9\\U0001F600\\\\\\\"\"", "a"),
	       "|x\ty\xc3\xa9\xf0\x9f\x98\x80\\\"|1", "basic string escapes");
	is_str(toml_value("a = 'C:\\path\\n'", "a"), "|C:\\path\\n|1",
	       "a literal string keeps backslashes");
	is_str(toml_value("\xef\xbb\xbf[t.u]\r\na = +1_000 # c\r\n", "a"), "t.u|1000|2",
	       "BOM, CRLF, [t.u], + and _ in an integer, a trailing comment");
	is_str(toml_value("[ t . u ]\na = -5", "a"), "t.u|-5|2", "blanks in a header");
	is_str(toml_value("a = true\n", "a"), "|true|1", "a boolean");
	is_str(toml_value("a = truex", "a"),
	       "error: line 1: expected a value: a \"string\", an integer, true or false",
	       "truex is not a boolean");
	is_str(toml_value("a = 1__0", "a"),
	       "error: line 1: '_' in a number must sit between digits",
	       "a doubled _");
	is_str(toml_value("a = 1_", "a"), "error: line 1: '_' in a number must sit between digits",
	       "a trailing _");
	is_str(toml_value("a = \"\"\"x\"\"\"", "a"),
	       "error: line 1: multi-line strings are not supported",
	       "a multi-line string");
	is_str(toml_value("\"a\" = 1", "a"), "error: line 1: quoted keys are not supported",
	       "a quoted key");
	is_str(toml_value("a = \"\xff\"", "a"), "error: line 1: a string must be UTF-8",
	       "a string that is not UTF-8");
	is_str(toml_value("a = \"\\u12\"", "a"),
	       "error: line 1: a \\u escape needs 4 hex digits, \\U 8",
	       "a short \\u escape");
	is_str(toml_value("a = 1979-05-27", "a"),
	       "error: line 1: only decimal integers are supported (no floats, dates or 0x)",
	       "a date");
	is_str(toml_value("a = 0x1f", "a"),
	       "error: line 1: only decimal integers are supported (no floats, dates or 0x)",
	       "hex");
	is_str(toml_value("a =", "a"), "error: line 1: a key needs a value", "no value");
	is_str(toml_value("[a\n", "a"), "error: line 1: a table header is [name] or [name.sub]",
	       "an unclosed header");
	is_str(toml_value("[a.]", "a"), "error: line 1: expected a key (letters, digits, _ or -)",
	       "an empty name in a header");
}

/* What ayb-c reads from the converted text of `toml`. */
static struct ayb_config *round_trip(const char *toml, const char *path)
{
	struct ayb_buf out = {0};
	struct ayb_err err = {0};
	struct ayb_config *cfg = NULL;
	FILE *f;

	if (ayb_config_convert(toml, strlen(toml), &out, &err) < 0) {
		printf("# convert: %s\n", err.message);
		goto out;
	}
	f = fopen(path, "w");
	if (!f)
		goto out;
	fputs(out.data, f);
	fclose(f);
	if (!(cfg = ayb_config_load(path, (char *[]){ NULL }, &err)))
		printf("# load: %s\n%s", err.message, out.data);
out:
	ayb_buf_free(&out);
	ayb_err_clear(&err);
	return cfg;
}

static void loader(void)
{
	char dir[] = "/tmp/ayb-test-convert.XXXXXX", path[300];
	struct ayb_config *cfg;
	static const char toml[] =
		"host = \"0.0.0.0\"\nport = 5433\n"
		"database_url = \"sqlite:///srv/ayb/ayb.sqlite\"\ndata_path = \"/srv/ayb/data\"\n"
		"[authentication]\nfernet_key = \"dGhpcyBpcyBhIDMyLWJ5dGUga2V5IGZvciB0ZXN0cyE=\"\n"
		"token_expiration_seconds = 600\n"
		"[email]\nfrom = \"Me <me@example.org>\"\nreply_to = \"r@example.org\"\n"
		"smtp_host = \"smtp.example.org\"\nsmtp_port = 465\n"
		"smtp_username = \"me\"\nsmtp_password = 'p\"a\\s${HOME}$'\n"
		"[snapshots]\nsqlite_method = \"Vacuum\"\naccess_key_id = \"k\"\n"
		"secret_access_key = \"s\"\nbucket = \"b\"\npath_prefix = \"\"\n"
		"force_path_style = true\n"
		"[snapshots.automation]\ninterval = \"1h30m\"\nmax_snapshots = 7\n"
		"[cors]\norigin = \"*\"\n[web]\nhosting_method = \"Local\"\n";

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/ayb.conf", dir);
	cfg = round_trip(toml, path);
	ok(cfg != NULL, "ayb-c loads the converted configuration");
	if (cfg) {
		is_str(cfg->host, "0.0.0.0", "host");
		is_int(cfg->port, 5433, "port");
		is_str(cfg->data_path, "/srv/ayb/data", "data_path");
		is_int(cfg->token_expiration_seconds, 600, "token_expiration_seconds");
		ok(cfg->smtp != NULL, "an older ayb's [email] SMTP keys are email.smtp");
		if (cfg->smtp) {
			is_str(cfg->smtp->from, "Me <me@example.org>", "  from");
			is_str(cfg->smtp->smtp_password, "p\"a\\s${HOME}$",
			       "  a password with \", \\ and ${HOME} stays as written");
			is_int(cfg->smtp->smtp_port, 465, "  smtp_port");
		}
		ok(cfg->snapshots && cfg->snapshots->force_path_style, "force_path_style");
		if (cfg->snapshots) {
			is_str(cfg->snapshots->path_prefix, "", "an empty path_prefix");
			is_str(cfg->snapshots->interval, "1h30m", "interval");
			is_int(cfg->snapshots->max_snapshots, 7, "max_snapshots");
		}
		ayb_config_free(cfg);
	}
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	reader();
	loader();
	return tap_done();
}
