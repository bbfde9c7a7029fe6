#!/usr/bin/env bash
# Benchmark: `infrawise collect postgres` against `pg_dump --schema-only`
# over the same catalog, in the same run.
#
# Starts a private server (.ci/postgres.sh), creates TABLES tables (default
# 1000) with six columns, a primary key, a unique constraint, a secondary
# index and a foreign key to the previous table each, plus one view per
# ten tables, then times each tool RUNS times (default 5) and prints the
# median wall time of both and their ratio.
#
#     benches/compare/pg_collect.sh [TABLES] [RUNS]
#
# Uses the release build of the CLI example (built here if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
tables=${1:-1000}
runs=${2:-5}
target=${CARGO_TARGET_DIR:-target}

cargo build --release --quiet --example infrawise
cli="$target/release/examples/infrawise"

# shellcheck source=../../.ci/postgres.sh
. .ci/postgres.sh
work=$(mktemp -d)
trap 'infrawise_pg_stop; rm -rf "$work"' EXIT
psql=("$INFRAWISE_PG_BIN/psql" -q -v ON_ERROR_STOP=1 "$INFRAWISE_TEST_PG")

echo "creating $tables tables" >&2
{
    echo "BEGIN;"
    for i in $(seq 1 "$tables"); do
        fk=""
        if [ "$i" -gt 1 ]; then
            fk=", parent_id bigint REFERENCES t$((i - 1)) (id)"
        fi
        echo "CREATE TABLE t$i (id bigserial PRIMARY KEY, code varchar(40) NOT NULL UNIQUE,
              status text NOT NULL DEFAULT 'new', amount numeric(12,2),
              created_at timestamptz NOT NULL DEFAULT now()$fk);"
        echo "CREATE INDEX t${i}_status_idx ON t$i (status) WHERE status <> 'done';"
        if [ $((i % 10)) -eq 0 ]; then
            echo "CREATE VIEW v$i AS SELECT id, code FROM t$i WHERE status = 'new';"
        fi
    done
    echo "COMMIT;"
} | "${psql[@]}"
"${psql[@]}" -c "ANALYZE"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_ms() {
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    echo $(((end - start) / 1000000))
}

collect=()
dump=()
for _ in $(seq 1 "$runs"); do
    collect+=("$(time_ms "$cli" collect postgres "$INFRAWISE_TEST_PG" -o "$work/snapshot.json")")
    dump+=("$(time_ms "$INFRAWISE_PG_BIN/pg_dump" --schema-only -f "$work/schema.sql" "$INFRAWISE_TEST_PG")")
done
c=$(printf '%s\n' "${collect[@]}" | median)
d=$(printf '%s\n' "${dump[@]}" | median)
"$cli" collect postgres "$INFRAWISE_TEST_PG" -o "$work/snapshot.json"
echo "tables: $tables, runs: $runs"
echo "infrawise collect postgres: median ${c} ms (runs: ${collect[*]}), snapshot $(wc -c <"$work/snapshot.json") bytes"
echo "pg_dump --schema-only:      median ${d} ms (runs: ${dump[*]}), dump $(wc -c <"$work/schema.sql") bytes"
awk -v c="$c" -v d="$d" 'BEGIN { if (d > 0) printf "ratio collect/pg_dump: %.2f\n", c / d }'
