#!/bin/sh
# continuous.sh with its metadata in PostgreSQL (AYB_E2E_METADATA=pg, tests/e2e/lib.sh):
# the metadata outlives data_path, and the databases are rebuilt in place.
AYB_E2E_METADATA=pg exec "$(dirname "$0")/../continuous.sh"
