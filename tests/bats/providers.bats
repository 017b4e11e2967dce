#!/usr/bin/env bats
# Hosted providers and the protocol review of issue 21: fakellm plays each
# provider as its reference documents it (tests/support/fakellm.md), and
# the commands are the ones a user types, with the provider's own host:
# the requests reach fakellm through an HTTP proxy (http_proxy), so the
# URL names api.openai.com, api.anthropic.com or Google's host as it would
# (http:// here: a proxy tunnels https:// to the real host).

setup() {
	load helper
	cd "$BATS_TEST_TMPDIR"
	SMALL=(--grid-size 8 --num-type-a 20 --num-type-b 20)
	FAST=(--retry-base-ms 1 --retry-max-ms 20)
	unset LLM_API_KEY FAKELLM_API_KEY
}

teardown() {
	stop_fakellms
}

# provider KIND MODEL [FLAGS...]: fakellm playing KIND, with a key, as the
# proxy of this test's requests (PROXY_ENV for env(1)).
provider() {
	export FAKELLM_API_KEY=sk-test-provider-key
	start_fakellm --server "$@"
	unset FAKELLM_API_KEY
	PROXY_ENV=(env "http_proxy=$BASE" "LLM_API_KEY=sk-test-provider-key" no_proxy=)
}

# end FILE: the end line's outcome and counts.
end_of() {
	jq -c 'select(.event == "end") | [.status, .parse_failures, .llm_calls > 0]' "$1"
}

OPENAI=http://api.openai.com/v1/chat/completions
MESSAGES=http://api.anthropic.com/v1/messages
CLAUDE_OPENAI=http://api.anthropic.com/v1/chat/completions
GEMINI=http://generativelanguage.googleapis.com/v1beta/openai/chat/completions

# --- the five commands of issue 21 -------------------------------------------

@test "OpenAI gpt-5.1: reasoning_effort none, so temperature and top_p are taken; every decision answered" {
	provider openai --model gpt-5.1 --think-model
	run --separate-stderr "${PROXY_ENV[@]}" simrun --check-llm --llm-url "$OPENAI" --llm-model gpt-5.1
	assert_success
	assert_line "Server: openai"
	"${PROXY_ENV[@]}" simrun "${SMALL[@]}" --agent llm --llm-url "$OPENAI" --llm-model gpt-5.1 \
	    --run-id 0 --max-steps 3 --no-steps > out
	run end_of out
	assert_output '["ok",0,true]'
	run jq -s -e 'all(.host == "api.openai.com" and .auth and .status == 200
	    and (.fields | index("reasoning_effort") and index("temperature") and index("top_p")
	    and index("max_completion_tokens") and (index("max_tokens") | not)))' "$FAKELLM_LOG"
	assert_success
	run jq -s -e 'all(.reasoning_tokens == null)' "$FAKELLM_LOG"
	assert_success
}

@test "Anthropic's Messages API: x-api-key, anthropic-version, max_tokens, content blocks; the alias served as its dated ID" {
	provider anthropic --model claude-sonnet-4-5-20250929
	run --separate-stderr "${PROXY_ENV[@]}" simrun --check-llm --llm-api anthropic --llm-url "$MESSAGES" \
	    --llm-model claude-sonnet-4-5
	assert_success
	assert_line "Server: anthropic"
	assert_line "Served model: claude-sonnet-4-5-20250929"
	"${PROXY_ENV[@]}" simrun "${SMALL[@]}" --agent llm --llm-api anthropic --llm-url "$MESSAGES" \
	    --llm-model claude-sonnet-4-5 --run-id 0 --max-steps 3 --no-steps > out
	run end_of out
	assert_output '["ok",0,true]'
	# usage recorded: Anthropic's input_tokens and output_tokens
	run jq -e 'select(.event == "end") | .llm_input_tokens > 0 and .llm_output_tokens > 0' out
	assert_success
	run jq -s -e 'all(.path == "/v1/messages" and .auth and .status == 200
	    and .fields == ["model", "max_tokens", "messages", "temperature"])' "$FAKELLM_LOG"
	assert_success
	# the key goes as x-api-key: a bearer token alone is refused there
	run --separate-stderr curl -s "$BASE/v1/messages" -H 'anthropic-version: 2023-06-01' \
	    -H 'Authorization: Bearer sk-test-provider-key' -d '{}'
	assert_output --partial 'x-api-key header is required'
	# the Messages URL with the OpenAI API is said at once
	run --separate-stderr simrun --check-llm --llm-url "$MESSAGES" --llm-model claude-sonnet-4-5
	assert_equal "$status" 64
	assert_regex "$stderr" "is Anthropic's Messages API: give --llm-api anthropic"
}

@test "Anthropic's OpenAI layer: temperature without top_p (Claude 4.5), nothing it ignores; every decision answered" {
	provider anthropic --model claude-sonnet-4-5-20250929
	run --separate-stderr "${PROXY_ENV[@]}" simrun --check-llm --llm-url "$CLAUDE_OPENAI" \
	    --llm-model claude-sonnet-4-5 --constrain auto
	assert_success
	"${PROXY_ENV[@]}" simrun "${SMALL[@]}" --agent llm --llm-url "$CLAUDE_OPENAI" \
	    --llm-model claude-sonnet-4-5 --run-id 0 --max-steps 3 --no-steps > out
	run end_of out
	assert_output '["ok",0,true]'
	run jq -s -e 'all(.path == "/v1/chat/completions" and .status == 200
	    and .fields == ["model", "messages", "stream", "temperature", "max_tokens"])' "$FAKELLM_LOG"
	assert_success
	# top_p beside temperature is refused before any request, naming both fixes
	: > "$FAKELLM_LOG"
	run --separate-stderr "${PROXY_ENV[@]}" simrun --check-llm --llm-url "$CLAUDE_OPENAI" \
	    --llm-model claude-sonnet-4-5 --top-p 0.9
	assert_equal "$status" 78
	assert_regex "$stderr" "takes temperature or top_p, not both .*--top-p default or --temperature default"
	run --separate-stderr "${PROXY_ENV[@]}" simrun --check-llm --llm-url "$CLAUDE_OPENAI" \
	    --llm-model claude-sonnet-4-5 --top-p 0.9 --temperature default
	assert_success
	run jq -c '.fields' "$FAKELLM_LOG"
	assert_output '["model","messages","stream","top_p","max_tokens"]'
}

@test "Gemini 2.5 flash through its OpenAI layer: reasoning_effort none, no seed; every decision answered" {
	provider gemini --model gemini-2.5-flash
	run --separate-stderr "${PROXY_ENV[@]}" simrun --check-llm --llm-url "$GEMINI" --llm-model gemini-2.5-flash
	assert_success
	assert_line "Server: gemini"
	"${PROXY_ENV[@]}" simrun "${SMALL[@]}" --agent llm --llm-url "$GEMINI" --llm-model gemini-2.5-flash \
	    --run-id 0 --max-steps 3 --no-steps > out
	run end_of out
	assert_output '["ok",0,true]'
	run jq -s -e 'all(.host == "generativelanguage.googleapis.com" and .status == 200
	    and .reasoning_tokens == null and (.fields | index("reasoning_effort") and (index("seed") | not)))' \
	    "$FAKELLM_LOG"
	assert_success
}

@test "Gemini 2.5 pro cannot stop thinking: refused with --think off, answered with --think low --max-tokens auto" {
	provider gemini --model gemini-2.5-pro
	run --separate-stderr "${PROXY_ENV[@]}" simrun --check-llm --llm-url "$GEMINI" --llm-model gemini-2.5-pro
	assert_equal "$status" 78
	assert_regex "$stderr" "gemini-2.5-pro cannot turn its thinking off \(ai.google.dev/gemini-api/docs/openai\); give --think low with --max-tokens auto"
	run jq -s 'length' "$FAKELLM_LOG"
	assert_output 0
	run --separate-stderr "${PROXY_ENV[@]}" simrun --check-llm --llm-url "$GEMINI" --llm-model gemini-2.5-pro \
	    --think low --max-tokens auto
	assert_success
	assert_line --regexp '^Tokens: up to 1032 output tokens a decision \(1024 left for reasoning, 8 for the answer\); this check used [0-9]+ input, 301 output tokens, 300 of them reasoning$'
	"${PROXY_ENV[@]}" simrun "${SMALL[@]}" --agent llm --llm-url "$GEMINI" --llm-model gemini-2.5-pro \
	    --think low --max-tokens auto --run-id 0 --max-steps 3 --no-steps > out
	run end_of out
	assert_output '["ok",0,true]'
	# the reasoning the server reported is recorded
	run jq -e 'select(.event == "end") | .llm_reasoning_tokens == 300 * .llm_calls
	    and .llm_output_tokens == 301 * .llm_calls' out
	assert_success
	# an explicit cap too small for the reasoning: empty replies fail the run, as before
	run --separate-stderr "${PROXY_ENV[@]}" simrun "${SMALL[@]}" --agent llm --llm-url "$GEMINI" \
	    --llm-model gemini-2.5-pro --think low --max-tokens 8 --run-id 0 --max-steps 3 --no-steps
	assert_equal "$status" 69
	assert_regex "$stderr" "replies of the step were empty.*\(the server counted reasoning tokens\).*--max-tokens auto"
}

# --- what each family takes -------------------------------------------------

@test "OpenAI families: gpt-5 reasons at minimal, o-series at low; what they refuse is said before any request" {
	provider openai --model gpt-5-mini --think-model
	run --separate-stderr "${PROXY_ENV[@]}" simrun --check-llm --llm-url "$OPENAI" --llm-model gpt-5-mini
	assert_equal "$status" 78
	assert_regex "$stderr" "gpt-5-mini cannot turn its thinking off .*give --think low --temperature default with --max-tokens auto"
	run --separate-stderr "${PROXY_ENV[@]}" simrun --check-llm --llm-url "$OPENAI" --llm-model gpt-5-mini \
	    --think low --temperature default --max-tokens auto
	assert_success
	run jq -s -c '[.[0].max_tokens, (.[0].fields | index("temperature")), .[0].reasoning_tokens]' "$FAKELLM_LOG"
	assert_output '[25008,null,16]'
	# gpt-5.1 reasoning takes no temperature (OpenAI's guide): said, not sent
	provider openai --model gpt-5.1
	run --separate-stderr "${PROXY_ENV[@]}" simrun --check-llm --llm-url "$OPENAI" --llm-model gpt-5.1 \
	    --think low
	assert_equal "$status" 78
	assert_regex "$stderr" "gpt-5.1 takes no temperature or top_p unless it reasons at effort none \(--think off\)"
	run jq -s 'length' "$FAKELLM_LOG"
	assert_output 0
	# a chat model is sent nothing about reasoning
	provider openai --model gpt-5-chat-latest
	run --separate-stderr "${PROXY_ENV[@]}" simrun --check-llm --llm-url "$OPENAI" --llm-model gpt-5-chat-latest
	assert_success
	run jq -s -e 'all(.fields | index("reasoning_effort") | not)' "$FAKELLM_LOG"
	assert_success
}

@test "Anthropic: a 529 overloaded_error and a 429 rate_limit_error with retry-after are waited out; thinking needs temperature 1" {
	provider anthropic --model claude-sonnet-4-5-20250929 --fault-first 2 --faults 529,429 --retry-after 1
	run --separate-stderr "${PROXY_ENV[@]}" simrun "${SMALL[@]}" --agent llm --llm-api anthropic \
	    --llm-url "$MESSAGES" --llm-model claude-sonnet-4-5 --run-id 0 --max-steps 2 --no-steps "${FAST[@]}"
	assert_success
	run jq -c 'select(.event == "end") | [.status, .retries]' <<< "$output"
	assert_output '["ok",2]'
	run jq -s -c '[.[0:3][] | .status]' "$FAKELLM_LOG"
	assert_output '[529,429,200]'
	run --separate-stderr "${PROXY_ENV[@]}" simrun --check-llm --llm-api anthropic --llm-url "$MESSAGES" \
	    --llm-model claude-sonnet-4-5 --think low
	assert_equal "$status" 78
	assert_regex "$stderr" "thinks only at temperature 1 .*give --temperature default with --think low"
	: > "$FAKELLM_LOG"
	run --separate-stderr "${PROXY_ENV[@]}" simrun --check-llm --llm-api anthropic --llm-url "$MESSAGES" \
	    --llm-model claude-sonnet-4-5 --think low --temperature default --max-tokens auto
	assert_success
	run jq -c '[.max_tokens, .reasoning_tokens, (.fields | index("thinking") != null)]' "$FAKELLM_LOG"
	assert_output '[1032,200,true]'
}

@test "simprobe: a model that gives no log-probs is probed by samples (auto) or refused (--method logprobs)" {
	provider gemini --model gemini-2.5-flash
	run --separate-stderr "${PROXY_ENV[@]}" simprobe --key composition --llm-url "$GEMINI" \
	    --llm-model gemini-2.5-flash --method logprobs --output t.jsonl
	assert_equal "$status" 78
	assert_regex "$stderr" "gemini-2.5-flash gives no log-probs .*--method samples"
	run --separate-stderr "${PROXY_ENV[@]}" simprobe --key composition --llm-url "$GEMINI" \
	    --llm-model gemini-2.5-flash --samples 1 --output t.jsonl
	assert_success
	assert_regex "$stderr" "gemini-2.5-flash gives no log-probs .*probing by samples"
	run jq -s -c '[.[0].method, (.[1:] | length)]' t.jsonl
	assert_output '["samples",90]'
	run jq -s -e 'all(.fields | (index("logprobs") or index("seed")) | not)' "$FAKELLM_LOG"
	assert_success
}

# --- the protocol review -------------------------------------------------------

@test "a 400 that quotes <think> names no field: final, with the server's words; thinking is never turned back on" {
	start_fakellm --server llama-server --fault-first 1 --faults thinkquote
	run --separate-stderr simrun --check-llm --llm-url "$URL" --llm-server llama-server
	assert_equal "$status" 69
	assert_regex "$stderr" "HTTP 400 .*expecting '>' at <think>"
	run jq -s -c 'map(.status)' "$FAKELLM_LOG"
	assert_output '[400]'
}

@test "vLLM before 0.11 refuses reasoning_effort none: that field alone is dropped, said once, recorded; enable_thinking stays" {
	start_fakellm --server vllm --vllm-old --think-model
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --llm-server vllm --run-id 0-1 \
	    --max-steps 2 --no-steps
	assert_success
	echo "$output" > out
	run grep -c "refused reasoning_effort (HTTP 400: .*literal_error.*); asking without it" <<< "$stderr"
	assert_output 1
	run jq -c 'select(.event == "end") | [.status, .dropped_fields]' out
	assert_output "$(printf '%s\n' '["ok",["reasoning_effort"]]' '["ok",["reasoning_effort"]]')"
	run jq -s -c '[.[0].status, .[1].status, (.[1].fields | index("reasoning_effort")),
	    (.[1].fields | index("chat_template_kwargs") != null), (map(.thinks) | any)]' "$FAKELLM_LOG"
	assert_output '[400,200,null,true,false]'
}

@test "a server the URL does not name is asked what it is: /props, /api/version, /version; what it said is recorded" {
	for kind in llama-server ollama vllm generic; do
		start_fakellm --server "$kind"
		run --separate-stderr simrun --check-llm --llm-url "$URL" --constrain auto
		assert_success
		case $kind in
		llama-server) assert_line "Server: llama-server (asked: GET /props (build b6000-fakellm))" ;;
		ollama) assert_line "Server: ollama (asked: GET /api/version (version 0.12.11))" ;;
		vllm) assert_line "Server: vllm (asked: GET /version (version 0.11.2))" ;;
		generic) assert_line "Server: generic (asked: GET /props, /api/version, /version: none known)" ;;
		esac
	done
	# the constraint of the kind found is sent, without --llm-server
	start_fakellm --server llama-server
	simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --constrain auto --run-id 0 --max-steps 1 > out
	run jq -s -c '[.[0].llm_server, .[-1].llm_server_found]' out
	assert_output '["auto","llama-server: GET /props (build b6000-fakellm)"]'
	run jq -s -e 'all(.fields | index("grammar") and index("chat_template_kwargs"))' "$FAKELLM_LOG"
	assert_success
	# asking opens no other connection: one for the whole run, and curl's
	run curl -s "$BASE/stats"
	run jq -e '.connections == 2' <<< "$output"
	assert_success
	# an explicit kind is never asked about
	start_fakellm --server vllm
	run --separate-stderr simrun --check-llm --llm-url "$URL" --llm-server llama-server
	assert_success
	assert_line "Server: llama-server"
}

@test "llama-server names its model by the -m path: the file name asked is checked against /v1/models" {
	start_fakellm --server llama-server --served-model /models/dir/tiny.gguf
	run --separate-stderr simrun --check-llm --llm-url "$URL" --llm-model tiny.gguf
	assert_success
	assert_line "Served model: /models/dir/tiny.gguf"
	run --separate-stderr simrun --check-llm --llm-url "$URL" --llm-model llama3.1:8b
	assert_equal "$status" 69
	assert_regex "$stderr" "not llama3.1:8b, and its model list \(/models/dir/tiny.gguf\) does not name it so"
}

@test "LM Studio's bug (the constrained answer in reasoning_content): the answer object is taken, said once, counted" {
	start_fakellm --server lmstudio --think-model
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --llm-server lmstudio \
	    --constrain auto --run-id 0 --max-steps 2 --no-steps
	assert_success
	echo "$output" > out
	run grep -c "put the constrained answer in reasoning_content .*lmstudio-bug-tracker #1773" <<< "$stderr"
	assert_output 1
	run jq -e 'select(.event == "end") | .parse_failures == 0 and .answers_from_reasoning == .llm_calls' out
	assert_success
	# without the schema, thinking cut off stays an empty reply
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --llm-server lmstudio \
	    --run-id 0 --max-steps 2 --no-steps
	assert_equal "$status" 69
}

@test "--constrain with a JSON answer: the cap sent has room for it (64 tokens) when the server spreads it over many" {
	start_fakellm --server lmstudio --json-tokens 19
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --llm-server lmstudio \
	    --constrain auto --run-id 0 --max-steps 2 --no-steps
	assert_success
	echo "$output" > out
	run jq -s -e 'all(.max_tokens == 64)' "$FAKELLM_LOG"
	assert_success
	run jq -e 'select(.event == "end") | .parse_failures == 0' out
	assert_success
}

@test "log-probs of words a vocabulary splits (MO+VE, ST+AY): P(MOVE) as if whole, never inflated, never sampled" {
	start_fakellm --rule stochastic
	simprobe --key composition --method logprobs --llm-url "$URL" --output whole.jsonl 2> /dev/null
	for split in STAY MOVE,STAY; do
		start_fakellm --rule stochastic --split-tokens "$split"
		run --separate-stderr simprobe --key composition --method logprobs --llm-url "$URL" \
		    --output split.jsonl
		assert_success
		run jq -s -c '[.[0].method, .[0].fallbacks, ([.[1:][] | .method] | unique)]' split.jsonl
		assert_output '["logprobs",0,["logprobs"]]'
		diff <(jq -c '.p_move' whole.jsonl) <(jq -c '.p_move' split.jsonl)
		rm split.jsonl
	done
}

@test "tables: an entry of unparsed replies fails the probe (65); --agent table refuses a table carrying one (65)" {
	start_fakellm --reply-style sentence
	run --separate-stderr simprobe --key composition --method samples --samples 2 --llm-url "$URL" \
	    --output t.jsonl
	assert_equal "$status" 65
	assert_regex "$stderr" "group A same 0 occupied 0: 2 of 2 replies were not MOVE or STAY \(share 1, above --max-parse-failure-share 0.05\), e.g. 'I think I'd move'"
	assert_file_not_exists t.jsonl
	assert_file_not_exists t.jsonl.partial
	# a good table with one entry made of unparsed replies
	start_fakellm --rule stochastic
	simprobe --key composition --method samples --samples 4 --llm-url "$URL" --output good.jsonl 2> /dev/null
	jq -c 'if .same == 2 and .occupied == 5 and .group == "B" then .unparsed = 2 else . end' \
	    good.jsonl > bad.jsonl
	run --separate-stderr simrun "${SMALL[@]}" --agent table --table good.jsonl --run-id 0 --no-steps
	assert_success
	run --separate-stderr simrun "${SMALL[@]}" --agent table --table bad.jsonl --run-id 0 --no-steps
	assert_equal "$status" 65
	assert_regex "$stderr" "bad.jsonl: 1 entries were measured on replies that were mostly not MOVE or STAY \(above --max-parse-failure-share 0.05; worst: group B same 2 occupied 5, 50% of its replies\)"
	assert_output ""
	run --separate-stderr simrun "${SMALL[@]}" --agent table --table bad.jsonl --run-id 0 --no-steps \
	    --max-parse-failure-share 0.5
	assert_success
}

# --- Retry-After (issue 19, item 3) -----------------------------------------------

@test "a Retry-After beyond --max-server-wait fails the request at once, saying who asked and how long" {
	start_fakellm --fault-first 1 --faults 429 --retry-after-raw 9223372036854775807
	SECONDS=0
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0 --no-steps
	assert_equal "$status" 75
	[ "$SECONDS" -lt 30 ]
	assert_regex "$stderr" "$URL asked to wait longer than any wait \(HTTP 429, Retry-After 9223372036854775807\), beyond --max-server-wait 600 s: giving up this request"
	run jq -c 'select(.event == "end") | [.status, (.reason | test("beyond --max-server-wait"))]' <<< "$output"
	assert_output '["failed",true]'
	# a number that overflows any integer, and the early requests' path
	start_fakellm --fault-first 4 --faults 429 --retry-after-raw 1000000000000000000000000
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0 --no-steps \
	    --llm-concurrency 4
	assert_equal "$status" 75
	assert_regex "$stderr" "beyond --max-server-wait 600 s: giving up this request"
	# a shorter limit, a wait of 3 s
	start_fakellm --fault-first 1 --faults 429 --retry-after 3
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0 --no-steps \
	    --max-server-wait 2
	assert_equal "$status" 75
	assert_regex "$stderr" "asked to wait 3.0 s \(HTTP 429, Retry-After 3\), beyond --max-server-wait 2 s"
}

@test "a Retry-After of a few seconds is waited, said on stderr with the time it ends" {
	start_fakellm --fault-first 1 --faults 503 --retry-after 6
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0 --max-steps 1 --no-steps
	assert_success
	assert_regex "$stderr" "^simrun: $URL asked to wait 6.0 s \(HTTP 503, Retry-After 6\), until [0-2][0-9]:[0-5][0-9]:[0-5][0-9] UTC; waiting$"
}
