#!/usr/bin/env bash
# bench/abbench.sh: a Go benchmark of mamori at two revisions, the two test
# binaries run in turn (old, new, old, new, …) so that the shared machine's
# drift touches both alike, then compared by benchstat. See
# docs/performance.md.
#
#   bench/abbench.sh OLD_REV PACKAGE BENCH_REGEXP     # against the working tree
#   ROUNDS=16 bench/abbench.sh HEAD~1 ./internal/source/activitylog 'BenchmarkSkipValue|BenchmarkBriefLine/text'
#
# Settings (environment): ROUNDS (runs of each, default 8), WORK (default
# ${TMPDIR:-/tmp}/mamori-abbench). benchstat comes through the Go module
# proxy, pinned below.
set -euo pipefail

[ $# -eq 3 ] || { sed -n '2,13p' "$0" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OLD=$1 PKG=$2 BENCH=$3
ROUNDS=${ROUNDS:-8}
WORK=${WORK:-${TMPDIR:-/tmp}/mamori-abbench}
BENCHSTAT=golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da

rm -rf "$WORK" && mkdir -p "$WORK/src"
git -C "$ROOT" archive "$OLD" | tar -x -C "$WORK/src"
(cd "$WORK/src" && go test -c -o "$WORK/old.test" "$PKG")
(cd "$ROOT" && go test -c -o "$WORK/new.test" "$PKG")
: >"$WORK/old.txt"
: >"$WORK/new.txt"
# Both run in the working tree's package folder, for its testdata.
cd "$ROOT/$PKG"
for ((i = 1; i <= ROUNDS; i++)); do
	for b in old new; do
		"$WORK/$b.test" -test.run '^$' -test.bench "$BENCH" -test.count 1 | grep '^Benchmark' >>"$WORK/$b.txt"
	done
done
go run "$BENCHSTAT" "$WORK/old.txt" "$WORK/new.txt"
