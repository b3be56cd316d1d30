#!/usr/bin/env bash
# bench/fuzz.sh: the long fuzzing CI does not do. CI runs every fuzz
# target's seed corpus (go test); this runs each target under the fuzzer
# for a while, one after another, and writes what each did (executions,
# new inputs found, a failure and where its input was written) to
# docs/fuzzing.md, with the command and the commit, as compare.sh writes
# docs/performance.md. A failure does not stop the run: the other targets
# are fuzzed too, and the script exits 1 at the end. A failing input is
# written by Go under the package's testdata/fuzz/TARGET/: mend the
# reader and commit that file, which then runs in CI as a seed.
#
#   bench/fuzz.sh                      # every target, 60 s each (about an hour)
#   FUZZTIME=10s bench/fuzz.sh         # a quicker round
#   bench/fuzz.sh 'Decode|BriefLine'   # the targets whose names match
#
# Settings (environment):
#   FUZZTIME  how long each target runs (go test -fuzztime); default 60s
#   MINIMIZE  how long the fuzzer may shrink each new input it finds
#             (go test -fuzzminimizetime); default 5s. Go's own default,
#             60s, took whole runs of the slower targets: a target stuck
#             minimizing its first find ran 4 to 11 executions in 45s.
#   PARALLEL  fuzzing processes per target (go test -parallel); default: the cores
#   DOC       the file the table is written into; default docs/fuzzing.md
#             (DOC=- prints it only)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
FUZZTIME=${FUZZTIME:-60s}
MINIMIZE=${MINIMIZE:-5s}
PARALLEL=${PARALLEL:-$(nproc)}
DOC=${DOC:-$ROOT/docs/fuzzing.md}
MATCH=${1:-.}
BEGIN_MARK='<!-- bench/fuzz.sh table: begin -->'
END_MARK='<!-- bench/fuzz.sh table: end -->'
LOG=$(mktemp -d "${TMPDIR:-/tmp}/mamori-fuzz.XXXXXX")

cd "$ROOT"
# Every package's fuzz targets: go test -list prints their names, then an
# "ok" line naming the package.
targets=()
while read -r pkg; do
	while read -r name; do
		[[ $name == Fuzz* ]] && [[ $name =~ $MATCH ]] && targets+=("$pkg $name")
	done < <(go test -run '^$' -list '^Fuzz' "$pkg" | grep '^Fuzz' || true)
done < <(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u | sed 's|^\./|./|')
[ ${#targets[@]} -gt 0 ] || { echo "fuzz.sh: no fuzz target matches $MATCH" >&2; exit 2; }

rows=() failed=0
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	printf '== %s %s (%s)\n' "$pkg" "$name" "$FUZZTIME" >&2
	out=$LOG/${pkg//\//_}.$name.log
	if go test -run '^$' -fuzz "^$name\$" -fuzztime "$FUZZTIME" -fuzzminimizetime "$MINIMIZE" -parallel "$PARALLEL" "$pkg" >"$out" 2>&1; then
		result=ok
	else
		failed=$((failed + 1))
		input=$(grep -o 'testdata/fuzz/[^ ]*' "$out" | head -1 || true)
		result="**FAILED**${input:+: input in \`${pkg#./}/$input\`}"
		tail -30 "$out" >&2
	fi
	# The fuzzer's last progress line: "fuzz: elapsed: 1m0s, execs: 123 (2/sec), new interesting: 4 (total: 9)".
	last=$(grep '^fuzz: elapsed:' "$out" | tail -1 || true)
	execs=$(sed -n 's/.*execs: \([0-9]*\).*/\1/p' <<<"$last")
	# The rate it prints is of the last few seconds: the whole run's instead.
	rate=$(awk -v l="$last" 'BEGIN {
		if (!match(l, /elapsed: [0-9hms]+/)) exit
		e = substr(l, RSTART + 9, RLENGTH - 9); s = 0; n = ""
		for (i = 1; i <= length(e); i++) {
			c = substr(e, i, 1)
			if (c ~ /[0-9]/) n = n c
			else { s += n * (c == "h" ? 3600 : c == "m" ? 60 : 1); n = "" }
		}
		if (match(l, /execs: [0-9]+/) && s > 0) printf "%d", substr(l, RSTART + 7, RLENGTH - 7) / s
	}')
	found=$(sed -n 's/.*new interesting: \([0-9]*\) (total: \([0-9]*\)).*/\1 (\2)/p' <<<"$last")
	rows+=("| \`$name\` | \`${pkg#./}\` | ${execs:--} | ${rate:--} | ${found:--} | $result |")
done

commit=$(git rev-parse --short HEAD)
dirty=""
git diff --quiet HEAD -- . 2>/dev/null || dirty=" (and uncommitted changes)"
table=$(
	printf '%s\n\n' "$BEGIN_MARK"
	printf 'Made by `FUZZTIME=%s MINIMIZE=%s bench/fuzz.sh` on %s UTC, at %s%s: %d targets, %s each, %s fuzzing processes, %s.\n\n' \
		"$FUZZTIME" "$MINIMIZE" "$(date -u '+%Y-%m-%d %H:%M')" "$commit" "$dirty" ${#targets[@]} "$FUZZTIME" "$PARALLEL" "$(go version | cut -d' ' -f3)"
	printf '| target | package | executions | per second | new inputs (corpus) | result |\n|---|---|---|---|---|---|\n'
	printf '%s\n' "${rows[@]}"
	printf '\n%s\n' "$END_MARK"
)
if [ "$DOC" = - ]; then
	printf '%s\n' "$table"
elif [ -f "$DOC" ] && grep -qF "$BEGIN_MARK" "$DOC"; then
	awk -v b="$BEGIN_MARK" -v e="$END_MARK" -v t="$table" '
		$0 == b { print t; skip = 1; next }
		$0 == e { skip = 0; next }
		!skip' "$DOC" >"$DOC.new" && mv "$DOC.new" "$DOC"
	echo "== table written to $DOC" >&2
else
	printf '%s\n' "$table" >>"$DOC"
	echo "== table appended to $DOC" >&2
fi
echo "== logs in $LOG" >&2
[ "$failed" -eq 0 ] || { echo "fuzz.sh: $failed target(s) failed" >&2; exit 1; }
