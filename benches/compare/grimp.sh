#!/usr/bin/env bash
# Compares Infrawise's Python import graph with grimp's on the same
# package, in one run: both times, the ratio, and the module-to-module edge
# sets compared in both directions, with the differences listed.
#
#   benches/compare/grimp.sh SRC_DIR PACKAGE
#
# SRC_DIR holds the top-level package PACKAGE (e.g. an unpacked Django
# sdist: `pip download --no-deps --no-binary :all: django` and pass
# /tmp/Django-x.y/ django), kept outside this repository. grimp is
# installed with `pip install grimp` when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
SRC="$(cd "${1:?usage: grimp.sh SRC_DIR PACKAGE}" && pwd)"
PACKAGE="${2:?usage: grimp.sh SRC_DIR PACKAGE}"
TARGET="${CARGO_TARGET_DIR:-target}"
python3 -c "import grimp" 2>/dev/null || pip install --quiet grimp
cargo build --quiet --release --example infrawise --example py_imports
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# The like-for-like figure: grimp.build_graph runs in process, so does
# this (walk, read, lex or parse, symbols, infrastructure, resolution).
echo "== infrawise in process (best of 5: walk + python::parse)"
"$TARGET/release/examples/py_imports" "$SRC/$PACKAGE" 5 >"$WORK/ours.json" 2>"$WORK/ours.err"
cat "$WORK/ours.err"
best="$(awk '$1 == "seconds" {print $2}' "$WORK/ours.err")"

echo
echo "== infrawise whole process (best of 3: scan plan of every file, parse, merge, JSON out)"
whole=""
for _ in 1 2 3; do
    start=$(date +%s.%N)
    "$TARGET/release/examples/infrawise" export --dir "$SRC/$PACKAGE" --format json >"$WORK/whole.json"
    end=$(date +%s.%N)
    t=$(python3 -c "print(f'{$end - $start:.3f}')")
    whole=$(python3 -c "print(min(x for x in [$t, ${whole:-1e9}]))")
done
echo "seconds $whole"

echo
echo "== grimp.build_graph (in process, best of 3, cache off)"
PYTHONPATH="$SRC" python3 - "$PACKAGE" "$WORK/grimp.json" <<'PY'
import json, sys, time
import grimp
package, out = sys.argv[1], sys.argv[2]
best = None
for _ in range(3):
    start = time.perf_counter()
    graph = grimp.build_graph(package, cache_dir=None)
    elapsed = time.perf_counter() - start
    best = elapsed if best is None else min(best, elapsed)
edges = sorted({(m, d) for m in graph.modules for d in graph.find_modules_directly_imported_by(m)})
json.dump({"seconds": best, "modules": sorted(graph.modules), "edges": edges}, open(out, "w"))
print(f"seconds {best:.3f}")
PY

echo
python3 - "$WORK/ours.json" "$WORK/grimp.json" "$best" "$whole" <<'PY'
import json, sys
ours_doc, theirs = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
our_seconds, whole_seconds = float(sys.argv[3]), float(sys.argv[4])
ours = {tuple(e) for e in ours_doc["edges"]}
names = set(ours_doc["modules"])
their_edges = {tuple(e) for e in theirs["edges"]}
common = names & set(theirs["modules"])
ours_c = {e for e in ours if e[0] in common and e[1] in common}
theirs_c = {e for e in their_edges if e[0] in common and e[1] in common}
both = ours_c & theirs_c
print("== summary")
print(f"modules: infrawise {len(names)}, grimp {len(theirs['modules'])}, both {len(common)}")
print(f"edges between common modules: infrawise {len(ours_c)}, grimp {len(theirs_c)}, both {len(both)}")
print(f"agreement: {100 * len(both) / max(len(theirs_c), 1):.2f}% of grimp's edges found by infrawise, "
      f"{100 * len(both) / max(len(ours_c), 1):.2f}% of infrawise's found by grimp")
print(f"time in process: infrawise {our_seconds:.3f}s, grimp {theirs['seconds']:.3f}s, "
      f"ratio {theirs['seconds'] / our_seconds:.2f}x (above 1: infrawise is faster)")
print(f"infrawise whole process: {whole_seconds:.3f}s, ratio {theirs['seconds'] / whole_seconds:.2f}x")
for label, diff in (("only infrawise", ours_c - theirs_c), ("only grimp", theirs_c - ours_c)):
    print(f"\n== {label}: {len(diff)}")
    for a, b in sorted(diff)[:40]:
        print(f"  {a} -> {b}")
PY
