#!/usr/bin/env bats
# The manual (man/) says what the programs do: every long option a
# program's --help prints is in its page, every option its page lists is
# accepted by the program, every page has its sections, and every page
# is mandoc -Tlint clean.  A program that gains a flag fails here until
# its page has an ".It Fl -flag" entry under OPTIONS.

setup() {
	load helper
	MAN=$ROOT/man
	T=$BATS_TEST_TMPDIR
	cd "$T"
}

# The programs a user runs, each with its page (baseline_runner's is
# llm_runner's, through a link).
PROGRAMS=(simrun simcfg simagg simprobe simcompare simplot simreport simstudy
	llm_runner baseline_runner)

page_of() {
	case $1 in
	baseline_runner) echo "$MAN/man1/llm_runner.1" ;;
	*) echo "$MAN/man1/$1.1" ;;
	esac
}

# section PAGE NAME: the lines of section NAME (.Sh NAME up to the next .Sh)
section() {
	awk -v name="$2" '/^\.Sh / { on = (substr($0, 5) == name); next } on' "$1"
}

# flags: every option named by an "Fl" macro in the lines on stdin,
# with its dashes ("Fl -grid-size" is --grid-size, "Fl S" is -S)
flags() {
	awk '{ sub(/^\./, "");
	    for (i = 1; i < NF; i++) if ($i == "Fl" && $(i + 1) ~ /^-?[A-Za-z]/) {
		f = $(i + 1); sub(/[,.;:)]+$/, "", f); print "-" f } }' | sort -u
}

# the options a page lists: its SYNOPSIS and its OPTIONS' .It entries
listed_options() {
	{ section "$1" SYNOPSIS; section "$1" OPTIONS | grep '^\.It '; } | flags
}

# the options of a page's OPTIONS entries (.It lines)
option_entries() {
	section "$1" OPTIONS | grep '^\.It ' | flags
}

# the long options PROG --help prints (anywhere in it)
help_options() {
	"$1" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

# the long options PROG --help lists as entries: those that start a line
# ("  --runs N   ...", "  -h, --help, -V, --version")
help_entries() {
	"$1" --help | grep -E '^ +(-[A-Za-z], )?--[a-z]' |
	    sed -E 's/^ +//; s/   .*//' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

# probe PROG OPT: PROG's stderr when given OPT and then an unknown option.
# Every program reads its options in order, so a known OPT is taken (and
# may complain about its value, here the unknown option) and an unknown
# one is named as unknown; nothing runs, since the line always holds a
# bad option.  (The runners take any other --flag VALUE as a simrun
# parameter and have simcfg check it: --flag=value keeps it one word.)
probe() {
	local prog=$1 opt=$2 pre=()
	[ "$prog" != simplot ] || pre=(grid)
	timeout 30 "$prog" "${pre[@]}" "$opt" --zz-not-an-option=x < /dev/null 2>&1 > /dev/null
}

# unknown PROG OPT: does PROG call OPT an unknown option?
unknown() {
	local out
	out=$(probe "$1" "$2") || true
	grep -qE -- "unknown option '?$2('|[ ;(]|$)" <<< "$out"
}

@test "every program a user runs has its page, and baseline_runner's is llm_runner's" {
	local p
	for p in "${PROGRAMS[@]}"; do
		assert_file_exists "$(page_of "$p")"
	done
	assert_link_exists "$MAN/man1/baseline_runner.1"
	[ "$(readlink "$MAN/man1/baseline_runner.1")" = llm_runner.1 ]
	grep -qx '\.Nm baseline_runner' "$MAN/man1/llm_runner.1"
	assert_file_exists "$MAN/man5/simtools-formats.5"
	assert_file_exists "$MAN/man7/simtools.7"
}

@test "every section-1 page has SYNOPSIS, DESCRIPTION, OPTIONS, EXIT STATUS, ENVIRONMENT, FILES, EXAMPLES, SEE ALSO" {
	local page s missing=()
	for page in "$MAN"/man1/*.1; do
		[ -L "$page" ] && continue
		for s in NAME SYNOPSIS DESCRIPTION OPTIONS 'EXIT STATUS' ENVIRONMENT \
		    FILES EXAMPLES 'SEE ALSO'; do
			grep -qx "\.Sh $s" "$page" || missing+=("${page#"$ROOT"/}: no .Sh $s")
		done
	done
	[ "${#missing[@]}" -eq 0 ] || fail "$(printf '%s\n' "${missing[@]}")"
}

@test "the probe tells a known option from an unknown one in every program" {
	local p
	for p in "${PROGRAMS[@]}"; do
		unknown "$p" --no-such-option-here ||
			fail "$p does not call --no-such-option-here unknown: $(probe "$p" --no-such-option-here)"
		! unknown "$p" --help || fail "$p calls --help unknown"
	done
	# a page's option list is read as it is written
	printf '%s\n' '.Sh SYNOPSIS' '.Op Fl -grid-size Ar G' '.Sh OPTIONS' \
	    '.It Fl -sshlogin Ar login , Fl S Ar login' 'text with Fl -not-listed' \
	    '.It Fl h , Fl -help' '.Sh EXIT STATUS' '.It Fl -elsewhere' > "$T/p.1"
	run listed_options "$T/p.1"
	assert_output "$(printf '%s\n' --grid-size --help --sshlogin -S -h | sort)"
}

@test "every long option a program's --help prints is in its page, each of its entries under OPTIONS" {
	local p opt page missing=()
	for p in "${PROGRAMS[@]}"; do
		page=$(page_of "$p")
		while read -r opt; do
			missing+=("$p --help prints $opt, which ${page#"$ROOT"/} does not mention")
		done < <(comm -23 <(help_options "$p") <(flags < "$page"))
		while read -r opt; do
			missing+=("$p --help lists $opt, which ${page#"$ROOT"/} does not document: add '.It Fl ${opt#-}' under OPTIONS")
		done < <(comm -23 <(help_entries "$p") <(option_entries "$page"))
	done
	[ "${#missing[@]}" -eq 0 ] || fail "$(printf '%s\n' "${missing[@]}")"
}

@test "every option a page lists is accepted by its program" {
	local p opt page refused=() n=0
	for p in "${PROGRAMS[@]}"; do
		# the same script as llm_runner, under another name
		[ "$p" != baseline_runner ] || continue
		page=$(page_of "$p")
		while read -r opt; do
			n=$((n + 1))
			! unknown "$p" "$opt" ||
				refused+=("${page#"$ROOT"/} lists $opt, which $p does not accept: $(probe "$p" "$opt" | head -n 1)")
		done < <(listed_options "$page")
	done
	[ "$n" -gt 150 ]
	[ "${#refused[@]}" -eq 0 ] || fail "$(printf '%s\n' "${refused[@]}")"
}

# mandoc -Tlint over a page, less two notices that are not about the page:
# mandoc 1.14 looks Xr targets up in /usr/share/man only, so our own pages
# are "not found" there (the next test checks those references), and it
# says "outdated mandoc.db lacks X(N)" when it found X(N) without an index.
lint() {
	local own
	own=$(cd "$MAN" && ls man*/* | sed -E 's|^man[0-9]/(.*)\.([0-9])$|\1 \2|' | paste -sd '|')
	mandoc -Tlint "$1" 2>&1 |
	    grep -vE "STYLE: referenced manual not found: Xr ($own)( \([0-9]+ times\))?$" |
	    grep -vE '^mandoc: outdated mandoc\.db lacks [A-Za-z0-9_.-]+\([0-9]\) entry, run makewhatis /usr/share/man$' ||
	    true
}

@test "mandoc -Tlint is clean for every page" {
	local page out all=
	for page in "$MAN"/man*/*; do
		[ -L "$page" ] && continue
		out=$(lint "$page")
		[ -z "$out" ] || all+="$out"$'\n'
	done
	[ -z "$all" ] || fail "$all"
	# and the filter lets a real problem through
	printf '%s\n' '.Dd December 5, 2026' '.Dt X 1' '.Os' '.Sh NAME' '.Nm x' \
	    '.Nd y' '.Sh DESCRIPTION' 'One. Two.' '.Xr simrun 1' '.Xr no-such-page 1' > "$T/x.1"
	run lint "$T/x.1"
	assert_output --partial 'new sentence, new line'
	assert_output --partial 'not found: Xr no-such-page 1'
	refute_output --partial 'Xr simrun 1'
}

@test "every cross reference to a simtools page names a page in man/" {
	local bad=()
	while read -r name sec; do
		[ -e "$MAN/man$sec/$name.$sec" ] || bad+=("Xr $name $sec")
	done < <(cat "$MAN"/man*/* | awk '$1 == ".Xr" && ($2 ~ /^sim/ || $2 ~ /_runner$/) { print $2, $3 }' | sort -u)
	[ "${#bad[@]}" -eq 0 ] || fail "no such page: ${bad[*]}"
}

@test "the pages render with man -l" {
	local page
	for page in "$MAN"/man1/simrun.1 "$MAN"/man5/simtools-formats.5 "$MAN"/man7/simtools.7; do
		run env MANWIDTH=80 man -l "$page"
		assert_success
		assert_output --partial NAME
		refute_output --partial '.Sh'
	done
	run env MANWIDTH=80 man -l "$MAN/man1/baseline_runner.1"
	assert_output --partial 'llm_runner, baseline_runner'
}

@test "README.md is at most 12 KB, and its and docs/' links lead somewhere" {
	local size f link broken=()
	size=$(stat -c %s "$ROOT/README.md")
	[ "$size" -le 12288 ] || fail "README.md is $size bytes, more than 12 KB: move the detail to man/ or docs/"
	for f in "$ROOT/README.md" "$ROOT"/docs/*.md; do
		while read -r link; do
			[ -e "$(dirname "$f")/$link" ] || broken+=("${f#"$ROOT"/}: $link")
		done < <(grep -oE '\]\([^)#:]+\)' "$f" | sed -E 's/^\]\(//; s/\)$//')
	done
	[ "${#broken[@]}" -eq 0 ] || fail "links to nothing: ${broken[*]}"
}
