#!/usr/bin/env bash
# Loads a 1M-edge synthetic graph into a private PostgreSQL server and
# prints the load time and, for four roots, the server-side
# `infrawise.impact` time beside the library's `impact` on the same graph,
# in one run (release build). Usage: benches/compare/pg_export.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../../.ci/postgres.sh
. .ci/postgres.sh
trap infrawise_pg_stop EXIT
CI=true cargo test --release --test postgres_export a_million -- --nocapture 2>&1 |
    grep -E '^(loaded|impact )'
