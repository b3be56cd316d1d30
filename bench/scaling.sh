#!/usr/bin/env bash
# bench/scaling.sh: does a hunt's time grow faster than its input? For
# each kind of log bench/scaling writes (records that each name something
# new: an address, a person, a subscription), it hunts SMALL and then 4×
# as many records, and prints the times and their ratio. A ratio well
# above 4 (the script marks those over 6) means something is searched
# per record, which a big tenant or an attacker will find: see
# docs/performance.md, "An incident's title" and "Public addresses".
#
#   bench/scaling.sh                  # every kind
#   SMALL=2000 bench/scaling.sh defender
#
# Settings (environment):
#   SMALL  records of the smaller file; default 5000 (the larger is 4×)
#   WORK   folder for the binary and the files; default ${TMPDIR:-/tmp}/mamori-scaling
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SMALL=${SMALL:-5000}
WORK=${WORK:-${TMPDIR:-/tmp}/mamori-scaling}
KINDS=("$@")
[ ${#KINDS[@]} -gt 0 ] || KINDS=(publicips prefixes gpupeople defender)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

mkdir -p "$WORK"
build "" mamori
(cd "$ROOT/bench" && go build -o "$WORK/scaling" ./scaling)

# secs FILE: the wall time, in seconds, of one hunt of FILE.
secs() {
	local t0 t1
	t0=$(date +%s.%N)
	"$WORK/mamori" hunt --no-progress --format jsonl --data-dir "$WORK/data" "$1" >/dev/null 2>&1
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

printf '%-10s %8s %8s %9s %9s %7s\n' kind small large small_s large_s ratio
for k in "${KINDS[@]}"; do
	for n in "$SMALL" $((SMALL * 4)); do
		"$WORK/scaling" -kind "$k" -n "$n" >"$WORK/$k-$n.json"
	done
	s=$(secs "$WORK/$k-$SMALL.json") l=$(secs "$WORK/$k-$((SMALL * 4)).json")
	awk -v k="$k" -v n="$SMALL" -v s="$s" -v l="$l" 'BEGIN {
		r = (s > 0) ? l / s : 0
		printf "%-10s %8d %8d %9s %9s %7.1f%s\n", k, n, n * 4, s, l, r, (r > 6 ? "  superlinear" : "")
	}'
done
