#!/usr/bin/env bats
# The model's variants on the command line: radius, min-similar, move
# rules, boundary, fixed steps, metrics, movers, isolated, update, the
# threshold arithmetic; reproducibility, config round trips, refusals, and
# the LLM, table and runner paths.

setup() {
	load helper
	SMALL=(--grid-size 10 --num-type-a 40 --num-type-b 40)
}

teardown() {
	stop_fakellms
}

# Every option, one set per line, with another value than its default.
VARIANTS=(
	"--radius 2"
	"--radius 2 --min-similar 8"
	"--min-similar 3"
	"--move-rule satisfying"
	"--move-rule nearest-satisfying"
	"--boundary torus"
	"--boundary torus --radius 3 --move-rule nearest-satisfying"
	"--fixed-steps --max-steps 7"
	"--metrics end"
	"--metrics none"
	"--movers anyone --move-rule satisfying --fixed-steps --max-steps 6"
	"--isolated stay"
	"--update synchronous"
	"--threshold-arithmetic predecessor --similarity-threshold 0.3"
)

@test "every variant: run 4 is the same alone, in a list and in another process" {
	for v in "${VARIANTS[@]}"; do
		read -r -a args <<< "$v"
		simrun "${SMALL[@]}" "${args[@]}" --seed 9 --run-id 4 > "$BATS_TEST_TMPDIR/alone"
		simrun "${SMALL[@]}" "${args[@]}" --seed 9 --run-id 6,4,0-2 |
		    jq -c 'select(.run_id == 4)' > "$BATS_TEST_TMPDIR/list"
		run cmp "$BATS_TEST_TMPDIR/alone" "$BATS_TEST_TMPDIR/list"
		assert_success
		[ -s "$BATS_TEST_TMPDIR/alone" ]
	done
}

@test "every variant changes the run (the flag is not ignored)" {
	simrun "${SMALL[@]}" --seed 9 --run-id 0-3 --no-steps --metrics none |
	    jq -c 'select(.event == "end") | .grid' > "$BATS_TEST_TMPDIR/default"
	for v in "${VARIANTS[@]}"; do
		[[ $v == "--metrics "* ]] && continue
		read -r -a args <<< "$v"
		run cmp "$BATS_TEST_TMPDIR/default" <(simrun "${SMALL[@]}" "${args[@]}" \
		    --seed 9 --run-id 0-3 --no-steps --metrics none | jq -c 'select(.event == "end") | .grid')
		assert_failure
	done
}

@test "the start line names every variant with its value, defaults included" {
	run jq -c 'select(.event == "start") | [.radius, .min_similar, .move_rule, .boundary,
	    .metrics, .movers, .isolated, .update, .threshold_arithmetic]' \
	    < <(simrun "${SMALL[@]}" --run-id 0 --radius 2 --min-similar 4 --move-rule satisfying \
	        --boundary torus --metrics end --movers anyone --isolated stay \
	        --update synchronous --threshold-arithmetic predecessor --max-steps 3)
	assert_output '[2,4,"satisfying","torus","end","anyone","stay","synchronous","predecessor"]'
	run jq -c 'select(.event == "start") | [.radius, .move_rule, .movers]' \
	    < <(simrun "${SMALL[@]}" --run-id 0)
	assert_output '[1,"random","unhappy"]'
}

@test "--fixed-steps and --no-move-threshold 0 play exactly --max-steps steps" {
	simrun "${SMALL[@]}" --run-id 0-2 --fixed-steps --max-steps 30 > "$BATS_TEST_TMPDIR/fixed"
	run jq -s -c '[.[] | select(.event == "end") | [.n_steps, .converged, .stop_reason]] | unique' \
	    "$BATS_TEST_TMPDIR/fixed"
	assert_output '[[30,false,"max_steps"]]'
	# the default run converges long before, then zero moves to the end
	run jq -s -e '[.[] | select(.event == "step" and .step >= 25)] | all(.moves == 0)' \
	    "$BATS_TEST_TMPDIR/fixed"
	assert_success
	run cmp "$BATS_TEST_TMPDIR/fixed" <(simrun "${SMALL[@]}" --run-id 0-2 --no-move-threshold 0 --max-steps 30)
	assert_success
}

@test "--metrics end and none: same runs, metrics only at the end or nowhere" {
	simrun "${SMALL[@]}" --run-id 0-2 > "$BATS_TEST_TMPDIR/every"
	simrun "${SMALL[@]}" --run-id 0-2 --metrics end > "$BATS_TEST_TMPDIR/end"
	simrun "${SMALL[@]}" --run-id 0-2 --metrics none > "$BATS_TEST_TMPDIR/none"
	run cmp <(jq -c 'select(.event == "end")' "$BATS_TEST_TMPDIR/every") \
	    <(jq -c 'select(.event == "end")' "$BATS_TEST_TMPDIR/end")
	assert_success
	run jq -s -e '[.[] | select(.event == "step")] | all(has("share") | not)
	    and all(has("moves"))' "$BATS_TEST_TMPDIR/end"
	assert_success
	run jq -s -e 'all(has("initial") or has("share") | not)
	    and (map(select(.event == "end")) | all(has("metrics") | not))
	    and (map(select(.event == "start")) | all(.metrics == "none"))' \
	    "$BATS_TEST_TMPDIR/none"
	assert_success
	run cmp <(jq -c 'select(.event == "end") | [.grid, .total_moves, .n_steps]' "$BATS_TEST_TMPDIR/every") \
	    <(jq -c 'select(.event == "end") | [.grid, .total_moves, .n_steps]' "$BATS_TEST_TMPDIR/none")
	assert_success
}

@test "radius 2 with a count rule on the benchmark's small model moves about as published" {
	# ABMFrameworksComparison, small: 40x40, 500+500, r 1, min 3, 20 steps
	run jq -s '[.[] | select(.event == "end") | .total_moves] | add / length | floor' \
	    < <(simrun --grid-size 40 --num-type-a 500 --num-type-b 500 --min-similar 3 \
	        --fixed-steps --max-steps 20 --metrics none --no-steps --run-id 0-99)
	# 1652 published for 100 seeds; the standard error of such a mean is about 10
	(( output > 1620 && output < 1690 ))
}

@test "simcfg writes every variant into config.json and simrun reads it back" {
	args=(--radius 2 --min-similar 5 --move-rule nearest-satisfying --boundary torus
	    --metrics end --movers anyone --isolated stay --update synchronous
	    --threshold-arithmetic predecessor --fixed-steps --max-steps 4)
	simcfg "${SMALL[@]}" "${args[@]}" --runs 2 > "$BATS_TEST_TMPDIR/config.json"
	run jq -c '[.radius, .min_similar, .move_rule, .boundary, .metrics, .movers,
	    .isolated, .update, .threshold_arithmetic, .no_move_threshold]' "$BATS_TEST_TMPDIR/config.json"
	assert_output '[2,5,"nearest-satisfying","torus","end","anyone","stay","synchronous","predecessor",0]'
	run cmp <(simrun --config "$BATS_TEST_TMPDIR/config.json" --run-id 0-1) \
	    <(simrun "${SMALL[@]}" "${args[@]}" --run-id 0-1)
	assert_success
}

@test "baseline_runner takes the variants, --fixed-steps included, and resumes with them" {
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr baseline_runner --runs 3 --processes 1 "${SMALL[@]}" --radius 2 \
	    --min-similar 6 --move-rule satisfying --fixed-steps --max-steps 5 --output-dir out
	assert_success
	dir=$(echo out/experiments/*)
	run jq -c '[.radius, .min_similar, .move_rule, .no_move_threshold]' "$dir/config.json"
	assert_output '[2,6,"satisfying",0]'
	run jq -s -c '[.[] | select(.event == "end") | .n_steps] | unique' "$dir"/runs/*.jsonl
	assert_output '[5]'
	cp "$dir/runs/run_1.jsonl" "$BATS_TEST_TMPDIR/run_1"
	rm "$dir/runs/run_1.jsonl"
	run --separate-stderr baseline_runner --resume "$dir"
	assert_success
	run cmp "$dir/runs/run_1.jsonl" "$BATS_TEST_TMPDIR/run_1"
	assert_success
}

# usage errors: exit status, one line naming the problem, nothing on stdout
bad_usage() {
	local want=$1
	shift
	run --separate-stderr simrun "$@"
	assert_equal "$status" "$want"
	assert_equal "$output" ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^simrun: '
}

@test "contradictory or impossible variants are usage errors (64)" {
	bad_usage 64 --run-id 0 --min-similar 3 --similarity-threshold 0.5
	assert_regex "$stderr" 'two happiness rules'
	bad_usage 64 --run-id 0 --min-similar 3 --similarity-threshold 0.3
	bad_usage 64 --run-id 0 --min-similar 9
	assert_regex "$stderr" 'can never be met: radius 1 has 8 neighbours'
	bad_usage 64 --run-id 0 --grid-size 4 --num-type-a 2 --num-type-b 2 --boundary torus --radius 2
	assert_regex "$stderr" 'torus is smaller than a radius 2'
	bad_usage 64 --run-id 0 --radius 0
	bad_usage 64 --run-id 0 --radius 11
	bad_usage 64 --run-id 0 --move-rule teleport
	assert_regex "$stderr" 'random, satisfying or nearest-satisfying'
	bad_usage 64 --run-id 0 --boundary sphere
	bad_usage 64 --run-id 0 --metrics some
	bad_usage 64 --run-id 0 --movers all
	bad_usage 64 --run-id 0 --isolated maybe
	bad_usage 64 --run-id 0 --update parallel
	bad_usage 64 --run-id 0 --threshold-arithmetic fuzzy
	bad_usage 64 --run-id 0 --no-move-threshold -1
	bad_usage 64 --run-id 0 --fixed-steps=yes
}

@test "LLM and table agents refuse the mechanical-only variants (64), before any request" {
	bad_usage 64 --run-id 0 --agent llm --radius 2 --llm-url http://127.0.0.1:9/v1/chat/completions
	assert_regex "$stderr" 'sees a 3x3 context: --radius 2 applies to mechanical and utility agents only'
	bad_usage 64 --run-id 0 --agent table --table /nonexistent --radius 2
	assert_regex "$stderr" '3x3 context'
	bad_usage 64 --run-id 0 --agent llm --movers anyone
	assert_regex "$stderr" 'rules of mechanical agents'
	bad_usage 64 --run-id 0 --agent table --table /nonexistent --isolated stay
	run --separate-stderr simcfg --agent llm --radius 3 --runs 1
	assert_equal "$status" 64
}

@test "LLM agents on a torus with a satisfying move rule reproduce mechanical runs" {
	start_fakellm
	args=("${SMALL[@]}" --boundary torus --move-rule satisfying --update synchronous --max-steps 8)
	simrun "${args[@]}" --agent llm --llm-url "$URL" --run-id 0-1 > "$BATS_TEST_TMPDIR/llm"
	simrun "${args[@]}" --run-id 0-1 > "$BATS_TEST_TMPDIR/mech"
	run cmp <(jq -c 'select(.event == "end") | [.grid, .total_moves, .n_steps]' "$BATS_TEST_TMPDIR/llm") \
	    <(jq -c 'select(.event == "end") | [.grid, .total_moves, .n_steps]' "$BATS_TEST_TMPDIR/mech")
	assert_success
	# the prompts show wrapped neighbourhoods: no off-grid cell anywhere
	run jq -s -e 'length > 0 and all(.grid | test("#") | not)' "$FAKELLM_LOG"
	assert_success
}

@test "--model-metrics on: the pooled like share of the default model is the share metric" {
	run jq -s -e '[.[] | select(.event == "end")] | length == 5 and all(
	    (.model_metrics.like_share_pooled - .metrics.share | fabs) < 1e-12
	    and .model_metrics.unhappy_share == 0
	    and (.model_metrics.segregation_coefficient | . > 0 and . <= 1))' \
	    < <(simrun "${SMALL[@]}" --run-id 0-4 --model-metrics on --no-steps)
	assert_success
	run jq -s -e '[.[] | select(.event == "end")] | all(has("model_metrics") | not)' \
	    < <(simrun "${SMALL[@]}" --run-id 0 --no-steps)
	assert_success
}

@test "scripts/replicate --quick runs every replication and prints ours beside the published figure" {
	run --separate-stderr "$ROOT/scripts/replicate" --quick
	assert_success
	assert_equal "${#lines[@]}" "$(($(ls "$ROOT"/configs/replications/*.json | wc -l) + 1))"
	assert_regex "${lines[0]}" '^replication +quantity +ours: mean \(se, runs\) +published +z +verdict$'
	assert_output --regexp 'downey-p03 +like_share_mean +0\.[0-9]+ \(0\.[0-9]+, 10\) +0\.74 +-?[0-9.]+ +(agrees|DIFFERS)'
	assert_output --regexp 'gauvin-T0\.5 +segregation_coefficient +[01](\.[0-9]+)? \(0(\.[0-9]+)?, 3\) +1 +-?[0-9.]+ +(agrees|DIFFERS)'
	assert_output --regexp 'gauvin-T0\.3 +segregation_coefficient .* no published number'
	run --separate-stderr "$ROOT/scripts/replicate" --quick nosuch
	assert_equal "$status" 66
	assert_regex "$stderr" 'no replication .*nosuch.json'
}

@test "a replication file runs the same as its runner command" {
	f=$ROOT/configs/replications/downey-p03.json
	mapfile -t flags < <(jq -r '.flags[]' "$f")
	cd "$BATS_TEST_TMPDIR"
	baseline_runner --runs 2 --processes 1 "${flags[@]}" --model-metrics on --output-dir out > /dev/null 2>&1
	run cmp <(jq -c 'select(.event == "end") | .model_metrics' out/experiments/*/runs/run_1.jsonl) \
	    <(simrun "${flags[@]}" --run-id 1 --no-steps --model-metrics on | jq -c 'select(.event == "end") | .model_metrics')
	assert_success
}

@test "table agents (the mechanical rule's table) on a torus with the variants reproduce mechanical runs" {
	start_fakellm
	simprobe --llm-url "$URL" --key composition --method samples --samples 1 \
	    --temperature 0 --output "$BATS_TEST_TMPDIR/rule.jsonl" 2> /dev/null
	args=("${SMALL[@]}" --boundary torus --move-rule nearest-satisfying --update synchronous --max-steps 12)
	run cmp <(simrun "${args[@]}" --agent table --table "$BATS_TEST_TMPDIR/rule.jsonl" --run-id 0-3 |
	        jq -c 'select(.event != "start")') \
	    <(simrun "${args[@]}" --run-id 0-3 | jq -c 'select(.event != "start")')
	assert_success
}
