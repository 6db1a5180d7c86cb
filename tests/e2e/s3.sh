# An S3-compatible server for the end-to-end tests: tests/tools/s3-sigv4-server.js,
# which checks every request's SigV4 signature and payload hash, on a free
# loopback port, its objects under $T/s3; stopped by the test's EXIT trap.
# Sourced after lib.sh.
#
#   s3_start [SERVER_OPTIONS...]  starts it (on S3_PORT, chosen on the first
#                                 start and kept, so a restart keeps the
#                                 address); waits until it accepts requests
#   s3_stop                       stops it; the objects stay
#   s3_config [AUTOMATION_LINES...]  a `snapshots { }` section for it (path
#                                 style, bucket "bucket", prefix "sqlite")
#   s3_aws ARGS...                Debian's awscli (not the pyenv shim) against it
#   s3_keys PREFIX                the keys under PREFIX, one per line, via awscli

S3_KEY=AYBTESTKEY
S3_SECRET=aybtestsecret0123456789
S3_BUCKET=bucket
S3_PORT=
S3_PID=
S3_NODE=$(command -v node || echo /usr/bin/node)
AWS=/usr/bin/aws

s3_start() {
	[ -n "$S3_PORT" ] || S3_PORT=$(free_port)
	[ -z "$(ss -Hltn "sport = :$S3_PORT" 2>/dev/null)" ] || bail "S3 port $S3_PORT is taken"
	rm -f "$T/s3.ready"
	"$S3_NODE" "$top_srcdir/tests/tools/s3-sigv4-server.js" --dir "$T/s3" --port "$S3_PORT" \
		--access-key "$S3_KEY" --secret-key "$S3_SECRET" --bucket "$S3_BUCKET" \
		--ready-file "$T/s3.ready" "$@" >>"$T/s3.log" 2>&1 &
	S3_PID=$!
	_i=0
	while [ ! -f "$T/s3.ready" ]; do
		kill -0 "$S3_PID" 2>/dev/null || { cat "$T/s3.log" >&2; bail "S3 server exited"; }
		_i=$((_i + 1))
		[ $_i -lt 200 ] || bail "S3 server not ready"
		sleep 0.05
	done
	S3_URL=http://127.0.0.1:$S3_PORT
}

s3_stop() {
	[ -n "$S3_PID" ] || return 0
	kill "$S3_PID" 2>/dev/null
	wait "$S3_PID" 2>/dev/null
	S3_PID=
}

s3_config() {
	echo "snapshots {
  access_key_id = \"$S3_KEY\"
  secret_access_key = \"$S3_SECRET\"
  bucket = \"$S3_BUCKET\"
  path_prefix = \"sqlite\"
  endpoint_url = \"$S3_URL\"
  force_path_style = true"
	if [ $# -gt 0 ]; then
		echo "  automation {"
		for _l in "$@"; do echo "    $_l"; done
		echo "  }"
	fi
	echo "}"
}

s3_aws() {
	AWS_ACCESS_KEY_ID=$S3_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET AWS_DEFAULT_REGION=us-east-1 \
		AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=$T/aws.config \
		AWS_SHARED_CREDENTIALS_FILE=/dev/null \
		"$AWS" --endpoint-url "$S3_URL" "$@"
}

s3_keys() {
	s3_aws s3api list-objects-v2 --bucket "$S3_BUCKET" --prefix "$1" \
		--query 'Contents[].Key' --output text | tr '\t' '\n' | grep -v '^None$' | sort
}

printf '[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n' >"$T/aws.config"
trap 's3_stop; _e2e_cleanup' EXIT
