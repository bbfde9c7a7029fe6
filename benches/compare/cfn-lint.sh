#!/usr/bin/env bash
# Compares Infrawise's CloudFormation graph build with cfn-lint's Graph on
# the same templates, in one run: Infrawise picks the templates (content
# detection), both build graphs for exactly that list, and the script prints
# both times, the ratio and the Ref/GetAtt/Sub/DependsOn edge counts.
#
#   benches/compare/cfn-lint.sh [DIR]
#
# DIR defaults to ../shared/corpus/aws-cloudformation-templates. Needs
# python3 with cfn-lint (`pip install cfn-lint`, installed if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR="${1:-../shared/corpus/aws-cloudformation-templates}"
TARGET="${CARGO_TARGET_DIR:-target}"
python3 -c "import cfnlint" 2>/dev/null || pip install --quiet cfn-lint
cargo build --quiet --release --example cfn_graph
LIST="$(mktemp)"
trap 'rm -f "$LIST"' EXIT

echo "== infrawise (best of 10, in process; detection + parse + cross-stack linking)"
OURS="$(CFN_GRAPH_LIST="$LIST" "$TARGET/release/examples/cfn_graph" "$DIR" --repeat 10)"
echo "$OURS"
echo
echo "== cfn-lint Graph (decode + Template/Graph per file, same $(grep -c "" "$LIST") files)"
THEIRS="$(python3 benches/compare/cfn_lint_graph.py "$LIST")"
echo "$THEIRS"
echo
OUR_SECONDS="$(echo "$OURS" | awk '$1 == "seconds" {print $2}')"
OUR_FIRST="$(echo "$OURS" | awk '$1 == "first_seconds" {print $2}')"
THEIR_SECONDS="$(echo "$THEIRS" | tail -n 1)"
OUR_EDGES="$(echo "$OURS" | awk '$1 == "edges_ref_getatt_sub_dependson" {print $2}')"
THEIR_EDGES="$(echo "$THEIRS" | awk '$2 == "edges" && $3 == "total" {print $4}')"
echo "== summary"
echo "infrawise: ${OUR_SECONDS}s (first run ${OUR_FIRST}s), Ref/GetAtt/Sub/DependsOn edges to resources: ${OUR_EDGES}"
echo "cfn-lint:  ${THEIR_SECONDS}s, Ref/GetAtt/DependsOn edges (Sub counted as Ref/GetAtt): ${THEIR_EDGES}"
python3 -c "print(f'ratio: {float($THEIR_SECONDS) / float($OUR_SECONDS):.1f}x faster (first run: {float($THEIR_SECONDS) / float($OUR_FIRST):.1f}x); edges: {int($OUR_EDGES)} vs {int($THEIR_EDGES)}')"
