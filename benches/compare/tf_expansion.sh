#!/usr/bin/env bash
# Shows what the Terraform scan's ratio to the raw parse depends on: runs
# `tf_graph` with INFRAWISE_TF_RAW=1 on three copies of one repository
# that differ only in how many of its examples call its modules (every
# second example removed, as it is, every example doubled), in alternating
# rounds, and prints each copy's nodes and edges per KiB of source and its
# median scan/raw ratio.
#
#   benches/compare/tf_expansion.sh DIR [ROUNDS]
#
# DIR is a Terraform repository with an `examples/` directory whose
# examples call the repository's modules by relative path, kept outside
# this one, e.g. a checkout of terraform-aws-modules/terraform-aws-vpc.
# The copies are made under a temporary directory, removed on exit.
set -euo pipefail

dir=${1:?usage: tf_expansion.sh DIR [ROUNDS]}
rounds=${2:-5}
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "tf_expansion.sh: ROUNDS must be a positive number, not '$rounds'" >&2; exit 2; }
[[ -d "$dir/examples" ]] || { echo "tf_expansion.sh: $dir has no examples/ directory" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$repo/target}

(cd "$repo" && cargo build --quiet --release --example tf_graph)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for copy in half as-is doubled; do
    mkdir "$work/$copy"
    tar -C "$dir" --exclude=./.git -cf - . | tar -C "$work/$copy" -xf -
    # The walk honours .gitignore inside a repository only: an empty .git
    # keeps the copies read as DIR is.
    if [[ -e "$dir/.git" ]]; then
        mkdir "$work/$copy/.git"
    fi
done
# Copies stay at the same depth, so their relative module sources hold.
mapfile -t examples < <(find "$dir/examples" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
for i in "${!examples[@]}"; do
    name=${examples[$i]}
    if ((i % 2)); then
        rm -rf "$work/half/examples/$name"
    fi
    cp -r "$work/doubled/examples/$name" "$work/doubled/examples/$name-copy"
done

echo "directory: $dir (${#examples[@]} examples), $rounds rounds"
echo "machine: $(nproc) cpus, $(uname -sr)"
declare -A ratios expansion
for ((round = 0; round < rounds; round++)); do
    for copy in half as-is doubled; do
        out=$(INFRAWISE_TF_RAW=1 "$target/release/examples/tf_graph" "$work/$copy" 15)
        expansion[$copy]=$(sed -n 's/^expansion: \([0-9.]*\) .*/\1/p' <<<"$out")
        ratios[$copy]+=" $(sed -n 's/.*scan\/raw \([0-9.]*\)x$/\1/p' <<<"$out")"
    done
done
printf '%-8s %20s %16s  %s\n' copy "nodes+edges per KiB" "median scan/raw" "rounds, sorted"
for copy in half as-is doubled; do
    sorted=$(tr ' ' '\n' <<<"${ratios[$copy]}" | sed '/^$/d' | sort -n | tr '\n' ' ')
    median=$(tr ' ' '\n' <<<"$sorted" | sed '/^$/d' \
        | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
    printf '%-8s %20s %16s  %s\n' "$copy" "${expansion[$copy]}" "${median}x" "$sorted"
done
