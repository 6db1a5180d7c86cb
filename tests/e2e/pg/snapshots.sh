#!/bin/sh
# snapshots.sh with its metadata in PostgreSQL (AYB_E2E_METADATA=pg, tests/e2e/lib.sh):
# ayb-snapshot looks databases up in the same store as the API.
AYB_E2E_METADATA=pg exec "$(dirname "$0")/../snapshots.sh"
