#!/usr/bin/env bash
# bench/revisions.sh: where did the hunt's time change? It builds mamori at
# each revision named and hunts the same file with each in turn, ROUNDS
# times round-robin (the shared machines drift by a third within minutes;
# turns let the drift touch all alike), then prints each revision's median
# wall and CPU time. bench/ab.sh compares two revisions pair by pair; this
# walks many, to find the commits where the time moved (docs/performance.md,
# "Where the time went since session 20").
#
#   bench/revisions.sh 7726b98 d985a92 3b6a6f3 HEAD
#   ROUNDS=5 bench/revisions.sh $(git rev-list --reverse 7726b98..HEAD | awk 'NR % 20 == 0')
#
# Settings (environment):
#   FILE       the file to hunt; default the 1 GiB file of bench/compare.sh
#   ROUNDS     turns over all revisions; default 3
#   HUNT_ARGS  more flags for `mamori hunt`
#   WORK       folder for the binaries and times; default ${TMPDIR:-/tmp}/mamori-revisions
set -euo pipefail

[ $# -ge 1 ] || { sed -n '2,18p' "$0" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${ROUNDS:-3}
WORK=${WORK:-${TMPDIR:-/tmp}/mamori-revisions}
FILE=${FILE:-${TMPDIR:-/tmp}/mamori-bench/activity-1G-every500.jsonl}
[ -e "$FILE" ] || { echo "revisions.sh: no $FILE: run bench/compare.sh once, or set FILE" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "revisions.sh: GNU time (/usr/bin/time) is needed: apt-get install time" >&2; exit 1; }

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
mkdir -p "$WORK"
revs=()
for r in "$@"; do
	rev=$(git -C "$ROOT" rev-parse --short "$r")
	revs+=("$rev")
	[ -x "$WORK/$rev" ] || build "$rev" "$rev"
done

cat "$FILE" >/dev/null # in the page cache for all
: >"$WORK/times"
for ((i = 1; i <= ROUNDS; i++)); do
	for rev in "${revs[@]}"; do
		t0=$EPOCHREALTIME
		# shellcheck disable=SC2086 # HUNT_ARGS is a list of flags
		/usr/bin/time -f '%U %S' -o "$WORK/t" "$WORK/$rev" hunt --format jsonl --no-progress ${HUNT_ARGS:-} "$FILE" >/dev/null 2>&1 || true
		read -r u s <"$WORK/t"
		awk -v r="$rev" -v a="$t0" -v b="$EPOCHREALTIME" -v u="$u" -v s="$s" 'BEGIN { printf "%s %.3f %.2f\n", r, b - a, u + s }' >>"$WORK/times"
	done
done
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
printf '%-12s %12s %12s  %s\n' revision "median wall" "median CPU" subject
for rev in "${revs[@]}"; do
	w=$(awk -v r="$rev" '$1 == r { print $2 }' "$WORK/times" | median)
	c=$(awk -v r="$rev" '$1 == r { print $3 }' "$WORK/times" | median)
	printf '%-12s %10.3f s %10.2f s  %s\n' "$rev" "$w" "$c" "$(git -C "$ROOT" log -1 --format=%s "$rev" | cut -c1-60)"
done
