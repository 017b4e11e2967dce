#!/usr/bin/env bats
# Utility agents through simrun (issue 20): the predecessor's best_response
# reproduced on hand-made grids, the parameters in config.json and start
# lines, mean utility, reproducibility and the refusals.

setup() {
	load helper
	TINY=(--agent utility --grid-size 3 --num-type-a 4 --num-type-b 3
	    --run-id 0 --frames --fixed-steps --max-steps 1)
}

@test "defaults: one sweep is one the predecessor's best_response reaches in some order, with its mean utility" {
	local s
	for s in 1 2 3 4 5 6 7 8; do
		run --separate-stderr bash -c 'simrun "$@" | "$0"' \
		    "$ROOT/tests/support/predecessor-best-response" "${TINY[@]}" --seed "$s"
		assert_success
		assert_output --regexp '^5040 orders, [0-9]+ outcomes$'
	done
}

@test "the exact rule and the peaked utility are not the predecessor's (the check can fail)" {
	run bash -c 'simrun "$@" | "$0"' "$ROOT/tests/support/predecessor-best-response" \
	    "${TINY[@]}" --seed 3 --best-response exact
	assert_failure
	assert_output --partial "no outcome of the predecessor's rule"
	run bash -c 'simrun "$@" | "$0"' "$ROOT/tests/support/predecessor-best-response" \
	    "${TINY[@]}" --seed 2 --utility peaked
	assert_failure
	assert_output --partial "predecessor's 36.57142857142857"
}

@test "end and step lines carry mean_utility; start lines and config.json the five parameters, for utility agents only" {
	run --separate-stderr simrun --agent utility --utility asymmetric --utility-peak-m 0.8 \
	    --dynamics logit --logit-temperature 0.05 --grid-size 10 --num-type-a 40 \
	    --num-type-b 40 --radius 2 --boundary torus --max-steps 20 --run-id 0
	assert_success
	run jq -sc '[.[0] | .utility, .dynamics, .best_response, .logit_temperature, .utility_peak_m]' <<< "$output"
	assert_output '["asymmetric","logit","predecessor",0.05,0.8]'
	simrun --agent utility --max-steps 3 --fixed-steps --run-id 0 > "$BATS_TEST_TMPDIR/u"
	run jq -sc '[.[] | has("mean_utility")]' "$BATS_TEST_TMPDIR/u"
	assert_output '[false,true,true,true,true]'
	run jq -s '.[4].mean_utility > 0 and .[4].mean_utility <= 51' "$BATS_TEST_TMPDIR/u"
	assert_output true
	simrun --agent utility --metrics end --max-steps 3 --fixed-steps --run-id 0 > "$BATS_TEST_TMPDIR/e"
	run jq -sc '[.[] | has("mean_utility")]' "$BATS_TEST_TMPDIR/e"
	assert_output '[false,false,false,false,true]'
	run bash -c 'simrun --run-id 0 --no-steps | head -1 | jq -c "[has(\"utility\"), has(\"mean_utility\")]"'
	assert_output '[false,false]'
	simcfg --agent utility --utility flat --similarity-threshold 0.6 --radius 2 --runs 2 \
	    > "$BATS_TEST_TMPDIR/config.json"
	run jq -c '[.agent, .utility, .dynamics, .similarity_threshold, .radius]' "$BATS_TEST_TMPDIR/config.json"
	assert_output '["utility","flat","best-response",0.6,2]'
	run cmp <(simrun --config "$BATS_TEST_TMPDIR/config.json" --run-id 0-1) \
	    <(simrun --agent utility --utility flat --similarity-threshold 0.6 --radius 2 --run-id 0-1)
	assert_success
	simcfg --runs 2 > "$BATS_TEST_TMPDIR/mech.json"
	run jq 'has("utility") or has("dynamics")' "$BATS_TEST_TMPDIR/mech.json"
	assert_output false
}

@test "utility runs depend on seed and run id only, and differ between dynamics" {
	local a=(--agent utility --grid-size 20 --num-type-a 180 --num-type-b 180 --run-id 0-2)
	run cmp <(simrun "${a[@]}" --best-response exact) <(simrun "${a[@]}" --best-response exact)
	assert_success
	run cmp <(simrun "${a[@]}" --dynamics logit) <(simrun "${a[@]}" --dynamics logit --logit-temperature 0.2)
	assert_failure
}

@test "refusals: one line, exit 64, naming the combination" {
	local args
	while IFS='|' read -r args msg; do
		# shellcheck disable=SC2086
		run --separate-stderr simrun --run-id 0 $args
		assert_failure 64
		assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
		[[ "$stderr" == *"$msg"* ]] || fail "$args: $stderr"
	done <<-'EOF2'
	--utility peaked|add --agent utility
	--dynamics logit --agent mechanical|add --agent utility
	--agent llm --logit-temperature 0.2|add --agent utility
	--agent utility --move-rule satisfying|--move-rule and --movers
	--agent utility --movers anyone|--move-rule and --movers
	--agent utility --update synchronous|--update synchronous
	--agent utility --similarity-threshold 0.6|define --utility flat only
	--agent utility --isolated stay|define --utility flat only
	--agent utility --logit-temperature 0.2|parameter of --dynamics logit
	--agent utility --dynamics logit --best-response exact|rule of --dynamics best-response
	--agent utility --utility-peak-m 0.3|parameter of --utility asymmetric
	--agent utility --utility asymmetric --utility-peak-m 0.1234567891|at most 9 decimals
	--agent utility --logit-temperature 0|--logit-temperature must be
	--agent utility --utility concave|--utility must be
	EOF2
}
