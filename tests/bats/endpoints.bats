#!/usr/bin/env bats
# Several LLM servers for one experiment: --llm-url more than once,
# --llm-endpoints FILE (src/lib/llm/endpoints.c), against build/fakellm.
#
# "Identical results": every line equal once the fields that count or time
# the calls are removed (llm_time_s, avg_llm_response_time_s, llm_calls,
# retries, prefetch_wasted, llm_endpoint_calls) along with the fields that
# name the servers (llm_url, llm_endpoints, llm_concurrency).

setup() {
	load helper
	cd "$BATS_TEST_TMPDIR"
	SMALL=(--grid-size 8 --num-type-a 24 --num-type-b 24 --max-steps 6 --seed 9)
	unset LLM_API_KEY PARALLEL
	export SIM_SLOTS_DIR=$BATS_TEST_TMPDIR/slots
	mkdir -p "$SIM_SLOTS_DIR"
}

teardown() {
	stop_fakellms
}

STRIP='del(.llm_time_s, .avg_llm_response_time_s, .llm_calls, .retries, .prefetch_wasted, .llm_endpoint_calls, .llm_url, .llm_endpoints, .llm_concurrency, .llm_input_tokens, .llm_output_tokens, .llm_server_found)'

same_results() {
	cmp <(jq -c "$STRIP" "$1") <(jq -c "$STRIP" "$2")
}

# four servers: URLS (array) and a file eps with 8 slots each
four_servers() {
	URLS=()
	for _ in 1 2 3 4; do
		start_fakellm --slots 8 "$@"
		URLS+=("$URL")
	done
	printf '%s 8\n' "${URLS[@]}" > eps
}

@test "four endpoints: the answers of one server; calls counted per endpoint; all of them used" {
	four_servers --latency-ms 2
	simrun --agent llm "${SMALL[@]}" --run-id 0-1 --llm-url "${URLS[0]}" > one.jsonl
	run simrun --agent llm "${SMALL[@]}" --run-id 0-1 --llm-endpoints eps --llm-concurrency 8
	assert_success
	echo "$output" > four.jsonl
	same_results one.jsonl four.jsonl
	run jq -c 'select(.event == "start") | .llm_endpoints' four.jsonl
	assert_line "$(printf '%s\n' "${URLS[@]}" | jq -R . | jq -cs .)"
	# per run, the calls per endpoint add up to the run's calls, and each served some
	run jq -r 'select(.event == "end") | "\(.llm_endpoint_calls | add) \(.llm_calls) \(.llm_endpoint_calls | min > 0)"' four.jsonl
	assert_line --index 0 --regexp '^([0-9]+) \1 true$'
	assert_line --index 1 --regexp '^([0-9]+) \1 true$'
	# sequential requests go round the equally free endpoints too
	run simrun --agent llm "${SMALL[@]}" --run-id 0 --llm-endpoints eps
	run jq -r 'select(.event == "end") | .llm_endpoint_calls | min > 0' <<< "$output"
	assert_output true
}

@test "an endpoint refusing connections and one answering 500 are set aside; the results do not change" {
	start_fakellm
	local good=$URL
	start_fakellm --fault 500
	local bad=$URL
	printf '%s\n%s\nhttp://127.0.0.1:%s/v1/chat/completions\n' "$good" "$bad" "$(closed_port)" > eps
	simrun --agent llm "${SMALL[@]}" --run-id 0-2 --llm-url "$good" > one.jsonl
	run --separate-stderr simrun --agent llm "${SMALL[@]}" --run-id 0-2 --llm-endpoints eps \
		--llm-concurrency 4
	assert_success
	echo "$output" > three.jsonl
	same_results one.jsonl three.jsonl
	# the failing one was tried, then mostly left alone while backing off
	local good_n bad_n
	good_n=$(curl -s "${good%/v1/chat/completions}/stats" | jq .chat_requests)
	bad_n=$(curl -s "${bad%/v1/chat/completions}/stats" | jq .chat_requests)
	[ "$bad_n" -ge 1 ]
	[ "$bad_n" -lt $((good_n / 4)) ]
	# the good one answered nearly everything
	run jq -r 'select(.event == "end") | .llm_endpoint_calls[0] * 2 > .llm_calls' three.jsonl
	assert_output $'true\ntrue\ntrue'
}

@test "every endpoint gone longer than the retry budget: the run fails, naming the last error" {
	start_fakellm --fault 503
	printf '%s\nhttp://127.0.0.1:%s/v1/chat/completions\n' "$URL" "$(closed_port)" > eps
	run --separate-stderr simrun --agent llm "${SMALL[@]}" --run-id 0-1 --llm-endpoints eps \
		--llm-retries 2 --retry-base-ms 10 --retry-max-ms 20
	assert_failure 75
	assert_regex "$stderr" "run 0 failed at step 0: every endpoint failed for longer than the retry budget \(30 ms\); last: http://127.0.0.1:[0-9]+/v1/chat/completions: "
	run jq -r 'select(.event == "end") | .status' <<< "$output"
	assert_output failed
}

@test "--check-llm checks every endpoint and names the failing one; the runner stops before creating anything" {
	start_fakellm
	local good=$URL
	start_fakellm --model other:1b
	run --separate-stderr simrun --check-llm --agent llm --llm-endpoints <(printf '%s\n%s\n' "$good" "$URL")
	assert_failure 69
	assert_line "Endpoint 1: $good: successful (response time: $(sed -n 's/.*(response time: \(.*\)).*/\1/p' <<< "$output" | head -n 1))"
	assert_regex "$stderr" "LLM check failed for endpoint 2 \\($URL\\): HTTP 404 .*model 'llama3.1:8b' not found"
	[[ $stderr != *"endpoint 1"* ]]
	run --separate-stderr llm_runner --runs 2 "${SMALL[@]}" --llm-url "$good" --llm-url "$URL"
	assert_failure 69
	assert_regex "$stderr" "endpoint 2 \\($URL\\)"
	assert_not_exist experiments
}

@test "llm_runner with several --llm-url: config.json lists them, the file is frozen, one server killed midway changes nothing" {
	four_servers --latency-ms 5
	llm_runner --runs 4 "${SMALL[@]}" --llm-url "${URLS[0]}" --output-dir one > /dev/null 2>&1
	local victim
	victim=$(sed -n 2p "$BATS_TEST_TMPDIR/pids")
	llm_runner --runs 4 "${SMALL[@]}" --llm-url "${URLS[0]}" --llm-url "${URLS[1]}" \
		--llm-url "${URLS[2]}" --llm-url "${URLS[3]}" --llm-concurrency 4 --output-dir four \
		> out 2> err &
	local pid=$! status=0
	for _ in $(seq 600); do
		grep -q 'done=[1-9]' err 2>/dev/null && break
		sleep 0.05
	done
	kill "$victim"
	wait "$pid" || status=$?
	[ "$status" -eq 0 ] || { cat out err; false; }
	local a b f
	a=$(ls -d one/experiments/*)
	b=$(ls -d four/experiments/*)
	for f in "$a"/runs/*.jsonl; do
		same_results "$f" "$b/runs/${f##*/}"
	done
	run jq -c .llm_endpoint_urls "$b/config.json"
	assert_output "$(printf '%s\n' "${URLS[@]}" | jq -R . | jq -cs .)"
	run jq -r .llm_endpoints "$b/config.json"
	assert_output "$(cd "$b" && pwd)/endpoints"
	# a resume checks every endpoint of the frozen copy: the dead one is named
	rm "$b/runs/run_3.jsonl"
	run --separate-stderr llm_runner --resume "$b"
	assert_failure 69
	assert_regex "$stderr" "endpoint 2 \\(${URLS[1]}\\)"
	# without it, the resume goes on with the other three
	sed -i 2d "$b/endpoints"
	run llm_runner --resume "$b"
	assert_success
	same_results "$a/runs/run_3.jsonl" "$b/runs/run_3.jsonl"
}

@test "each endpoint its own key and slot cap; keys are never written" {
	FAKELLM_API_KEY=sk-first-0123456789 start_fakellm --latency-ms 20 --slots 8
	local first=$URL first_base=$BASE
	FAKELLM_API_KEY=sk-second-987654321 start_fakellm --latency-ms 20 --slots 8
	local second_base=$BASE
	echo sk-first-0123456789 > key1
	echo sk-second-987654321 > key2
	printf '%s 2 %s\n%s 3 %s\n' "$first" "$PWD/key1" "$URL" "$PWD/key2" > eps
	run --separate-stderr llm_runner --runs 4 --processes 2 "${SMALL[@]}" --llm-endpoints eps
	assert_success
	# no process held more than its endpoint's slots, across both processes
	run curl -s "$first_base/stats"
	assert_output --regexp '"max_in_flight":[12],'
	run curl -s "$second_base/stats"
	assert_output --regexp '"max_in_flight":[123],'
	run grep -rl -e sk-first -e sk-second experiments
	assert_failure
}

@test "a bad endpoints file is refused, naming it (exit 78)" {
	printf 'http://127.0.0.1:1/v1 zero\n' > eps
	run --separate-stderr simrun --agent llm --run-id 0 --llm-endpoints eps
	assert_failure 78
	assert_regex "$stderr" "eps line 1: SLOTS must be"
	run --separate-stderr simrun --agent llm --run-id 0 --llm-endpoints nonexistent
	assert_failure 78
	assert_regex "$stderr" "cannot read the endpoints file nonexistent"
	# simrun takes one --llm-url: a second would silently replace the first
	run --separate-stderr simrun --agent llm --run-id 0 --llm-url http://127.0.0.1:1/a \
		--llm-url http://127.0.0.1:2/b
	assert_failure 64
	assert_regex "$stderr" "--llm-url given more than once: .*--llm-endpoints FILE"
}
