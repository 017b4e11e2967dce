#!/usr/bin/env bats
# The bash completion (completion/simtools.bash), run as bash runs it: the
# words of a command line in COMP_WORDS, the function that `complete -p`
# names called, COMPREPLY read back; with Debian's bash-completion loaded
# and without it.

setup() {
	load helper
	export LC_ALL=C
	T=$BATS_TEST_TMPDIR
	COMPLETION=$ROOT/completion/simtools.bash
	cd "$T"
}

# complete_line [--bc] LINE: the candidates bash offers at the end of LINE,
# one a line (the words split as bash splits them: at blanks and at "=")
complete_line() {
	local bc=
	[ "$1" != --bc ] || { bc=1; shift; }
	BC=$bc COMPLETION=$COMPLETION bash -c '
		[ -z "$BC" ] || source /usr/share/bash-completion/bash_completion
		source "$COMPLETION"
		COMP_LINE=$1 COMP_POINT=${#1}
		read -ra COMP_WORDS <<< "${1//=/ = }"
		[[ $1 != *" " ]] || COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		spec=$(complete -p "${COMP_WORDS[0]##*/}") || exit 2
		func=$(sed -E "s/.* -F ([^ ]+) .*/\1/" <<< "$spec")
		"$func" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' bash "$1" | sed '/^$/d' | sort
}

# both LINE: the candidates with and without bash-completion, which must agree
both() {
	local plain with
	plain=$(complete_line "$1")
	with=$(complete_line --bc "$1")
	[ "$plain" = "$with" ] || { echo "without bash-completion: $plain; with: $with" >&2; return 1; }
	printf '%s\n' "$plain"
}

PROGRAMS=(simrun simcfg simagg simprobe simcompare simplot simreport simstudy
	llm_runner baseline_runner)

@test "the file registers one function for every program and is shellcheck-clean" {
	run bash -c "source '$COMPLETION'; complete -p"
	assert_success
	local p
	for p in "${PROGRAMS[@]}"; do
		assert_line --regexp "^complete -F _simtools .*\\b$p\\b"
	done
	run shellcheck -s bash "$COMPLETION"
	assert_success
}

@test "every long option a program's --help prints is offered after --" {
	local p missing=()
	for p in "${PROGRAMS[@]}"; do
		comm -23 <("$p" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u) \
		    <(both "$p --") > "$T/missing"
		[ ! -s "$T/missing" ] || missing+=("$p: $(paste -sd ' ' "$T/missing")")
	done
	[ "${#missing[@]}" -eq 0 ] || fail "not offered: ${missing[*]}"
	# the runners, simcfg and simprobe take simrun's parameter flags too
	run both "llm_runner --num-type"
	assert_output "$(printf '%s\n' --num-type-a --num-type-b)"
	run both "simcfg --llm-se"
	assert_output --llm-server
	run both "simrun --bou"
	assert_output --boundary
}

# Each value offered after FLAG is one simrun accepts (the refusal is then
# the grid's, given after it) and one FLAG's entry in simrun(1) names.
@test "enumerated flags offer the values simrun accepts, each named in simrun(1)" {
	local flag v n=0 bad=()
	for flag in --agent --llm-server --think --move-rule --boundary --metrics \
	    --movers --isolated --update --threshold-arithmetic --model-metrics \
	    --llm-api --max-tokens-field --cache-prompt --constrain --llm-cache-reset \
	    --utility --dynamics --best-response; do
		run both "simrun $flag "
		assert_success
		[ -n "$output" ] || bad+=("$flag: nothing offered")
		for v in $output; do
			n=$((n + 1))
			simrun "$flag" "$v" --grid-size 0 --run-id 0 2>&1 | grep -q -- '--grid-size must be' ||
				bad+=("$flag $v: refused by simrun")
			grep -qE "^\\.(It Fl $flag|Cm $v)( |\$)|Cm $v( |\$)" "$ROOT/man/man1/simrun.1" ||
				bad+=("$flag $v: not in man/man1/simrun.1")
		done
	done
	[ "$n" -gt 35 ]
	[ "${#bad[@]}" -eq 0 ] || fail "$(printf '%s\n' "${bad[@]}")"
	run both "simrun --boundary "
	assert_output "$(printf '%s\n' bounded torus)"
	run both "simrun --agent "
	assert_output "$(printf '%s\n' llm mechanical table utility)"
	run both "simrun --temperature "
	assert_output default
	run both "simrun --llm-slots "
	assert_output auto
	run both "simrun --grid-size "
	assert_output ""
}

@test "the runners, simprobe, simplot and simcompare offer their own values" {
	run both "llm_runner --agent "
	assert_output "$(printf '%s\n' llm mechanical table utility)"
	run both "baseline_runner --llm-server llama"
	assert_output llama-server
	run both "llm_runner --move-rule=nearest"
	assert_output nearest-satisfying
	run both "simprobe --key "
	assert_output "$(printf '%s\n' composition context)"
	run both "simprobe --method "
	assert_output "$(printf '%s\n' auto logprobs samples)"
	run both "simplot "
	assert_output "$(printf '%s\n' animation distribution grid trajectory)"
	run both "simplot grid --step "
	assert_output "$(printf '%s\n' final initial)"
	run both "simplot trajectory --metric dis"
	assert_output "$(printf '%s\n' dissimilarity_index distance)"
	# simrun's --metrics is when; simcompare's a comma list of metrics
	run both "simcompare --metrics share,con"
	assert_output "$(printf '%s\n' share,convergence_step share,converged_share | sort)"
}

@test "--scenario offers the scenario names of the directory the programs read" {
	run both "simrun --scenario "
	assert_output "$(cd "$ROOT/configs/scenarios" && ls ./*.json | sed 's|^\./||; s/\.json$//' | sort)"
	run both "llm_runner --scenario race"
	assert_output race_white_black
	mkdir -p "$T/sc"
	echo '{}' > "$T/sc/mine.json"
	SIM_SCENARIO_DIR=$T/sc run both "simprobe --scenario "
	assert_output mine
}

@test "files where a file is expected, directories where a directory is" {
	mkdir -p "$T/adir/sub"
	touch "$T/afile.json" "$T/afile.txt"
	run both "simrun --config $T/a"
	assert_output "$(printf '%s\n' "$T/adir" "$T/afile.json" "$T/afile.txt")"
	run both "llm_runner --output-dir $T/a"
	assert_output "$T/adir"
	run both "simcompare $T/a"
	assert_output "$T/adir"
	run both "simstudy --resume $T/a"
	assert_output "$T/adir"
	run both "simplot grid $T/a"
	assert_output "$(printf '%s\n' "$T/adir" "$T/afile.json" "$T/afile.txt")"
	run both "llm_runner --scenario-file $T/afile."
	assert_output "$(printf '%s\n' "$T/afile.json" "$T/afile.txt")"
	# a study file: bash-completion offers JSON files (and directories)
	run complete_line --bc "simstudy $T/a"
	assert_output "$(printf '%s\n' "$T/adir" "$T/afile.json")"
}

@test "a value flag without values to offer, and an unknown program path, offer nothing" {
	run both "simrun --seed "
	assert_output ""
	run both "llm_runner --runs "
	assert_output ""
	run both "$T/nowhere/simrun --bou"
	assert_output ""
}
