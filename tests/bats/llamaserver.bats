#!/usr/bin/env bats
# The LLM client against a real llama-server (llama.cpp, the vendor
# snapshot built by tests/support/llama-server-build) serving a tiny model
# with random weights (tests/support/tiny-gguf), started on 127.0.0.1 by
# tests/support/llama-server-run.  The model's answers are random; the
# HTTP API, the chat templates, the grammar, the JSON schema, the log-probs,
# the slots and the thinking switch are the real ones, so the tests assert
# on those: every decision answered, replies that parse, counts, tables
# well-formed, runs that repeat where temperature 0 or the seed make them.
#
# Skipped (naming why) only where there is neither the vendor snapshot nor
# a llama-server on PATH (or, with only the latter, no snapshot to write the
# model from); make test builds the server and the models first.  A
# snapshot that is there but not built fails the tests, saying what to run.

# Every server: one thread that sleeps when idle (the default polls, and
# the machine is shared); chat templates through jinja (also the default).
LLAMA_FLAGS=(-t 1 --poll 0 --jinja)

setup_file() {
	local support=$BATS_TEST_DIRNAME/../support rc=0 f words
	: > "$BATS_FILE_TMPDIR/skip"
	: > "$BATS_FILE_TMPDIR/broken"
	LLAMA_BIN=$("$support/llama-server-build" --cached 2> "$BATS_FILE_TMPDIR/why") || rc=$?
	if [ "$rc" -eq 69 ]; then
		cp "$BATS_FILE_TMPDIR/why" "$BATS_FILE_TMPDIR/skip"
		return 0
	elif [ "$rc" -ne 0 ]; then
		cp "$BATS_FILE_TMPDIR/why" "$BATS_FILE_TMPDIR/broken"
		return 0
	fi
	# the models: random text; MOVE or STAY then the end (--decider);
	# Qwen3's template; DeepSeek-R1's (thinking unless told not to)
	for f in "MODEL" "DECIDER --decider" "QWEN --template qwen3 --decider" \
	    "R1 --template deepseek-r1"; do
		read -r -a words <<< "$f"
		rc=0
		printf -v "${words[0]}" '%s' \
		    "$("$support/tiny-gguf" "${words[@]:1}" 2> "$BATS_FILE_TMPDIR/why")" || rc=$?
		if [ "$rc" -eq 69 ]; then
			{ echo "a llama-server ($LLAMA_BIN) but no model for it:"
			  cat "$BATS_FILE_TMPDIR/why"; } > "$BATS_FILE_TMPDIR/skip"
			return 0
		elif [ "$rc" -ne 0 ]; then
			cp "$BATS_FILE_TMPDIR/why" "$BATS_FILE_TMPDIR/broken"
			return 0
		fi
	done
	export LLAMA_BIN MODEL DECIDER QWEN R1
	# two servers for the tests that only talk to them
	if ! SHARED=$("$support/llama-server-run" start "$BATS_FILE_TMPDIR/shared" "$MODEL" \
	    -np 4 -c 4096 "${LLAMA_FLAGS[@]}" 2> "$BATS_FILE_TMPDIR/why") ||
	   ! DECIDE=$("$support/llama-server-run" start "$BATS_FILE_TMPDIR/decide" "$DECIDER" \
	    -np 2 -c 2048 "${LLAMA_FLAGS[@]}" 2> "$BATS_FILE_TMPDIR/why"); then
		cp "$BATS_FILE_TMPDIR/why" "$BATS_FILE_TMPDIR/broken"
	fi
	export SHARED DECIDE
}

teardown_file() {
	local d
	for d in shared decide; do
		"$BATS_TEST_DIRNAME/../support/llama-server-run" stop "$BATS_FILE_TMPDIR/$d" || true
	done
}

setup() {
	load helper
	[ ! -s "$BATS_FILE_TMPDIR/skip" ] || skip "$(tr '\n' ' ' < "$BATS_FILE_TMPDIR/skip")"
	if [ -s "$BATS_FILE_TMPDIR/broken" ]; then
		cat "$BATS_FILE_TMPDIR/broken" >&2
		return 1
	fi
	cd "$BATS_TEST_TMPDIR"
	# 8 agents: 8 decisions a step
	SMALL=(--grid-size 5 --num-type-a 4 --num-type-b 4)
	URL=$SHARED/v1/chat/completions
	DURL=$DECIDE/v1/chat/completions
	unset LLM_API_KEY PARALLEL
	SERVERS=()
}

teardown() {
	local d
	for d in ${SERVERS[@]+"${SERVERS[@]}"}; do
		"$ROOT/tests/support/llama-server-run" stop "$d" || true
	done
}

# start_llama NAME MODEL [FLAG...]: a server of this test's own; sets BASE.
start_llama() {
	local dir=$BATS_TEST_TMPDIR/$1 model=$2
	shift 2
	SERVERS+=("$dir")
	BASE=$("$ROOT/tests/support/llama-server-run" start "$dir" "$model" \
	    "${LLAMA_FLAGS[@]}" "$@")
}

# decisions FILE: "run step agent seed reply" of each decision line, sorted
decisions() {
	jq -r 'select(.event == "decision") | [.run_id, .step, .agent_id, .seed, .reply] | @json' \
	    "$1" | sort
}

# The most requests a server's log shows in its slots at once (after line FROM).
max_in_slots() {
	tail -n "+$2" "$1/server.log" | awk '
	    /slot launch_slot_: id/ { n++; if (n > m) m = n }
	    /slot +release: id/ { n-- }
	    END { print m + 0 }'
}

# --- the server itself --------------------------------------------------------

@test "the real server answers /health, /props (total_slots) and /v1/models (the -m path)" {
	run curl -sf "$SHARED/health"
	assert_success
	assert_output '{"status":"ok"}'
	run bash -c "curl -sf '$SHARED/props' | jq -r .total_slots"
	assert_output 4
	run bash -c "curl -sf '$SHARED/v1/models' | jq -r '.data[].id'"
	assert_output "$MODEL"
}

# --- plain chat ---------------------------------------------------------------

@test "plain chat: every request answered with 8 tokens of random text; the run fails on them (65), never ok" {
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --llm-model "$MODEL" \
	    --run-id 0 --max-steps 2 --parse-retries 0 --decision-log
	assert_equal "$status" 65
	echo "$output" > first
	run jq -s -e '[.[] | select(.event == "end")][0] | .status == "failed"
	    and .llm_calls == 16 and .parse_failures == 16 and .retries == 0
	    and .served_model == env.MODEL' first
	assert_success
	run jq -s -e '[.[] | select(.event == "decision")] | length == 16 and all(
	    .reply != "" and .answer == null and .parse_failed and (.empty | not)
	    and .attempts == 1)' first
	assert_success
	assert_regex "$stderr" "16 of 16 replies were not MOVE or STAY"
}

@test "plain chat with a model that answers: simrun and llm_runner, every decision MOVE or STAY" {
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$DURL" --llm-model "$DECIDER" \
	    --run-id 0 --max-steps 2 --decision-log
	assert_success
	run jq -s -e '([.[] | select(.event == "decision")] | length == 16 and
	    all((.answer == "MOVE" or .answer == "STAY") and .reply == .answer))
	    and ([.[] | select(.event == "end")][0] | .status == "ok" and .parse_failures == 0)' <<< "$output"
	assert_success
	run --separate-stderr llm_runner --runs 3 --processes 2 "${SMALL[@]}" --max-steps 2 \
	    --llm-url "$DURL" --llm-model "$DECIDER" --no-report
	assert_success
	assert_line "Total runs: 3"
	dir=$(ls -d experiments/*)
	run jq -r -s '[.[] | select(.event == "end")] | map("\(.run_id) \(.status) \(.parse_failures)") | .[]' \
	    "$dir"/runs/run_*.jsonl
	assert_output "$(printf '%s ok 0\n' 0 1 2)"
}

# --- constrained answers --------------------------------------------------------

@test "--constrain auto (a GBNF grammar): every reply MOVE or STAY; at temperature 0 the run repeats" {
	# (the prompt cache off: with it, the logits depend on what the slot
	# held before: the --llm-concurrency test below)
	for attempt in 1 2; do
		run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --llm-model "$MODEL" \
		    --llm-server llama-server --constrain auto --temperature 0 --cache-prompt off \
		    --run-id 0 --max-steps 3 --decision-log
		assert_success
		echo "$output" > "run$attempt"
	done
	run jq -s -e '([.[] | select(.event == "decision")] | length == 24 and
	    all((.answer == "MOVE" or .answer == "STAY") and .reply == .answer and .attempts == 1))
	    and ([.[] | select(.event == "end")][0] | .status == "ok" and .parse_failures == 0
	    and .llm_calls == 24)' run1
	assert_success
	diff <(decisions run1) <(decisions run2)
	diff <(jq -c 'select(.event == "step") | del(.llm_time_s)' run1) \
	    <(jq -c 'select(.event == "step") | del(.llm_time_s)' run2)
}

@test "--constrain auto with a JSON schema (response_format, as sent to LM Studio): the object, unwrapped, given room" {
	# the schema's object takes 10 to 20 tokens here (the server allows
	# whitespace): 64 tokens leave room for it
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --llm-model "$MODEL" \
	    --llm-server lmstudio --constrain auto --max-tokens 64 --run-id 0 --max-steps 2 \
	    --decision-log
	assert_success
	run jq -s -e '([.[] | select(.event == "decision")] | length == 16 and
	    all((.answer == "MOVE" or .answer == "STAY") and .reply == .answer))
	    and ([.[] | select(.event == "end")][0] | .parse_failures == 0)' <<< "$output"
	assert_success
}

@test "--destination choose under --constrain auto: every choice a number 1..K that parses, logged; the run ends ok" {
	# llama-server's own reference (tools/server/README.md of the vendor
	# snapshot, "POST /completion" options, taken by /v1/chat/completions
	# too): "`grammar`: Set grammar for grammar-based sampling" and
	# "`json_schema`: Set a JSON schema for grammar-based sampling", and
	# "The `response_format` parameter supports ... schema-constrained
	# JSON".  A choice among K houses is sent the GBNF grammar
	# root ::= [1-K] (grammars/README.md: a character range), or with
	# --llm-server lmstudio the JSON schema whose answer is an enum of the
	# numbers; the random model's words can then only be those numbers.
	# (At temperature 1: at the default 0.3 this model always says STAY.)
	for server in llama-server lmstudio; do
		run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --llm-model "$MODEL" \
		    --llm-server "$server" --constrain auto --max-tokens 64 --run-id 0-1 --max-steps 3 \
		    --temperature 1 \
		    --destination choose --destination-choices 3 --decision-log
		assert_success
		echo "$output" > "$server.jsonl"
		run jq -s -e '[.[] | select(.event == "choice")] as $c | [.[] | select(.event == "end")] as $e
		    | ($c | length) > 0 and ($c | all(.choice >= 1 and .choice <= 3 and .taken == .choice
		      and (.parse_failed | not) and (.options | length) == 3 and .attempts == 1))
		    and ($e | all(.status == "ok" and .choice_failures == 0 and .parse_failures == 0))
		    and ($e | map(.choices) | add) == ($c | length)
		    and ($e | map(.total_moves) | add) == ($c | length)' "$server.jsonl"
		assert_success
	done
	# the grammar's replies are the bare digit
	run jq -s -e '[.[] | select(.event == "choice")] | all(.reply == (.choice | tostring))' \
	    llama-server.jsonl
	assert_success
	# --check-llm sends a choice prompt under the grammar too
	run simrun --agent llm --llm-url "$URL" --llm-model "$MODEL" --llm-server llama-server \
	    --constrain auto --check-llm --destination choose
	assert_success
	assert_line --regexp "^Choice response: '[1-4]' \(house [1-4] of 4\)$"
}

# --- the served model ----------------------------------------------------------------

@test "--check-llm with the -m path and with an --alias; another name is refused naming the served one" {
	run --separate-stderr simrun --check-llm --llm-url "$DURL" --llm-model "$DECIDER"
	assert_success
	assert_line --regexp '^LLM connection successful \(response time: [0-9.]+s\)$'
	assert_line --regexp "^Test response: '(MOVE|STAY)'$"
	assert_line "Served model: $DECIDER"
	start_llama alias "$DECIDER" -np 1 --alias tiny-decider
	run bash -c "curl -sf '$BASE/v1/models' | jq -r '.data[].id'"
	assert_output tiny-decider
	run --separate-stderr simrun --check-llm --llm-url "$BASE/v1/chat/completions" \
	    --llm-model tiny-decider
	assert_success
	assert_line "Served model: tiny-decider"
	run --separate-stderr simrun --check-llm --llm-url "$BASE/v1/chat/completions" \
	    --llm-model llama3.1:8b
	assert_equal "$status" 69
	assert_regex "$stderr" "the server answered with model tiny-decider, not llama3.1:8b"
	# a model that answers in words, not MOVE or STAY, fails the check
	run --separate-stderr simrun --check-llm --llm-url "$URL" --llm-model "$MODEL"
	assert_equal "$status" 69
	assert_regex "$stderr" "the reply to a decision prompt is unparseable"
	run --separate-stderr simrun --check-llm --llm-url "$URL" --llm-model "$MODEL" \
	    --llm-server llama-server --constrain auto
	assert_success
}

# --- log-prob tables -------------------------------------------------------------------

@test "simprobe --method logprobs: P(MOVE) from the first token's log-probs; a shard's entries are the full table's" {
	run --separate-stderr simprobe --key composition --method logprobs --llm-url "$DURL" \
	    --llm-model "$DECIDER" --output table.jsonl
	assert_success
	run jq -s -e '.[0] | .event == "table" and .method == "logprobs" and .fallbacks == 0
	    and .entries == 90 and .model == env.DECIDER' table.jsonl
	assert_success
	run jq -s -e '.[1:] | length == 90 and all(.method == "logprobs" and .n == 1
	    and .p_move > 0 and .p_move < 1 and .lo == .p_move and .hi == .p_move
	    and .unparsed == 0) and (map(.p_move) | unique | length > 1)' table.jsonl
	assert_success
	simprobe --key composition --method logprobs --llm-url "$DURL" --llm-model "$DECIDER" \
	    --shard 2/9 --output shard.jsonl 2> /dev/null
	run jq -s -e 'length == 11 and .[0].shard == "2/9"' shard.jsonl
	assert_success
	key='.[1:][] | [.group, .same, .occupied, .p_move] | @json'
	run bash -c "comm -23 <(jq -r -s '$key' shard.jsonl | sort) <(jq -r -s '$key' table.jsonl | sort)"
	assert_output ""
	# the table drives runs without a server
	run --separate-stderr simrun "${SMALL[@]}" --agent table --table table.jsonl --run-id 0-1 \
	    --max-steps 5 --no-steps
	assert_success
	run jq -s -e 'map(select(.event == "end")) | length == 2 and all(.status == "ok")' <<< "$output"
	assert_success
}

@test "simprobe --method samples under the grammar: every sample parsed, counts add up" {
	run --separate-stderr simprobe --key composition --method samples --samples 3 --shard 0/15 \
	    --llm-url "$URL" --llm-model "$MODEL" --llm-server llama-server --constrain auto \
	    --output table.jsonl
	assert_success
	run jq -s -e '.[0].method == "samples" and .[0].entries == 6 and (.[1:] | length == 6
	    and all(.method == "samples" and .n == 3 and .unparsed == 0 and .moves >= 0
	    and .moves <= 3 and .p_move == .moves / 3 and .lo <= .p_move and .p_move <= .hi))' table.jsonl
	assert_success
}

# --- slots and concurrency ----------------------------------------------------------------

@test "--llm-slots auto reads /props; --llm-concurrency 4 fills -np 4 slots and gives the same words (prompt cache off)" {
	from=$(($(wc -l < "$BATS_FILE_TMPDIR/shared/server.log") + 1))
	for k in 1 4; do
		run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --llm-model "$MODEL" \
		    --llm-server llama-server --cache-prompt off --run-id 0-1 --max-steps 2 \
		    --parse-retries 0 --max-parse-failure-share 1 --decision-log \
		    --llm-concurrency "$k" --llm-slots auto
		assert_success
		echo "$output" > "k$k"
		run jq -s -e '[.[] | select(.event == "start")] | length == 2 and all(.llm_slots == 4)' "k$k"
		assert_success
	done
	run max_in_slots "$BATS_FILE_TMPDIR/shared" "$from"
	[ "$output" -ge 2 ]
	run jq -s -e '[.[] | select(.event == "decision")] | length == 32 and all(.reply != "")' k1
	assert_success
	# the same seeds: the same random words, whatever was computed beside them
	diff <(decisions k1) <(decisions k4)
}

# --- thinking ------------------------------------------------------------------------------

@test "Qwen3's template (--jinja): --think off renders its non-thinking prompt, on and auto the thinking one" {
	start_llama qwen "$QWEN" -np 1
	q=$BASE
	prompt_tokens() {
		curl -sf "$q/slots" | jq -r '.[0].n_prompt_tokens'
	}
	for think in off on auto; do
		run --separate-stderr simrun --check-llm --llm-url "$q/v1/chat/completions" \
		    --llm-model "$QWEN" --llm-server llama-server --think "$think"
		assert_success
		printf -v "n_$think" '%s' "$(prompt_tokens)"
	done
	# off adds Qwen3's empty thinking block: <think>\n\n</think>\n\n
	run bash -c "curl -sf '$q/tokenize' -d '{\"content\":\"<think>\\n\\n</think>\\n\\n\"}' | jq '.tokens | length'"
	assert_output 6
	assert_equal "$n_off" "$((n_on + 6))"
	assert_equal "$n_auto" "$n_on"
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$q/v1/chat/completions" \
	    --llm-model "$QWEN" --llm-server llama-server --run-id 0 --max-steps 2 --no-steps
	assert_success
	run jq -s -e '.[-1] | .status == "ok" and .parse_failures == 0 and .llm_calls == 16' <<< "$output"
	assert_success
}

@test "DeepSeek-R1's template opens <think>: left thinking, every reply is empty and the run fails (69), never ok" {
	start_llama r1 "$R1" -np 1
	for kind in "--llm-server llama-server --think on" "--think auto"; do
		# (the second: a URL on 127.0.0.1, the server asked what it is,
		# and sent nothing about thinking)
		# shellcheck disable=SC2086
		run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$BASE/v1/chat/completions" \
		    --llm-model "$R1" $kind --run-id 0 --max-steps 2 --decision-log
		assert_equal "$status" 69
		assert_regex "$stderr" "8 of 8 replies of the step were empty: most likely a thinking model"
		run jq -s -e '([.[] | select(.event == "decision")] | length == 8 and all(.empty and .reply == ""))
		    and ([.[] | select(.event == "end")][0] | .status == "failed" and .empty_replies == 8)' <<< "$output"
		assert_success
	done
	# told not to think, it answers (random words here)
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$BASE/v1/chat/completions" \
	    --llm-model "$R1" --llm-server llama-server --think off --run-id 0 --max-steps 1 \
	    --parse-retries 0 --decision-log
	run jq -s -e '[.[] | select(.event == "decision")] | length == 8 and all(.empty | not)' <<< "$output"
	assert_success
}

# --- what the real server showed the client (issue 21, item 3) ---------------------------------

@test "the served model: the -m path's file name, with or without .gguf, is what /v1/models lists; another name is refused naming the list" {
	name=${DECIDER##*/}
	for asked in "$name" "${name%.gguf}"; do
		run --separate-stderr simrun --check-llm --llm-url "$DURL" --llm-model "$asked"
		assert_success
		assert_line "Served model: $DECIDER"
	done
	run --separate-stderr simrun --check-llm --llm-url "$DURL" --llm-model tiny.gguf
	assert_equal "$status" 69
	assert_regex "$stderr" "answered with model $DECIDER, not tiny.gguf, and its model list \($DECIDER\) does not name it so"
}

@test "a llama-server on 127.0.0.1 is asked what it is (GET /props): --constrain auto sends its grammar, and the run says so" {
	run --separate-stderr simrun --check-llm --llm-url "$URL" --llm-model "$MODEL" --constrain auto
	assert_success
	assert_line "Server: llama-server (asked: GET /props (build b0-unknown))"
	assert_line --regexp "^Test response: '(MOVE|STAY)'$"
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --llm-model "$MODEL" \
	    --constrain auto --run-id 0 --max-steps 2 --decision-log
	assert_success
	run jq -s -e '([.[] | select(.event == "decision")] | length == 16 and
	    all(.answer == "MOVE" or .answer == "STAY"))
	    and (.[0] | .llm_server == "auto")
	    and ([.[] | select(.event == "end")][0] | .status == "ok"
	    and .llm_server_found == "llama-server: GET /props (build b0-unknown)")' <<< "$output"
	assert_success
}

@test "--constrain auto with a JSON schema at the default --max-tokens: the cap sent has room for the server's whitespace" {
	# 8 tokens cut {"answer" : "MOVE" } short (it takes 10 to 19 here)
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --llm-model "$MODEL" \
	    --llm-server lmstudio --constrain auto --run-id 0 --max-steps 2 --decision-log
	assert_success
	run jq -s -e '([.[] | select(.event == "decision")] | length == 16 and
	    all((.answer == "MOVE" or .answer == "STAY") and .attempts == 1))
	    and ([.[] | select(.event == "end")][0] | .parse_failures == 0
	    and .llm_output_tokens > 16 * 8)' <<< "$output"
	assert_success
}

@test "simprobe --method logprobs under the grammar: the server's log-probs come before it, so the probe fails (65), never silently samples" {
	run --separate-stderr simprobe --key composition --method logprobs --shard 0/45 \
	    --llm-url "$URL" --llm-model "$MODEL" --constrain auto --output lp.jsonl
	assert_equal "$status" 65
	assert_regex "$stderr" "group A same 0 occupied 0: neither MOVE nor STAY is among the first token's 20 top log-probs .*give --method samples"
	assert_file_not_exists lp.jsonl
	assert_file_not_exists lp.jsonl.partial
	# --method auto samples instead, saying so: every sample parsed
	run --separate-stderr simprobe --key composition --shard 0/45 --samples 2 \
	    --llm-url "$URL" --llm-model "$MODEL" --constrain auto --output lp.jsonl
	assert_success
	assert_regex "$stderr" "the log-probs say nothing of MOVE or STAY .*probing by samples"
	run jq -s -e '.[0].method == "samples" and (.[1:] | all(.unparsed == 0))' lp.jsonl
	assert_success
}

@test "a table of replies that were not answers: simprobe fails (65) naming the entry; --agent table refuses such a table (65)" {
	run --separate-stderr simprobe --key composition --method samples --samples 2 \
	    --llm-url "$URL" --llm-model "$MODEL" --output none.jsonl
	assert_equal "$status" 65
	assert_regex "$stderr" "group A same 0 occupied 0: 2 of 2 replies were not MOVE or STAY \(share 1, above --max-parse-failure-share 0.05\).*give --constrain auto"
	assert_file_not_exists none.jsonl
	# made anyway (the limit lifted), the table is refused by the runs
	simprobe --key composition --method samples --samples 1 --llm-url "$URL" --llm-model "$MODEL" \
	    --max-parse-failure-share 1 --output words.jsonl 2> /dev/null
	run jq -s -e '.[1:] | length == 90 and all(.unparsed == 1)' words.jsonl
	assert_success
	run --separate-stderr simrun "${SMALL[@]}" --agent table --table words.jsonl --run-id 0 --no-steps
	assert_equal "$status" 65
	assert_regex "$stderr" "90 entries were measured on replies that were mostly not MOVE or STAY"
	assert_output ""
}

@test "DeepSeek-R1's end-of-sentence token is taken off the reply: told not to think, every decision answered" {
	start_llama r1 "$R1" -np 1
	run --separate-stderr simrun --check-llm --llm-url "$BASE/v1/chat/completions" --llm-model "$R1" \
	    --constrain auto
	assert_success
	assert_line --regexp "^Test response: '(MOVE|STAY)'$"
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$BASE/v1/chat/completions" \
	    --llm-model "$R1" --constrain auto --run-id 0 --max-steps 2 --decision-log
	assert_success
	run jq -s -e '[.[] | select(.event == "decision")] | length == 16 and
	    all(.reply == .answer and (.answer == "MOVE" or .answer == "STAY"))' <<< "$output"
	assert_success
}

@test "the prompt cache is off unless asked: the same seed repeats its words at temperature 0.3 on -np 4" {
	for attempt in 1 2 3; do
		run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --llm-model "$MODEL" \
		    --run-id 0 --max-steps 2 --parse-retries 0 --max-parse-failure-share 1 --decision-log
		assert_success
		echo "$output" > "run$attempt"
		decisions "run$attempt" > "d$attempt"
	done
	[ "$(wc -l < d1)" -eq 16 ]
	diff d1 d2
	diff d1 d3
}

# --- an outage ------------------------------------------------------------------------------

@test "the server killed and restarted during an llm_runner experiment: the runner waits, then every run ends ok" {
	start_llama outage "$DECIDER" -np 1
	llm_runner --runs 6 --processes 1 "${SMALL[@]}" --max-steps 3 --llm-url "$BASE/v1/chat/completions" \
	    --llm-model "$DECIDER" --llm-retries 0 --llm-outage-wait 120s --no-report > out 2> err &
	pid=$!
	wait_run_files 2 30 || true
	"$ROOT/tests/support/llama-server-run" kill "$BATS_TEST_TMPDIR/outage"
	for _ in $(seq 600); do
		grep -q 'LLM server unreachable: waiting' err && break
		sleep 0.1
	done
	run grep -c 'LLM server unreachable: waiting' err
	[ "$output" -ge 1 ]
	"$ROOT/tests/support/llama-server-run" restart "$BATS_TEST_TMPDIR/outage"
	status=0
	wait "$pid" || status=$?
	assert_equal "$status" 0
	run grep -c '^Total runs: 6$' out
	assert_output 1
	run grep -c 'LLM server back' err
	assert_output 1
	dir=$(ls -d experiments/*)
	run jq -r -s '[.[] | select(.event == "end")] | map("\(.run_id) \(.status)") | .[]' \
	    "$dir"/runs/run_*.jsonl
	assert_output "$(printf '%s ok\n' 0 1 2 3 4 5)"
}

# --- the support scripts ----------------------------------------------------------------------

@test "tiny-gguf: the same seed writes the same bytes, another seed other weights; two writers at once, one file" {
	export XDG_CACHE_HOME=$BATS_TEST_TMPDIR/cache
	run --separate-stderr "$ROOT/tests/support/tiny-gguf" --decider
	assert_success
	assert_equal "$output" "$XDG_CACHE_HOME/simtools/tiny-gguf/${DECIDER##*/}"
	cmp "$output" "$DECIDER"
	size=$(stat -c %s "$output")
	[ "$size" -gt 8000000 ] && [ "$size" -lt 10000000 ]
	# two writers at once: one writes, the other waits and finds it
	"$ROOT/tests/support/tiny-gguf" --decider --seed 2 > one 2> /dev/null &
	"$ROOT/tests/support/tiny-gguf" --decider --seed 2 > two 2> /dev/null
	wait $!
	cmp one two
	! cmp -s "$(cat one)" "$DECIDER"
	run "$ROOT/tests/support/tiny-gguf" --template llama4
	assert_equal "$status" 64
	run ls -A "$XDG_CACHE_HOME/simtools/tiny-gguf"
	assert_output "$(printf '.lock\n%s\n%s' "${DECIDER##*/}" "${DECIDER##*/}" | sed '3s/-s1-/-s2-/' | sort)"
}

@test "llama-server-build: a tarball that is not the pinned one is refused (65); without snapshot and PATH binary the tests skip, saying why" {
	mkdir vendor
	printf 'not the snapshot' > vendor/llama.cpp-server-src.tar.xz
	run --separate-stderr env -u LLAMA_SERVER SIMTOOLS_LLAMA_VENDOR="$PWD/vendor" \
	    XDG_CACHE_HOME="$PWD/cache" "$ROOT/tests/support/llama-server-build"
	assert_equal "$status" 65
	assert_regex "$stderr" "has sha256 [0-9a-f]{64}, not the pinned b85522fa8008"
	[ ! -e cache/simtools ] || [ -z "$(ls -A cache/simtools)" ]
	# nothing to build from: make test goes on, the suite skips naming the reason
	run --separate-stderr env -u LLAMA_SERVER SIMTOOLS_LLAMA_VENDOR="$PWD/none" \
	    PATH=/usr/bin:/bin "$ROOT/tests/support/llama-server-build" --if-available
	assert_success
	assert_output ""
	assert_regex "$stderr" "no vendor snapshot .* and no llama-server on PATH: the llama-server tests will skip"
	run env -u LLAMA_SERVER SIMTOOLS_LLAMA_VENDOR="$PWD/none" PATH="/usr/bin:/bin" \
	    bats --tap -f 'the real server answers' "$ROOT/tests/bats/llamaserver.bats"
	assert_success
	assert_line --regexp '^ok 1 the real server answers .* # skip llama-server-build: no vendor snapshot'
}
