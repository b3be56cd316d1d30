# bench/lib.sh, sourced by the benchmark scripts. ROOT is the repository,
# WORK the script's folder.

# build REV OUT builds mamori at git revision REV (the working tree when
# REV is empty) into $WORK/OUT: for the scripts that compare two
# revisions (ab.sh, icount.sh).
build() {
	local src=$ROOT
	if [ -n "$1" ]; then
		src=$WORK/src-$2
		rm -rf "$src" && mkdir -p "$src"
		git -C "$ROOT" archive "$1" | tar -x -C "$src"
	fi
	(cd "$src" && go build -o "$WORK/$2" ./cmd/mamori)
}

# install_apt PACKAGE... installs Debian's packages, with sudo when not
# root; nothing when none is named.
install_apt() {
	[ $# -gt 0 ] || return 0
	printf '== installing %s with apt-get\n' "$*" >&2
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq "$@"
}
