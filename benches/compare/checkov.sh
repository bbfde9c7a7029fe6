#!/usr/bin/env bash
# Times checkov's Terraform graph build and Infrawise's Terraform parser on
# the same directory, in one run, and prints both figures and the ratio.
#
#   benches/compare/checkov.sh DIR [PYTHON]
#
# PYTHON is an interpreter with checkov installed (default: python3), e.g.
# `python3 -m venv /tmp/checkov && /tmp/checkov/bin/pip install checkov`.
# DIR is a Terraform repository kept outside this one, e.g. a checkout of
# terraform-aws-modules/terraform-aws-eks.
set -euo pipefail

dir=${1:?usage: checkov.sh DIR [PYTHON]}
python=${2:-python3}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$repo/target}

(cd "$repo" && cargo build --quiet --release --example tf_graph)

echo "directory: $dir ($(find "$dir" -name '*.tf' | wc -l) .tf files)"
echo "machine: $(nproc) cpus, $(uname -sr)"

ours_out=$("$target/release/examples/tf_graph" "$dir" 5)
ours=$(tail -n 1 <<<"$ours_out")
echo "$(head -n 1 <<<"$ours_out")"
echo "infrawise (best of 5, walk + parse + evaluate): ${ours} s"

checkov_out=$("$python" "$here/checkov_graph.py" "$dir" 2>/dev/null)
theirs=$(tail -n 1 <<<"$checkov_out")
echo "$(head -n 1 <<<"$checkov_out")"
echo "checkov $("$python" -c 'import checkov.version as v; print(v.version)') graph build (parse + local graph, variables rendered): ${theirs} s"

awk -v a="$theirs" -v b="$ours" 'BEGIN { printf "ratio: infrawise is %.0fx faster\n", a / b }'
