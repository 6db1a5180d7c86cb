#!/bin/bash
# The SMTP backend against a real SMTP server (tests/tools/smtp-sink.js on
# 127.0.0.1): headers, CRLF, the token lines and the envelope of a
# confirmation email (the From's display name is dropped in MAIL FROM, and
# encoded when it is not ASCII); STARTTLS and implicit TLS never falling
# back to plain text; AUTH with the right and a wrong password; a closed
# port.  Sends through tests/unit/email_send (built by `make check`).
# Prints TAP; exits non-zero when a check fails.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$here/../..}
top_builddir=${top_builddir:-$here/../..}
tools=$top_srcdir/tests/tools
send=$top_builddir/tests/unit/email_send

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { # check "name" command...
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
skip_all() { echo "1..0 # SKIP $1"; exit 0; }
bail() { echo "Bail out! $1"; exit 1; }

command -v node >/dev/null || skip_all "node is not installed"
[ -d "$tools/node_modules/smtp-server" ] ||
	skip_all "smtp-server missing: run (cd tests/tools && npm ci --no-audit --no-fund)"
[ -x "$send" ] || bail "$send is not built (make check builds it)"
command -v ss >/dev/null || bail "ss (iproute2) is needed to check ports"

run=$(mktemp -d "${TMPDIR:-/tmp}/ayb-email-smtp.XXXXXX") || bail "mktemp failed"
sink_pid=
stop_sink() {
	if [ -n "$sink_pid" ]; then
		kill "$sink_pid" 2>/dev/null
		wait "$sink_pid" 2>/dev/null
		sink_pid=
	fi
}
trap 'stop_sink; rm -rf "$run"' EXIT

port_free() { [ -z "$(ss -Hltn "sport = :$1")" ]; }

# Starts the sink on a free port (sets port, sink_pid, mail): a port is
# taken only after checking nobody listens on it, and the sink counts as up
# only once it says so and is still alive, so we never talk to a stale
# server from an earlier run.
start_sink() { # start_sink maildir [USER PASS]
	local tries i
	mail=$1
	shift
	for tries in 1 2 3 4 5 6 7 8 9 10; do
		port=$((20000 + RANDOM % 20000))
		port_free "$port" || continue
		: >"$run/sink.log"
		node "$tools/smtp-sink.js" "$port" "$mail" "$@" >"$run/sink.log" 2>&1 &
		sink_pid=$!
		for i in $(seq 1 200); do
			grep -q "listening on 127.0.0.1:$port" "$run/sink.log" && break
			kill -0 "$sink_pid" 2>/dev/null || break
			sleep 0.05
		done
		if kill -0 "$sink_pid" 2>/dev/null &&
			grep -q "listening on 127.0.0.1:$port" "$run/sink.log"; then
			return 0
		fi
		stop_sink
	done
	cat "$run/sink.log" >&2
	return 1
}

has_line() { grep -qxF -- "$2" "$1"; }

token='tok+/en='
url_token='tok%2B%2Fen%3D'

# ---- no AUTH: one message, checked byte for byte where it matters -----------
start_sink "$run/mail" || bail "could not start the SMTP sink"
ok "sink listens on 127.0.0.1:$port"

check "send succeeds" "$send" 127.0.0.1 "$port" e2e@example.org "$token"
eml=$run/mail/0001.eml
tr -d '\r' <"$eml" >"$run/plain.eml" 2>/dev/null
check "message stored" test -s "$eml"
check "every line ends in CRLF" test "$(grep -c -v $'\r$' "$eml")" = 0
check "From header" has_line "$run/plain.eml" "From: Server Sender <server@example.org>"
check "Reply-To header" has_line "$run/plain.eml" "Reply-To: Server Reply <replyto@example.org>"
check "To header" has_line "$run/plain.eml" "To: e2e@example.org"
check "Subject header" has_line "$run/plain.eml" "Subject: Your login credentials"
check "Date header is RFC 2822 UTC, day not padded" \
	grep -qxE 'Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [1-9][0-9]? [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} \+0000' \
	"$run/plain.eml"
check "Message-ID header" grep -qxE 'Message-ID: <[0-9a-f]{32}@example.org>' "$run/plain.eml"
check "MIME-Version header" has_line "$run/plain.eml" "MIME-Version: 1.0"
check "Content-Type header" has_line "$run/plain.eml" "Content-Type: text/plain; charset=utf-8"
check "Content-Transfer-Encoding header" has_line "$run/plain.eml" "Content-Transfer-Encoding: 7bit"
check "body: first line" has_line "$run/plain.eml" "To complete your registration, visit"
check "body: percent-encoded URL line" has_line "$run/plain.eml" \
	$'\t'"http://localhost:5433/confirm/$url_token"
check "body: raw token line" has_line "$run/plain.eml" $'\t'"ayb client confirm $token"
check "envelope" test "$(cat "$run/mail/0001.json" 2>/dev/null)" = \
	'{"from":"server@example.org","to":["e2e@example.org"],"user":null}'

EMAIL_SEND_FROM='Zoë Sender <server@example.org>' \
	check "a non-ASCII display name is sent" "$send" 127.0.0.1 "$port" e2e@example.org "$token"
tr -d '\r' <"$run/mail/0002.eml" >"$run/plain2.eml" 2>/dev/null
check "non-ASCII display name: RFC 2047 encoded-word" \
	has_line "$run/plain2.eml" "From: =?UTF-8?B?$(printf 'Zoë Sender' | base64)?= <server@example.org>"

# A TLS mode must never fall back to plain text: this sink speaks no TLS.
EMAIL_SEND_TLS=starttls "$send" 127.0.0.1 "$port" e2e@example.org "$token" 2>"$run/err" >/dev/null
rc=$?
check "starttls required, server without STARTTLS: send fails" test "$rc" = 1
check "starttls required: SMTP backend error" \
	grep -q '^Error: SMTP backend failed: Could not send email: .' "$run/err"
sed 's/^/# /' "$run/err"
EMAIL_SEND_TLS=implicit "$send" 127.0.0.1 "$port" e2e@example.org "$token" 2>"$run/err" >/dev/null
rc=$?
check "implicit TLS against a plain server: send fails" test "$rc" = 1
check "implicit TLS: SMTP backend error" \
	grep -q '^Error: SMTP backend failed: Could not send email: .' "$run/err"
sed 's/^/# /' "$run/err"
check "nothing was sent in plain text" test ! -e "$run/mail/0003.eml"
stop_sink

# ---- AUTH required -----------------------------------------------------------
start_sink "$run/auth" ayb s3cret || bail "could not start the SMTP sink with AUTH"
ok "sink with AUTH listens on 127.0.0.1:$port"
check "right password: send succeeds" \
	"$send" 127.0.0.1 "$port" e2e@example.org "$token" ayb s3cret
check "right password: envelope names the user" test "$(cat "$run/auth/0001.json" 2>/dev/null)" = \
	'{"from":"server@example.org","to":["e2e@example.org"],"user":"ayb"}'

"$send" 127.0.0.1 "$port" e2e@example.org "$token" ayb wrong 2>"$run/err" >/dev/null
rc=$?
check "wrong password: send fails" test "$rc" = 1
check "wrong password: SMTP backend error" \
	grep -q '^Error: SMTP backend failed: Could not send email: .' "$run/err"
check "wrong password: nothing stored" test ! -e "$run/auth/0002.eml"
sed 's/^/# /' "$run/err"

"$send" 127.0.0.1 "$port" e2e@example.org "$token" 2>"$run/err" >/dev/null
rc=$?
check "no credentials: send fails" test "$rc" = 1
check "no credentials: SMTP backend error" \
	grep -q '^Error: SMTP backend failed: Could not send email: .' "$run/err"
closed=$port
stop_sink

# ---- nobody listening ------------------------------------------------------------
check "port $closed is closed again" port_free "$closed"
start=$SECONDS
"$send" 127.0.0.1 "$closed" e2e@example.org "$token" 2>"$run/err" >/dev/null
rc=$?
check "closed port: send fails" test "$rc" = 1
check "closed port: SMTP backend error" \
	grep -q '^Error: SMTP backend failed: Could not send email: .' "$run/err"
check "closed port: fails fast" test $((SECONDS - start)) -lt 10
sed 's/^/# /' "$run/err"

echo "1..$n"
[ "$failed" = 0 ]
