# llama-vendor.bash: what tests/support/llama-server-build and
# tests/support/tiny-gguf share (sourced, not run): where the vendor
# snapshot of llama.cpp is, its checked sha256, and the cache directory.
#
# The snapshot is llama.cpp-server-src.tar.xz (see the vendor README): it
# is looked for in $SIMTOOLS_LLAMA_VENDOR (a directory) if that is set,
# else in shared/vendor/ beside the checkout or one level further up
# (/work/main and /work/wt/NAME both find /work/shared/vendor).  The cache
# is ${XDG_CACHE_HOME:-$HOME/.cache}/simtools; every entry in it is keyed
# by the first 12 hex digits of the tarball's sha256.
# shellcheck shell=bash

LLAMA_TARBALL_NAME=llama.cpp-server-src.tar.xz
LLAMA_TARBALL_SHA256=b85522fa800841bad14d58b61e9e836efd2f31793b232faf2231446b8c21c767
# shellcheck disable=SC2034 # used by the scripts that source this
LLAMA_TOP=llama.cpp-3f545be
# shellcheck disable=SC2034
LLAMA_KEY=${LLAMA_TARBALL_SHA256:0:12}

# The checkout this file belongs to.
LLAMA_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

llama_cache_dir() {
	echo "${XDG_CACHE_HOME:-$HOME/.cache}/simtools"
}

# The tarball's path, or nothing (status 1) when there is none.  A set
# $SIMTOOLS_LLAMA_VENDOR is the only place looked at.
llama_tarball() {
	local d dirs=("$LLAMA_ROOT/../shared/vendor" "$LLAMA_ROOT/../../shared/vendor")
	[ -z "${SIMTOOLS_LLAMA_VENDOR:-}" ] || dirs=("$SIMTOOLS_LLAMA_VENDOR")
	for d in "${dirs[@]}"; do
		if [ -f "$d/$LLAMA_TARBALL_NAME" ]; then
			(cd "$d" && echo "$PWD/$LLAMA_TARBALL_NAME")
			return 0
		fi
	done
	return 1
}

# Refuses (65) a tarball whose sha256 is not the pinned one.
llama_check_tarball() {
	local tarball=$1 sum
	sum=$(sha256sum "$tarball") || die "cannot read $tarball"
	sum=${sum%% *}
	[ "$sum" = "$LLAMA_TARBALL_SHA256" ] ||
		status=65 die "$tarball has sha256 $sum, not the pinned" \
		    "$LLAMA_TARBALL_SHA256 (tests/support/llama-vendor.bash):" \
		    "another snapshot needs its sha256 pinned there"
}

# Runs "$@" holding the lock FILE, waiting at most SECONDS for it.
llama_locked() {
	local file=$1 seconds=$2
	shift 2
	command -v flock >/dev/null || die "no flock (Debian package util-linux)"
	mkdir -p "$(dirname "$file")"
	exec {lockfd}>>"$file" || die "cannot open the lock $file"
	if ! flock -n "$lockfd"; then
		echo "${prog:-llama}: another process holds $file; waiting for it (at most ${seconds}s)" >&2
		flock -w "$seconds" "$lockfd" ||
			status=75 die "$file still held after ${seconds}s; try again later"
	fi
	"$@"
	exec {lockfd}>&-
}
