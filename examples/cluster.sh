#!/bin/sh
# Several machines on one (README "Several machines"): PostgreSQL for the
# metadata, an S3 server for snapshots (the test suite's), three ayb-c
# nodes (`ayb server` each, own port and data_path) and the nginx front of
# examples/nginx-cluster.conf.  Prints the front's URL; Ctrl-C stops
# everything and removes the run directory (AYB_E2E_KEEP=1 keeps it).
#   examples/cluster.sh [curl|x-accel [fewest|local]]
# Needs what the tests need: lighttpd, nginx, PostgreSQL's server programs,
# node (the S3 server); builds into build/ when there is no build yet.
set -u
cd "$(dirname "$0")/.."
[ -x build/cli/ayb ] || ./bootstrap.sh build || exit 1
top_srcdir=$(pwd)
top_builddir=$(pwd)/build
# The test harness starts and stops the pieces (tests/e2e/cluster_lib.sh).
. tests/e2e/lib.sh
. tests/e2e/cluster_lib.sh
cluster_start "${1:-x-accel}" "${2:-fewest}"

cat <<TEXT
Front:   $FRONT   (nginx, hash \$entity consistent)
Nodes:   n1 $(cluster_url n1)   n2 $(cluster_url n2)   n3 $(cluster_url n3)
Data:    $T/n1/data ...   emails: $EMAILS
Metadata: $DATABASE_URL
Try:
  curl -s -X POST $FRONT/v1/register -d '' -H 'entity: marcua' \\
       -H 'email-address: marcua@example.org' -H 'entity-type: user'
  tail -1 $EMAILS      # the token to confirm with, then create databases:
                       # they spread over the nodes (X-Ayb-Node says which served)
Ctrl-C stops everything.
TEXT
while :; do
	sleep 3600 &
	wait $!
done
