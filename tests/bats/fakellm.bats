#!/usr/bin/env bats
# The fake server's provider modes say what each provider's reference says
# (tests/support/fakellm.md cites each): exact refusals, reply shapes,
# thinking and token accounting.  The client's tests rely on these; here
# they are checked on the wire, with curl.

setup() {
	load helper
	GRID='"messages":[{"role":"user","content":"S S O\nO X O\nE # S\nMOVE or STAY?"}]'
	unset FAKELLM_API_KEY
}

teardown() {
	stop_fakellms
}

# post PATH JSON [CURL-ARGS...]: sets status and body
post() {
	local path=$1 json=$2 out
	shift 2
	out=$(curl -s -w '\n%{http_code}' "$@" "$BASE$path" -d "$json")
	status=${out##*$'\n'}
	body=${out%$'\n'*}
}

# --- OpenAI reasoning families ------------------------------------------------

@test "openai gpt-5.1: effort none takes temperature, top_p and logprobs; any other effort refuses them" {
	start_fakellm --server openai --model gpt-5.1 --think-model
	post /v1/chat/completions "{\"model\":\"gpt-5.1\",$GRID,\"reasoning_effort\":\"none\",
	    \"temperature\":0.3,\"top_p\":1,\"logprobs\":true,\"top_logprobs\":5,\"max_completion_tokens\":8}"
	assert_equal "$status" 200
	run jq -c '[.choices[0].message.content, .usage.completion_tokens_details.reasoning_tokens,
	    (.choices[0].logprobs.content | length)]' <<< "$body"
	assert_output '["STAY",0,1]'
	post /v1/chat/completions "{\"model\":\"gpt-5.1\",$GRID,\"reasoning_effort\":\"low\",\"temperature\":0.3}"
	assert_equal "$status" 400
	run jq -r .error.message <<< "$body"
	assert_output "Unsupported parameter: 'temperature' is not supported with this model."
	post /v1/chat/completions "{\"model\":\"gpt-5.1\",$GRID,\"reasoning_effort\":\"minimal\"}"
	assert_equal "$status" 400
	run jq -r .error.message <<< "$body"
	assert_output "Unsupported value: 'reasoning_effort' does not support 'minimal' with this model. Supported values are: 'none', 'low', 'medium', and 'high'."
}

@test "openai gpt-5.1 reasoning at low: 8 tokens come back empty (length), a larger cap answers" {
	start_fakellm --server openai --model gpt-5.1 --think-model
	post /v1/chat/completions "{\"model\":\"gpt-5.1\",$GRID,\"reasoning_effort\":\"low\",\"max_completion_tokens\":8}"
	run jq -c '[.choices[0].message.content, .choices[0].finish_reason,
	    .usage.completion_tokens, .usage.completion_tokens_details.reasoning_tokens]' <<< "$body"
	assert_output '["","length",8,8]'
	post /v1/chat/completions "{\"model\":\"gpt-5.1\",$GRID,\"reasoning_effort\":\"low\",\"max_completion_tokens\":100}"
	run jq -c '[.choices[0].message.content, .usage.completion_tokens_details.reasoning_tokens]' <<< "$body"
	assert_output '["STAY",64]'
	# no effort at all: gpt-5.1's default is none
	post /v1/chat/completions "{\"model\":\"gpt-5.1\",$GRID,\"max_completion_tokens\":8}"
	run jq -r '.choices[0].message.content' <<< "$body"
	assert_output STAY
}

@test "openai gpt-5, pro, chat-latest and o-series: the efforts each accepts, listed when refused" {
	start_fakellm --server openai --model gpt-5 --served-model gpt-5
	post /v1/chat/completions "{\"model\":\"gpt-5\",$GRID,\"reasoning_effort\":\"none\"}"
	run jq -r .error.message <<< "$body"
	assert_output "Unsupported value: 'reasoning_effort' does not support 'none' with this model. Supported values are: 'minimal', 'low', 'medium', and 'high'."
	post /v1/chat/completions "{\"model\":\"gpt-5\",$GRID,\"reasoning_effort\":\"minimal\",\"temperature\":0.3}"
	run jq -r .error.message <<< "$body"
	assert_output "Unsupported value: 'temperature' does not support 0.3 with this model. Only the default (1) value is supported."
	post /v1/chat/completions "{\"model\":\"gpt-5-mini\",$GRID,\"logprobs\":true}"
	run jq -r .error.message <<< "$body"
	assert_output "Unsupported parameter: 'logprobs' is not supported with this model."
	post /v1/chat/completions "{\"model\":\"gpt-5-pro\",$GRID,\"reasoning_effort\":\"low\"}"
	run jq -r .error.message <<< "$body"
	assert_output "Unsupported value: 'reasoning_effort' does not support 'low' with this model. Supported values are: 'high'."
	post /v1/chat/completions "{\"model\":\"gpt-5.1-chat-latest\",$GRID,\"reasoning_effort\":\"none\"}"
	run jq -r .error.message <<< "$body"
	assert_output "Unsupported value: 'reasoning_effort' does not support 'none' with this model. Supported values are: 'medium'."
	post /v1/chat/completions "{\"model\":\"gpt-5-chat-latest\",$GRID,\"reasoning_effort\":\"low\"}"
	run jq -r .error.message <<< "$body"
	assert_output "Unsupported parameter: 'reasoning_effort' is not supported with this model."
	post /v1/chat/completions "{\"model\":\"gpt-5-chat-latest\",$GRID,\"temperature\":0.3}"
	assert_equal "$status" 200
	post /v1/chat/completions "{\"model\":\"o4-mini\",$GRID,\"reasoning_effort\":\"minimal\"}"
	run jq -r .error.message <<< "$body"
	assert_output "Unsupported value: 'reasoning_effort' does not support 'minimal' with this model. Supported values are: 'low', 'medium', and 'high'."
}

# --- Anthropic ------------------------------------------------------------------

@test "anthropic Messages API: x-api-key, anthropic-version and max_tokens required; strict body" {
	FAKELLM_API_KEY=sk-ant start_fakellm --server anthropic --model claude-sonnet-4-5-20250929
	local ok=(-H 'x-api-key: sk-ant' -H 'anthropic-version: 2023-06-01')
	post /v1/messages "{\"model\":\"claude-sonnet-4-5\",$GRID,\"max_tokens\":8}"
	assert_equal "$status" 401
	run jq -c . <<< "$body"
	assert_output '{"type":"error","error":{"type":"authentication_error","message":"x-api-key header is required"},"request_id":"req_fakellm"}'
	post /v1/messages "{\"model\":\"claude-sonnet-4-5\",$GRID,\"max_tokens\":8}" -H 'Authorization: Bearer sk-ant'
	assert_equal "$status" 401
	post /v1/messages "{\"model\":\"claude-sonnet-4-5\",$GRID,\"max_tokens\":8}" -H 'x-api-key: sk-ant'
	assert_equal "$status" 400
	run jq -r .error.message <<< "$body"
	assert_output "anthropic-version: header is required"
	post /v1/messages "{\"model\":\"claude-sonnet-4-5\",$GRID}" "${ok[@]}"
	run jq -r .error.message <<< "$body"
	assert_output "max_tokens: Field required"
	post /v1/messages "{\"model\":\"claude-sonnet-4-5\",$GRID,\"max_tokens\":8,\"seed\":1}" "${ok[@]}"
	run jq -r .error.message <<< "$body"
	assert_output "seed: Extra inputs are not permitted"
	post /v1/messages "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":8,\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}" "${ok[@]}"
	run jq -r .error.message <<< "$body"
	assert_regex "$output" '^messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter'
	post /v1/messages "{\"model\":\"claude-sonnet-4-5\",$GRID,\"max_tokens\":8,\"temperature\":0.3,\"top_p\":1}" "${ok[@]}"
	run jq -r .error.message <<< "$body"
	assert_output '`temperature` and `top_p` cannot both be specified for this model. Please use only one.'
	# the alias answers as the dated snapshot, in content blocks
	post /v1/messages "{\"model\":\"claude-sonnet-4-5\",\"system\":\"be brief\",$GRID,\"max_tokens\":8,\"temperature\":0.3}" "${ok[@]}"
	assert_equal "$status" 200
	run jq -c '[.type, .model, .content, .stop_reason, .usage.output_tokens]' <<< "$body"
	assert_output '["message","claude-sonnet-4-5-20250929",[{"type":"text","text":"STAY"}],"end_turn",1]'
	post /v1/models '' -X GET -H 'x-api-key: sk-ant'
	run jq -c '[.data[0].type, .data[0].id, .has_more]' <<< "$body"
	assert_output '["model","claude-sonnet-4-5-20250929",false]'
}

@test "anthropic thinking: budget >= 1024 and < max_tokens, no temperature; cut at max_tokens" {
	start_fakellm --server anthropic --model claude-opus-4-7
	local ok=(-H 'x-api-key: k' -H 'anthropic-version: 2023-06-01')
	post /v1/messages "{\"model\":\"claude-opus-4-7\",$GRID,\"max_tokens\":8,\"temperature\":0.3}" "${ok[@]}"
	run jq -r .error.message <<< "$body"
	assert_output '`temperature` is deprecated for this model.'
	post /v1/messages "{\"model\":\"claude-opus-4-7\",$GRID,\"max_tokens\":2000,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":512}}" "${ok[@]}"
	run jq -r .error.message <<< "$body"
	assert_output "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"
	post /v1/messages "{\"model\":\"claude-opus-4-7\",$GRID,\"max_tokens\":1024,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024}}" "${ok[@]}"
	run jq -r .error.message <<< "$body"
	assert_regex "$output" '^`max_tokens` must be greater than `thinking.budget_tokens`'
	post /v1/messages "{\"model\":\"claude-opus-4-7\",$GRID,\"max_tokens\":1032,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024}}" "${ok[@]}"
	run jq -c '[[.content[].type], .content[1].text, .stop_reason]' <<< "$body"
	assert_output '[["thinking","text"],"STAY","end_turn"]'
	post /v1/messages "{\"model\":\"claude-opus-4-7\",$GRID,\"max_tokens\":100,\"thinking\":{\"type\":\"adaptive\"}}" "${ok[@]}"
	run jq -c '[[.content[].type], .stop_reason, .usage.output_tokens]' <<< "$body"
	assert_output '[["thinking"],"max_tokens",100]'
}

@test "anthropic errors: 429 rate_limit_error with retry-after, 529 overloaded_error" {
	start_fakellm --server anthropic --model claude-haiku-4-5-20251001 --fault-first 2 --faults 429,529 --retry-after 3
	local ok=(-H 'x-api-key: k' -H 'anthropic-version: 2023-06-01')
	run curl -si "${ok[@]}" "$BASE/v1/messages" -d "{\"model\":\"claude-haiku-4-5\",$GRID,\"max_tokens\":8}"
	assert_regex "$output" 'HTTP/1.1 429'
	assert_regex "$output" 'Retry-After: 3'
	assert_regex "$output" '"type":"rate_limit_error"'
	post /v1/messages "{\"model\":\"claude-haiku-4-5\",$GRID,\"max_tokens\":8}" "${ok[@]}"
	assert_equal "$status" 529
	run jq -c .error <<< "$body"
	assert_output '{"type":"overloaded_error","message":"Overloaded"}'
}

@test "anthropic OpenAI layer: Bearer, temperature with top_p refused, response_format, seed and logprobs ignored" {
	FAKELLM_API_KEY=sk-ant start_fakellm --server anthropic --model claude-sonnet-4-5-20250929
	local auth=(-H 'Authorization: Bearer sk-ant')
	post /v1/chat/completions "{\"model\":\"claude-sonnet-4-5\",$GRID,\"max_tokens\":8,\"temperature\":0.3,\"top_p\":1}" "${auth[@]}"
	assert_equal "$status" 400
	run jq -r .error.message <<< "$body"
	assert_output '`temperature` and `top_p` cannot both be specified for this model. Please use only one.'
	post /v1/chat/completions "{\"model\":\"claude-sonnet-4-5\",$GRID,\"max_tokens\":8,\"temperature\":0.3,\"seed\":1,
	    \"logprobs\":true,\"top_logprobs\":5,\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{}}}" "${auth[@]}"
	assert_equal "$status" 200
	run jq -c '[.model, .choices[0].message.content, .choices[0].logprobs]' <<< "$body"
	assert_output '["claude-sonnet-4-5-20250929","STAY",null]'
}

# --- Gemini -------------------------------------------------------------------------

@test "gemini OpenAI layer: under /v1beta/openai, Google-shaped errors, seed and logprobs refused" {
	start_fakellm --server gemini --model gemini-2.5-flash
	post /v1beta/openai/chat/completions "{\"model\":\"gemini-2.5-flash\",$GRID,\"max_tokens\":8,\"seed\":3}"
	assert_equal "$status" 400
	run jq -c . <<< "$body"
	assert_output '[{"error":{"code":400,"message":"Invalid JSON payload received. Unknown name \"seed\": Cannot find field.","status":"INVALID_ARGUMENT"}}]'
	post /v1beta/openai/chat/completions "{\"model\":\"gemini-2.5-flash\",$GRID,\"logprobs\":true}"
	run jq -r '.[0].error.message' <<< "$body"
	assert_output "Logprobs is not enabled for models/gemini-2.5-flash"
	post /v1beta/openai/models '' -X GET
	run jq -r '.data[0].id' <<< "$body"
	assert_output models/gemini-2.5-flash
}

@test "gemini 2.5 flash thinks by default against max_tokens; reasoning_effort none turns it off" {
	start_fakellm --server gemini --model gemini-2.5-flash
	post /v1beta/openai/chat/completions "{\"model\":\"gemini-2.5-flash\",$GRID,\"max_tokens\":8}"
	run jq -c '[.choices[0].message.content, .choices[0].finish_reason,
	    .usage.completion_tokens_details.reasoning_tokens]' <<< "$body"
	assert_output '[null,"length",8]'
	post /v1beta/openai/chat/completions "{\"model\":\"gemini-2.5-flash\",$GRID,\"max_tokens\":8,\"reasoning_effort\":\"none\"}"
	run jq -c '[.choices[0].message.content, .usage.completion_tokens_details.reasoning_tokens]' <<< "$body"
	assert_output '["STAY",0]'
	post /v1beta/openai/chat/completions "{\"model\":\"models/gemini-2.5-flash\",$GRID,\"max_tokens\":1100,
	    \"reasoning_effort\":\"low\",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{}}}"
	run jq -c '[.model, .choices[0].message.content, .usage.completion_tokens_details.reasoning_tokens]' <<< "$body"
	assert_output '["gemini-2.5-flash","{\"answer\": \"STAY\"}",300]'
}

@test "gemini 2.5 pro cannot turn thinking off: none is refused, a budget that leaves room answers" {
	start_fakellm --server gemini --model gemini-2.5-pro
	post /v1beta/openai/chat/completions "{\"model\":\"gemini-2.5-pro\",$GRID,\"max_tokens\":8,\"reasoning_effort\":\"none\"}"
	assert_equal "$status" 400
	run jq -r '.[0].error | "\(.status): \(.message)"' <<< "$body"
	assert_output "INVALID_ARGUMENT: Budget 0 is invalid. This model only works in thinking mode."
	post /v1beta/openai/chat/completions "{\"model\":\"gemini-2.5-pro\",$GRID,\"max_tokens\":1032,\"reasoning_effort\":\"low\"}"
	run jq -c '[.choices[0].message.content, .usage.completion_tokens]' <<< "$body"
	assert_output '["STAY",301]'
}

# --- vLLM, llama-server, Ollama, LM Studio ------------------------------------------

@test "probe endpoints: llama-server /props, Ollama /api/version, vLLM /version; the others 404" {
	start_fakellm --server llama-server --served-model /some/dir/tiny.gguf
	post /props '' -X GET
	run jq -c '[.total_slots, .model_path, (.build_info | length > 0)]' <<< "$body"
	assert_output '[4,"/some/dir/tiny.gguf",true]'
	post /v1/models '' -X GET
	run jq -c '.data[0] | [.id, .aliases, .owned_by]' <<< "$body"
	assert_output '["/some/dir/tiny.gguf",["/some/dir/tiny.gguf"],"llamacpp"]'
	post /version '' -X GET
	assert_equal "$status" 404
	start_fakellm --server ollama
	post /api/version '' -X GET
	assert_equal "$body" '{"version":"0.12.11"}'
	post /props '' -X GET
	assert_equal "$status" 404
	start_fakellm --server vllm
	post /version '' -X GET
	run jq -r .version <<< "$body"
	assert_output 0.11.2
	start_fakellm
	post /props '' -X GET
	assert_equal "$body" '{"total_slots":4}'
	post /api/version '' -X GET
	assert_equal "$status" 404
}

@test "vLLM before 0.11 refuses reasoning_effort none by name; llama-server's none turns thinking off" {
	start_fakellm --server vllm --vllm-old
	post /v1/chat/completions "{\"model\":\"llama3.1:8b\",$GRID,\"reasoning_effort\":\"none\"}"
	assert_equal "$status" 400
	run jq -r .error.message <<< "$body"
	assert_output "[{'type': 'literal_error', 'loc': ('body', 'reasoning_effort'), 'msg': \"Input should be 'low', 'medium' or 'high'\", 'input': 'none'}]"
	start_fakellm --server vllm
	post /v1/chat/completions "{\"model\":\"llama3.1:8b\",$GRID,\"reasoning_effort\":\"none\"}"
	assert_equal "$status" 200
	start_fakellm --server llama-server --think-model
	post /v1/chat/completions "{\"model\":\"llama3.1:8b\",$GRID,\"reasoning_effort\":\"none\"}"
	run jq -r '.choices[0].message.content' <<< "$body"
	assert_output STAY
	post /v1/chat/completions "{\"model\":\"llama3.1:8b\",$GRID,\"chat_template_kwargs\":{\"enable_thinking\":\"false\"}}"
	run jq -r .error.message <<< "$body"
	assert_output 'invalid type for "enable_thinking" (expected boolean, got string)'
}

@test "LM Studio, a thinking model with a JSON schema: the answer lands in reasoning_content" {
	start_fakellm --server lmstudio --think-model
	post /v1/chat/completions "{\"model\":\"llama3.1:8b\",$GRID,\"max_tokens\":8,\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{}}}"
	run jq -c '.choices[0] | [.message.content, .message.reasoning_content, .finish_reason]' <<< "$body"
	assert_output '["","{\"answer\": \"STAY\"}","stop"]'
}

# --- tokens, log-probs, faults ---------------------------------------------------------

@test "--json-tokens spreads a JSON answer over N tokens and cuts it at the cap" {
	start_fakellm --json-tokens 24
	post /v1/chat/completions "{\"model\":\"llama3.1:8b\",$GRID,\"max_tokens\":8,\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{}}}"
	run jq -c '.choices[0] | [.finish_reason, (.message.content | test("answer"))]' <<< "$body"
	assert_output '["length",false]'
	post /v1/chat/completions "{\"model\":\"llama3.1:8b\",$GRID,\"max_tokens\":64,\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{}}}"
	run jq -c '[.choices[0].finish_reason, (.choices[0].message.content | fromjson), .usage.completion_tokens]' <<< "$body"
	assert_output '["stop",{"answer":"STAY"},24]'
}

@test "--split-tokens STAY: the reply is ST + AY and ST stands for STAY among the alternatives" {
	start_fakellm --split-tokens STAY
	post /v1/chat/completions "{\"model\":\"llama3.1:8b\",$GRID,\"logprobs\":true,\"top_logprobs\":5}"
	run jq -c '.choices[0] | [.message.content, [.logprobs.content[].token],
	    [.logprobs.content[0].top_logprobs[].token]]' <<< "$body"
	assert_output '["STAY",["ST","AY"],["ST","MOVE"]]'
}

@test "faults: thinkquote quotes <think> in a 400; --retry-after-raw is sent verbatim" {
	start_fakellm --fault thinkquote
	post /v1/chat/completions "{\"model\":\"llama3.1:8b\",$GRID}"
	assert_equal "$status" 400
	run jq -r .error.message <<< "$body"
	assert_regex "$output" "^Failed to initialize samplers: expecting '>' at <think>"
	start_fakellm --fault 429 --retry-after-raw 99999999999999999999999
	run curl -si "$URL" -d "{\"model\":\"llama3.1:8b\",$GRID}"
	assert_regex "$output" 'Retry-After: 99999999999999999999999'
}
