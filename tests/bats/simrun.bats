#!/usr/bin/env bats
# simrun's command line: output contract, reproducibility, bad input.

setup() {
	load helper
	SMALL=(--grid-size 10 --num-type-a 40 --num-type-b 40)
}

@test "--help and --version print to stdout and exit 0" {
	run --separate-stderr simrun --help
	assert_success
	assert_output --partial "usage: simrun"
	assert_output --partial "--similarity-threshold"
	run --separate-stderr simrun --version
	assert_success
	assert_output --regexp '^simrun [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "every line is JSON with event and run_id; one start and one end per run" {
	simrun "${SMALL[@]}" --run-id 0-2 > "$BATS_TEST_TMPDIR/out"
	run jq -e -s 'all(has("event") and has("run_id"))' "$BATS_TEST_TMPDIR/out"
	assert_success
	run jq -r 'select(.event != "step") | "\(.event) \(.run_id)"' "$BATS_TEST_TMPDIR/out"
	assert_output "$(printf 'start 0\nend 0\nstart 1\nend 1\nstart 2\nend 2')"
}

@test "start line carries the parameters, the initial metrics and the grid" {
	run jq -c 'select(.event == "start")
	    | [.seed, .grid_size, .num_type_a, .num_type_b, .agent,
	       (.initial | keys | length), (.grid | length),
	       (.grid | [scan("A")] | length), (.grid | [scan("B")] | length),
	       (.grid | test("^[.AB]+$"))]' \
	    < <(simrun --grid-size 12 --num-type-a 50 --num-type-b 40 --seed 3 --run-id 4)
	assert_success
	assert_output '[3,12,50,40,"mechanical",7,144,50,40,true]'
}

@test "step lines number n_steps, and the last K have no move" {
	simrun "${SMALL[@]}" --run-id 0-19 --no-move-threshold 5 > "$BATS_TEST_TMPDIR/out"
	run jq -e -s 'group_by(.run_id) | all(
	    (map(select(.event == "step")) ) as $steps
	    | (map(select(.event == "end"))[0]) as $e
	    | ($steps | length) == $e.n_steps
	      and $e.n_steps == $e.final_step + 1
	      and ($steps | map(.step)) == [range(0; $e.n_steps)]
	      and $e.converged and $e.stop_reason == "converged"
	      and $e.final_step == $e.convergence_step + 4
	      and ($steps[-5:] | all(.moves == 0))
	      and ($e.convergence_step == 0 or $steps[$e.convergence_step - 1].moves > 0)
	      and ($steps | all(.decisions == 80)))' "$BATS_TEST_TMPDIR/out"
	assert_success
}

@test "the end metrics equal the last step's metrics" {
	run jq -e -s '(map(select(.event == "step")) | last) as $s
	    | (map(select(.event == "end"))[0].metrics) as $m
	    | all($m | keys[]; $m[.] == $s[.])' < <(simrun "${SMALL[@]}" --run-id 3)
	assert_success
}

@test "a capped run stops at max_steps with converged false" {
	run jq -c 'select(.event == "end")
	    | [.converged, .convergence_step, .final_step, .n_steps, .stop_reason]' \
	    < <(simrun "${SMALL[@]}" --similarity-threshold 1 --max-steps 3 --run-id 0)
	assert_success
	assert_output '[false,null,2,3,"max_steps"]'
}

@test "a run's lines do not depend on the other runs in the list or their order" {
	simrun "${SMALL[@]}" --seed 11 --run-id 7 > "$BATS_TEST_TMPDIR/alone"
	simrun "${SMALL[@]}" --seed 11 --run-id 9,7,3 > "$BATS_TEST_TMPDIR/list"
	simrun "${SMALL[@]}" --seed 11 --run-id 0-9 > "$BATS_TEST_TMPDIR/range"
	run cmp "$BATS_TEST_TMPDIR/alone" <(jq -c 'select(.run_id == 7)' "$BATS_TEST_TMPDIR/list")
	assert_success
	run cmp "$BATS_TEST_TMPDIR/alone" <(jq -c 'select(.run_id == 7)' "$BATS_TEST_TMPDIR/range")
	assert_success
}

@test "output is byte-identical to the stored fixture (any machine, any day)" {
	run cmp "$ROOT/tests/fixtures/simrun-end-10x10-seed2026-runs0-4.jsonl" \
	    <(simrun "${SMALL[@]}" --seed 2026 --run-id 0-4 --no-steps | grep '"event":"end"')
	assert_success
}

@test "the seed changes the runs; --no-steps drops only the step lines" {
	run cmp <(simrun "${SMALL[@]}" --seed 1 --run-id 0) <(simrun "${SMALL[@]}" --seed 2 --run-id 0)
	assert_failure
	# the start line says which (no_steps), the rest is the same
	run cmp <(simrun "${SMALL[@]}" --run-id 0-3 --no-steps | sed 's/"no_steps":true,//') \
	    <(simrun "${SMALL[@]}" --run-id 0-3 | grep -v '"event":"step"' | sed 's/"no_steps":false,//')
	assert_success
}

@test "--config reads parameters and flags override it" {
	printf '{"grid_size": 8, "num_type_a": 20, "num_type_b": 25, "seed": 5, "n_processes": 2}\n' \
	    > "$BATS_TEST_TMPDIR/cfg.json"
	run jq -c 'select(.event == "start") | [.grid_size, .num_type_a, .num_type_b, .seed]' \
	    < <(simrun --config "$BATS_TEST_TMPDIR/cfg.json" --run-id 0)
	assert_output '[8,20,25,5]'
	run jq -c 'select(.event == "start") | [.grid_size, .num_type_a, .seed]' \
	    < <(simrun --num-type-a 10 --config "$BATS_TEST_TMPDIR/cfg.json" --run-id 0)
	assert_output '[8,10,5]'
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

@test "bad sizes and counts are usage errors (64)" {
	bad_usage 64 --grid-size 0 --run-id 0
	assert_regex "$stderr" 'grid-size must be a whole number from 1 to 4096, not 0'
	bad_usage 64 --grid-size -4 --run-id 0
	bad_usage 64 --num-type-a -1 --run-id 0
	bad_usage 64 --num-type-b abc --run-id 0
	bad_usage 64 --similarity-threshold 2 --run-id 0
	bad_usage 64 --max-steps 0 --run-id 0
	bad_usage 64 --grid-size 5 --num-type-a 20 --num-type-b 6 --run-id 0
	assert_regex "$stderr" '26 agents do not fit on a 5x5 grid'
}

@test "unknown flags, stray arguments and malformed run ids are usage errors (64)" {
	bad_usage 64 --run-id 0 --frobnicate
	assert_regex "$stderr" "unknown option --frobnicate"
	bad_usage 64 --run-id 0 extra
	bad_usage 64 --run-id
	bad_usage 64 --grid-size 10
	assert_regex "$stderr" 'run-id is required'
	for ids in "" "-1" "5-3" "1,,2" "a" "1-2-3" "3,"; do
		bad_usage 64 --run-id "$ids"
		assert_regex "$stderr" 'run-id wants N, N-M or a comma list'
	done
	bad_usage 64 --agent quantum --run-id 0
}

@test "unreadable, malformed or mistyped config files are config errors (78)" {
	bad_usage 78 --config "$BATS_TEST_TMPDIR/missing.json" --run-id 0
	assert_regex "$stderr" 'missing.json'
	printf '{"grid_size": 10,\n "num_type_a": }\n' > "$BATS_TEST_TMPDIR/broken.json"
	bad_usage 78 --config "$BATS_TEST_TMPDIR/broken.json" --run-id 0
	assert_regex "$stderr" 'broken.json:2:'
	printf '[1, 2]\n' > "$BATS_TEST_TMPDIR/array.json"
	bad_usage 78 --config "$BATS_TEST_TMPDIR/array.json" --run-id 0
	assert_regex "$stderr" 'must be a JSON object'
	printf '{"grid_size": "10"}\n' > "$BATS_TEST_TMPDIR/typed.json"
	bad_usage 78 --config "$BATS_TEST_TMPDIR/typed.json" --run-id 0
	assert_regex "$stderr" '"grid_size" must be a whole number from 1 to 4096'
	printf '{"grid_size": 0}\n' > "$BATS_TEST_TMPDIR/zero.json"
	bad_usage 78 --config "$BATS_TEST_TMPDIR/zero.json" --run-id 0
}

@test "a failed write is reported and exits 74" {
	run --separate-stderr bash -c 'simrun --run-id 0-5 --grid-size 10 \
	    --num-type-a 40 --num-type-b 40 > /dev/full'
	assert_equal "$status" 74
	assert_regex "$stderr" 'writing the results'
}

@test "output pipes into jq" {
	run bash -c "simrun --run-id 0-9 --grid-size 10 --num-type-a 40 --num-type-b 40 \
	    | jq -s '[.[] | select(.event == \"end\")] | length'"
	assert_success
	assert_output 10
}

@test "--output-dir: one complete file per run, a done line each, nothing half-written" {
	out=$BATS_TEST_TMPDIR/runs
	mkdir "$out"
	run --separate-stderr simrun --grid-size 10 --num-type-a 40 --num-type-b 40 --run-id 3,5 --output-dir "$out"
	assert_success
	assert_output "$(printf '{"event":"done","run_id":3,"status":"ok"}\n{"event":"done","run_id":5,"status":"ok"}')"
	run cmp "$out/run_5.jsonl" <(simrun --grid-size 10 --num-type-a 40 --num-type-b 40 --run-id 5)
	assert_success
	# a second writer replaces the file whole
	simrun --grid-size 10 --num-type-a 40 --num-type-b 40 --run-id 5 --output-dir "$out" > /dev/null
	run cmp "$out/run_5.jsonl" <(simrun --grid-size 10 --num-type-a 40 --num-type-b 40 --run-id 5)
	assert_success
	run ls -A "$out"
	assert_output "$(printf 'run_3.jsonl\nrun_5.jsonl')"
	run --separate-stderr simrun --run-id 0 --output-dir "$BATS_TEST_TMPDIR/absent"
	assert_equal "$status" 73
	assert_regex "$stderr" "cannot create .*absent/run_0.jsonl"
}

# issue 19, item 4: the release build's link, whatever SIM_BIN_DIR says
@test "a mechanical simrun loads no LLM client (libcurl, SQLite); LLM agents go to simrun_llm, which does" {
	run --separate-stderr env LD_DEBUG=libs "$ROOT/bin/simrun" --grid-size 6 --num-type-a 10 --num-type-b 10 --run-id 0
	assert_success
	assert_regex "$stderr" "calling init: .*libjansson"
	refute_regex "$stderr" "libcurl|libsqlite3|libssl|libgssapi|libldap"
	run --separate-stderr env LD_DEBUG=libs "$ROOT/bin/simrun" --check-llm \
	    --llm-url "http://127.0.0.1:$(closed_port)/v1/chat/completions"
	assert_equal "$status" 69
	assert_regex "$stderr" "calling init: .*libcurl"
	assert_regex "$stderr" "simrun: LLM check failed: cannot connect"
}

@test "simrun without simrun_llm next to it: mechanical runs as ever, LLM agents exit 69 naming what is missing" {
	cp "$ROOT/bin/simrun" "$BATS_TEST_TMPDIR/simrun"
	run cmp <("$BATS_TEST_TMPDIR/simrun" --run-id 0-2) <("$ROOT/bin/simrun" --run-id 0-2)
	assert_success
	run --separate-stderr "$BATS_TEST_TMPDIR/simrun" --agent llm --run-id 0
	assert_equal "$status" 69
	assert_equal "$output" ""
	assert_equal "$stderr" "simrun: cannot start $BATS_TEST_TMPDIR/simrun_llm: No such file or directory; it is installed with this program (make install)"
	# usage errors stay the parser's, before any exec
	run --separate-stderr "$BATS_TEST_TMPDIR/simrun" --agent llm --run-id 0 --grid=5
	assert_equal "$status" 64
}
