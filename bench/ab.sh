#!/usr/bin/env bash
# bench/ab.sh: is a change to mamori faster? It builds mamori at two
# revisions and hunts the same file with each in turn (old, new, old, new,
# …): the shared machines this project runs on drift by a third within
# minutes, and alternating lets the drift touch both alike. It prints each
# pair's wall and CPU time, peak memory and wall ratio, the median ratio,
# and checks that both binaries wrote the same alerts. See
# docs/performance.md.
#
#   bench/ab.sh OLD_REV                 # against the working tree
#   bench/ab.sh OLD_REV NEW_REV
#   ROUNDS=8 bench/ab.sh HEAD~1
#   HUNT_ARGS="--only-user-rules --rules /tmp/empty" bench/ab.sh HEAD~1
#
# Settings (environment):
#   FILE       the file (or folder) to hunt; default the 1 GiB file of bench/compare.sh
#   ROUNDS     pairs to run; default 6
#   HUNT_ARGS  more flags for `mamori hunt`
#   WORK       folder for the binaries and outputs; default ${TMPDIR:-/tmp}/mamori-ab
set -euo pipefail

[ $# -ge 1 ] && [ $# -le 2 ] || { sed -n '2,18p' "$0" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OLD=$1 NEW=${2:-}
ROUNDS=${ROUNDS:-6}
WORK=${WORK:-${TMPDIR:-/tmp}/mamori-ab}
FILE=${FILE:-${TMPDIR:-/tmp}/mamori-bench/activity-1G-every500.jsonl}
[ -e "$FILE" ] || { echo "ab.sh: no $FILE: run bench/compare.sh once, or set FILE" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "ab.sh: GNU time (/usr/bin/time) is needed: apt-get install time" >&2; exit 1; }

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
mkdir -p "$WORK"
build "$OLD" old
build "$NEW" new

find "$FILE" -type f -exec cat {} + >/dev/null # in the page cache for both
ratios=()
printf '%-6s %10s %10s %10s %10s %8s %8s %8s\n' pair "old wall" "new wall" "old CPU" "new CPU" "old MB" "new MB" new/old
for ((i = 1; i <= ROUNDS; i++)); do
	for b in old new; do
		t0=$EPOCHREALTIME
		# shellcheck disable=SC2086 # HUNT_ARGS is a list of flags
		/usr/bin/time -f '%U %S %M' -o "$WORK/$b.time" "$WORK/$b" hunt --format jsonl --no-progress ${HUNT_ARGS:-} "$FILE" >"$WORK/$b.out" 2>"$WORK/$b.err"
		awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }' >"$WORK/$b.wall"
	done
	read -r ou os om <"$WORK/old.time"
	read -r nu ns nm <"$WORK/new.time"
	ow=$(cat "$WORK/old.wall") nw=$(cat "$WORK/new.wall")
	r=$(awk -v o="$ow" -v n="$nw" 'BEGIN { printf "%.3f", n / o }')
	ratios+=("$r")
	awk -v i="$i" -v ow="$ow" -v nw="$nw" -v oc="$(awk -v u="$ou" -v s="$os" 'BEGIN{print u+s}')" \
		-v nc="$(awk -v u="$nu" -v s="$ns" 'BEGIN{print u+s}')" -v om="$om" -v nm="$nm" -v r="$r" \
		'BEGIN { printf "%-6s %8.3f s %8.3f s %8.2f s %8.2f s %8.0f %8.0f %8s\n", i, ow, nw, oc, nc, om / 1024, nm / 1024, r }'
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
echo "median new/old wall over $ROUNDS pairs: $median"
if cmp -s "$WORK/old.out" "$WORK/new.out"; then
	echo "alerts identical"
else
	echo "alerts DIFFER: diff $WORK/old.out $WORK/new.out"
	exit 1
fi
