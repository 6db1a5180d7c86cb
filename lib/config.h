/* ayb.conf: ayb's server configuration keys in libconfuse syntax, with
 * AYB__SECTION__KEY environment overrides (README "Configuration"). */
#ifndef AYB_CONFIG_H
#define AYB_CONFIG_H

#include <stdint.h>

#include "error.h"

enum ayb_smtp_tls {
	AYB_SMTP_TLS_IMPLICIT = 0, /* smtps://, as ayb does (default) */
	AYB_SMTP_TLS_STARTTLS,     /* smtp:// upgraded with STARTTLS, required */
	AYB_SMTP_TLS_NONE,         /* plain smtp://, for a local relay only */
};

struct ayb_smtp_config {
	char *from;
	char *reply_to;
	char *smtp_host;
	int smtp_port;
	char *smtp_username;
	char *smtp_password;
	enum ayb_smtp_tls tls;     /* key smtp_tls: "implicit" | "starttls" | "none" */
};

struct ayb_snapshots_config {
	char *access_key_id;
	char *secret_access_key;
	char *bucket;
	char *path_prefix;
	char *endpoint_url;        /* NULL: AWS for region */
	char *region;              /* "us-east-1" when unset */
	int force_path_style;
	int has_automation;
	char *interval;            /* Go duration text, validated */
	int64_t interval_ms;
	int max_snapshots;
	/* snapshots.continuous (README "Snapshots"): the WAL shipped to S3 */
	int continuous;            /* enabled */
	char *sync_interval;       /* "1s": a commit reaches S3 this long after */
	int64_t sync_ms;
	char *retention;           /* "7d": how far back a restore may go */
	int64_t retention_ms;
	char *spool_limit;         /* "1GB": unshipped bytes before a warning */
	int64_t spool_limit_bytes;
};

/* How tenant queries are confined (section `isolation`, README "Isolation").
 * Always filled in: the defaults apply when the section is absent. */
enum ayb_isolation_mode {
	AYB_ISOLATION_POOL = 0,    /* "pool": reused per-database worker processes */
	AYB_ISOLATION_FORK,        /* "fork": a fresh forked process per query */
};

struct ayb_isolation_config {
	int enabled;               /* false: queries run inside ayb-api.fcgi */
	enum ayb_isolation_mode mode;
	int64_t query_timeout_ms;  /* wall-clock time one query may run */
	int64_t heap_limit_mb;     /* sqlite3_hard_heap_limit64 */
	int64_t duckdb_memory_mb;  /* DuckDB's memory_limit (ayb's 128 MB) */
	int64_t max_result_rows;   /* 0: no cap */
	int64_t max_result_mb;     /* JSON bytes of a result; 0: no cap */
	int64_t max_file_size_mb;  /* RLIMIT_FSIZE and max_page_count */
	int64_t address_space_mb;  /* RLIMIT_AS of a worker */
	int64_t cpu_seconds;       /* RLIMIT_CPU of a worker */
	int64_t open_files;        /* RLIMIT_NOFILE of a worker */
	int64_t max_workers;       /* pooled workers per ayb-api.fcgi process */
	int64_t worker_idle_seconds; /* a pooled worker idle this long exits */
	int64_t max_queries_per_entity;   /* running at once, whole server; 0: no cap */
	int64_t max_queries_per_database; /* the same per database */
	int64_t max_batch_statements; /* statements in one batch request */
	int64_t max_batch_kb;         /* bytes of one JSON query request */
	int64_t max_batch_result_mb;  /* a batch's answer, held until it commits */
	int capture_wal;           /* snapshots.continuous.enabled: each database's
				      writer captures its commits (lib/pitr_capture.h) */
};

/* How profile links are checked (section `profile_links`, README
 * "Configuration").  Always filled in: the section may be absent. */
struct ayb_links_config {
	int allow_private_targets; /* 1: links may point at loopback and private networks */
	char *ca_file;             /* PEM CA certificates to trust; NULL: the system's */
};

/* This server as one node of several (section `node`, README "Several
 * machines"): which node it is and how it places and forwards databases. */
enum ayb_node_placement {
	AYB_PLACE_LOCAL = 0,       /* "local": the node that got the create request */
	AYB_PLACE_FEWEST,          /* "fewest": the live node holding fewest databases */
};
enum ayb_node_forward {
	AYB_FORWARD_CURL = 0,      /* "curl": ayb-api.fcgi proxies the request itself */
	AYB_FORWARD_X_ACCEL,       /* "x-accel": nginx proxies, told by X-Accel-Redirect */
};
struct ayb_node_config {
	char *name;                /* a slug-like name, unique among the nodes */
	char *url;                 /* how the other nodes reach this one: http://host:port */
	enum ayb_node_placement placement;
	enum ayb_node_forward forward;
	int64_t forward_timeout_ms; /* a forwarded request's whole time (curl) */
};

/* Every string is owned by the config and freed by ayb_config_free(). */
struct ayb_config {
	char *file;                /* the file read, or NULL when none existed */
	char *host;
	int port;
	char *public_url;          /* never NULL: defaults to http://localhost:<port> */
	char *database_url;
	char *data_path;
	char *fernet_key;
	unsigned char key[32];     /* fernet_key decoded */
	int64_t token_expiration_seconds;
	struct ayb_smtp_config *smtp;          /* NULL when [email.smtp] is absent */
	char *email_file_path;                 /* NULL when [email.file] is absent */
	int64_t email_max_per_address;         /* emails an hour to one address; 0: no limit */
	int64_t email_max_per_client;          /* ... asked for by one REMOTE_ADDR; 0: no limit */
	char *cors_origin;
	struct ayb_snapshots_config *snapshots; /* NULL when [snapshots] is absent */
	struct ayb_isolation_config isolation;
	struct ayb_links_config links;
	struct ayb_node_config *node;          /* NULL when [node] is absent: one node */
};

/* The path to read: `explicit_path` when given, else $AYB_CONFIG, else
 * $AYB_SERVER_CONFIG_FILE (ayb's name), else "./ayb.conf". */
const char *ayb_config_locate(const char *explicit_path);

/* Reads the file at `path` (a missing file is allowed when the environment
 * supplies every required key), applies AYB__... overrides from `envp`
 * (NULL: the process environment), and validates.  On failure returns NULL
 * and sets err (ConfigurationError) with one message naming the key and
 * the file.  The caller frees the result with ayb_config_free(). */
struct ayb_config *ayb_config_load(const char *path, char *const *envp,
				   struct ayb_err *err);
void ayb_config_free(struct ayb_config *cfg);

/* Parses a Go duration ("10m", "1h30m", "1.5s"); -1 when invalid. */
int64_t ayb_config_parse_duration_ms(const char *text);

/* The same, with whole days too ("7d", "1d12h"), for snapshots.continuous. */
int64_t ayb_config_parse_days_ms(const char *text);

/* Parses a size: bytes, or a number with KB, MB, GB or TB (powers of 1024);
 * -1 when invalid. */
int64_t ayb_config_parse_size(const char *text);

#endif
