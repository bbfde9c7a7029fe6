#!/usr/bin/env bash
# Compares Infrawise's TypeScript/JavaScript import graph with madge's on
# the same tree, in one run: both times, the ratio, and the module-to-module
# edge sets compared in both directions, each difference listed so it can
# be explained.
#
#   benches/compare/madge.sh DIR [TSCONFIG]
#
# DIR is a source tree kept outside this repository (e.g. typeorm's `src`;
# `git clone https://github.com/typeorm/typeorm /tmp/typeorm` and pass
# /tmp/typeorm/src /tmp/typeorm/tsconfig.json). madge is installed into
# $MADGE_DIR (default /tmp/madge) with `npm install madge typescript` when
# missing; typescript is needed for madge to resolve `.ts` files.
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR="$(cd "${1:?usage: madge.sh DIR [TSCONFIG]}" && pwd)"
TSCONFIG="${2:-}"
MADGE_DIR="${MADGE_DIR:-/tmp/madge}"
TARGET="${CARGO_TARGET_DIR:-target}"
if [ ! -x "$MADGE_DIR/node_modules/.bin/madge" ]; then
    mkdir -p "$MADGE_DIR"
    (cd "$MADGE_DIR" && npm init -y >/dev/null && npm install --silent madge typescript)
fi
cargo build --quiet --release --example ts_imports
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "== infrawise (best of 5, in process; walk + parse + symbols + infrastructure + resolution)"
"$TARGET/release/examples/ts_imports" "$DIR" 5 >"$WORK/ours.json" 2>"$WORK/ours.err"
cat "$WORK/ours.err"
OUR_SECONDS="$(awk '$1 == "seconds" {print $2}' "$WORK/ours.err")"

echo
echo "== madge --json --extensions ts,tsx,js (one run, wall clock)"
MADGE_ARGS=(--json --extensions ts,tsx,js)
if [ -n "$TSCONFIG" ]; then
    MADGE_ARGS+=(--ts-config "$TSCONFIG")
fi
START="$(date +%s.%N)"
(cd "$DIR" && "$MADGE_DIR/node_modules/.bin/madge" "${MADGE_ARGS[@]}" .) >"$WORK/madge.json" 2>"$WORK/madge.err"
END="$(date +%s.%N)"
THEIR_SECONDS="$(python3 -c "print(f'{$END - $START:.3f}')")"
echo "seconds $THEIR_SECONDS"

echo
python3 - "$WORK/ours.json" "$WORK/madge.json" "$DIR" "$OUR_SECONDS" "$THEIR_SECONDS" <<'PY'
import json, os, sys

ours_path, madge_path, root, our_seconds, their_seconds = sys.argv[1:]
ours = json.load(open(ours_path))
madge = json.load(open(madge_path))
ours_edges = {(a, b) for a, deps in ours.items() for b in deps}
madge_edges = {(a, b) for a, deps in madge.items() for b in deps}
# Agreement is measured on what both claim to resolve: edges between files
# both tools know as modules.
common_files = set(ours) & set(madge)
ours_c = {e for e in ours_edges if e[0] in common_files and e[1] in common_files}
madge_c = {e for e in madge_edges if e[0] in common_files and e[1] in common_files}
both = ours_c & madge_c
print("== summary")
print(f"files: infrawise {len(ours)}, madge {len(madge)}, both {len(common_files)}")
print(f"edges: infrawise {len(ours_edges)}, madge {len(madge_edges)}; between common files: "
      f"infrawise {len(ours_c)}, madge {len(madge_c)}, both {len(both)}")
print(f"agreement: {100 * len(both) / max(len(madge_c), 1):.2f}% of madge's edges found by infrawise, "
      f"{100 * len(both) / max(len(ours_c), 1):.2f}% of infrawise's edges found by madge")
print(f"time: infrawise {float(our_seconds):.3f}s, madge {float(their_seconds):.3f}s, "
      f"ratio {float(their_seconds) / float(our_seconds):.1f}x")


def why(a, b):
    """A first classification of a difference, from the importing line."""
    try:
        text = open(os.path.join(root, a), encoding="utf-8", errors="replace").read()
    except OSError:
        return "unreadable"
    stem = os.path.splitext(os.path.basename(b))[0]
    lines = [l.strip() for l in text.splitlines() if stem in l and ("import" in l or "require" in l or "from" in l)]
    line = lines[0] if lines else "(no import line names it)"
    if "require(" in line:
        kind = "require()"
    elif "import(" in line:
        kind = "dynamic import()"
    elif line.startswith("export"):
        kind = "re-export"
    elif "import type" in line or "export type" in line:
        kind = "type-only import"
    else:
        kind = "import"
    return f"{kind}: {line[:100]}"


for title, diff in (("only infrawise", ours_c - madge_c), ("only madge", madge_c - ours_c)):
    print(f"\n== {title}: {len(diff)}")
    for a, b in sorted(diff)[:40]:
        print(f"  {a} -> {b}   [{why(a, b)}]")
only_files = (set(ours) ^ set(madge))
if only_files:
    print(f"\n== files known to one tool only: {len(only_files)}")
    for f in sorted(only_files)[:20]:
        print(f"  {f} ({'infrawise' if f in ours else 'madge'})")
PY
