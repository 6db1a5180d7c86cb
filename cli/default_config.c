/* `ayb default_server_config`: a complete starter ayb.conf with a fresh key. */
#include "autoconfig.h"

#include <stdio.h>

#include "commands.h"
#include "token.h"

static const char head[] =
	"# ayb.conf: ayb-c server configuration (libconfuse syntax, ayb's key names).\n"
	"# Every key can be overridden from the environment: AYB__SECTION__KEY,\n"
	"# e.g. AYB__AUTHENTICATION__FERNET_KEY or AYB__EMAIL__FILE__PATH.\n"
	"host = \"127.0.0.1\"\n"
	"port = 5433\n"
	"# public_url = \"https://ayb.example.com\"\n"
	"database_url = \"sqlite://ayb_data/ayb.sqlite\"\n"
	"# database_url = \"postgresql://postgres_user:test@localhost:5432/test_db\"\n"
	"data_path = \"./ayb_data\"\n"
	"\n"
	"authentication {\n";

static const char tail[] =
	"  token_expiration_seconds = 3600\n"
	"}\n"
	"\n"
	"email {\n"
	"  # smtp {\n"
	"  #   from = \"Server Sender <server@example.org>\"\n"
	"  #   reply_to = \"Server Reply <replyto@example.org>\"\n"
	"  #   smtp_host = \"localhost\"\n"
	"  #   smtp_port = 465\n"
	"  #   smtp_username = \"login@example.org\"\n"
	"  #   smtp_password = \"the_password\"\n"
	"  #   smtp_tls = \"implicit\"   # implicit (port 465), starttls (587) or none (local relay)\n"
	"  # }\n"
	"  # Emails are appended to this file as JSON lines: handy without an SMTP server.\n"
	"  file {\n"
	"    path = \"./ayb_data/emails.jsonl\"\n"
	"  }\n"
	"  # max_per_address_per_hour = 5   # emails to one address (register, log_in); 0: no limit\n"
	"  # max_per_client_per_hour = 30   # emails asked for from one client address\n"
	"}\n"
	"\n"
	"cors {\n"
	"  origin = \"*\"\n"
	"}\n"
	"\n"
	"# snapshots {\n"
	"#   access_key_id = \"YOUR_S3_ACCESS_KEY_ID\"\n"
	"#   secret_access_key = \"YOUR_S3_ACCESS_KEY_SECRET\"\n"
	"#   bucket = \"bucket-to-upload-snapshots\"\n"
	"#   path_prefix = \"some/optional/prefix\"\n"
	"#   endpoint_url = \"https://s3.example.com\"\n"
	"#   region = \"us-east-1\"\n"
	"#   force_path_style = false\n"
	"#   automation {\n"
	"#     interval = \"10m\"\n"
	"#     max_snapshots = 3\n"
	"#   }\n"
	"#   # Continuous backup: every commit in S3 within sync_interval, and any\n"
	"#   # instant of the last `retention` restorable (README \"Snapshots\").\n"
	"#   continuous {\n"
	"#     enabled = false\n"
	"#     sync_interval = \"1s\"\n"
	"#     retention = \"7d\"\n"
	"#     spool_limit = \"1GB\"\n"
	"#   }\n"
	"# }\n"
	"\n"
	"# Tenant queries run in sandboxed worker processes within these limits\n"
	"# (the defaults; README \"Isolation\").\n"
	"# isolation {\n"
	"#   enabled = true\n"
	"#   query_timeout_ms = 10000\n"
	"#   heap_limit_mb = 64\n"
	"#   duckdb_memory_mb = 128\n"
	"#   max_result_rows = 1000000\n"
	"#   max_result_mb = 64\n"
	"#   max_file_size_mb = 256\n"
	"# }\n"
	"\n"
	"# One node of several sharing this PostgreSQL metadata store and S3 bucket\n"
	"# (README \"Several machines\"); absent: a single server.\n"
	"# node {\n"
	"#   name = \"node1\"\n"
	"#   url = \"http://10.0.0.1:5433\"   # how the other nodes reach this one\n"
	"#   placement = \"local\"            # new databases: local or fewest\n"
	"#   forward = \"curl\"               # curl, or x-accel under nginx\n"
	"#   forward_timeout_ms = 30000\n"
	"# }\n";

int cli_default_server_config(int argc, char **argv)
{
	char key[45];

	(void)argv;
	if (argc > 1) {
		fputs("error: unexpected argument\n\nUsage: ayb default_server_config\n", stderr);
		return 2;
	}
	if (ayb_token_init() < 0)
		return 1;
	ayb_token_new_key_text(key);
	printf("%s  fernet_key = \"%s\"\n%s", head, key, tail);
	return fflush(stdout) == 0 ? 0 : 1;
}
