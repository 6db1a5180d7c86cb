#!/bin/sh
# `ayb convert_config` (README "Moving from ayb"): ayb's README configuration
# becomes an ayb.conf that `ayb server` starts with; TOML outside the subset
# ayb uses, keys ayb-c cannot place and values of the wrong type are refused
# with the line they are on, and print nothing.
. "$(dirname "$0")/lib.sh"

# convert ARGS...: `ayb convert_config ARGS`, setting OUT, ERR and RC.
convert() {
	OUT=$("$AYB" convert_config "$@" 2>"$T/stderr"; echo "rc=$?")
	RC=${OUT##*rc=}
	OUT=$(printf '%s' "${OUT%rc=*}")
	ERR=$(cat "$T/stderr")
}

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
mkdir -p "$T/srv"
# ayb's README configuration (its default_server_config and snapshots
# example), with a free port, a file email log, and the keys ayb retired.
cat >"$T/srv/ayb.toml" <<TOML
host = "127.0.0.1"
port = $PORT
database_url = "sqlite://ayb_data/ayb.sqlite"
# Or, for Postgres:
# database_url = "postgresql://postgres_user:test@localhost:5432/test_db"
data_path = "./ayb_data"

[authentication]
# A secret (and unique to your server) key that is used for account registration.
fernet_key = "eJ1Xb8RKNyqsPHW2qBNHC2KmaPI1hyxjT1IPCWz-0_0="
token_expiration_seconds = 3600

[email.file]
path = "./ayb_data/emails.jsonl"

[cors]
origin = 'https://app.example.org'   # a literal string

[web]
hosting_method = "Local"

[snapshots]
sqlite_method = "Vacuum"
access_key_id = "YOUR_S3_ACCESS_KEY_ID"
secret_access_key = "YOUR \"S3\" \\\\ SECRET \u00e9"
bucket = "bucket-to-upload-snapshots"
path_prefix = "some/optional/prefix"
endpoint_url = "http://127.0.0.1:9"  # Optional
region = "us-east-1"  # Optional
force_path_style = false  # Optional
TOML
convert "$T/srv/ayb.toml"
is "$RC" 0 "ayb's README configuration converts"
is "$OUT" "# ayb.conf, converted from ayb.toml by \`ayb convert_config\` (README \"Moving from ayb\").
# A relative path here is read against this file's directory (ayb read it against
# the directory it was started in): keep this file there, or make the paths absolute.
host = \"127.0.0.1\"
port = $PORT
database_url = \"sqlite://ayb_data/ayb.sqlite\"
data_path = \"./ayb_data\"

authentication {
  fernet_key = \"eJ1Xb8RKNyqsPHW2qBNHC2KmaPI1hyxjT1IPCWz-0_0=\"
  token_expiration_seconds = 3600
}

email {
  file {
    path = \"./ayb_data/emails.jsonl\"
  }
}

cors {
  origin = \"https://app.example.org\"
}

snapshots {
  # sqlite_method = \"Vacuum\"   # retired by ayb: snapshots are always taken with VACUUM INTO
  access_key_id = \"YOUR_S3_ACCESS_KEY_ID\"
  secret_access_key = \"YOUR \\\"S3\\\" \\\\ SECRET é\"
  bucket = \"bucket-to-upload-snapshots\"
  path_prefix = \"some/optional/prefix\"
  endpoint_url = \"http://127.0.0.1:9\"
  region = \"us-east-1\"
  force_path_style = false
}

# Not carried over (ayb.toml's lines, for the record):
# [web]   # retired by ayb: the server serves its web UI itself (README \"Web UI\")
#   hosting_method = \"Local\"" "  into ayb.conf, retired keys as comments"
printf '%s\n' "$OUT" >"$T/srv/ayb.conf"

# The converted file is what ayb-c runs with.
"$AYB" server --config "$T/srv/ayb.conf" >"$T/server.log" 2>&1 &
SERVER_PID=$!
_wait_ready || bail "the port was taken"
api OPTIONS /v1/register -H 'Origin: https://app.example.org' \
	-H 'Access-Control-Request-Method: POST'
is "$STATUS $(header access-control-allow-origin)" "200 https://app.example.org" \
	"ayb server runs on it, with its cors origin"
run --url "$URL" register marcua marcua@example.org
is "$RC" 0 "  and its file email backend"
grep -q '"to":"marcua@example.org"' "$T/srv/ayb_data/emails.jsonl"
ok $? "  under its data_path, read against the file's directory"
e2e_stop_server
out=$("$AYB" admin adopt --config "$T/srv/ayb.conf" 2>&1)
like "$?:$out" "0:sqlite://$T/srv/ayb_data/ayb.sqlite is already ayb-c's (adopted, or made by ayb-c): nothing to change in it." \
	"ayb admin adopt leaves a store ayb-c made alone"

convert - <"$T/srv/ayb.toml"
is "$RC" 0 "standard input converts too"

# An older ayb's flat [email] SMTP keys.
printf '[email]\nfrom = "a <a@example.org>"\nsmtp_port = 465\n' >"$T/old.toml"
convert "$T/old.toml"
like "$OUT" 'email {
  smtp {
    from = "a <a@example.org>"
    smtp_port = 465
  }
}' "an older ayb's [email] SMTP keys go to email { smtp { } }"
# Only a retired key in a section: no empty section ayb-c would read as wanted.
printf '[snapshots]\nsqlite_method = "Vacuum"\n[isolation]\nnsjail_path = "/x/nsjail"\n' \
	>"$T/retired.toml"
convert "$T/retired.toml"
case $OUT in *"snapshots {"*) ok 1 "a section of retired keys only is not opened" ;;
*) ok 0 "a section of retired keys only is not opened" ;; esac
like "$OUT" '# [snapshots] sqlite_method = "Vacuum"   # retired by ayb' "  its key is a comment"
like "$OUT" '# [isolation] nsjail_path = "/x/nsjail"   # retired by ayb: queries run in a sandboxed worker' \
	"nsjail_path is retired too"

# bad NAME TOML MESSAGE: converting TOML fails with MESSAGE, printing nothing.
bad() {
	printf '%s' "$2" >"$T/bad.toml"
	convert "$T/bad.toml"
	is "$RC|$OUT|$ERR" "1||Error: $T/bad.toml: $3" "$1"
}
bad "an unclosed string" 'host = "0.0.0.0
port = 1' 'line 1: a string is not closed on its line'
bad "a string with a raw control character" "$(printf 'host = "a\033b"')" \
	'line 1: a control character in a string must be escaped'
bad "an escaped control character" 'host = "a\u001bb"' 'line 1: `host` holds a control character'
bad "an unknown escape" 'host = "a\qb"' \
	'line 1: unknown escape in a string (\b \t \n \f \r \" \\ \u \U)'
bad "a surrogate" 'host = "\ud800"' 'line 1: a \u escape must name a Unicode scalar value'
bad "an array" '# ok
port = [1, 2]' 'line 2: arrays and inline tables are not supported'
bad "an inline table" 'authentication = { fernet_key = "x" }' \
	'line 1: arrays and inline tables are not supported'
bad "a float" '[authentication]
token_expiration_seconds = 1.5' 'line 2: only decimal integers are supported (no floats, dates or 0x)'
bad "a leading zero" 'port = 05433' 'line 1: an integer may not start with 0'
bad "a huge integer" 'port = 1234567890123456789012' 'line 1: an integer out of range'
bad "a dotted key" 'authentication.fernet_key = "x"' \
	'line 1: dotted keys are not supported: use a [table] header'
bad "a bare word" 'host = localhost' \
	'line 1: expected a value: a "string", an integer, true or false'
bad "text after a value" 'port = 1 2' \
	'line 1: unexpected text after the value (a comment starts with #)'
bad "an array of tables" '[[snapshots]]' 'line 1: arrays of tables ([[...]]) are not supported'
bad "a key without =" 'host "x"' "line 1: expected '=' after the key"
bad "a key given twice" 'port = 1
port = 2' 'line 2: key `port` is already set on line 1'
bad "a table given twice" '[cors]
[cors]' 'line 2: table [cors] is already defined on line 1'
bad "a key ayb-c cannot place" '[snapshots]
bucket = "b"
buckett = "c"' 'line 3: ayb has no key `snapshots.buckett` (a key ayb ignores is not carried over: remove it)'
bad "a table ayb does not have" '[server]' 'line 1: ayb has no table [server]'
bad "a string where a number goes" 'port = "5433"' 'line 1: `port` must be an integer'
bad "a number where a boolean goes" '[snapshots]
force_path_style = 1' 'line 2: `force_path_style` must be true or false'
bad "a number where a string goes" 'host = 1' 'line 1: `host` must be a "string"'
bad "an SMTP key in [email] and [email.smtp]" '[email]
smtp_port = 465
[email.smtp]
smtp_port = 587' 'line 4: `smtp_port` is already set on line 2'
printf 'host = "a"\n\000\n' >"$T/nul.toml"
convert "$T/nul.toml"
is "$RC $ERR" "1 Error: $T/nul.toml: the file holds a NUL byte" "a NUL byte"
head -c 1100000 /dev/zero | tr '\0' '#' >"$T/big.toml"
convert "$T/big.toml"
is "$RC $ERR" "1 Error: $T/big.toml: the file is over 1048576 bytes" "a file over 1 MiB"
seq 1 1001 | sed 's/.*/k& = 1/' >"$T/many.toml"
convert "$T/many.toml"
is "$RC $ERR" "1 Error: $T/many.toml: line 1001: more than 1000 keys and tables" \
	"a file of over 1000 keys is refused at once (duplicates are looked for pairwise)"
convert "$T/none.toml"
is "$RC $ERR" "1 Error: cannot read $T/none.toml: No such file or directory" "a missing file"
convert --frobnicate
is "$RC" 2 "an unknown option is a usage error"
convert a.toml b.toml
is "$RC" 2 "two files are a usage error"

tap_done
