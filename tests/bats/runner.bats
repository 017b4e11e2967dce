#!/usr/bin/env bats
# bin/llm_runner and bin/baseline_runner: the seed's --processes rules,
# experiments, failures, resume, progress.

setup() {
	load helper
	cd "$BATS_TEST_TMPDIR"
	CPUS=$(nproc)
	SMALL=(--grid-size 10 --num-type-a 40 --num-type-b 40)
	unset LLM_API_KEY PARALLEL
}

teardown() {
	stop_fakellms
}

# the newest experiment
latest() {
	ls -dt "$BATS_TEST_TMPDIR"/experiments/* | head -n 1
}

@test "--processes by default is min(cpu count, runs)" {
	run --separate-stderr baseline_runner --runs 1 "${SMALL[@]}"
	assert_success
	assert_line "Running 1 simulations sequentially..."
	[[ $stderr != *Warning* ]]
	run --separate-stderr baseline_runner --runs 20 "${SMALL[@]}"
	assert_success
	if [ "$CPUS" -gt 1 ]; then
		assert_line "Running 20 simulations using $CPUS parallel processes..."
	else
		assert_line "Running 20 simulations sequentially..."
	fi
	run jq -c '[.n_processes, .n_processes_requested, .cpu_count, .parallel_execution]' "$(latest)/config.json"
	assert_output "[$CPUS,null,$CPUS,$([ "$CPUS" -gt 1 ] && echo true || echo false)]"
}

@test "more processes than cores: a warning, capped at the cores" {
	run --separate-stderr baseline_runner --runs 40 --processes 39 "${SMALL[@]}"
	assert_success
	assert_regex "$stderr" "Warning: Requested 39 processes but only $CPUS CPU cores available\."
	[[ $stderr != *"runs to execute"* ]]
	assert_line --partial "Running 40 simulations "
	run jq -c '[.n_processes, .n_processes_requested]' "$(latest)/config.json"
	assert_output "[$CPUS,39]"
}

@test "more processes than runs: a warning, capped at the runs; both caps apply" {
	run --separate-stderr baseline_runner --runs 1 --processes "$CPUS" "${SMALL[@]}"
	assert_success
	if [ "$CPUS" -gt 1 ]; then
		assert_regex "$stderr" "Warning: Requested $CPUS processes but only 1 runs to execute\."
	fi
	assert_line "Running 1 simulations sequentially..."
	run --separate-stderr baseline_runner --runs 1 --processes 99 "${SMALL[@]}"
	assert_success
	assert_regex "$stderr" "Requested 99 processes but only $CPUS CPU cores available"
	assert_regex "$stderr" "Requested 99 processes but only 1 runs to execute"
	assert_line "Running 1 simulations sequentially..."
}

@test "--processes 1 runs sequentially" {
	run --separate-stderr baseline_runner --runs 6 --processes 1 "${SMALL[@]}"
	assert_success
	assert_line "Running 6 simulations sequentially..."
	[[ $stderr != *Warning* ]]
	run jq -c '[.n_processes, .parallel_execution]' "$(latest)/config.json"
	assert_output '[1,false]'
	# no job started before the one before it had ended
	run awk 'NR > 2 && $3 < end - 0.002 { overlap++ } NR > 1 { end = $3 + $4 }
	    END { print (NR > 1), overlap + 0 }' "$(latest)/joblog"
	assert_output "1 0"
}

@test "invalid --processes values warn and run sequentially" {
	for p in 0 -2 abc "" +1 50% 1.5 " 2"; do
		run --separate-stderr baseline_runner --runs 4 --processes "$p" "${SMALL[@]}"
		assert_success
		[[ $stderr == *"Warning: Invalid number of processes ($p). Using 1 process (sequential)."* ]]
		assert_line "Running 4 simulations sequentially..."
	done
	run jq -c '[.n_processes, .n_processes_requested]' "$(latest)/config.json"
	assert_output '[1," 2"]'
}

@test "config.json records every parameter, never the key" {
	start_fakellm
	LLM_API_KEY=sk-never-0123456789 run --separate-stderr llm_runner --runs 2 --processes 2 \
	    "${SMALL[@]}" --llm-url "$URL" --scenario income_high_low --temperature 0 --seed 42 --max-steps 50
	assert_success
	dir=$(latest)
	[[ $(basename "$dir") =~ ^llm_income_high_low_[0-9]{8}_[0-9]{6}$ ]]
	run jq -c '[.n_runs, .grid_size, .num_type_a, .num_type_b, .similarity_threshold,
	    .no_move_threshold, .max_steps, .seed, .agent, .scenario, .context_info.type_a,
	    .context_info.type_b, (.context_info.prompt_template | endswith("{context}")),
	    .llm_model, .llm_url == $url, .temperature, .parallel_execution, .n_processes,
	    .n_processes_requested, .cpu_count > 0, .version != null, (.timestamp | test("Z$"))]' \
	    --arg url "$URL" "$dir/config.json"
	assert_output '[2,10,40,40,0.5,5,50,42,"llm","income_high_low","high-income household","low-income household",true,"llama3.1:8b",true,0,'"$([ "$CPUS" -gt 1 ] && echo true || echo false)"','"$((CPUS < 2 ? CPUS : 2))"',2,true,true,true]'
	run grep -rl 0123456789 "$dir"
	assert_failure
}

@test "the summary: the seed's lines, and the files for pandas and R" {
	run --separate-stderr baseline_runner --runs 12 "${SMALL[@]}"
	assert_success
	dir=$(latest)
	assert_line "Experiment completed. Results saved to: experiments/$(basename "$dir")"
	assert_line "Total runs: 12"
	assert_line --regexp '^Converged runs: [0-9]+$'
	assert_line --regexp '^Average convergence step: [0-9]+\.[0-9]{2}$'
	assert_file_exists "$dir/summary.json"
	assert_file_exists "$dir/run_summary.csv"
	assert_file_exists "$dir/metrics_history.csv"
	assert_file_exists "$dir/joblog"
	run bash -c "ls $dir/runs | wc -l"
	assert_output 12
	run bash -c "find $dir -name '*.tmp' | wc -l"
	assert_output 0
}

@test "--processes 1 and --processes 2 give byte-identical run files" {
	baseline_runner --runs 16 --processes 1 --seed 9 "${SMALL[@]}" > /dev/null 2>&1
	one=$(latest)
	sleep 1
	baseline_runner --runs 16 --processes 2 --seed 9 --batch-size 3 "${SMALL[@]}" > /dev/null 2>&1
	two=$(latest)
	[ "$one" != "$two" ]
	run diff -r "$one/runs" "$two/runs"
	assert_success
	run diff <(cut -d, -f1-22 "$one/run_summary.csv") <(cut -d, -f1-22 "$two/run_summary.csv")
	assert_success
}

@test "progress off a terminal: plain lines, no carriage returns" {
	run --separate-stderr baseline_runner --runs 8 "${SMALL[@]}"
	assert_success
	[[ $stderr != *$'\r'* ]]
	run grep -c '^\[run-progress\] scenario=baseline done=[0-9]* total=8 failed=0 elapsed_s=[0-9.]* eta_s=[0-9.]* procs=[0-9]*$' <<< "$stderr"
	assert_output 8
}

@test "the user's PARALLEL and ~/.parallel cannot change the experiment" {
	mkdir -p home/.parallel
	echo '--dry-run' > home/.parallel/config
	HOME=$BATS_TEST_TMPDIR/home PARALLEL='--dry-run --tag' run --separate-stderr \
	    baseline_runner --runs 6 "${SMALL[@]}"
	assert_success
	assert_line "Total runs: 6"
	run bash -c "ls $(latest)/runs | wc -l"
	assert_output 6
}

@test "an unreachable LLM server stops the runner before anything is created" {
	run --separate-stderr llm_runner --runs 3 "${SMALL[@]}" \
	    --llm-url "http://127.0.0.1:$(closed_port)/v1/chat/completions"
	assert_equal "$status" 69
	assert_regex "$stderr" "cannot connect"
	assert_regex "$stderr" "Nothing was created"
	[ ! -e experiments ]
	start_fakellm
	run --separate-stderr llm_runner --runs 3 "${SMALL[@]}" --llm-url "$URL" --llm-model missing:1b
	assert_equal "$status" 69
	assert_regex "$stderr" "model 'missing:1b' not found"
	[ ! -e experiments ]
}

@test "bad flags are refused before anything is created" {
	run --separate-stderr baseline_runner --runs 3 --grid-size 0
	assert_equal "$status" 64
	assert_regex "$stderr" "^baseline_runner: --grid-size must be a whole number from 1 to 4096"
	run --separate-stderr baseline_runner --runs abc
	assert_equal "$status" 64
	run --separate-stderr baseline_runner --frobnicate 1
	assert_equal "$status" 64
	run --separate-stderr llm_runner --llm-api-key sk-123
	assert_equal "$status" 64
	[ ! -e experiments ]
}

@test "a failed run never stops the others; it is counted, and resume finishes it" {
	# the check gets its answer, run 0's first request a 500 it may
	# not retry: run 0 fails
	start_fakellm --fault-first 2 --faults none,500
	run --separate-stderr llm_runner --runs 4 --processes 1 "${SMALL[@]}" --llm-url "$URL" --llm-retries 0
	assert_equal "$status" 75
	assert_line "Total runs: 4"
	assert_line "Failed runs: 1"
	assert_regex "$stderr" "Resume with: llm_runner --resume experiments/"
	dir=$(latest)
	run jq -c 'select(.event == "end") | [.run_id, .status]' "$dir"/runs/run_*.jsonl
	assert_output "$(printf '[0,"failed"]\n[1,"ok"]\n[2,"ok"]\n[3,"ok"]')"
	run --separate-stderr llm_runner --resume "experiments/$(basename "$dir")"
	assert_success
	assert_line "Running 1 simulations sequentially..."
	assert_line "Total runs: 4"
	refute_line --partial "Failed runs"
}

@test "resume after SIGKILL halfway gives the summary of an uninterrupted experiment" {
	start_fakellm --latency-ms 1
	setsid llm_runner --runs 6 --processes 2 --seed 5 "${SMALL[@]}" --llm-url "$URL" \
	    > killed.out 2> killed.err &
	pid=$!
	wait_run_files 2 || true
	# the whole experiment: GNU parallel gives each job its own group
	pkill -KILL -s "$pid"
	wait "$pid" || true
	killed=$(latest)
	finished=$(ls "$killed"/runs/run_*.jsonl | wc -l)
	[ "$finished" -ge 2 ] && [ "$finished" -lt 6 ]
	run llm_runner --list-experiments
	assert_output --regexp "$(basename "$killed")  $finished/6  \(incomplete - can resume"
	run --separate-stderr llm_runner --resume "$killed"
	assert_success
	assert_line "Running $((6 - finished)) simulations using 2 parallel processes..."
	sleep 1
	llm_runner --runs 6 --processes 2 --seed 5 "${SMALL[@]}" --llm-url "$URL" > /dev/null 2>&1
	whole=$(latest)
	# all but the wall-clock response times
	run diff <(jq -S 'del(.experiment, .avg_llm_response_time_s)' "$killed/summary.json") \
	    <(jq -S 'del(.experiment, .avg_llm_response_time_s)' "$whole/summary.json")
	assert_success
	run diff <(cut -d, -f1-22 "$killed/run_summary.csv") <(cut -d, -f1-22 "$whole/run_summary.csv")
	assert_success
	run llm_runner --list-experiments
	assert_output --regexp "$(basename "$killed")  6/6  \(complete\)"
}

@test "SIGTERM stops the jobs, keeps finished runs and says how to resume" {
	start_fakellm --latency-ms 2
	llm_runner --runs 8 --processes 2 "${SMALL[@]}" --llm-url "$URL" > term.out 2> term.err &
	pid=$!
	wait_run_files 1 || true
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	assert_equal "$status" 143
	run grep -c "Resume with: llm_runner --resume" term.err
	assert_output 1
	dir=$(latest)
	run bash -c "find $dir -name '*.tmp' | wc -l"
	assert_output 0
	run jq -s -e 'map(select(.event == "end")) | all(.status == "ok")' "$dir"/runs/run_*.jsonl
	assert_success
	sleep 0.5
	run curl -s "$BASE/stats"
	run jq -e '.in_flight == 0' <<< "$output"
	assert_success
}

@test "the seed's example commands work as bin/llm_runner" {
	start_fakellm --port 11434 --rule always-stay
	[ "$BASE" = "http://127.0.0.1:11434" ] || fail "port 11434 is taken; the seed's examples need it"
	run --separate-stderr llm_runner --runs 20 --processes 8
	assert_success
	assert_line "Running 20 simulations using $CPUS parallel processes..."
	assert_regex "$stderr" "Requested 8 processes but only $CPUS CPU cores available"
	assert_line "Total runs: 20"
	assert_line "Converged runs: 20"
	assert_line "Average convergence step: 0.00"
	assert_line --regexp '^Average LLM calls per run: 1600\.0$'
	assert_line --regexp '^Average LLM response time: [0-9]+\.[0-9]{3}s$'
	run --separate-stderr llm_runner --runs 5 --processes 1 --max-steps 100
	assert_success
	assert_line "Running 5 simulations sequentially..."
	run --separate-stderr llm_runner --runs 30 --processes 4 --llm-model llama3.1:8b --scenario conflict
	assert_success
	assert_line --partial "Results saved to: experiments/llm_conflict_"
}

@test "progress on a terminal: a live bar in the seed's format" {
	# script(1) gives the runner a terminal
	script -qec "baseline_runner --runs 12 --batch-size 1 ${SMALL[*]}" /dev/null > tty.out
	run bash -c "tr '\r' '\n' < tty.out | grep -a 'Running baseline simulations' | tail -n 1"
	assert_output --regexp '^Running baseline simulations: 100%\|████████\| 12/12 \[[0-9]{2}:[0-9]{2}<00:00, +[0-9.]+(it/s|s/it)\]'
	run grep -c $'\r' tty.out
	[ "$output" -ge 2 ]
	run grep -a -c '^\[run-progress\]' tty.out
	assert_output 0
}

@test "--agent table runs a decision table through the runner, no server needed" {
	start_fakellm
	simprobe --key composition --method logprobs --llm-url "$URL" --output table.jsonl 2> /dev/null
	stop_fakellms
	run --separate-stderr llm_runner --agent table --table table.jsonl --runs 6 --processes 1 \
	    "${SMALL[@]}" --max-steps 30
	assert_success
	assert_line "Running 6 simulations sequentially..."
	one=$(latest)
	[[ $(basename "$one") =~ ^table_baseline_ ]]
	sleep 1
	run --separate-stderr llm_runner --agent table --table table.jsonl --runs 6 --processes 2 \
	    "${SMALL[@]}" --max-steps 30
	assert_success
	run diff -r "$one/runs" "$(latest)/runs"
	assert_success
	run jq -c '[.agent, (.table | endswith("/table.jsonl"))]' "$one/config.json"
	assert_output '["table",true]'
}
