#!/usr/bin/env bats
# simprobe against the fake server, and simrun --agent table.

setup() {
	load helper
	unset LLM_API_KEY
	T=$BATS_TEST_TMPDIR
	SMALL=(--grid-size 10 --num-type-a 40 --num-type-b 40)
}

teardown() {
	stop_fakellms
}

# The fake stochastic model's P(MOVE): (O + 1) / (S + O + 2).
ANALYTIC='((.occupied - .same + 1) / (.occupied + 2))'
CONTEXT_ANALYTIC='((.context | [scan("O")] | length) as $o
    | (.context | [scan("S")] | length) as $s | ($o + 1) / ($s + $o + 2))'

# Entries only, without the header.
entries() {
	tail -n +2 "$1"
}

# The table without its creation time, as bytes.
uncreated() {
	sed 's/"created":"[^"]*",//' "$1"
}

# A table whose P(MOVE) is the mechanical rule's 0 or 1 (threshold 0.5).
mechanical_table() {
	{
		head -n 1 "$1"
		entries "$1" | jq -c '(.same // (.context | [scan("S")] | length))
		    as $s | (.occupied // ($s + (.context | [scan("O")] | length)))
		    as $occ | (if $occ == 0 then 1
		    elif 1 - ($occ - $s) / $occ >= 0.5 then 0
		    else 1 end) as $p | .p_move = $p | .lo = $p | .hi = $p'
	} > "$2"
}

# Step and end lines: what the agents did.
outcomes() {
	jq -c 'select(.event != "start")'
}

@test "logprobs: each composition's p_move is the model's probability" {
	start_fakellm --rule stochastic
	run --separate-stderr simprobe --llm-url "$URL" --key composition \
	    --method logprobs --output "$T/comp.jsonl"
	assert_success
	assert_equal "$output" ""
	run jq -c 'select(.event == "table") | [.scenario, .key, .method,
	    .samples, .entries, .model, .api, (.created | test("^[0-9-]+T[0-9:]+Z$")),
	    (.prompt_template_fnv1a64 | test("^[0-9a-f]{16}$"))]' "$T/comp.jsonl"
	assert_output '["baseline","composition","logprobs",0,90,"llama3.1:8b","openai",true,true]'
	run jq -s -e --argjson eps 1e-9 "map(select(.event == null)) | length == 90
	    and (map([.group, .same, .occupied]) | unique | length) == 90
	    and all(.n == 1 and .lo == .p_move and .hi == .p_move
	        and ((.p_move - $ANALYTIC) | fabs) < \$eps)" "$T/comp.jsonl"
	assert_success
	# one request per entry, each asking for logprobs
	run jq -s -e 'length == 90' "$FAKELLM_LOG"
	assert_success
}

# Wilson's 95% intervals miss the true p in about 5% of entries, so the
# misses among 90 are about Binomial(90, 0.05): 5 or more half the time.
# At most 9 (90% covered) fails a correct probe with probability 1.5%;
# the draws are seeded, so the outcome is fixed (seed 0: 84 of 90).
@test "samples: the Wilson intervals hold the model's p for 90% of entries" {
	start_fakellm --rule stochastic
	simprobe --llm-url "$URL" --key composition --method samples --samples 40 \
	    > "$T/comp.jsonl"
	run jq -c 'select(.event == "table") | [.method, .samples, .entries]' "$T/comp.jsonl"
	assert_output '["samples",40,90]'
	run jq -s -e 'map(select(.event == null)) | all(.n == 40
	    and .p_move == .moves / 40 and .unparsed == 0 and .lo <= .p_move
	    and .p_move <= .hi)' "$T/comp.jsonl"
	assert_success
	run jq -s "map(select(.event == null)
	    | select(.lo <= $ANALYTIC and $ANALYTIC <= .hi)) | length" "$T/comp.jsonl"
	echo "covered: $output of 90"
	[ "$output" -ge 81 ]
	# 40 distinct seeds for each of the 90 prompts
	run jq -s -e 'length == 3600 and (group_by(.grid) | length) == 45
	    and all(group_by(.grid)[]; map(.seed) | unique | length == 80)' "$FAKELLM_LOG"
	assert_success
}

@test "a full context table: 15,282 entries, each the model's probability" {
	start_fakellm --rule stochastic
	SECONDS=0
	run --separate-stderr simprobe --llm-url "$URL" --key context \
	    --method logprobs --output "$T/ctx.jsonl"
	assert_success
	echo "probe took $SECONDS s"
	assert_regex "$stderr" "simprobe: 15282/15282 entries, [0-9.]+ s"
	run jq -c 'select(.event == "table") | [.key, .entries]' "$T/ctx.jsonl"
	assert_output '["context",15282]'
	run jq -s -e "map(select(.event == null)) | length == 15282
	    and (map([.group, .context]) | unique | length) == 15282
	    and (map(select(.group == \"A\")) | length) == 7641
	    and (map(.context | [scan(\"#\")] | length) | group_by(.)
	        | map(length)) == [13122, 1944, 216]
	    and all(((.p_move - $CONTEXT_ANALYTIC) | fabs) < 1e-9)" "$T/ctx.jsonl"
	assert_success
	# the prompt shows the context as the agent would see it
	run jq -r -s 'map(.grid) | unique | length' "$FAKELLM_LOG"
	assert_output 7641
}

@test "shards merge into the table one run writes, byte for byte but the time" {
	start_fakellm --rule stochastic
	simprobe --llm-url "$URL" --key composition --method samples --samples 5 \
	    --output "$T/whole.jsonl"
	for k in 0 1 2; do
		simprobe --llm-url "$URL" --key composition --method samples --samples 5 \
		    --shard "$k/3" --output "$T/shard$k.jsonl"
	done
	run jq -c 'select(.event == "table") | [.shard, .entries]' "$T/shard1.jsonl"
	assert_output '["1/3",30]'
	run simprobe --merge "$T/shard2.jsonl" "$T/shard0.jsonl" "$T/shard1.jsonl" \
	    --output "$T/merged.jsonl"
	assert_success
	run cmp <(uncreated "$T/whole.jsonl") <(uncreated "$T/merged.jsonl")
	assert_success
	# a missing shard, a shard twice, a shard as a table
	run --separate-stderr simprobe --merge "$T/shard0.jsonl" "$T/shard1.jsonl"
	assert_equal "$status" 65
	assert_regex "$stderr" "shard0.jsonl: line 1: shard 0/3, but 2 files are merged"
	run --separate-stderr simprobe --merge "$T/shard0.jsonl" "$T/shard1.jsonl" "$T/shard1.jsonl"
	assert_equal "$status" 65
	assert_regex "$stderr" "shard1.jsonl: line 1: shard 1/3 again"
	# a shard of another probe
	simprobe --llm-url "$URL" --key composition --method samples --samples 5 \
	    --shard 1/3 --seed 9 --output "$T/other1.jsonl"
	run --separate-stderr simprobe --merge "$T/shard0.jsonl" "$T/other1.jsonl" "$T/shard2.jsonl"
	assert_equal "$status" 65
	assert_regex "$stderr" "other1.jsonl: line 1: its seed differs from that of .*shard0.jsonl"
	run --separate-stderr simrun --agent table --table "$T/shard1.jsonl" --run-id 0
	assert_equal "$status" 78
	assert_regex "$stderr" "shard1.jsonl.*merge the shards"
}

@test "a killed probe resumes where it stopped; finished entries are not asked again" {
	start_fakellm --rule stochastic --latency-ms 2
	probe=(simprobe --llm-url "$URL" --key composition --method samples --samples 10)
	"${probe[@]}" --output "$T/t.jsonl" 2> /dev/null &
	pid=$!
	for _ in $(seq 200); do
		[ "$(wc -l < "$T/t.jsonl.partial" 2>/dev/null || echo 0)" -ge 20 ] && break
		sleep 0.05
	done
	kill -KILL "$pid"
	wait "$pid" || true
	assert_file_not_exists "$T/t.jsonl"
	# as if the kill had cut a line short
	printf '{"group":"B","same":1,"occ' >> "$T/t.jsonl.partial"
	kept=$(($(grep -c '}$' "$T/t.jsonl.partial") - 1))
	[ "$kept" -ge 19 ] && [ "$kept" -lt 90 ]
	run --separate-stderr "${probe[@]}" --output "$T/t.jsonl"
	assert_equal "$status" 73
	assert_regex "$stderr" "t.jsonl.partial is there from an interrupted probe; add --resume"
	asked=$(wc -l < "$FAKELLM_LOG")
	run --separate-stderr "${probe[@]}" --output "$T/t.jsonl" --resume
	assert_success
	assert_file_not_exists "$T/t.jsonl.partial"
	assert_equal "$(($(wc -l < "$FAKELLM_LOG") - asked))" "$(((90 - kept) * 10))"
	"${probe[@]}" > "$T/whole.jsonl"
	run cmp <(uncreated "$T/t.jsonl") <(uncreated "$T/whole.jsonl")
	assert_success
}

@test "--resume refuses a partial table probed with other flags" {
	start_fakellm --rule stochastic
	simprobe --llm-url "$URL" --key composition --method logprobs --output "$T/t.jsonl"
	head -n 10 "$T/t.jsonl" > "$T/t.jsonl.partial"
	run --separate-stderr simprobe --llm-url "$URL" --key composition --method logprobs \
	    --temperature 0.7 --output "$T/t.jsonl" --resume
	assert_equal "$status" 64
	assert_regex "$stderr" "t.jsonl.partial was probed with another temperature"
}

@test "simrun --agent table: reproducible, run k alone is run k in a list, no server" {
	start_fakellm --rule stochastic
	simprobe --llm-url "$URL" --key composition --method logprobs --output "$T/comp.jsonl"
	stop_fakellms
	simrun "${SMALL[@]}" --agent table --table "$T/comp.jsonl" --run-id 0-4 --max-steps 50 > "$T/a"
	simrun "${SMALL[@]}" --agent table --table "$T/comp.jsonl" --run-id 0-4 --max-steps 50 > "$T/b"
	run cmp "$T/a" "$T/b"
	assert_success
	run cmp <(jq -c 'select(.run_id == 3)' "$T/a") \
	    <(simrun "${SMALL[@]}" --agent table --table "$T/comp.jsonl" --run-id 3 --max-steps 50)
	assert_success
	run jq -c 'select(.event == "start" and .run_id == 0) | [.agent, .scenario,
	    (.table | endswith("comp.jsonl")), .table_key, .table_model, .table_method]' "$T/a"
	assert_output '["table","baseline",true,"composition","llama3.1:8b","logprobs"]'
	# the model moves often: about (O + 1) / (S + O + 2) of decisions
	run jq -s -e 'map(select(.event == "step")) | (map(.moves) | add)
	    / (map(.decisions) | add) | . > 0.3 and . < 0.7' "$T/a"
	assert_success
}

@test "a table of the mechanical rule's 0s and 1s reproduces mechanical runs" {
	start_fakellm --rule stochastic
	simprobe --llm-url "$URL" --key composition --method logprobs --output "$T/comp.jsonl"
	mechanical_table "$T/comp.jsonl" "$T/mech.jsonl"
	run cmp <(simrun "${SMALL[@]}" --agent table --table "$T/mech.jsonl" --run-id 0-9 | outcomes) \
	    <(simrun "${SMALL[@]}" --run-id 0-9 | outcomes)
	assert_success
}

@test "a context table drives runs too (by the mechanical rule: exactly), on 3x3 or more" {
	start_fakellm --rule stochastic
	simprobe --llm-url "$URL" --key context --method logprobs --output "$T/ctx.jsonl" 2> /dev/null
	stop_fakellms
	run --separate-stderr simrun "${SMALL[@]}" --agent table --table "$T/ctx.jsonl" \
	    --run-id 0-1 --max-steps 20 --no-steps
	assert_success
	run jq -c 'select(.event == "end") | [.status, .n_steps]' <<< "$output"
	assert_output "$(printf '["ok",20]\n["ok",20]')"
	mechanical_table "$T/ctx.jsonl" "$T/mech.jsonl"
	run cmp <(simrun --agent table --table "$T/mech.jsonl" --run-id 0-4 | outcomes) \
	    <(simrun --run-id 0-4 | outcomes)
	assert_success
	run --separate-stderr simrun --agent table --table "$T/ctx.jsonl" --grid-size 2 \
	    --num-type-a 1 --num-type-b 1 --run-id 0
	assert_equal "$status" 64
}

@test "bad tables are refused with exit 78, naming the file and the problem" {
	start_fakellm --rule stochastic
	simprobe --llm-url "$URL" --key composition --method logprobs --output "$T/comp.jsonl"
	stop_fakellms
	run --separate-stderr simrun --agent table --table "$T/comp.jsonl" --scenario conflict --run-id 0
	assert_equal "$status" 78
	assert_equal "$output" ""
	assert_regex "$stderr" "comp.jsonl.*probed for scenario 'baseline', not 'conflict'"
	grep -v '"same":3,"occupied":5' "$T/comp.jsonl" | jq -c 'if .event == "table" then .entries = 88 else . end' \
	    > "$T/gap.jsonl"
	run --separate-stderr simrun --agent table --table "$T/gap.jsonl" --run-id 0
	assert_equal "$status" 78
	assert_regex "$stderr" "gap.jsonl: incomplete: no entry for group A same 3 occupied 5"
	{ head -n 5 "$T/comp.jsonl"; echo '{"group":"A","same":'; } > "$T/bad.jsonl"
	run --separate-stderr simrun --agent table --table "$T/bad.jsonl" --run-id 0
	assert_equal "$status" 78
	assert_regex "$stderr" "bad.jsonl: line 6: not JSON"
	sed '2s/"p_move":[0-9.e-]*/"p_move":1.5/' "$T/comp.jsonl" > "$T/range.jsonl"
	run --separate-stderr simrun --agent table --table "$T/range.jsonl" --run-id 0
	assert_equal "$status" 78
	assert_regex "$stderr" "range.jsonl: line 2: .*p_move"
	sed '1s/"key":"composition"/"key":"colour"/' "$T/comp.jsonl" > "$T/key.jsonl"
	run --separate-stderr simrun --agent table --table "$T/key.jsonl" --run-id 0
	assert_equal "$status" 78
	assert_regex "$stderr" "key.jsonl: line 1: .*\"key\""
	run --separate-stderr simrun --agent table --table "$T/none.jsonl" --run-id 0
	assert_equal "$status" 78
	assert_regex "$stderr" "none.jsonl: cannot read it"
}

@test "a table probed with another prompt template for the same name is refused" {
	start_fakellm --rule stochastic
	jq '.prompt_template |= sub("Reply with"; "Answer with")' \
	    "$ROOT/configs/scenarios/baseline.json" > "$T/baseline2.json"
	simprobe --llm-url "$URL" --key composition --method logprobs \
	    --scenario-file "$T/baseline2.json" --output "$T/comp.jsonl"
	run --separate-stderr simrun --agent table --table "$T/comp.jsonl" --run-id 0
	assert_equal "$status" 78
	assert_regex "$stderr" "comp.jsonl: probed with another prompt"
	run --separate-stderr simrun --agent table --table "$T/comp.jsonl" \
	    --scenario-file "$T/baseline2.json" --run-id 0 --no-steps
	assert_success
}

@test "--agent table without --table is a usage error" {
	run --separate-stderr simrun --agent table --run-id 0
	assert_equal "$status" 64
	assert_equal "$output" ""
	assert_regex "$stderr" "--agent table needs --table FILE"
}

@test "auto uses logprobs when the server gives them, Ollama's native API included" {
	start_fakellm --rule stochastic
	simprobe --llm-url "$URL" --key composition > "$T/auto.jsonl"
	run jq -r 'select(.event == "table") | .method' "$T/auto.jsonl"
	assert_output logprobs
	# Ollama >= 0.12.11 returns log-probs on /api/chat too
	run --separate-stderr simprobe --llm-api ollama --llm-url "$BASE/api/chat" \
	    --key composition --samples 2
	assert_success
	run jq -c 'select(.event == "table") | [.method, .fallbacks, .api]' <<< "$output"
	assert_output '["logprobs",0,"ollama"]'
	# a first token that starts neither MOVE nor STAY: auto samples instead, and says so
	start_fakellm --rule stochastic --reply-style punct
	run --separate-stderr simprobe --llm-url "$URL" --key composition --samples 2
	assert_success
	run jq -c 'select(.event == "table") | [.method, .samples, .fallbacks]' <<< "$output"
	assert_output '["samples",2,1]'
}

@test "simprobe exit codes: 69 refused, 75 gave up, 64 usage, 78 unknown scenario" {
	start_fakellm --rule stochastic
	run --separate-stderr simprobe --llm-url "$URL" --llm-model nope:1b --key composition \
	    --method samples
	assert_equal "$status" 69
	assert_regex "$stderr" "group A same 0 occupied 0: HTTP 404 .*model 'nope:1b' not found"
	run --separate-stderr simprobe --llm-url "http://127.0.0.1:$(closed_port)/v1/chat/completions" \
	    --key composition --llm-retries 1 --retry-base-ms 1 --retry-max-ms 2
	assert_equal "$status" 75
	run --separate-stderr simprobe --key colour
	assert_equal "$status" 64
	run --separate-stderr simprobe --shard 3/3
	assert_equal "$status" 64
	run --separate-stderr simprobe --resume
	assert_equal "$status" 64
	run --separate-stderr simprobe --scenario nosuch
	assert_equal "$status" 78
}
