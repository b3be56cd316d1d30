# bench/build.sh, sourced by the scripts that compare two revisions
# (ab.sh, icount.sh): build REV OUT builds mamori at git revision REV (the
# working tree when REV is empty) into $WORK/OUT. ROOT is the repository,
# WORK the scripts' folder.
build() {
	local src=$ROOT
	if [ -n "$1" ]; then
		src=$WORK/src-$2
		rm -rf "$src" && mkdir -p "$src"
		git -C "$ROOT" archive "$1" | tar -x -C "$src"
	fi
	(cd "$src" && go build -o "$WORK/$2" ./cmd/mamori)
}
