#!/usr/bin/env bash
# bench/icount.sh: how many instructions does a hunt execute, at two
# revisions? Wall and CPU time on the shared machines this project runs on
# drift by a third within minutes (bench/ab.sh alternates to live with
# it); an instruction count under valgrind's cachegrind, on one core,
# varied by under 1% between runs on a quiet host, and by 2-3% on a busy
# one (2026-11-28, cause not found): use RUNS=3 or more, and alternate,
# for a change under 3%. Instructions are not time (cache misses, branch
# misses and the second core are not in them): a change worth keeping is
# then checked with bench/ab.sh. It hunts the first SIZE bytes of the
# file (whole lines), which cachegrind runs about 50 times slower than the
# hunt.
#
#   bench/icount.sh OLD_REV                 # against the working tree
#   bench/icount.sh OLD_REV NEW_REV
#   SIZE=50M bench/icount.sh HEAD~1
#
# Settings (environment):
#   FILE   the file to take the slice from; default the 1 GiB file of bench/compare.sh
#   SIZE   bytes of it to hunt (head -c syntax); default 100M
#   RUNS   runs of each binary; default 1
#   WORK   folder for the binaries and the slice; default ${TMPDIR:-/tmp}/mamori-icount
set -euo pipefail

[ $# -ge 1 ] && [ $# -le 2 ] || { sed -n '2,22p' "$0" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OLD=$1 NEW=${2:-}
SIZE=${SIZE:-100M} RUNS=${RUNS:-1}
WORK=${WORK:-${TMPDIR:-/tmp}/mamori-icount}
FILE=${FILE:-${TMPDIR:-/tmp}/mamori-bench/activity-1G-every500.jsonl}
[ -f "$FILE" ] || { echo "icount.sh: no $FILE: run bench/compare.sh once, or set FILE" >&2; exit 1; }
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
command -v valgrind >/dev/null || install_apt valgrind

mkdir -p "$WORK"
build "$OLD" old
build "$NEW" new
slice=$WORK/slice.jsonl
head -c "$SIZE" "$FILE" | head -n -1 >"$slice" # whole lines only

# count BIN: the instructions one hunt of the slice executes.
count() {
	GOMAXPROCS=1 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
		"$WORK/$1" hunt --no-progress --format jsonl "$slice" 2>&1 >"$WORK/$1.out" |
		awk '/I *refs/ { gsub(",", "", $4); print $4 }'
}
printf '%-4s %16s %16s %8s\n' run old new new/old
for ((i = 1; i <= RUNS; i++)); do
	o=$(count old) n=$(count new)
	printf '%-4s %16s %16s %8s\n' "$i" "$o" "$n" "$(awk -v o="$o" -v n="$n" 'BEGIN { printf "%.4f", n / o }')"
done
if cmp -s "$WORK/old.out" "$WORK/new.out"; then
	echo "alerts: identical"
else
	echo "alerts: DIFFER ($WORK/old.out, $WORK/new.out)"
fi
