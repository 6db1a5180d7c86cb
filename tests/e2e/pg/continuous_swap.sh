#!/bin/sh
# continuous_swap.sh with its metadata in PostgreSQL (AYB_E2E_METADATA=pg, tests/e2e/lib.sh).
AYB_E2E_METADATA=pg exec "$(dirname "$0")/../continuous_swap.sh"
