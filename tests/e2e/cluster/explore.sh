#!/bin/sh
# explore.sh through the front of a three-node cluster (AYB_E2E_CLUSTER=1, tests/e2e/lib.sh).
AYB_E2E_CLUSTER=1 exec "$(dirname "$0")/../explore.sh"
