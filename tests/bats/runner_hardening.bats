#!/usr/bin/env bats
# bin/llm_runner hardening (issue 13, the runner's half): awkward paths,
# damaged run files, runs of other parameters, run flags kept for a resume,
# moved experiments, the joblog, kill -9 and the lock, directories that
# cannot be created, parse failures, the closing line, config.json checks,
# and the circuit breaker for LLM server outages.

setup() {
	load helper
	cd "$BATS_TEST_TMPDIR"
	SMALL=(--grid-size 10 --num-type-a 40 --num-type-b 40)
	unset LLM_API_KEY PARALLEL
	# every awkward thing a path can hold: spaces, quotes, glob characters,
	# a leading dash, non-ASCII letters
	WEIRD=$'-my exps \'"[*]? ü'
}

teardown() {
	stop_fakellms
	[ -z "${HOLDER:-}" ] || kill "$HOLDER" 2>/dev/null || true
	# what a failed test left in the session it started
	[ -z "${SESSION:-}" ] || pkill -KILL -s "$SESSION" || true
}

# the newest experiment under DIR (default .)
latest_in() {
	local d
	d=$(ls -dt -- "${1:-.}"/experiments/* | head -n 1)
	echo "$d"
}

ids_of() {
	jq -r 'select(.event == "end") | "\(.run_id) \(.status)"' "$1"/runs/run_*.jsonl | sort -n
}

# --- 1. paths -----------------------------------------------------------

@test "paths: --output-dir, --resume and --list-experiments survive spaces, quotes, globs, a leading dash, non-ASCII" {
	# (timeout: before the fix, a leading dash made the runner loop forever)
	run --separate-stderr timeout 120 baseline_runner --runs 4 "${SMALL[@]}" --output-dir "$WEIRD"
	assert_success
	[ "$(ls -- "./$WEIRD"/experiments | wc -l)" -eq 1 ]
	dir=$(latest_in "./$WEIRD")
	run --separate-stderr baseline_runner --list-experiments --output-dir "$WEIRD"
	assert_success
	assert_output --regexp "^mechanical_baseline_[0-9_]+  4/4  \(complete\)$"
	# one run lost: resume runs that one only and leaves the others alone
	rm -- "$dir/runs/run_2.jsonl"
	touch -d '2001-01-01' -- "$dir"/runs/run_*.jsonl
	run --separate-stderr baseline_runner --list-experiments --output-dir "$WEIRD"
	assert_output --partial "3/4  (incomplete - can resume: baseline_runner --resume "
	[[ $stderr != *grep* ]]
	# the hint can be pasted back into a shell
	hint=${output#*can resume: baseline_runner --resume }
	hint=${hint%)}
	eval "back=$hint"
	[ "$back" -ef "$dir" ]
	run --separate-stderr baseline_runner --resume "$WEIRD/experiments/$(basename -- "$dir")"
	assert_success
	assert_line "Running 1 simulations sequentially..."
	run find "$dir/runs" -name 'run_*.jsonl' -newermt 2002-01-01 -printf '%f\n'
	assert_output run_2.jsonl
	run ids_of "$dir"
	assert_output "$(printf '0 ok\n1 ok\n2 ok\n3 ok')"
	[[ $stderr != *grep* ]]
}

@test "paths: --scenario-file, --llm-cache and the key file in awkward places, through a resume" {
	mkdir -- "$WEIRD"
	cp "$ROOT/configs/scenarios/baseline.json" "./$WEIRD/my scenario.json"
	printf 'sk-test\n' > "./$WEIRD/key file"
	# the server wants the key: the key file is read, on resume too
	export FAKELLM_API_KEY=sk-test
	start_fakellm --rule always-stay
	cd -- "$WEIRD"
	run --separate-stderr llm_runner --runs 3 --processes 1 "${SMALL[@]}" --max-steps 3 \
	    --llm-url "$URL" --scenario-file "my scenario.json" --temperature 0 \
	    --llm-cache "the cache.sqlite" --llm-api-key-file "key file" --output-dir "$WEIRD"
	assert_success
	dir=$(latest_in "./$WEIRD")
	[ -s "the cache.sqlite" ]
	run jq -r '.llm_cache, .llm_api_key_file' "$dir/config.json"
	assert_output "$(printf '%s\n%s' "$PWD/the cache.sqlite" "$PWD/key file")"
	rm -- "$dir/runs/run_1.jsonl"
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr llm_runner --resume "$WEIRD/$dir"
	assert_success
	assert_line "Running 1 simulations sequentially..."
	# the resumed run's decisions came from the cache
	run jq -s '[.[] | select(.event == "end")] | map(.cache_hits) | add > 0' -- "$WEIRD/$dir"/runs/run_1.jsonl
	assert_output true
}

@test "paths: --table in an awkward place, through a resume" {
	start_fakellm
	mkdir -- "$WEIRD"
	simprobe --key composition --method logprobs --llm-url "$URL" --output "$WEIRD/a table.jsonl" 2> /dev/null
	stop_fakellms
	run --separate-stderr llm_runner --agent table --table "$WEIRD/a table.jsonl" --runs 3 \
	    "${SMALL[@]}" --max-steps 20 --output-dir "$WEIRD"
	assert_success
	dir=$(latest_in "./$WEIRD")
	rm -- "$dir/runs/run_0.jsonl"
	run --separate-stderr llm_runner --resume "$dir"
	assert_success
	assert_line "Running 1 simulations sequentially..."
}

# --- 2. damaged run files --------------------------------------------------

@test "resume moves damaged run files aside (kept) and runs them again" {
	baseline_runner --runs 6 "${SMALL[@]}" > /dev/null 2>&1
	dir=$(latest_in)
	cp "$dir/runs/run_1.jsonl" whole1
	# cut inside the end line; a garbage line; empty; no end line; another
	# run's lines under this name
	head -c -40 "$dir/runs/run_1.jsonl" > cut && mv cut "$dir/runs/run_1.jsonl"
	sed -i '2s/.*/garbage/' "$dir/runs/run_2.jsonl"
	: > "$dir/runs/run_3.jsonl"
	head -n -1 "$dir/runs/run_4.jsonl" > cut && mv cut "$dir/runs/run_4.jsonl"
	cp "$dir/runs/run_0.jsonl" "$dir/runs/run_5.jsonl"
	# JSON in shape only, inside the file: only a full parse sees it
	sed -i '3s/.*/{"event":"step","run_id":0,oops}/' "$dir/runs/run_0.jsonl"
	run --separate-stderr baseline_runner --resume "$dir"
	assert_success
	assert_line "Running 6 simulations using $(( $(nproc) < 6 ? $(nproc) : 6 )) parallel processes..."
	assert_regex "$stderr" "run 0 was damaged \(a line is not JSON\)"
	assert_regex "$stderr" "run 1 was damaged \(a line is not JSON\); moved to runs/damaged/run_1.jsonl."
	assert_regex "$stderr" "run 2 was damaged \(a line is not JSON\)"
	assert_regex "$stderr" "run 3 was damaged \(the file is empty\)"
	assert_regex "$stderr" "run 4 was damaged \(no end line"
	assert_regex "$stderr" "run 5 was damaged \(no start line of run 5\)"
	[ "$(ls "$dir/runs/damaged" | wc -l)" -eq 6 ]
	run ids_of "$dir"
	assert_output "$(printf '%s ok\n' 0 1 2 3 4 5)"
	cmp whole1 "$dir/runs/run_1.jsonl"
	# and the next resume finds it whole (simagg would have said 65)
	run --separate-stderr baseline_runner --resume "$dir"
	assert_success
	assert_output --partial "All 6 runs of"
}

# --- 3. runs of other parameters ---------------------------------------------

@test "resume refuses runs whose parameters differ from config.json, naming the key" {
	baseline_runner --runs 4 "${SMALL[@]}" > /dev/null 2>&1
	dir=$(latest_in)
	rm "$dir/runs/run_3.jsonl"
	jq -c '.grid_size = 12' "$dir/config.json" > c && mv c "$dir/config.json"
	run --separate-stderr baseline_runner --resume "$dir"
	assert_equal "$status" 65
	assert_regex "$stderr" "runs/run_[0-2].jsonl was made with grid_size 10 but config.json says grid_size 12"
	[ ! -e "$dir/runs/run_3.jsonl" ]
	jq -c '.grid_size = 10 | .similarity_threshold = 0.6' "$dir/config.json" > c && mv c "$dir/config.json"
	run --separate-stderr baseline_runner --resume "$dir"
	assert_equal "$status" 65
	assert_regex "$stderr" "similarity_threshold 0.5 but config.json says similarity_threshold 0.6"
}

@test "resume refuses LLM runs of another model or scenario" {
	start_fakellm --rule always-stay
	llm_runner --runs 2 --processes 1 "${SMALL[@]}" --max-steps 2 --llm-url "$URL" > /dev/null 2>&1
	dir=$(latest_in)
	rm "$dir/runs/run_1.jsonl"
	jq -c '.context_info.type_a = "cats"' "$dir/config.json" > c && mv c "$dir/config.json"
	run --separate-stderr llm_runner --resume "$dir"
	assert_equal "$status" 65
	assert_regex "$stderr" "but config.json says type_a cats"
}

# --- 4. run flags kept ---------------------------------------------------------

@test "--no-steps lives in config.json and is applied again on resume" {
	baseline_runner --runs 3 "${SMALL[@]}" --no-steps > /dev/null 2>&1
	dir=$(latest_in)
	run jq -c '[.step_lines, .decision_log]' "$dir/config.json"
	assert_output '[false,false]'
	rm "$dir/runs/run_1.jsonl"
	run --separate-stderr baseline_runner --resume "$dir"
	assert_success
	run jq -s 'map(select(.event == "step")) | length' "$dir/runs/run_1.jsonl"
	assert_output 0
	# the flags come from config.json only
	run --separate-stderr baseline_runner --resume "$dir" --no-steps
	assert_equal "$status" 64
}

@test "--decision-log lives in config.json and is applied again on resume" {
	start_fakellm --rule always-stay
	llm_runner --runs 2 --processes 1 "${SMALL[@]}" --max-steps 2 --llm-url "$URL" --decision-log > /dev/null 2>&1
	dir=$(latest_in)
	run jq -c '[.step_lines, .decision_log]' "$dir/config.json"
	assert_output '[true,true]'
	rm "$dir/runs/run_1.jsonl"
	run --separate-stderr llm_runner --resume "$dir"
	assert_success
	run jq -s 'map(select(.event == "decision")) | length' "$dir/runs/run_1.jsonl"
	assert_output 160
}

# --- 5. a moved experiment -----------------------------------------------------

@test "a moved experiment resumes: paths inside it are relative; a missing scenario is not blamed on the server" {
	start_fakellm --rule always-stay
	llm_runner --runs 3 --processes 1 "${SMALL[@]}" --max-steps 2 --llm-url "$URL" > /dev/null 2>&1
	dir=$(latest_in)
	run jq -r '.scenario_file' "$dir/config.json"
	assert_output scenario.json
	mkdir elsewhere
	mv "$dir" "elsewhere/moved exp"
	rm "elsewhere/moved exp/runs/run_2.jsonl"
	run --separate-stderr llm_runner --resume "elsewhere/moved exp"
	assert_success
	assert_line "Running 1 simulations sequentially..."
	rm "elsewhere/moved exp/runs/run_2.jsonl" "elsewhere/moved exp/scenario.json"
	run --separate-stderr llm_runner --resume "elsewhere/moved exp"
	assert_equal "$status" 78
	assert_regex "$stderr" "scenario.json"
	[[ $stderr != *"LLM server"* ]]
}

# --- 6. the joblog ---------------------------------------------------------------

@test "the joblog is appended on resume, with a marker per attempt" {
	baseline_runner --runs 3 --batch-size 1 "${SMALL[@]}" > /dev/null 2>&1
	dir=$(latest_in)
	first=$(grep -c 'simrun' "$dir/joblog")
	rm "$dir/runs/run_0.jsonl"
	baseline_runner --resume "$dir" > /dev/null 2>&1
	run grep -c '^Seq' "$dir/joblog"
	assert_output 1
	run grep '^# attempt' "$dir/joblog"
	assert_line --index 0 --regexp '^# attempt 1: .*new experiment, 3 runs$'
	assert_line --index 1 --regexp '^# attempt 2: .*--resume, 1 runs$'
	[ "$(grep -c 'simrun' "$dir/joblog")" -eq $((first + 1)) ]
}

# --- 7. kill -9 of the runner, the lock ---------------------------------------

@test "kill -9 of the runner takes its jobs with it" {
	start_fakellm --latency-ms 20
	# its own session, so that only its processes are counted
	setsid llm_runner --runs 6 --processes 2 "${SMALL[@]}" --llm-url "$URL" > out 2> err &
	pid=$!
	for _ in $(seq 300); do
		pgrep -s "$pid" -f -- "simrun --config" > /dev/null && break
		sleep 0.05
	done
	pgrep -s "$pid" -f -- "simrun --config" > /dev/null
	kill -KILL "$pid"
	# bounded: the jobs have 10 s to go
	for _ in $(seq 100); do
		pgrep -s "$pid" > /dev/null || break
		sleep 0.1
	done
	run pgrep -s "$pid" -a
	assert_failure
	# and nothing holds the experiment any more
	flock -n "$(latest_in)/.lock" true
}

# --- 7b. SIGINT and SIGTERM at any point: bounded, 130/143, nothing left running ---

# runs of a few seconds each
BIG=(--grid-size 1000 --num-type-a 450000 --num-type-b 450000 --max-steps 50)

# wait_session SID PATTERN: until a process of session SID matches PATTERN,
# an extended regular expression of pgrep -f (15 s)
wait_session() {
	for _ in $(seq 300); do
		pgrep -s "$1" -f -- "$2" > /dev/null && return 0
		sleep 0.05
	done
	return 1
}

# how CMD ended: "exit N", or "signal N" when a signal killed it (a shell
# would say 128+N for both)
how_it_ended() {
	python3 -c 'import subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
print("signal %d" % -r if r < 0 else "exit %d" % r)' "$@"
}

@test "a signal in the runner's start: exit 130/143 (not killed), one line, nothing created" {
	local sig code
	for sig in INT:130 TERM:143; do
		code=${sig#*:}
		SIMTOOLS_TEST_SIGNAL=start:${sig%:*} run --separate-stderr \
			how_it_ended baseline_runner --runs 2 "${SMALL[@]}"
		assert_output "exit $code"
		assert_equal "$stderr" "baseline_runner: interrupted. Nothing was created."
		[ ! -e experiments ]
	done
}

@test "a signal after a job was started but before its pid was known ends that job: no run plays on" {
	# the signal comes right after the fork, before run_here records the pid
	SIMTOOLS_TEST_SIGNAL=job-forked:TERM setsid baseline_runner --runs 4 --processes 1 \
		"${BIG[@]}" > out 2> err &
	pid=$! SESSION=$!
	status=0
	wait "$pid" || status=$?
	assert_equal "$status" 143
	ended_session "$pid"
	run grep -c '^Interrupted: finished runs are kept. Resume with: baseline_runner --resume experiments/' err
	assert_output 1
	# the batch (runs 0-1, several seconds) was stopped at its start
	dir=$(latest_in)
	[ -z "$(ls "$dir/runs")" ]
	run baseline_runner --list-experiments
	assert_output --regexp "  0/4  \(incomplete"
}

@test "SIGTERM during the LLM check ends the check at once: 143, nothing created, no simrun left" {
	start_fakellm --latency-ms 60000
	setsid llm_runner --runs 2 "${SMALL[@]}" --llm-url "$URL" > out 2> err &
	pid=$! SESSION=$!
	wait_session "$pid" "simrun(_llm)? --check-llm"
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	assert_equal "$status" 143
	ended_session "$pid"
	run cat err
	assert_output "llm_runner: interrupted. Nothing was created."
	[ ! -e experiments ]
}

@test "resume refuses to start while the experiment is being run (a lock the kernel frees)" {
	baseline_runner --runs 3 "${SMALL[@]}" > /dev/null 2>&1
	dir=$(latest_in)
	rm "$dir/runs/run_0.jsonl"
	# a runner (or a job it left) holding the experiment's lock
	(exec 9>> "$dir/.lock" && flock 9 && exec sleep 60) &
	HOLDER=$!
	for _ in $(seq 100); do
		flock -n "$dir/.lock" true || break
		sleep 0.05
	done
	run --separate-stderr baseline_runner --resume "$dir"
	assert_equal "$status" 75
	assert_regex "$stderr" "is being run right now"
	run baseline_runner --list-experiments
	assert_output --regexp "  2/3  \(being run right now\)$"
	[ ! -e "$dir/runs/run_0.jsonl" ]
	kill "$HOLDER"
	wait "$HOLDER" || true
	run --separate-stderr baseline_runner --resume "$dir"
	assert_success
}

# --- 8. directories that cannot be created ----------------------------------------

@test "an experiment directory that cannot be created stops the runner at once" {
	echo "a file" > notadir
	run --separate-stderr timeout 30 baseline_runner --runs 2 "${SMALL[@]}" --output-dir notadir
	assert_equal "$status" 73
	assert_regex "$stderr" "cannot create the experiment directory"
	mkdir -p out/experiments
	chmod 500 out/experiments
	if ! touch out/experiments/probe 2> /dev/null; then
		run --separate-stderr timeout 30 baseline_runner --runs 2 "${SMALL[@]}" --output-dir out
		assert_equal "$status" 73
		assert_regex "$stderr" "cannot create the experiment directory"
	fi
	rm -f out/experiments/probe
	run --separate-stderr timeout 30 baseline_runner --runs 2 "${SMALL[@]}" --scenario a/b
	assert_equal "$status" 64
	assert_regex "$stderr" "--scenario takes a name"
	[ ! -e experiments ]
}

# --- 9. parse failures ---------------------------------------------------------

@test "the summary shows parse failures whenever there are any" {
	# the check gets its answer, then two replies of the runs are chatty
	start_fakellm --fault-first 3 --faults none,chatty,chatty
	run --separate-stderr llm_runner --runs 2 --processes 1 "${SMALL[@]}" --max-steps 2 \
	    --llm-url "$URL" --parse-retries 0
	assert_line --regexp '^Parse failures: [1-9][0-9]* \([0-9.]+% of [0-9]+ LLM calls\), taken as STAY$'
	stop_fakellms
	start_fakellm
	run --separate-stderr llm_runner --runs 2 --processes 1 "${SMALL[@]}" --max-steps 2 --llm-url "$URL"
	assert_success
	refute_line --partial "Parse failures"
}

# --- 10. the closing line ----------------------------------------------------------

@test "the closing line says when runs failed or the experiment was interrupted" {
	start_fakellm --fault-first 2 --faults none,500
	run --separate-stderr llm_runner --runs 3 --processes 1 "${SMALL[@]}" --max-steps 3 --llm-url "$URL" --llm-retries 0
	assert_equal "$status" 75
	assert_line --regexp '^Experiment finished with 1 failed runs\. Results saved to: experiments/'
	refute_line --partial "Experiment completed"
	stop_fakellms
	start_fakellm --latency-ms 5
	llm_runner --runs 8 --processes 1 "${SMALL[@]}" --llm-url "$URL" > term.out 2> term.err &
	pid=$!
	wait_run_files 4 || true
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	assert_equal "$status" 143
	run grep -c '^Experiment interrupted\. Results so far saved to: ' term.out
	assert_output 1
	run grep -c 'Experiment completed' term.out
	assert_output 0
}

# --- 11./12. config.json and flags ---------------------------------------------

@test "a bad config.json gives one clear line and exit 78 on resume" {
	baseline_runner --runs 2 "${SMALL[@]}" > /dev/null 2>&1
	dir=$(latest_in)
	cp "$dir/config.json" good.json
	for bad in '"abc"' '-3' '0' '2.5' '100000001' 'null'; do
		jq -c ".n_runs = $bad" good.json > "$dir/config.json"
		run --separate-stderr baseline_runner --resume "$dir"
		assert_equal "$status" 78
		assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
		assert_regex "$stderr" "n_runs must be a whole number from 1 to 100000000"
		[ -z "$output" ]
	done
	head -c 50 good.json > "$dir/config.json"
	run --separate-stderr baseline_runner --resume "$dir"
	assert_equal "$status" 78
	assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
	assert_regex "$stderr" "config.json is not a JSON object"
	jq -c '.grid_size = "big"' good.json > "$dir/config.json"
	run --separate-stderr baseline_runner --resume "$dir"
	assert_equal "$status" 78
	assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
	assert_regex "$stderr" 'grid_size'
	jq -c '.agent = 7' good.json > "$dir/config.json"
	run --separate-stderr baseline_runner --resume "$dir"
	assert_equal "$status" 78
	assert_regex "$stderr" 'agent must be mechanical, llm, table or utility'
}

@test "--runs has simcfg's cap, named; a bad --llm-slots is a usage error, not the server's" {
	run --separate-stderr baseline_runner --runs 100000001
	assert_equal "$status" 64
	assert_regex "$stderr" "--runs must be a whole number from 1 to 100000000, not '100000001'"
	start_fakellm
	run --separate-stderr llm_runner --runs 2 "${SMALL[@]}" --llm-url "$URL" --llm-slots abc
	assert_equal "$status" 64
	assert_regex "$stderr" "llm-slots"
	[[ $stderr != *"not usable"* ]]
	[ ! -e experiments ]
}

# --- 16. the circuit breaker ----------------------------------------------------------

# kill the fake server (its pid from the helper's list)
kill_fakellm() {
	while read -r p; do kill "$p" 2>/dev/null || true; done < "$BATS_TEST_TMPDIR/pids"
	rm -f "$BATS_TEST_TMPDIR/pids"
}

@test "an LLM server outage: the runner waits and probes, then goes on when the server is back" {
	start_fakellm --latency-ms 2
	port=${BASE##*:}
	llm_runner --runs 6 --processes 1 "${SMALL[@]}" --llm-url "$URL" --llm-retries 0 \
	    --llm-outage-wait 60s > out 2> err &
	pid=$!
	wait_run_files 2 || true
	kill_fakellm
	for _ in $(seq 300); do
		grep -q 'waiting .* of 01:00 (--llm-outage-wait)' err && break
		sleep 0.1
	done
	run grep -c 'LLM server unreachable: waiting' err
	[ "$output" -ge 1 ]
	start_fakellm --latency-ms 2 --port "$port"
	status=0
	wait "$pid" || status=$?
	assert_equal "$status" 0
	run grep -c '^Total runs: 6$' out
	assert_output 1
	run grep -c 'LLM server back' err
	assert_output 1
	dir=$(latest_in)
	run ids_of "$dir"
	assert_output "$(printf '%s ok\n' 0 1 2 3 4 5)"
}

@test "an LLM server outage longer than --llm-outage-wait stops the queue with a resume hint" {
	start_fakellm --latency-ms 2
	llm_runner --runs 8 --processes 1 "${SMALL[@]}" --llm-url "$URL" --llm-retries 0 \
	    --llm-outage-wait 2s > out 2> err &
	pid=$!
	wait_run_files 2 || true
	kill_fakellm
	status=0
	wait "$pid" || status=$?
	assert_equal "$status" 75
	run grep -c 'did not come back within 00:02; stopping. Resume with: llm_runner --resume' err
	assert_output 1
	dir=$(latest_in)
	# the runs after the outage were not started, so not failed: at most
	# the one that met the outage failed
	run bash -c "jq -r 'select(.event == \"end\" and .status != \"ok\") | .run_id' '$dir'/runs/run_*.jsonl | wc -l"
	[ "$output" -le 1 ]
	[ "$(ls "$dir"/runs/run_*.jsonl | wc -l)" -lt 8 ]
	run --separate-stderr llm_runner --resume "$dir" --llm-outage-wait nonsense
	assert_equal "$status" 64
}

# --- 9. a full disk ---------------------------------------------------------------

@test "a full disk: exit 74 and one line to free space and resume; the resume then completes it" {
	mkdir -p full
	if ! mount -t tmpfs -o size=128k tmpfs full 2>/dev/null; then
		skip "mounting a small tmpfs needs root (CAP_SYS_ADMIN)"
	fi
	start_fakellm
	run --separate-stderr llm_runner --runs 20 "${SMALL[@]}" --llm-url "$URL" --output-dir full
	status_full=$status
	stderr_full=$stderr
	dir=$(latest_in full)
	# free space: the file system grows
	mount -o remount,size=8m full
	run --separate-stderr llm_runner --resume "$dir"
	status_resume=$status
	run ids_of "$dir"
	ids=$output
	umount full
	[ "$status_full" -eq 74 ] || fail "exit $status_full: $stderr_full"
	run grep -c "free space, then complete it with: llm_runner --resume $dir\$" <<< "$stderr_full"
	assert_output 1
	run grep -c 'No space left on device' <<< "$stderr_full"
	[ "$output" -ge 1 ] && [ "$output" -le 3 ]
	assert_equal "$status_resume" 0
	assert_equal "$ids" "$(for i in $(seq 0 19); do echo "$i ok"; done)"
}
