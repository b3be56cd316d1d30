#!/usr/bin/env bash
# bench/compare.sh: mamori hunt side by side with jq, DuckDB and sigma-go on
# the same Activity Log file (mamori and DuckDB over its gzip copy too),
# with cat, gzip -dc, a Go line splitter and a Go parse of every line
# (fastjson, every core, nothing else) as floors.
# See docs/performance.md, "Side by side: bench/compare.sh".
#
#   bench/compare.sh                 # 1 GiB of JSON lines (and a gzip copy)
#   SIZE=64M bench/compare.sh        # a quick run
#
# Settings (environment):
#   SIZE   bytes of noise to generate, with an IEC suffix (64M, 1G); default 1G
#   EVERY  insert a planted record after every EVERY records; default 500
#   RUNS   rounds of runs of every tool, the fastest (by wall time) is kept; default 1
#   WORK   folder for binaries, data and outputs; default ${TMPDIR:-/tmp}/mamori-bench
#   DOC    file whose table is replaced; default docs/performance.md; DOC= to skip
#   MAMORI_SRC  the mamori source tree to build and generate from; default this one
#   MAMORI_REV  how the table names that source; default its git commit
#
# GOMAXPROCS is left as the machine's: every tool may use every core.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
BENCH=$ROOT/bench
SIZE=${SIZE:-1G}
EVERY=${EVERY:-500}
RUNS=${RUNS:-1}
WORK=${WORK:-${TMPDIR:-/tmp}/mamori-bench}
DOC=${DOC-$ROOT/docs/performance.md}
MAMORI_SRC=${MAMORI_SRC:-$ROOT}
if [ -z "${MAMORI_REV:-}" ]; then
	MAMORI_REV=$(git -C "$MAMORI_SRC" rev-parse --short HEAD 2>/dev/null || echo "$MAMORI_SRC")
	# Changes under bench/ and docs/ do not change what is measured.
	if [ -n "$(git -C "$MAMORI_SRC" status --porcelain -- . ':!bench' ':!docs' 2>/dev/null)" ]; then
		MAMORI_REV="$MAMORI_REV with uncommitted changes"
	fi
fi
BEGIN_MARK='<!-- bench/compare.sh table: begin -->'
END_MARK='<!-- bench/compare.sh table: end -->'

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'compare.sh: %s\n' "$*" >&2; exit 1; }

# --- what the comparison needs ------------------------------------------
# Debian's jq and GNU time; the Go modules (DuckDB's bindings bundle the
# library, built with cgo and the machine's gcc) come through `go build`
# and the module proxy, pinned by bench/go.sum.
need_apt=()
command -v jq >/dev/null || need_apt+=(jq)
[ -x /usr/bin/time ] || need_apt+=(time)
command -v gzip >/dev/null || need_apt+=(gzip)
install_apt "${need_apt[@]}"
command -v go >/dev/null || die "Go is needed (https://go.dev/dl/)"
command -v gcc >/dev/null || die "gcc is needed to build DuckDB's Go bindings (cgo)"

mkdir -p "$WORK/bin"
say "building mamori and the peers into $WORK/bin"
(cd "$MAMORI_SRC" && go build -o "$WORK/bin/mamori" ./cmd/mamori)
(cd "$BENCH" && CGO_ENABLED=1 go build -o "$WORK/bin/" ./duckdb ./sigmago ./lines ./plant)

# --- the file -----------------------------------------------------------
bytes=$(numfmt --from=iec "$SIZE") || die "SIZE=$SIZE: not a size such as 64M or 1G"
DATA=$WORK/activity-$SIZE-every$EVERY.jsonl
EXPECT=$DATA.expected.json
if [ ! -s "$DATA" ] || [ ! -s "$EXPECT" ] || [ ! -s "$DATA.gz" ]; then
	say "generating $SIZE of Activity Log records, a planted record every $EVERY"
	(cd "$MAMORI_SRC" && go run ./internal/benchdata/gen -size "$bytes" -plant-every 0 -o "$WORK/noise.jsonl" >/dev/null)
	"$WORK/bin/plant" -every "$EVERY" -in "$WORK/noise.jsonl" -o "$DATA" -counts "$EXPECT"
	rm -f "$WORK/noise.jsonl"
	gzip -c "$DATA" >"$DATA.gz"
fi
records=$(jq .lines "$EXPECT")
file_bytes=$(stat -c %s "$DATA")
gz_bytes=$(stat -c %s "$DATA.gz")
RULES=(azure.identity.elevate_access azure.identity.privileged_role_assignment
	azure.quota.increase.gpu azure.compute.gpu_created azure.subscription.moved_to_other_tenant)
# The five rules alone, found in the catalogue by name, for a row that
# tells the catalogue's cost from the reading and decoding.
FIVE=$WORK/five-rules
rm -rf "$FIVE" && mkdir -p "$FIVE"
for r in "${RULES[@]}"; do
	f=$(grep -rlx --include='*.yml' "name: $r" "$MAMORI_SRC/rules" | grep -v /testdata/ | head -1)
	[ -n "$f" ] || die "rule $r not found under $MAMORI_SRC/rules"
	cp "$f" "$FIVE/"
done
# No rules at all: mamori's own floor, every record read (briefly) and
# checked to be JSON, nothing matched. A hunt with no rule loaded is a usage
# error, so the folder holds one rule whose operation no record names: its
# needle is never found, and every record is read as no rule wanted it.
NONE=$WORK/no-rules
rm -rf "$NONE" && mkdir -p "$NONE"
cat > "$NONE/none.yml" <<'RULE'
title: Matches no record
id: 6f0c1f3e-5b8a-4c1e-9d7a-2a4b6c8d0e1f
name: bench.none
status: test
description: The side-by-side floor's one rule; no record names its operation.
logsource: {product: azure, service: activitylogs}
detection:
  sel: {operation: mamori.bench/none}
  condition: sel
level: informational
RULE
say "$DATA: $file_bytes bytes, $records records, expected hits: $(jq -c .hits "$EXPECT")"

# --- timing -------------------------------------------------------------
# timed NAME CMD...: runs CMD once under GNU time, its standard output into
# $WORK/NAME.out (SINK, if set, receives it instead), and keeps the fastest
# run so far ("wall user sys maxrss_kb") in $WORK/NAME.time and its output
# in $WORK/NAME.best. The wall time is taken from bash's EPOCHREALTIME
# (microseconds; GNU time rounds to 10 ms), CPU and peak RSS from GNU time.
# The file is read once first so that every tool finds it in the page cache.
cat "$DATA" "$DATA.gz" >/dev/null
timed() {
	local name=$1 t0 wall best=""
	shift
	say "$name (round $round of $RUNS)"
	[ "$round" -eq 1 ] || best=$(cut -d' ' -f1 "$WORK/$name.time")
	t0=$EPOCHREALTIME
	/usr/bin/time -f '%U %S %M' -o "$WORK/$name.try" "$@" >"${SINK:-$WORK/$name.out}" ||
		die "$name failed: $* (see $WORK/$name.out)"
	wall=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
	if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN{exit !(a<b)}'; then
		echo "$wall $(cat "$WORK/$name.try")" >"$WORK/$name.time"
		[ -n "${SINK:-}" ] || cp "$WORK/$name.out" "$WORK/$name.best"
	fi
}

# Rounds rather than each tool's runs back to back: a burst of load from
# another process on a shared machine then spoils one run of a tool, and
# the other rounds still measure it.
M=$WORK/bin/mamori
for ((round = 1; round <= RUNS; round++)); do
	timed mamori "$M" hunt --format jsonl --no-progress "$DATA"
	timed mamori_gz "$M" hunt --format jsonl --no-progress "$DATA.gz"
	timed mamori_five "$M" hunt --format jsonl --no-progress --only-user-rules --rules "$FIVE" "$DATA"
	timed mamori_none "$M" hunt --format jsonl --no-progress --only-user-rules --rules "$NONE" "$DATA"
	timed jq jq -n -c -f "$BENCH/jq/detections.jq" "$DATA"
	timed duckdb "$WORK/bin/duckdb" "$DATA"
	timed duckdb_gz "$WORK/bin/duckdb" "$DATA.gz"
	timed sigmago "$WORK/bin/sigmago" -rules "$BENCH/sigma" "$DATA"
	timed lines "$WORK/bin/lines" "$DATA"
	timed parse "$WORK/bin/lines" -parse "$DATA"
	# The floors' output is the data itself: SINK sends it to /dev/null.
	SINK=/dev/null timed cat cat "$DATA"
	SINK=/dev/null timed gzip_dc gzip -dc "$DATA.gz"
done

# --- checking what each found -------------------------------------------
# found NAME: the count per rule as a JSON object. mamori writes one alert
# per line (its other rules' alerts are not counted); the peers print an
# object.
found() {
	case $1 in
	mamori*) jq -s -c 'map(.rule) | reduce .[] as $r ({}; .[$r] += 1)' "$WORK/$1.best" ;;
	*) cat "$WORK/$1.best" ;;
	esac
}
mismatch=0
check() {
	local name=$1 got want bad=""
	got=$(found "$name")
	for r in "${RULES[@]}"; do
		want=$(jq -r --arg r "$r" '.hits[$r]' "$EXPECT")
		g=$(jq -r --arg r "$r" '.[$r] // 0' <<<"$got")
		[ "$g" = "$want" ] || bad+="${bad:+, }$r $g of $want"
	done
	g=$(jq -r '.records // "all"' <<<"$got") # mamori's alerts do not say
	[ "$g" = all ] || [ "$g" = "$records" ] || bad+="${bad:+, }read $g records of $records"
	if [ -z "$bad" ]; then
		echo "all $(jq '[.hits[]] | add' "$EXPECT")"
	else
		echo "**MISMATCH**: $bad"
		printf 'compare.sh: MISMATCH in %s: %s\n' "$name" "$bad" >&2
		mismatch=1
	fi
}

# row NAME LABEL FOUND: one line of the table.
row() {
	read -r wall user sys rss <"$WORK/$1.time"
	awk -v l="$2" -v f="$3" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v n="$records" -v b="$file_bytes" 'BEGIN {
		w1 = (w > 0) ? w : 0.01
		printf "| %s | %.3f s | %.2f s | %.0fk | %.0f | %.0f MB | %s |\n", l, w, u + s, n / w1 / 1000, b / w1 / 1e6, r / 1024, f
	}'
}

# counted LABEL NAME: the floor NAME's count of lines, checked.
counted() {
	local got
	got=$(cat "$WORK/$2.best")
	if [ "$got" = "$records" ]; then echo "$records $1"; else
		echo "**MISMATCH**: $got $1 of $records"
	fi
}
lines_check=$(counted lines lines)
# With no rules mamori has nothing to say: any alert is a fault.
if [ -s "$WORK/mamori_none.best" ]; then none_check="**MISMATCH**: alerts without rules"; else none_check="no alerts, none expected"; fi
parse_check=$(counted "records parsed" parse)

wall() { cut -d' ' -f1 "$WORK/$1.time"; }
verdict=$(awk -v m="$(wall mamori)" -v j="$(wall jq)" -v d="$(wall duckdb)" -v s="$(wall sigmago)" -v l="$(wall lines)" \
	-v mz="$(wall mamori_gz)" -v z="$(wall gzip_dc)" -v p="$(wall parse)" -v n="$(wall mamori_none)" -v dz="$(wall duckdb_gz)" 'BEGIN {
	best = j; name = "jq"
	if (d < best) { best = d; name = "DuckDB" }
	if (s < best) { best = s; name = "sigma-go" }
	if (m < best) printf "mamori is the fastest of the four: %.1f× faster than the next, %s.", best / m, name
	else printf "mamori is **not** the fastest: %s takes %.2f s, mamori %.2f s.", name, best, m
	printf " mamori takes %.1f× the Go line splitter'\''s time (the target is at most 2×)", m / l
	printf " and, over the gzip copy, %.2f× the time of gzip -dc alone.", mz / z
	if (mz < dz) printf " Over the gzip copy mamori is faster than DuckDB: %.2f s against %.2f s.", mz, dz
	else printf " Over the gzip copy DuckDB takes %.2f s, mamori %.2f s.", dz, mz
	printf " Parsing every line with fastjson and nothing else takes %.2f s (%.1f× the line splitter);", p, p / l
	printf " mamori with no rules, %.2f s (%.1f×).", n, n / l
}')

TABLE=$WORK/table.md
{
	echo "$BEGIN_MARK"
	echo
	echo "Made by \`SIZE=$SIZE EVERY=$EVERY RUNS=$RUNS bench/compare.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), mamori at $MAMORI_REV:"
	echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(free -g | awk '/^Mem:/{print $2}') GiB,"
	echo "GOMAXPROCS ${GOMAXPROCS:-unset (one per core)}, $(go version | cut -d' ' -f3), $(jq --version), DuckDB $(cd "$BENCH" && go list -m -f '{{.Version}}' github.com/duckdb/duckdb-go/v2),"
	echo "sigma-go $(cd "$BENCH" && go list -m -f '{{.Version}}' github.com/bradleyjkemp/sigma-go). The file: $(numfmt --to=iec "$file_bytes") ($file_bytes bytes) of JSON lines, $records"
	echo "records, $(jq '[.hits[]] | add' "$EXPECT") planted hits ($(jq -r '[.hits | to_entries[] | "\(.value) \(.key)"] | join(", ")' "$EXPECT")) and $(jq .decoys "$EXPECT") decoys;"
	echo "gzip copy $(numfmt --to=iec "$gz_bytes"). Events/s and MB/s are of the uncompressed file (MB = 10⁶ bytes), for the .gz rows too."
	echo "The machine is shared and noisy: expect ±15% between runs."
	echo
	echo "| tool | wall | CPU (user+sys) | events/s | MB/s | peak RSS | planted hits found |"
	echo "|---|---|---|---|---|---|---|"
	row mamori 'mamori hunt, full catalogue' "$(check mamori)"
	row mamori_gz 'mamori hunt, full catalogue, .gz' "$(check mamori_gz)"
	row mamori_five 'mamori hunt, only the five rules' "$(check mamori_five)"
	row jq 'jq, the five detections' "$(check jq)"
	row duckdb 'DuckDB SQL, the five detections' "$(check duckdb)"
	row duckdb_gz 'DuckDB SQL, the five detections, .gz' "$(check duckdb_gz)"
	row sigmago 'sigma-go, the five detections' "$(check sigmago)"
	row lines 'floor: Go line splitter (bufio)' "$lines_check"
	row parse 'floor: Go JSON parse of every line (fastjson, every core)' "$parse_check"
	row mamori_none 'floor: mamori hunt with no rules (every record read, checked to be JSON)' "$none_check"
	row cat 'floor: cat > /dev/null' '-'
	row gzip_dc 'floor: gzip -dc .gz > /dev/null' '-'
	echo
	echo "$verdict"
	echo
	echo "$END_MARK"
} >"$TABLE"
# check runs in subshells above: a mismatch there is seen in the table.
grep -q MISMATCH "$TABLE" && mismatch=1
cat "$TABLE"

# --- the doc ------------------------------------------------------------
if [ -n "$DOC" ]; then
	if ! grep -qF "$BEGIN_MARK" "$DOC"; then
		printf '\n## Side by side: bench/compare.sh\n\n%s\n%s\n' "$BEGIN_MARK" "$END_MARK" >>"$DOC"
	fi
	awk -v b="$BEGIN_MARK" -v e="$END_MARK" -v t="$TABLE" '
		$0 == b { while ((getline l < t) > 0) print l; skip = 1; next }
		$0 == e { skip = 0; next }
		!skip' "$DOC" >"$DOC.tmp" && mv "$DOC.tmp" "$DOC"
	say "table written to $DOC"
fi
[ "$mismatch" -eq 0 ] || die "some tool did not find exactly the planted hits (see the table)"
