#!/usr/bin/env bats
# Real servers' behaviours, played by fakellm --server: thinking models,
# o-series, quota, Retry-After forms, /props, served model, provenance.

setup() {
	load helper
	SMALL=(--grid-size 10 --num-type-a 40 --num-type-b 40)
	FAST=(--retry-base-ms 1 --retry-max-ms 20)
	unset LLM_API_KEY
}

teardown() {
	stop_fakellms
}

outcomes() {
	jq -c 'select(.event == "end") | del(.llm_calls, .llm_time_s,
	    .parse_failures, .retries, .avg_llm_response_time_s,
	    .served_model, .system_fingerprint, .prefetch_wasted,
	    .parse_failure_share, .llm_input_tokens, .llm_output_tokens,
	    .llm_reasoning_tokens, .llm_server_found)' "$@"
}

# --- 1. thinking models ----------------------------------------------------

@test "Ollama native, a thinking model: --think off sends think:false and the run is the mechanical one" {
	start_fakellm --server ollama --think-model
	simrun "${SMALL[@]}" --agent llm --llm-api ollama --llm-url "$BASE/api/chat" \
	    --run-id 0 > "$BATS_TEST_TMPDIR/off"
	run cmp <(outcomes "$BATS_TEST_TMPDIR/off") <(outcomes <(simrun "${SMALL[@]}" --run-id 0))
	assert_success
	run jq -s -e 'all(.fields | index("think")) and all(.thinks | not)' "$FAKELLM_LOG"
	assert_success
}

@test "Ollama, a thinking model left to think: empty replies stop the run (exit 69), never a clean STAY run" {
	start_fakellm --server ollama --think-model
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-api ollama \
	    --llm-url "$BASE/api/chat" --run-id 0 --think auto
	assert_equal "$status" 69
	assert_regex "$stderr" "replies of the step were empty: most likely a thinking model"
	run jq -c 'select(.event == "end") | [.status, .empty_replies > 40, .parse_failures > 40]' <<< "$output"
	assert_output '["failed",true,true]'
	# the same through Ollama's /v1 (reasoning_effort none turns it off)
	run simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --llm-server ollama --run-id 1 \
	    --max-steps 2 --no-steps
	assert_success
	run jq -s -e '[.[] | select(.path == "/v1/chat/completions")] | all(.fields | index("reasoning_effort"))' \
	    "$FAKELLM_LOG"
	assert_success
}

@test "vLLM: content null with reasoning_content is an empty reply; chat_template_kwargs turns thinking off" {
	start_fakellm --server vllm --think-model
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0 --think auto
	assert_equal "$status" 69
	assert_regex "$stderr" "were empty"
	refute_regex "$stderr" "no message"
	simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --llm-server vllm --run-id 0 \
	    > "$BATS_TEST_TMPDIR/off"
	run cmp <(outcomes "$BATS_TEST_TMPDIR/off") <(outcomes <(simrun "${SMALL[@]}" --run-id 0))
	assert_success
}

@test "a <think> block is stripped; an unclosed one leaves no answer" {
	start_fakellm --server llama-server --think-model
	# room to think and answer: <think>...</think> MOVE
	simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 2 --think auto --max-tokens 100 \
	    --decision-log > "$BATS_TEST_TMPDIR/room"
	run cmp <(outcomes "$BATS_TEST_TMPDIR/room") <(outcomes <(simrun "${SMALL[@]}" --run-id 2))
	assert_success
	run jq -s -e '[.[] | select(.event == "decision")] | all(.parse_failed | not)' "$BATS_TEST_TMPDIR/room"
	assert_success
	run --separate-stderr simrun --check-llm --llm-url "$URL" --think auto
	assert_equal "$status" 69
	assert_regex "$stderr" "empty, not MOVE or STAY \(the model spent its tokens thinking"
}

@test "a plain chat model on every server kind works with the default --think off" {
	for kind in ollama vllm llama-server lmstudio generic; do
		start_fakellm --server "$kind"
		run simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --llm-server "$kind" --run-id 0 \
		    --max-steps 2 --no-steps
		assert_success
	done
	start_fakellm --server ollama
	run simrun "${SMALL[@]}" --agent llm --llm-api ollama --llm-url "$BASE/api/chat" --run-id 0 \
	    --max-steps 2 --no-steps
	assert_success
	# OpenAI refuses fields it does not know and reasoning_effort for gpt-4o
	start_fakellm --server openai --model gpt-4o-mini
	run simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --llm-server openai \
	    --llm-model gpt-4o-mini --run-id 0 --max-steps 2 --no-steps
	assert_success
	run jq -s -e 'all(.fields | (index("reasoning_effort") or index("chat_template_kwargs") or index("think")) | not)' \
	    "$FAKELLM_LOG"
	assert_success
	# Anthropic (Messages API and its OpenAI layer), strict about extra
	# fields, and Gemini's layer, which refuses what it does not map: a
	# chat model there is sent nothing about thinking either
	start_fakellm --server anthropic --model claude-3-5-haiku-20241022
	run simrun "${SMALL[@]}" --agent llm --llm-api anthropic --llm-url "$BASE/v1/messages" \
	    --llm-model claude-3-5-haiku-20241022 --run-id 0 --max-steps 2 --no-steps
	assert_success
	run simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --llm-server anthropic \
	    --llm-model claude-3-5-haiku-20241022 --run-id 0 --max-steps 2 --no-steps
	assert_success
	start_fakellm --server gemini --model gemini-2.0-flash
	run simrun "${SMALL[@]}" --agent llm --llm-url "$BASE/v1beta/openai/chat/completions" \
	    --llm-server gemini --llm-model gemini-2.0-flash --run-id 0 --max-steps 2 --no-steps
	assert_success
	run jq -s -e 'all(.status == 200 and (.fields | (index("reasoning_effort") or index("thinking")
	    or index("seed")) | not))' "$FAKELLM_LOG"
	assert_success
}

@test "--think on against an Ollama model that cannot think: the 400 drops the field once, the run goes on" {
	start_fakellm --server ollama
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-api ollama \
	    --llm-url "$BASE/api/chat" --run-id 0 --max-steps 1 --no-steps --think on
	assert_success
	run jq -s -c '[.[0].status, .[1].status, (.[1].fields | index("think"))]' "$FAKELLM_LOG"
	assert_output '[400,200,null]'
}

# --- 2. o-series ------------------------------------------------------------

@test "o-series: refused up front unless --think low --temperature default; max_completion_tokens, effort low" {
	start_fakellm --server openai --model o3-mini
	# it cannot stop reasoning and takes no temperature: said before any request
	run --separate-stderr simrun --check-llm --llm-url "$URL" --llm-server openai --llm-model o3-mini
	assert_equal "$status" 78
	assert_regex "$stderr" "o3-mini cannot turn its thinking off \(OpenAI API reference, ReasoningEffort\); give --think low --temperature default with --max-tokens auto"
	run --separate-stderr simrun --check-llm --llm-url "$URL" --llm-server openai --llm-model o3-mini \
	    --think low
	assert_equal "$status" 78
	assert_regex "$stderr" "o3-mini takes no temperature or top_p .*give --temperature default"
	run jq -s 'length' "$FAKELLM_LOG"
	assert_output 0
	run --separate-stderr simrun --check-llm --llm-url "$URL" --llm-server openai --llm-model o3-mini \
	    --think low --temperature default --max-tokens-field max_tokens
	assert_equal "$status" 69
	assert_regex "$stderr" "HTTP 400 .*max_tokens"
	: > "$FAKELLM_LOG"
	run --separate-stderr simrun --check-llm --llm-url "$URL" --llm-server openai --llm-model o3-mini \
	    --think low --temperature default
	assert_success
	run jq -s -c '.[0].fields | [index("max_completion_tokens") != null, index("max_tokens"),
	    index("temperature"), index("top_p"), index("reasoning_effort") != null]' "$FAKELLM_LOG"
	assert_output '[true,null,null,null,true]'
}

@test "--max-tokens-field auto switches to max_completion_tokens when a server asks for it" {
	start_fakellm --server openai --model o4-mini
	# a proxy in front of OpenAI: a generic URL, so max_tokens goes first
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --llm-model o4-mini \
	    --temperature default --run-id 0 --max-steps 1 --no-steps
	assert_success
	run jq -s -c '[.[0].status, (.[1].fields | index("max_completion_tokens") != null)]' "$FAKELLM_LOG"
	assert_output '[400,true]'
}

# --- 3. check-llm -------------------------------------------------------------

@test "--check-llm sends a decision prompt, names the served model and fails when it is another" {
	start_fakellm --served-model qwen2.5-7b-instruct-q4_k_m.gguf
	run --separate-stderr simrun --check-llm --llm-url "$URL"
	assert_equal "$status" 69
	assert_line "Served model: qwen2.5-7b-instruct-q4_k_m.gguf"
	assert_regex "$stderr" "answered with model qwen2.5-7b-instruct-q4_k_m.gguf, not llama3.1:8b"
	run jq -s -e '.[0].grid != null' "$FAKELLM_LOG"
	assert_success
	start_fakellm --reply-style sentence
	run --separate-stderr simrun --check-llm --llm-url "$URL"
	assert_equal "$status" 69
	assert_regex "$stderr" "unparseable, not MOVE or STAY"
	start_fakellm --model llama3.1:8b
	run --separate-stderr simrun --check-llm --llm-url "$URL" --llm-model absent:7b
	assert_equal "$status" 69
	assert_regex "$stderr" "the server has: llama3.1:8b"
	run --separate-stderr simrun --check-llm --llm-api ollama --llm-url "$BASE/api/chat" --llm-model absent:7b
	assert_equal "$status" 69
	assert_regex "$stderr" "the server has: llama3.1:8b"
}

# --- 4. quota and Retry-After -------------------------------------------------

@test "429 insufficient_quota is final: exit 69 with the server's words, no retry" {
	start_fakellm --fault quota
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0 "${FAST[@]}"
	assert_equal "$status" 69
	assert_regex "$stderr" "insufficient_quota: You exceeded your current quota.*billing, not a rate limit"
	run jq -s 'length' "$FAKELLM_LOG"
	assert_output 1
}

@test "retry-after-ms and an HTTP-date Retry-After are honoured" {
	start_fakellm --fault-first 1 --faults 429 --retry-after-ms 1200
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0 --no-steps \
	    --max-steps 1 "${FAST[@]}"
	assert_success
	run jq -s -e '.[1].t_ms - .[0].t_ms >= 1200' "$FAKELLM_LOG"
	assert_success
	start_fakellm --fault-first 1 --faults 503 --retry-after 1 --retry-after-date
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0 --no-steps \
	    --max-steps 1 "${FAST[@]}"
	assert_success
	# the date is whole seconds, rounded up by the server: at least 1 s later
	run jq -s -e '.[1].t_ms - .[0].t_ms >= 1000' "$FAKELLM_LOG"
	assert_success
}

# --- 5. --llm-concurrency honours Retry-After and keeps its slot ---------------

@test "--llm-concurrency: a 429 keeps its slot and nothing is sent before Retry-After has passed" {
	export SIM_SLOTS_DIR=$BATS_TEST_TMPDIR/slots
	mkdir -p "$SIM_SLOTS_DIR"
	start_fakellm --slots 8 --fault-first 1 --faults 429 --retry-after 1
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0 --max-steps 1 \
	    --llm-concurrency 4 --llm-slots 1 --no-steps "${FAST[@]}"
	assert_success
	lines_out=$output
	# every request after the 429 came at least 1 s after it
	run jq -s -e '(.[0].status == 429) and ([.[1:][] | .t_ms] | min) - .[0].t_ms >= 1000' "$FAKELLM_LOG"
	assert_success
	run jq -c 'select(.event == "end") | .status' <<< "$lines_out"
	assert_output '"ok"'
}

# --- 6. --llm-slots auto --------------------------------------------------------

@test "--llm-slots auto: key sent, path prefix kept, 503 Loading model waited out" {
	export SIM_SLOTS_DIR=$BATS_TEST_TMPDIR/slots
	mkdir -p "$SIM_SLOTS_DIR"
	FAKELLM_API_KEY=sk-props-key start_fakellm --slots 5 --path-prefix /llm --loading-ms 1500
	LLM_API_KEY=sk-props-key run --separate-stderr simrun "${SMALL[@]}" --agent llm \
	    --llm-url "$BASE/llm/v1/chat/completions" --run-id 0 --max-steps 1 --no-steps --llm-slots auto
	assert_success
	run jq -c 'select(.event == "start") | .llm_slots' <<< "$output"
	assert_output 5
}

@test "--llm-slots auto: a router's /props is asked with ?model=, and says so when that fails" {
	export SIM_SLOTS_DIR=$BATS_TEST_TMPDIR/slots
	mkdir -p "$SIM_SLOTS_DIR"
	start_fakellm --slots 6 --router
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0 --max-steps 1 \
	    --no-steps --llm-slots auto
	assert_success
	run jq -c 'select(.event == "start") | .llm_slots' <<< "$output"
	assert_output 6
}

# --- 7. tables: method per entry ----------------------------------------------

@test "simprobe: Ollama's native API gives log-probs; a first token that starts neither answer falls back only under --method auto" {
	start_fakellm --server ollama
	run --separate-stderr simprobe --key composition --llm-api ollama --llm-url "$BASE/api/chat" \
	    --method logprobs --output "$BATS_TEST_TMPDIR/o.table"
	assert_success
	run jq -s -c '[.[0].method, .[0].fallbacks, ([.[1:][] | .method] | unique)]' "$BATS_TEST_TMPDIR/o.table"
	assert_output '["logprobs",0,["logprobs"]]'
	# the first token is 'MOVE.': its alternatives say nothing about the answer
	start_fakellm --reply-style punct
	run --separate-stderr simprobe --key composition --llm-url "$URL" --method logprobs --samples 2 \
	    --output "$BATS_TEST_TMPDIR/q.table"
	assert_equal "$status" 65
	assert_regex "$stderr" "group A same 0 occupied 0: the first reply token 'MOVE.' starts neither MOVE nor STAY.*--method samples"
	assert_file_not_exists "$BATS_TEST_TMPDIR/q.table"
	# --method auto samples instead, and says so
	run --separate-stderr simprobe --key composition --llm-url "$URL" --samples 2 \
	    --output "$BATS_TEST_TMPDIR/a.table"
	assert_success
	assert_regex "$stderr" "the log-probs say nothing of MOVE or STAY \(the first reply token 'MOVE.' starts neither.*\); probing by samples"
	run jq -s -c '[.[0].method, ([.[1:][] | .method] | unique)]' "$BATS_TEST_TMPDIR/a.table"
	assert_output '["samples",["samples"]]'
}

# --- honest reproducibility ---------------------------------------------------

@test "the end line and decision lines record the served model and system_fingerprint" {
	start_fakellm --fingerprint fp_abc123
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0 \
	    --max-steps 1 --decision-log
	assert_success
	lines_out=$output
	run jq -c 'select(.event == "end") | [.served_model, .system_fingerprint]' <<< "$lines_out"
	assert_output '["llama3.1:8b","fp_abc123"]'
	run jq -s -e '[.[] | select(.event == "decision")] | all(.system_fingerprint == "fp_abc123")' <<< "$lines_out"
	assert_success
}

@test "--top-p is sent (1.0 by default, inside options for Ollama); --cache-prompt off only to llama-server" {
	start_fakellm --server llama-server
	simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --llm-server llama-server --run-id 0 \
	    --max-steps 1 --no-steps --cache-prompt off > /dev/null
	run jq -s -e 'all(.fields | index("top_p") and index("cache_prompt"))' "$FAKELLM_LOG"
	assert_success
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0 --cache-prompt off
	assert_equal "$status" 64
	assert_regex "$stderr" "--cache-prompt is llama-server's"
}

@test "--constrain auto sends each server its own constraint; the parse stays strict" {
	for kind in llama-server vllm openai lmstudio; do
		model=llama3.1:8b
		start_fakellm --server "$kind" --model "$model"
		run simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --llm-server "$kind" --run-id 0 \
		    --max-steps 1 --no-steps --constrain auto
		assert_success
	done
	start_fakellm --server llama-server
	simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --llm-server llama-server --run-id 0 \
	    --max-steps 1 --no-steps --constrain auto > /dev/null
	run jq -s -e 'all(.fields | index("grammar"))' "$FAKELLM_LOG"
	assert_success
	start_fakellm --server vllm
	simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --llm-server vllm --run-id 0 \
	    --max-steps 1 --no-steps --constrain auto > /dev/null
	run jq -s -e 'all(.fields | index("structured_outputs"))' "$FAKELLM_LOG"
	assert_success
	start_fakellm --server ollama
	simrun "${SMALL[@]}" --agent llm --llm-api ollama --llm-url "$BASE/api/chat" --run-id 0 \
	    --max-steps 1 --no-steps --constrain auto > /dev/null
	run jq -s -e 'all(.fields | index("format"))' "$FAKELLM_LOG"
	assert_success
}

# --- progress that moves --------------------------------------------------------

@test "LLM runs: progress counts decisions and steps before any run ends; the bar ticks" {
	start_fakellm --latency-ms 3
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr "$ROOT/bin/llm_runner" --runs 2 --processes 2 "${SMALL[@]}" \
	    --llm-url "$URL" --max-steps 6 --no-move-threshold 10
	assert_success
	# a line before the first run ended, with decisions and the steps in flight
	run grep -m1 '^\[run-progress\]' <<< "$stderr"
	assert_output --regexp '^\[run-progress\] scenario=baseline done=0 total=2 failed=0 elapsed_s=[0-9.]+ eta_s=-?[0-9.]+ procs=2 decisions=[1-9][0-9]* decisions_per_s=[0-9.]+ steps=[0-9,]+$'
	run grep -c 'done=2 total=2 failed=0 .* decisions=960 ' <<< "$stderr"
	assert_output 1
	# on a terminal: decisions per second, and the clock redrawn while runs go on
	script -qec "$ROOT/bin/llm_runner --runs 2 --processes 2 ${SMALL[*]} --llm-url $URL --max-steps 6 --no-move-threshold 10" /dev/null > tty.out
	run bash -c "tr '\r' '\n' < tty.out | grep -a -c 'dec/s\] [0-9]* decisions'"
	[ "$output" -ge 2 ]
}

@test "simagg warns when the served model or system_fingerprint changed within an experiment" {
	start_fakellm --fingerprint fp_one
	simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0 --max-steps 1 > "$BATS_TEST_TMPDIR/a"
	run --separate-stderr simagg --no-files "$BATS_TEST_TMPDIR/a"
	assert_success
	assert_equal "$stderr" ""
	start_fakellm --fingerprint fp_two
	simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 1 --max-steps 1 >> "$BATS_TEST_TMPDIR/a"
	run --separate-stderr simagg --no-files "$BATS_TEST_TMPDIR/a"
	assert_success
	assert_regex "$stderr" "system_fingerprint changed within the experiment \(fp_one, fp_two\)"
}
