#!/usr/bin/env bats
# make install puts the manual and the bash completion where Debian puts
# them under PREFIX (share/man/manN, bash-completion's completionsdir),
# man and bash-completion find them there, and make uninstall removes them.

setup() {
	load helper
	export LC_ALL=C
	D=$BATS_TEST_TMPDIR/root
	P=$D/usr/local
	run make -s -C "$ROOT" install DESTDIR="$D" PREFIX=/usr/local
	assert_success
}

@test "man finds every page after make install, baseline_runner's through llm_runner's" {
	local page
	for page in man1/simrun.1 man1/simcfg.1 man1/simagg.1 man1/simprobe.1 \
	    man1/simcompare.1 man1/simplot.1 man1/simreport.1 man1/simstudy.1 \
	    man1/llm_runner.1 man5/simtools-formats.5 man7/simtools.7; do
		assert_file_exists "$P/share/man/$page"
	done
	assert_link_exists "$P/share/man/man1/baseline_runner.1"
	run env MANWIDTH=80 man -l "$P/share/man/man1/simrun.1"
	assert_success
	assert_output --partial 'play segregation simulations and print JSON Lines'
	assert_output --partial 'EXIT STATUS'
	# as a user types it, with the installed tree on the manual path
	run env MANPATH="$P/share/man" MANWIDTH=80 man simrun
	assert_success
	assert_output --partial '--run-id ids'
	run env MANPATH="$P/share/man" man -w baseline_runner
	assert_output "$P/share/man/man1/llm_runner.1"   # through the link
	run env MANPATH="$P/share/man" MANWIDTH=80 man baseline_runner
	assert_output --partial 'llm_runner, baseline_runner'
	run env MANPATH="$P/share/man" MANWIDTH=80 man 5 simtools-formats
	assert_output --partial 'DECISION TABLES'
	run env MANPATH="$P/share/man" MANWIDTH=80 man 7 simtools
	assert_output --partial 'REPRODUCIBILITY'
}

@test "bash-completion loads the installed completion for every program on first use" {
	local c
	for c in simrun simcfg simagg simprobe simcompare simplot simreport simstudy \
	    llm_runner baseline_runner; do
		assert_file_exists "$P/share/bash-completion/completions/$c"
		run env XDG_DATA_DIRS="$P/share" BASH_COMPLETION_USER_DIR="$BATS_TEST_TMPDIR/none" \
		    bash -c "source /usr/share/bash-completion/bash_completion
			__load_completion $c && complete -p $c"
		assert_success
		assert_output --regexp "^complete -F _simtools .*$c\$"
	done
}

@test "the installed completion offers the installed scenarios and programs' flags" {
	# a scenario only the installed tree has: the names come from there
	cp "$P/share/simtools/scenarios/baseline.json" "$P/share/simtools/scenarios/only_installed.json"
	run env PATH="$P/bin:/usr/bin:/bin" XDG_DATA_DIRS="$P/share" bash -c '
		source /usr/share/bash-completion/bash_completion
		__load_completion simrun
		COMP_WORDS=(simrun --scenario only) COMP_CWORD=2
		COMP_LINE="simrun --scenario only" COMP_POINT=${#COMP_LINE}
		_simtools simrun only --scenario
		printf "%s\n" "${COMPREPLY[@]}"
		COMP_WORDS=(simagg --allow) COMP_CWORD=1
		COMP_LINE="simagg --allow" COMP_POINT=${#COMP_LINE}
		_simtools simagg --allow simagg
		printf "%s\n" "${COMPREPLY[@]}"'
	assert_success
	assert_output "$(printf '%s\n' only_installed --allow-mixed)"
}

@test "make uninstall removes the pages and the completion" {
	run make -s -C "$ROOT" uninstall DESTDIR="$D" PREFIX=/usr/local
	assert_success
	run find "$D" -type f -o -type l
	assert_output ""
}
