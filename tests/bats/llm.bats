#!/usr/bin/env bats
# simrun --agent llm against the fake server: results, faults, secrets.

setup() {
	load helper
	SMALL=(--grid-size 10 --num-type-a 40 --num-type-b 40)
	FAST=(--retry-base-ms 1 --retry-max-ms 20)
	unset LLM_API_KEY
}

teardown() {
	stop_fakellms
}

# end lines without the fields that only LLM runs have
outcomes() {
	jq -c 'select(.event == "end") | del(.llm_calls, .llm_time_s,
	    .parse_failures, .retries, .avg_llm_response_time_s,
	    .served_model, .system_fingerprint, .parse_failure_share,
	    .llm_input_tokens, .llm_output_tokens, .llm_server_found)' "$@"
}

@test "an LLM that answers by the mechanical rule reproduces mechanical runs exactly" {
	start_fakellm
	simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0-4 > "$BATS_TEST_TMPDIR/llm"
	simrun "${SMALL[@]}" --run-id 0-4 > "$BATS_TEST_TMPDIR/mech"
	run cmp <(outcomes "$BATS_TEST_TMPDIR/llm") <(outcomes "$BATS_TEST_TMPDIR/mech")
	assert_success
	run jq -s -e '[.[] | select(.event == "step")] | all(.llm_calls == .decisions
	    and .retries == 0 and .parse_failures == 0 and .llm_time_s > 0)' "$BATS_TEST_TMPDIR/llm"
	assert_success
}

@test "the start line names scenario, model and URL, never the key" {
	start_fakellm
	LLM_API_KEY=sk-very-secret-1234 run --separate-stderr \
	    simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0 --scenario race_white_black
	assert_success
	run jq -c 'select(.event == "start") | [.scenario, .type_a, .type_b, .llm_model, .llm_url, .llm_api]' <<< "$output"
	assert_output "[\"race_white_black\",\"white middle class family\",\"Black family\",\"llama3.1:8b\",\"$URL\",\"openai\"]"
}

@test "a run under a 20% fault rate ends exactly like a fault-free run" {
	start_fakellm --fault-rate 0.2 --faults 500,503,429,hang,drop,malformed,empty,chatty \
	    --hang-ms 400 --fault-seed 7
	simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0-2 "${FAST[@]}" \
	    --request-timeout 0.2 --llm-retries 40 --parse-retries 10 > "$BATS_TEST_TMPDIR/faulty"
	simrun "${SMALL[@]}" --run-id 0-2 > "$BATS_TEST_TMPDIR/mech"
	run cmp <(outcomes "$BATS_TEST_TMPDIR/faulty") <(outcomes "$BATS_TEST_TMPDIR/mech")
	assert_success
	run jq -s -e '[.[] | select(.event == "end")] | all(.retries > 0 and .parse_failures == 0)' \
	    "$BATS_TEST_TMPDIR/faulty"
	assert_success
	# every kind of fault was met
	run jq -r -s '[.[] | .fault | strings] | unique | join(",")' "$FAKELLM_LOG"
	assert_output "429,500,503,chatty,drop,empty,hang,malformed"
}

@test "every request carries a seed from the keyed stream; runs repeat them exactly" {
	start_fakellm
	simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 3 --no-steps > /dev/null
	cp "$FAKELLM_LOG" "$BATS_TEST_TMPDIR/first"
	: > "$FAKELLM_LOG"
	simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 3 --no-steps > /dev/null
	run jq -s -e 'all(.seed | type == "number") and (map(.seed) | unique | length) > 0.99 * length' \
	    "$BATS_TEST_TMPDIR/first"
	assert_success
	run cmp <(jq -c '[.seed, .grid]' "$BATS_TEST_TMPDIR/first") <(jq -c '[.seed, .grid]' "$FAKELLM_LOG")
	assert_success
}

@test "the Ollama native API gives the same runs" {
	start_fakellm
	simrun "${SMALL[@]}" --agent llm --llm-api ollama --llm-url "$BASE/api/chat" \
	    --run-id 0-1 > "$BATS_TEST_TMPDIR/ollama"
	run cmp <(outcomes "$BATS_TEST_TMPDIR/ollama") <(outcomes <(simrun "${SMALL[@]}" --run-id 0-1))
	assert_success
	run jq -s -e 'all(.path == "/api/chat")' "$FAKELLM_LOG"
	assert_success
}

@test "one connection serves the whole run" {
	start_fakellm
	simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0-1 --no-steps > /dev/null
	run curl -s "$BASE/stats"
	# simrun's one connection for both runs, and curl's own
	run jq -e '.connections == 2 and .chat_requests > 500' <<< "$output"
	assert_success
}

@test "replies in any case, quoted or with a full stop parse; MOVE/STAY only" {
	for style in lower quoted punct; do
		start_fakellm --reply-style "$style"
		run cmp <(outcomes <(simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 1)) \
		    <(outcomes <(simrun "${SMALL[@]}" --run-id 1))
		assert_success
	done
}

@test "an unparseable reply is re-asked, then counted and taken as STAY" {
	start_fakellm --reply-style sentence
	# --max-parse-failure-share 1: every failure allowed (the default 5%
	# would end the run failed, see hardening.bats)
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0 \
	    --parse-retries 2 --no-move-threshold 2 --max-parse-failure-share 1
	assert_success
	run jq -c 'select(.event == "end") | [.converged, .final_step, .total_moves,
	    .parse_failures, .llm_calls, .retries]' <<< "$output"
	# 2 steps x 80 decisions, each asked 3 times, nobody moves
	assert_output '[true,1,0,160,480,320]'
}

@test "429 with Retry-After is honoured, then the run goes on" {
	start_fakellm --fault-first 1 --faults 429 --retry-after 1
	SECONDS=0
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0 --no-steps "${FAST[@]}"
	assert_success
	[ "$SECONDS" -ge 1 ]
	run jq -c 'select(.event == "end") | [.status, .retries]' <<< "$output"
	assert_output '["ok",1]'
}

@test "a hang past --request-timeout is retried" {
	start_fakellm --fault-first 1 --faults hang --hang-ms 3000
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0 --no-steps \
	    --request-timeout 0.3 "${FAST[@]}"
	assert_success
	run jq -c 'select(.event == "end") | [.status, .retries]' <<< "$output"
	assert_output '["ok",1]'
}

@test "a missing model stops the run at once: exit 69, the server's words, a failed end line" {
	start_fakellm
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --llm-model nope:1b --run-id 0-3
	assert_equal "$status" 69
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "HTTP 404 .*model 'nope:1b' not found"
	jsonl=$output
	run jq -c 'select(.event == "end") | [.run_id, .status, .stop_reason, .llm_calls, .retries]' <<< "$jsonl"
	assert_output '[0,"failed","failed",1,0]'
	run jq -r '.event' <<< "$jsonl"
	assert_output "$(printf 'start\nend')"
}

@test "a server that is down: bounded retries, a failed end line, exit 75" {
	port=$(closed_port)
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "http://127.0.0.1:$port/v1/chat/completions" \
	    --run-id 0-5 --llm-retries 3 "${FAST[@]}"
	assert_equal "$status" 75
	assert_regex "$stderr" "cannot connect to http://127.0.0.1:$port"
	jsonl=$output
	run jq -r '.event' <<< "$jsonl"
	assert_output "$(printf 'start\nend')"
	run jq -c 'select(.event == "end") | [.status, .failed_step, .retries, (.reason | test("cannot connect"))]' <<< "$jsonl"
	assert_output '["failed",0,3,true]'
}

@test "the API key comes from LLM_API_KEY or a file, never argv, and is written nowhere" {
	export FAKELLM_API_KEY=sk-test-0123456789
	start_fakellm
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0 --llm-retries 0
	assert_equal "$status" 69
	assert_regex "$stderr" "HTTP 401"
	LLM_API_KEY=sk-test-0123456789 run --separate-stderr simrun "${SMALL[@]}" --agent llm \
	    --llm-url "$URL" --run-id 0 --decision-log
	assert_success
	printf 'sk-test-0123456789\n' > "$BATS_TEST_TMPDIR/key"
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0 \
	    --llm-api-key-file "$BATS_TEST_TMPDIR/key"
	assert_success
	refute_output --partial 0123456789
	run grep -rl 0123456789 "$FAKELLM_LOG" "$BATS_TEST_TMPDIR"/fakellm.*/stderr
	assert_failure
	run --separate-stderr simrun --agent llm --llm-url "$URL" --run-id 0 --llm-api-key sk-x
	assert_equal "$status" 64
	assert_regex "$stderr" "LLM_API_KEY"
}

@test "--check-llm reports success, latency and the reply; exit 69 with the reason otherwise" {
	start_fakellm
	run --separate-stderr simrun --check-llm --llm-url "$URL"
	assert_success
	assert_line "URL: $URL"
	assert_line --regexp '^LLM connection successful \(response time: [0-9.]+s\)$'
	assert_line --regexp "^Test response: '.+'$"
	run --separate-stderr simrun --check-llm --llm-url "$URL" --llm-model absent:7b
	assert_equal "$status" 69
	assert_regex "$stderr" "HTTP 404 .*model 'absent:7b' not found"
	run --separate-stderr simrun --check-llm --llm-url "http://127.0.0.1:$(closed_port)/v1/chat/completions"
	assert_equal "$status" 69
	assert_regex "$stderr" "cannot connect"
	start_fakellm --fault malformed
	run --separate-stderr simrun --check-llm --llm-url "$URL"
	assert_equal "$status" 69
	assert_regex "$stderr" "malformed JSON"
}

@test "--decision-log adds one audit line per decision" {
	start_fakellm
	simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 2 --decision-log > "$BATS_TEST_TMPDIR/out"
	run jq -s -e '([.[] | select(.event == "decision")] | length)
	    == ([.[] | select(.event == "step") | .decisions] | add)' "$BATS_TEST_TMPDIR/out"
	assert_success
	run jq -s -e '[.[] | select(.event == "decision")] | all(
	    (.context | test("^[XSOE#] [XSOE#] [XSOE#]\n[SOE#] X [SOE#]\n[SOE#] [SOE#] [SOE#]$"))
	    and (.answer == "MOVE" or .answer == "STAY") and .reply == .answer
	    and .attempts == 1 and (.group == "A" or .group == "B")
	    and (.label | test("team resident$")) and .latency_s > 0)' "$BATS_TEST_TMPDIR/out"
	assert_success
}

@test "scenario files: malformed ones are refused up front naming the field" {
	start_fakellm
	printf '{"name": "x", "type_a": "a", "prompt_template": "{context}"}\n' > "$BATS_TEST_TMPDIR/s.json"
	run --separate-stderr simrun --agent llm --llm-url "$URL" --run-id 0 --scenario-file "$BATS_TEST_TMPDIR/s.json"
	assert_equal "$status" 78
	assert_equal "$output" ""
	assert_regex "$stderr" 's.json: missing field "type_b"'
	printf '{"name": "x", "type_a": "a", "type_b": "b", "prompt_template": "Hi {name}: {context}"}\n' \
	    > "$BATS_TEST_TMPDIR/s.json"
	run --separate-stderr simrun --agent llm --llm-url "$URL" --run-id 0 --scenario-file "$BATS_TEST_TMPDIR/s.json"
	assert_equal "$status" 78
	assert_regex "$stderr" 'unknown placeholder'
	printf '{"name": "x", "type_a": "a", "type_b": "b", "prompt_template": "no grid"}\n' \
	    > "$BATS_TEST_TMPDIR/s.json"
	run --separate-stderr simrun --agent llm --llm-url "$URL" --run-id 0 --scenario-file "$BATS_TEST_TMPDIR/s.json"
	assert_regex "$stderr" '\{context\} must appear exactly once'
	printf '{"name": "x",' > "$BATS_TEST_TMPDIR/s.json"
	run --separate-stderr simrun --agent llm --llm-url "$URL" --run-id 0 --scenario-file "$BATS_TEST_TMPDIR/s.json"
	assert_equal "$status" 78
	assert_regex "$stderr" 'scenario file .*s.json'
	run --separate-stderr simrun --agent llm --llm-url "$URL" --run-id 0 --scenario nosuch
	assert_equal "$status" 78
	assert_regex "$stderr" "unknown scenario 'nosuch'"
	[ ! -s "$FAKELLM_LOG" ]
}

@test "a user's own scenario file drives the prompt" {
	start_fakellm
	printf '{"name": "mine", "type_a": "cats", "type_b": "dogs", "prompt_template": "You are one of the {agent_type}, not {opposite_type}. MOVE or STAY?\\n{context}"}\n' \
	    > "$BATS_TEST_TMPDIR/mine.json"
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0 \
	    --scenario-file "$BATS_TEST_TMPDIR/mine.json" --no-steps
	assert_success
	run jq -c 'select(.event == "start") | [.scenario, .type_a, .type_b]' <<< "$output"
	assert_output '["mine","cats","dogs"]'
}

# the runs' outcomes and every count but those that depend on timing
# or on how many early answers went stale, and the setting itself
settled() {
	jq -c 'del(.llm_time_s, .avg_llm_response_time_s, .prefetch_wasted, .latency_s,
	    .llm_concurrency)' "$@"
}

@test "--llm-concurrency K: the same lines for every K" {
	start_fakellm --slots 8
	for k in 1 2 8; do
		simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0-2 --seed 4 \
		    --llm-concurrency "$k" --decision-log > "$BATS_TEST_TMPDIR/k$k"
	done
	run cmp <(settled "$BATS_TEST_TMPDIR/k1") <(settled "$BATS_TEST_TMPDIR/k2")
	assert_success
	run cmp <(settled "$BATS_TEST_TMPDIR/k1") <(settled "$BATS_TEST_TMPDIR/k8")
	assert_success
	run jq -s -e '[.[] | select(.event == "end")] | all(.prefetch_wasted >= 0)' "$BATS_TEST_TMPDIR/k8"
	assert_success
	# with some latency, K requests are really in flight at once
	start_fakellm --slots 8 --latency-ms 20
	simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0 --max-steps 1 \
	    --llm-concurrency 8 > /dev/null
	run curl -s "$BASE/stats"
	run jq -e '.max_in_flight == 8' <<< "$output"
	assert_success
}

@test "--llm-concurrency under a 20% fault rate still ends like the mechanical run" {
	start_fakellm --slots 8 --fault-rate 0.2 --faults 500,503,429,drop,malformed,empty,chatty
	simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0-1 --llm-concurrency 6 \
	    --retry-base-ms 1 --retry-max-ms 20 --llm-retries 40 --parse-retries 10 > "$BATS_TEST_TMPDIR/faulty"
	run cmp <(outcomes "$BATS_TEST_TMPDIR/faulty" | jq -c 'del(.prefetch_wasted)') \
	    <(outcomes <(simrun "${SMALL[@]}" --run-id 0-1))
	assert_success
}

@test "--llm-slots caps the requests in flight across processes" {
	export SIM_SLOTS_DIR=$BATS_TEST_TMPDIR/slots
	mkdir -p "$SIM_SLOTS_DIR"
	start_fakellm --slots 8 --latency-ms 10
	pids=()
	for i in 1 2 3; do
		simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id "$i" --max-steps 1 \
		    --llm-slots 2 --llm-concurrency 2 > "$BATS_TEST_TMPDIR/s$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	run curl -s "$BASE/stats"
	run jq -c '[.chat_requests >= 240, .max_in_flight]' <<< "$output"
	assert_output '[true,2]'
	run jq -c 'select(.event == "start") | .llm_slots' "$BATS_TEST_TMPDIR/s1"
	assert_output 2
	# and without the cap, more
	start_fakellm --slots 8 --latency-ms 10
	pids=()
	for i in 1 2 3; do
		simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id "$i" --max-steps 1 > /dev/null &
		pids+=($!)
	done
	wait "${pids[@]}"
	run curl -s "$BASE/stats"
	run jq -e '.max_in_flight == 3' <<< "$output"
	assert_success
}

@test "a slot held by a killed process is free again at once" {
	export SIM_SLOTS_DIR=$BATS_TEST_TMPDIR/slots
	mkdir -p "$SIM_SLOTS_DIR"
	# the first request hangs for 20 s: its process holds the only slot
	start_fakellm --fault-first 1 --faults hang --hang-ms 20000
	simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0 --llm-slots 1 > /dev/null &
	holder=$!
	for _ in $(seq 100); do
		# fakellm frees its slot before a hang: count the request instead
		[ "$(curl -s "$BASE/stats" | jq .chat_requests)" = 1 ] && break
		sleep 0.05
	done
	kill -KILL "$holder"
	run timeout 10 simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 1 --max-steps 1 \
	    --llm-slots 1 --no-steps
	assert_success
	assert_line --partial '"status":"ok"'
}

@test "--llm-slots auto reads total_slots from the server's /props" {
	export SIM_SLOTS_DIR=$BATS_TEST_TMPDIR/slots
	mkdir -p "$SIM_SLOTS_DIR"
	start_fakellm --slots 3
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0 \
	    --max-steps 1 --llm-slots auto --no-steps
	assert_success
	run jq -c 'select(.event == "start") | .llm_slots' <<< "$output"
	assert_output 3
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --run-id 0 --llm-slots auto \
	    --llm-url "http://127.0.0.1:$(closed_port)/v1/chat/completions"
	assert_equal "$status" 78
	assert_regex "$stderr" "/props gives no total_slots"
}

@test "--llm-cache at temperature 0: a second identical run makes no call" {
	start_fakellm
	cache=$BATS_TEST_TMPDIR/decisions.db
	simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0-1 --temperature 0 \
	    --llm-cache "$cache" > "$BATS_TEST_TMPDIR/first"
	simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0-1 --temperature 0 \
	    --llm-cache "$cache" > "$BATS_TEST_TMPDIR/second"
	run jq -c 'select(.event == "end") | [.llm_calls, .cache_misses, .cache_hits > 0]' "$BATS_TEST_TMPDIR/second"
	assert_output "$(printf '[0,0,true]\n[0,0,true]')"
	run jq -s -e '[.[] | select(.event == "step")] | all(.cache_hits + .cache_misses == .decisions)' \
	    "$BATS_TEST_TMPDIR/first"
	assert_success
	run jq -s -e '[.[] | select(.event == "end")] | all(.llm_calls == .cache_misses)' "$BATS_TEST_TMPDIR/first"
	assert_success
	run cmp <(outcomes "$BATS_TEST_TMPDIR/second" | jq -c 'del(.cache_hits, .cache_misses)') \
	    <(outcomes <(simrun "${SMALL[@]}" --run-id 0-1))
	assert_success
}

@test "--llm-cache is shared safely by concurrent processes and survives a killed writer" {
	start_fakellm --latency-ms 3
	cache=$BATS_TEST_TMPDIR/decisions.db
	simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 9 --temperature 0 \
	    --llm-cache "$cache" > /dev/null &
	victim=$!
	sleep 0.5
	# killed in the middle of its writes
	kill -KILL "$victim"
	pids=()
	for i in 0 1 2 3; do
		simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id "$i" --temperature 0 \
		    --llm-cache "$cache" --llm-concurrency 2 > "$BATS_TEST_TMPDIR/w$i" 2> "$BATS_TEST_TMPDIR/e$i" &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid"
	done
	run cat "$BATS_TEST_TMPDIR"/e*
	assert_output ""
	run cmp <(cat "$BATS_TEST_TMPDIR"/w{0,1,2,3} | outcomes | jq -c 'del(.cache_hits, .cache_misses, .prefetch_wasted)') \
	    <(outcomes <(simrun "${SMALL[@]}" --run-id 0-3))
	assert_success
	simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0-3 --temperature 0 \
	    --llm-cache "$cache" > "$BATS_TEST_TMPDIR/again"
	run jq -s -c '[.[] | select(.event == "end") | .llm_calls] | add' "$BATS_TEST_TMPDIR/again"
	assert_output 0
}

@test "--llm-cache refuses a temperature above 0 and an unusable file" {
	run --separate-stderr simrun --agent llm --run-id 0 --llm-cache "$BATS_TEST_TMPDIR/c.db"
	assert_equal "$status" 64
	assert_regex "$stderr" "needs --temperature 0"
	start_fakellm
	run --separate-stderr simrun --agent llm --llm-url "$URL" --run-id 0 --temperature 0 \
	    --llm-cache "$BATS_TEST_TMPDIR/no/such/dir/c.db"
	assert_equal "$status" 78
	assert_regex "$stderr" "cannot use .*c.db as a decision cache"
}

@test "a process backing off after a 429 keeps its slot, so the others wait too" {
	export SIM_SLOTS_DIR=$BATS_TEST_TMPDIR/slots
	mkdir -p "$SIM_SLOTS_DIR"
	start_fakellm --fault-first 1 --faults 429 --retry-after 2
	simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0 --max-steps 1 \
	    --llm-slots 1 > /dev/null &
	first=$!
	for _ in $(seq 100); do
		[ "$(curl -s "$BASE/stats" | jq .faults)" = 1 ] && break
		sleep 0.02
	done
	start=$EPOCHREALTIME
	simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 1 --max-steps 1 \
	    --llm-slots 1 > /dev/null
	waited=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { print (b - a >= 1.5) }')
	wait "$first"
	assert_equal "$waited" 1
}
