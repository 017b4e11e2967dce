#!/usr/bin/env bats
# simrun --agent llm --destination choose: LLM movers that choose where to
# live, against the fake server's choosing rule (the option with the most
# like neighbours).

setup() {
	load helper
	cd "$BATS_TEST_TMPDIR"
	SMALL=(--grid-size 10 --num-type-a 40 --num-type-b 40 --agent llm)
	unset LLM_API_KEY PARALLEL
}

teardown() {
	stop_fakellms
}

# end lines without wall-clock times
ends() {
	jq -c 'select(.event == "end") | del(.llm_time_s, .avg_llm_response_time_s)' "$@"
}

@test "choose and random destinations differ; each repeats exactly" {
	start_fakellm
	for d in random choose; do
		simrun "${SMALL[@]}" --llm-url "$URL" --run-id 0-2 --destination "$d" > "$d.1"
		simrun "${SMALL[@]}" --llm-url "$URL" --run-id 0-2 --destination "$d" > "$d.2"
		run cmp <(ends "$d.1") <(ends "$d.2")
		assert_success
	done
	run cmp <(jq -c 'select(.event == "end") | .grid' random.1) \
	    <(jq -c 'select(.event == "end") | .grid' choose.1)
	assert_failure
	# random is today's run, byte for byte: no new key anywhere
	run grep -c 'destination\|choice' random.1
	assert_output 0
	# every mover chose once: choices == moves, all parsed
	run jq -s -e '[.[] | select(.event == "end")] | all(.choices == .total_moves
	    and .choices > 0 and .choice_failures == 0 and .parse_failures == 0
	    and .status == "ok")' choose.1
	assert_success
	# a run depends on its key, not on how many requests are in flight
	simrun "${SMALL[@]}" --llm-url "$URL" --run-id 0-2 --destination choose \
	    --llm-concurrency 4 > choose.4
	run cmp <(ends choose.1 | jq -c 'del(.prefetch_wasted)') \
	    <(ends choose.4 | jq -c 'del(.prefetch_wasted)')
	assert_success
}

@test "the fake's choosing rule shapes the end: more segregation than random destinations" {
	start_fakellm
	for d in random choose; do
		simrun "${SMALL[@]}" --llm-url "$URL" --run-id 0-9 --model-metrics on \
		    --destination "$d" > "$d"
	done
	seg() {
		jq -s '[.[] | select(.event == "end") | .model_metrics.segregation_coefficient]
		    | add / length' "$1"
	}
	r=$(seg random) c=$(seg choose)
	echo "random $r, choose $c"
	# measured 0.687 and 0.796 (10 runs)
	run python3 -c "import sys; sys.exit(0 if $c > $r + 0.05 else 1)"
	assert_success
	# the fake took, every time, an option with the most S of those offered
	simrun "${SMALL[@]}" --llm-url "$URL" --run-id 0 --destination choose \
	    --decision-log > logged
	run jq -s -e '[.[] | select(.event == "choice")] | length > 0 and all(
	    (.options | map([scan("S")] | length)) as $s | $s[.taken - 1] == ($s | max))' logged
	assert_success
}

@test "choices that are no number: counted, the fallback repeats, the run fails as documented" {
	start_fakellm --choice-fault
	run --separate-stderr simrun "${SMALL[@]}" --llm-url "$URL" --run-id 0 \
	    --destination choose --parse-retries 1
	assert_failure 65
	[[ $stderr == *"were not MOVE or STAY or the number of a house offered"* ]]
	run jq -e 'select(.event == "end") | .status == "failed" and .choice_failures > 0
	    and .choice_failures == .choices and .parse_failures == .choice_failures' <<< "$output"
	assert_success
	# allowed: the run ends ok, the failures counted, the fallback the same each time
	for i in 1 2; do
		simrun "${SMALL[@]}" --llm-url "$URL" --run-id 0 --destination choose \
		    --parse-retries 0 --max-parse-failure-share 1 > "allowed.$i"
	done
	run jq -e 'select(.event == "end") | .status == "ok" and .choice_failures == .choices
	    and .choices > 0' allowed.1
	assert_success
	run cmp <(ends allowed.1) <(ends allowed.2)
	assert_success
}

@test "a cache answers the choices of a rerun" {
	start_fakellm
	simrun "${SMALL[@]}" --llm-url "$URL" --run-id 0-1 --destination choose \
	    --temperature 0 --llm-cache cache.db > first
	simrun "${SMALL[@]}" --llm-url "$URL" --run-id 0-1 --destination choose \
	    --temperature 0 --llm-cache cache.db > second
	run jq -s -e '[.[] | select(.event == "end")] | all(.cache_misses == 0
	    and .llm_calls == 0 and .choices > 0)' second
	assert_success
	run cmp <(ends first | jq -c '{grid, total_moves, choices}') \
	    <(ends second | jq -c '{grid, total_moves, choices}')
	assert_success
}

@test "config.json and the start line carry the destination; resume after a kill ends the same" {
	start_fakellm --latency-ms 1
	setsid llm_runner --runs 6 --processes 2 --seed 5 --grid-size 10 --num-type-a 40 \
	    --num-type-b 40 --llm-url "$URL" --destination choose --destination-choices 3 \
	    > killed.out 2> killed.err &
	pid=$!
	wait_run_files 2 || true
	pkill -KILL -s "$pid"
	wait "$pid" || true
	killed=$(ls -dt experiments/* | head -n 1)
	run jq -c '[.destination, .destination_choices]' "$killed/config.json"
	assert_output '["choose",3]'
	run --separate-stderr llm_runner --resume "$killed"
	assert_success
	sleep 1
	llm_runner --runs 6 --processes 2 --seed 5 --grid-size 10 --num-type-a 40 \
	    --num-type-b 40 --llm-url "$URL" --destination choose --destination-choices 3 \
	    > /dev/null 2>&1
	whole=$(ls -dt experiments/* | head -n 1)
	[ "$whole" != "$killed" ]
	for r in 0 1 2 3 4 5; do
		run cmp <(jq -c 'select(.event == "end") | {grid, total_moves, choices}' \
		    "$killed"/runs/run_*"$r".jsonl) \
		    <(jq -c 'select(.event == "end") | {grid, total_moves, choices}' \
		    "$whole"/runs/run_*"$r".jsonl)
		assert_success
	done
	run jq -c 'select(.event == "start") | [.destination, .destination_choices]' \
	    "$whole"/runs/run_*0.jsonl
	assert_output '["choose",3]'
	run jq -c '[.destination, .destination_choices]' "$whole/config.json"
	assert_output '["choose",3]'
}

@test "--destination refusals: one line, exit 64" {
	run --separate-stderr simrun --grid-size 10 --num-type-a 40 --num-type-b 40 \
	    --destination choose --run-id 0
	assert_failure 64
	[[ $stderr == *"needs --agent llm and --move-rule random"* ]]
	run --separate-stderr simrun "${SMALL[@]}" --destination-choices 5 --run-id 0
	assert_failure 64
	[[ $stderr == *"add --destination choose"* ]]
	run --separate-stderr simrun "${SMALL[@]}" --destination choose --move-rule satisfying --run-id 0
	assert_failure 64
	run --separate-stderr simrun "${SMALL[@]}" --destination choose --destination-choices 10 --run-id 0
	assert_failure 64
	[[ $stderr == *"2 to 9"* ]]
}

@test "--check-llm asks a choice prompt too when movers choose" {
	start_fakellm
	run simrun "${SMALL[@]}" --llm-url "$URL" --check-llm --destination choose
	assert_success
	# the example house with the most like neighbours is the third
	assert_line "Choice response: '3' (house 3 of 4)"
	run simrun "${SMALL[@]}" --llm-url "$URL" --check-llm
	assert_success
	refute_line --partial "Choice response"
	stop_fakellms
	start_fakellm --choice-fault
	run --separate-stderr simrun "${SMALL[@]}" --llm-url "$URL" --check-llm \
	    --destination choose --parse-retries 0
	assert_failure 69
	[[ $stderr == *"reply to a choice prompt is unparseable, not a number from 1 to 4"* ]]
}

@test "under choose the shipped MOVE or STAY prompt says the mover chooses; random keeps its wording" {
	start_fakellm --log-prompts
	simrun "${SMALL[@]}" --llm-url "$URL" --run-id 0 --destination choose > choose
	# the decision prompts: no "cannot choose" left, the choosing wording there
	run jq -s -e '[.[] | .prompt | select(test("MOVE or STAY"))] | length > 0 and
	    all(contains("you cannot choose") | not) and
	    all(contains("you will be shown a few empty houses"))' "$FAKELLM_LOG"
	assert_success
	# the choice prompts are the scenario's own choice_template
	run jq -s -e '[.[] | .prompt | select(test("Option 1:"))] | length > 0 and
	    all(test("^You are a (red|blue) team resident living in a residential area, and you have decided to move[.]"))' \
	    "$FAKELLM_LOG"
	assert_success
	run jq -c 'select(.event == "start") | [.move_prompt, .choice_prompt]' choose
	assert_output '["choose_prompt_template","choice_template"]'
	start_fakellm --log-prompts
	simrun "${SMALL[@]}" --llm-url "$URL" --run-id 0 > random
	run jq -s -e 'length > 0 and all(.prompt | contains("you cannot choose which one"))' \
	    "$FAKELLM_LOG"
	assert_success
	run grep -c 'move_prompt\|choice_prompt' random
	assert_output 0
	# config.json records the templates a choosing run asks with, and only then
	run jq -e '.context_info | (.choose_prompt_template | contains("choose one of them"))
	    and (.choice_template | contains("{options}"))' \
	    <(simcfg --agent llm --destination choose --runs 1)
	assert_success
	run jq -c '.context_info | keys' <(simcfg --agent llm --runs 1)
	assert_output '["name","prompt_template","type_a","type_b"]'
}

@test "every shipped scenario has the choosing wording, in its own labels" {
	for f in "$ROOT"/configs/scenarios/*.json; do
		run jq -e '(.prompt_template | contains("you cannot choose which one"))
		    and (.choose_prompt_template | contains("you cannot choose") | not)
		    and (.choose_prompt_template | contains("choose one of them"))
		    and (.choice_template | contains("{options}"))
		    and (.choose_prompt_template | sub("you will be shown a few empty houses elsewhere in the area and choose one of them"; "you will end up in a randomly chosen empty house elsewhere in the area; you cannot choose which one")) == .prompt_template' "$f"
		assert_success
		# the program loads it and records the wording it will ask with
		run jq -e --slurpfile s "$f" '.context_info.choose_prompt_template
		    == $s[0].choose_prompt_template' <(simcfg --agent llm --runs 1 \
		    --scenario "$(basename "$f" .json)" --destination choose)
		assert_success
	done
	# a scenario file without choose_prompt_template keeps its prompt under choose
	start_fakellm --log-prompts
	jq 'del(.choose_prompt_template, .choice_template)' "$ROOT/configs/scenarios/baseline.json" > own.json
	simrun "${SMALL[@]}" --llm-url "$URL" --run-id 0 --destination choose \
	    --scenario-file own.json > own
	run jq -s -e '[.[] | .prompt | select(test("MOVE or STAY"))] | length > 0 and
	    all(contains("you cannot choose which one"))' "$FAKELLM_LOG"
	assert_success
	run jq -c 'select(.event == "start") | [.move_prompt, .choice_prompt]' own
	assert_output '["prompt_template","default"]'
	# a bad choose_prompt_template is refused like a bad prompt_template
	jq '.choose_prompt_template = "no grid"' own.json > bad.json
	run --separate-stderr simrun "${SMALL[@]}" --llm-url "$URL" --run-id 0 \
	    --destination choose --scenario-file bad.json
	assert_failure 78
	[[ $stderr == *'"choose_prompt_template": {context} must appear exactly once'* ]]
}

@test "several endpoints: choices spread over them, the results those of one server" {
	start_fakellm
	local one=$URL log1=$FAKELLM_LOG
	start_fakellm
	local two=$URL log2=$FAKELLM_LOG
	printf '%s 4\n%s 4\n' "$one" "$two" > eps
	simrun "${SMALL[@]}" --llm-url "$one" --run-id 0-2 --destination choose > single
	: > "$log1"
	for c in 1 4; do
		run --separate-stderr simrun "${SMALL[@]}" --llm-endpoints eps --run-id 0-2 \
		    --destination choose --llm-concurrency "$c"
		assert_success
		echo "$output" > "eps.$c"
		run cmp <(jq -c 'select(.event == "end") | {grid, total_moves, choices,
		    choice_failures, status}' single) \
		    <(jq -c 'select(.event == "end") | {grid, total_moves, choices,
		    choice_failures, status}' "eps.$c")
		assert_success
	done
	# each endpoint answered choice prompts (a number), not only decisions
	for log in "$log1" "$log2"; do
		run jq -s -e '[.[] | select(.reply | test("^[1-9]$"))] | length > 0' "$log"
		assert_success
	done
	run jq -s -e '[.[] | select(.event == "end")] | all(.choices > 0
	    and (.llm_endpoint_calls | add) == .llm_calls)' eps.1
	assert_success
	# a failing endpoint is set aside for choices too; the results stay
	start_fakellm --fault 500
	printf '%s 4\n%s 4\n' "$URL" "$two" > eps.bad
	run --separate-stderr simrun "${SMALL[@]}" --llm-endpoints eps.bad --run-id 0-2 \
	    --destination choose --retry-base-ms 10
	assert_success
	run cmp <(jq -c 'select(.event == "end") | {grid, total_moves, choices}' single) \
	    <(jq -c 'select(.event == "end") | {grid, total_moves, choices}' <<< "$output")
	assert_success
	# --check-llm sends a choice prompt to every endpoint
	run simrun "${SMALL[@]}" --llm-endpoints eps --check-llm --destination choose
	assert_success
	run grep -c "Choice response: '3' (house 3 of 4)" <<< "$output"
	assert_output 2
}

@test "the runner's progress counts choices beside decisions" {
	start_fakellm
	run --separate-stderr llm_runner --runs 3 --processes 1 --grid-size 10 --num-type-a 40 \
	    --num-type-b 40 --llm-url "$URL" --destination choose --no-report
	assert_success
	dir=$(ls -dt experiments/* | head -n 1)
	last=$(grep '^\[run-progress\].* decisions=' <<< "$stderr" | tail -n 1)
	[[ $last =~ \ choices=([0-9]+)\  ]]
	# the last line counts every choice of the three runs
	run jq -s '[.[] | select(.event == "end") | .choices] | add' "$dir"/runs/run_*.jsonl
	assert_output "${BASH_REMATCH[1]}"
	[ "${BASH_REMATCH[1]}" -gt 0 ]
	# on a terminal the bar says them too
	script -qec "llm_runner --runs 2 --processes 1 --grid-size 10 --num-type-a 40 --num-type-b 40 --llm-url $URL --destination choose --no-report" /dev/null > tty.out
	run bash -c "tr '\r' '\n' < tty.out | grep -a -c '[0-9]* decisions, [1-9][0-9]* choices'"
	[ "$output" -ge 1 ]
	# MOVE or STAY runs: no choices in the line
	run --separate-stderr llm_runner --runs 2 --processes 1 --grid-size 10 --num-type-a 40 \
	    --num-type-b 40 --llm-url "$URL" --no-report
	assert_success
	run grep -c 'choices' <<< "$stderr"
	assert_output 0
}
