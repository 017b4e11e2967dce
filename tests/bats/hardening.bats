#!/usr/bin/env bats
# Issue 13, the C programs' side: parameters in the start line, no silent
# mixing, parse failures that fail a run, exit codes that mean one thing,
# messages that do not contradict themselves, one number grammar, exact
# flag names, bounded input, corrupted caches.

setup() {
	load helper
	SMALL=(--grid-size 6 --num-type-a 10 --num-type-b 10)
	T=$BATS_TEST_TMPDIR
	unset LLM_API_KEY
}

teardown() {
	stop_fakellms
}

# --- item 3: every parameter in the start line; simagg never mixes ----------

@test "the start line carries every parameter of the config (LLM agents) and the file's shape" {
	start_fakellm
	simcfg --runs 1 --agent llm --llm-url "$URL" "${SMALL[@]}" > "$T/config.json"
	simrun --config "$T/config.json" --run-id 0 --no-steps > "$T/run"
	jq -r 'del(.experiment, .n_runs, .context_info, .parallel_execution,
	    .n_processes, .n_processes_requested, .cpu_count, .version,
	    .timestamp, .llm_api_key_file, .step_lines, .store) | to_entries[]
	    | select(.value != null) | .key' "$T/config.json" | sort > "$T/want"
	[ "$(wc -l < "$T/want")" -gt 20 ]
	jq -r 'select(.event == "start") | keys[]' "$T/run" | sort > "$T/have"
	run comm -23 "$T/want" "$T/have"
	assert_output ""
	run jq -c 'select(.event == "start") | [.no_steps, .decision_log, .max_parse_failure_share, .parse_retries]' "$T/run"
	assert_output '[true,false,0.05,3]'
}

@test "mechanical start lines carry no_steps, and no LLM parameter" {
	run jq -c 'select(.event == "start") | [.no_steps, has("temperature"), has("llm_retries")]' \
	    < <(simrun "${SMALL[@]}" --run-id 0)
	assert_output '[false,false,false]'
}

@test "simagg refuses runs of different parameters, naming the key and two run ids" {
	simrun "${SMALL[@]}" --run-id 0-4 > "$T/a"
	simrun "${SMALL[@]}" --run-id 5-7 --similarity-threshold 0.75 > "$T/b"
	run --separate-stderr simagg --output-dir "$T/out" "$T/a" "$T/b"
	assert_failure 65
	assert_equal "$stderr" "simagg: runs 0 and 5 differ in \"similarity_threshold\" (0.5 and 0.75): they are runs of different settings; aggregate each experiment apart, or give --allow-mixed to group the summary by the differing parameters"
	assert_not_exists "$T/out/summary.json"
}

@test "simagg --allow-mixed groups the summary by the differing parameters" {
	simrun "${SMALL[@]}" --run-id 0-4 > "$T/a"
	simrun "${SMALL[@]}" --run-id 5-7 --seed 3 --max-steps 50 > "$T/b"
	run --separate-stderr simagg --allow-mixed --output-dir "$T/out" "$T/a" "$T/b"
	assert_success
	assert_line --index 1 "Total runs: 8"
	assert_line --regexp '^Group max_steps=1000 seed=0: 5 runs, 5 converged'
	assert_line --regexp '^Group max_steps=50 seed=3: 3 runs, 3 converged'
	run jq -c '[.mixed_parameters, [.groups[] | [.parameters, .runs, .convergence_step.n]]]' "$T/out/summary.json"
	assert_output '[["max_steps","seed"],[[{"max_steps":1000,"seed":0},5,5],[{"max_steps":50,"seed":3},3,3]]]'
}

@test "runs that differ only in how answers travel (no_steps, concurrency, URL) are one experiment" {
	simrun "${SMALL[@]}" --run-id 0-2 > "$T/a"
	simrun "${SMALL[@]}" --run-id 3-4 --no-steps > "$T/b"
	run --separate-stderr simagg --no-files "$T/a" "$T/b"
	assert_success
	assert_equal "$stderr" ""
}

# --- item 9: a model that does not answer fails the run -------------------

@test "replies that are never MOVE or STAY: the run ends failed with a reason, exit 65" {
	start_fakellm --reply-style sentence
	run --separate-stderr simrun "${SMALL[@]}" --agent llm --llm-url "$URL" \
	    --parse-retries 0 --run-id 0-1 --no-steps
	assert_failure 65
	assert_regex "$stderr" "^simrun: run 0 failed: [0-9]+ of [0-9]+ replies were not MOVE or STAY \(share 1, above --max-parse-failure-share 0.05\)$"
	run jq -c 'select(.event == "end") | [.run_id, .status, .converged, .stop_reason, .parse_failure_share, (.reason | test("not MOVE or STAY"))]' <<< "$output"
	assert_output '[0,"failed",false,"parse_failures",1,true]'
}

@test "the end line always carries parse_failure_share; --max-parse-failure-share sets the bar" {
	start_fakellm
	run jq -c 'select(.event == "end") | [.status, .parse_failure_share]' \
	    < <(simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --run-id 0 --no-steps)
	assert_output '["ok",0]'
	start_fakellm --reply-style sentence
	run jq -c 'select(.event == "end") | [.status, .parse_failure_share, .converged]' \
	    < <(simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --parse-retries 0 \
	        --max-parse-failure-share 1 --run-id 0 --no-steps)
	assert_output '["ok",1,true]'
	run jq -c '.max_parse_failure_share' < <(simcfg --runs 2 --agent llm --max-parse-failure-share 0.2)
	assert_output '0.2'
}

@test "simagg counts a run failed for parse failures as failed, not converged (exit 75)" {
	start_fakellm --reply-style sentence
	simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --parse-retries 0 --run-id 0 --no-steps > "$T/runs" || true
	run --separate-stderr simagg --no-files "$T/runs"
	assert_failure 75
	assert_line "Converged runs: 0"
	assert_line "Failed runs: 1"
}

# --- item 11: 64 on the command line, 78 in a config file -------------------

@test "every numeric or named parameter: a bad value is 64 as a flag and 78 in a config file" {
	keys=$(simcfg --runs 1 --agent llm | jq -r 'del(.n_runs, .n_processes, .cpu_count)
	    | to_entries[] | select(.value | type == "number") | .key')
	keys="$keys agent llm_api llm_cache_reset llm_slots llm_url"
	n=0
	for key in $keys; do
		flag=--${key//_/-}
		run --separate-stderr simrun --agent llm "$flag" 'bad!' --run-id 0
		[ "$status" -eq 64 ] || fail "$flag bad!: exit $status ($stderr)"
		[[ $stderr == "simrun: $flag must be "*", not bad!; see simrun --help" ]] || fail "$stderr"
		if [ "$key" = agent ]; then
			echo '{"agent": "bad!"}' > "$T/c.json"
		else
			printf '{"agent": "llm", "%s": "bad!"}' "$key" > "$T/c.json"
		fi
		run --separate-stderr simrun --config "$T/c.json" --run-id 0
		[ "$status" -eq 78 ] || fail "config $key bad!: exit $status ($stderr)"
		[[ $stderr == "simrun: $T/c.json: \"$key\" must be "* ]] || fail "$stderr"
		n=$((n + 1))
	done
	[ "$n" -gt 20 ]
}

@test "--llm-slots and an ftp:// URL: 64 as flags, 78 in a config file" {
	run --separate-stderr simrun --agent llm --llm-slots 0 --run-id 0
	assert_failure 64
	assert_equal "$stderr" "simrun: --llm-slots must be a whole number of slots from 1 to 4096, or auto, not 0; see simrun --help"
	echo '{"agent": "llm", "llm_url": "ftp://example.org/x"}' > "$T/c.json"
	run --separate-stderr simrun --config "$T/c.json" --run-id 0
	assert_failure 78
	assert_equal "$stderr" "simrun: $T/c.json: \"llm_url\" must be an http:// or https:// URL"
	run --separate-stderr simcfg --runs 1 --config "$T/c.json"
	assert_failure 78
}

@test "disk full is 74 (writing failed); a file that cannot be made is 73" {
	mkdir -p "$T/full"
	if ! mount -t tmpfs -o size=64k tmpfs "$T/full" 2>/dev/null; then
		skip "mounting a small tmpfs needs root (CAP_SYS_ADMIN)"
	fi
	run --separate-stderr simrun --run-id 0-200 --output-dir "$T/full"
	status_run=$status
	stderr_run=$stderr
	simrun "${SMALL[@]}" --run-id 0-3 > "$T/runs"
	head -c 200000 /dev/zero > "$T/full/filler" 2>/dev/null || true
	run --separate-stderr simagg --output-dir "$T/full/agg" "$T/runs"
	status_agg=$status
	stderr_agg=$stderr
	umount "$T/full"
	[ "$status_run" -eq 74 ] || fail "simrun: $status_run $stderr_run"
	assert_regex "$stderr_run" "^simrun: cannot write .*/run_[0-9]+.jsonl: No space left on device$"
	[ "$status_agg" -eq 74 ] || fail "simagg: $status_agg $stderr_agg"
	touch "$T/file"
	run --separate-stderr simrun --run-id 0 --output-dir "$T/file"
	assert_failure 73
	run --separate-stderr simagg --output-dir "$T/file/sub" "$T/runs"
	assert_failure 73
	run --separate-stderr simcfg --runs 1 --output "$T/file/config.json"
	assert_failure 73
}

@test "a full stdout (/dev/full) is 74 for every program" {
	simrun "${SMALL[@]}" --run-id 0 > "$T/runs"
	run bash -c 'simrun --run-id 0 > /dev/full'
	assert_failure 74
	run bash -c 'simcfg --runs 1 > /dev/full'
	assert_failure 74
	run bash -c 'simagg --no-files "$1" > /dev/full' - "$T/runs"
	assert_failure 74
	start_fakellm
	run bash -c 'simprobe --llm-url "$1" --key composition --method logprobs > /dev/full' - "$URL"
	assert_failure 74
}

@test "a closed pipe ends every program by SIGPIPE, even when the parent ignores it" {
	simrun "${SMALL[@]}" --run-id 0-3 > "$T/runs"
	start_fakellm
	run python3 - "$T/runs" "$URL" <<'PY'
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
for cmd in (["simrun", "--run-id", "0-99"], ["simcfg", "--runs", "3"],
            ["simagg", "--no-files", sys.argv[1]],
            ["simprobe", "--llm-url", sys.argv[2], "--key", "composition",
             "--method", "logprobs"]):
    # restore_signals=False: the child inherits Python's ignored SIGPIPE
    p = subprocess.run(cmd, stdout=w, stderr=subprocess.PIPE,
                       restore_signals=False)
    print(cmd[0], p.returncode)
PY
	assert_success
	assert_output "$(printf 'simrun -13\nsimcfg -13\nsimagg -13\nsimprobe -13')"
}

# --- item 12: messages that do not contradict themselves -------------------

@test "a range error names both ends; simcfg's --runs cap is 100000000" {
	run --separate-stderr simrun --max-steps 100000001 --run-id 0
	assert_failure 64
	assert_equal "$stderr" "simrun: --max-steps must be a whole number from 1 to 100000000, not 100000001; see simrun --help"
	run --separate-stderr simrun --no-move-threshold -1 --run-id 0
	assert_equal "$stderr" "simrun: --no-move-threshold must be a whole number from 0 (never stop early) to 1000000, not -1; see simrun --help"
	run --separate-stderr simcfg --runs 100000001
	assert_failure 64
	assert_equal "$stderr" "simcfg: --runs must be a whole number from 1 to 100000000, not 100000001; see simcfg --help"
	run simcfg --runs 100000000
	assert_success
}

@test "a directory given as --config says so" {
	run --separate-stderr simrun --config "$T" --run-id 0
	assert_failure 78
	assert_equal "$stderr" "simrun: $T: is a directory, not a config file; give the JSON file (e.g. $T/config.json)"
}

@test "a scenario error quoting a template with a newline stays on one line" {
	printf '{"name":"x","type_a":"a","type_b":"b","prompt_template":"Hi {agent\\ntype} {context}"}' > "$T/s.json"
	run --separate-stderr simrun --agent llm --scenario-file "$T/s.json" --run-id 0
	assert_failure 78
	assert_equal "$(wc -l <<< "$stderr")" 1
	assert_equal "$stderr" "simrun: scenario file $T/s.json: bad field \"prompt_template\": unknown placeholder at \"{agent\\ntype} {contex\" (use {agent_type}, {opposite_type}, {context})"
}

# --- item 13: one number grammar, exact flag names --------------------------

@test "numbers are decimal only: no hex, inf, nan, '+' or blanks, in every flag" {
	for v in 0x10 0x0.8p0 -0x0.8p0 inf nan +1 ' 1' '1 ' 1e 1.2.3 '' - .; do
		for flag in --grid-size --similarity-threshold --seed --temperature --max-parse-failure-share; do
			run --separate-stderr simrun --agent llm "$flag" "$v" --run-id 0
			[ "$status" -eq 64 ] || fail "$flag '$v' gave $status"
		done
		run --separate-stderr simcfg --runs "$v"
		[ "$status" -eq 64 ] || fail "simcfg --runs '$v' gave $status"
	done
	run jq -c 'select(.event == "start") | .similarity_threshold' \
	    < <(simrun "${SMALL[@]}" --similarity-threshold .25 --run-id 0; simrun "${SMALL[@]}" --similarity-threshold 2.5e-1 --run-id 0)
	assert_output "$(printf '0.25\n0.25')"
}

@test "flags are never abbreviated: a prefix is an unknown option in every program" {
	run --separate-stderr simrun --grid=5 --run-id 0
	assert_failure 64
	assert_equal "$stderr" "simrun: unknown option --grid (did you mean --grid-size? flags are never abbreviated); see simrun --help"
	run --separate-stderr simrun --grid-size 5 --run 0
	assert_failure 64
	run --separate-stderr simrun --run-id 0 --no-step
	assert_failure 64
	run --separate-stderr simcfg --run 3
	assert_failure 64
	assert_equal "$stderr" "simcfg: unknown option --run (did you mean --runs? flags are never abbreviated); see simcfg --help"
	run --separate-stderr simagg --out "$T/x" /dev/null
	assert_failure 64
	assert_equal "$stderr" "simagg: unknown option --out (did you mean --output-dir? flags are never abbreviated); see simagg --help"
	run --separate-stderr simprobe --samp 3
	assert_failure 64
	assert_equal "$stderr" "simprobe: unknown option --samp (did you mean --samples? flags are never abbreviated); see simprobe --help"
	run --separate-stderr simcompare --metr share "$T"
	assert_failure 64
	assert_equal "$stderr" "simcompare: unknown option --metr (did you mean --metrics? flags are never abbreviated); see simcompare --help"
	run --separate-stderr simcompare --output "$T/c" "$T"
	assert_failure 64
	assert_equal "$stderr" "simcompare: unknown option --output (did you mean --output-dir? flags are never abbreviated); see simcompare --help"
	run --separate-stderr simplot trajectory --met share "$T"
	assert_failure 64
	assert_equal "$stderr" "simplot: unknown option --met (did you mean --metric? flags are never abbreviated); see simplot --help"
	run --separate-stderr simplot grid --out "$T/g.svg" "$T"
	assert_failure 64
	assert_equal "$stderr" "simplot: unknown option --out (did you mean --output? flags are never abbreviated); see simplot --help"
	run --separate-stderr simreport --out "$T/r.html" "$T"
	assert_failure 64
	assert_equal "$stderr" "simreport: unknown option --out (did you mean --output? flags are never abbreviated); see simreport --help"
	run --separate-stderr simstudy_plan --hel
	assert_failure 64
	assert_equal "$stderr" "simstudy_plan: unknown option --hel (did you mean --help? flags are never abbreviated); see simstudy_plan --help"
	# nothing was written under an abbreviated name
	[ ! -e "$T/x" ] && [ ! -e "$T/c" ] && [ ! -e "$T/g.svg" ] && [ ! -e "$T/r.html" ]
	# the full names still work, with = or a separate value
	run simrun --grid-size=6 --num-type-a=10 --num-type-b 10 --run-id=0 --no-steps
	assert_success
}

# --- item 14: bounded input --------------------------------------------------

@test "simagg reading /dev/zero stops at the line cap with 65" {
	run --separate-stderr timeout 60 simagg --no-files /dev/zero
	assert_failure 65
	assert_equal "$stderr" "simagg: /dev/zero:1: a line longer than 67108864 bytes, the cap (--max-line-bytes raises it); give simagg the JSON Lines that simrun prints"
}

@test "simagg --max-line-bytes sets the cap" {
	simrun --grid-size 40 --num-type-a 600 --num-type-b 600 --run-id 0 --no-steps > "$T/runs"
	run --separate-stderr simagg --no-files --max-line-bytes 1024 "$T/runs"
	assert_failure 65
	assert_regex "$stderr" "^simagg: .*/runs:1: a line longer than 1024 bytes"
	run simagg --no-files --max-line-bytes 4096 "$T/runs"
	assert_success
	run --separate-stderr simagg --no-files --max-line-bytes 12 "$T/runs"
	assert_failure 64
}

@test "a config file over 16 MiB is refused (78), not read into memory" {
	run --separate-stderr timeout 60 simrun --config /dev/zero --run-id 0
	assert_failure 78
	assert_equal "$stderr" "simrun: /dev/zero: the config file is larger than 16 MiB, the most a config may be; give the experiment's config.json"
	{ printf '{"grid_size": 6, "ignored": ['; head -c 17000000 /dev/zero | tr '\0' '1'; printf ']}'; } > "$T/big.json"
	run --separate-stderr simcfg --runs 1 --config "$T/big.json"
	assert_failure 78
}

@test "a decision table or shard without newlines stops at a 1 MiB line (78, 65)" {
	run --separate-stderr timeout 60 simrun --agent table --table /dev/zero --run-id 0
	assert_failure 78
	assert_equal "$stderr" "simrun: decision table /dev/zero: line 1: a line longer than 1048576 bytes; is this a table simprobe wrote?"
	run --separate-stderr timeout 60 simprobe --merge /dev/zero
	assert_failure 65
	assert_equal "$stderr" "simprobe: /dev/zero: line 1: a line longer than 1 MiB; is this a shard simprobe wrote?"
}

# --- item 15: no step lines under the sanitizers ----------------------------

@test "simagg on --no-steps runs (no step line at all) aggregates them" {
	simrun "${SMALL[@]}" --run-id 0-9 --no-steps > "$T/runs"
	run --separate-stderr simagg --output-dir "$T/out" "$T/runs"
	assert_success
	assert_equal "$stderr" ""
	run wc -l < "$T/out/metrics_history.csv"
	assert_output 1
}

# --- item 17: a corrupted decision cache -------------------------------------

corrupt_cache() {
	python3 - "$1" <<'PY'
import sqlite3, sys
path = sys.argv[1]
db = sqlite3.connect(path)
db.execute("CREATE TABLE IF NOT EXISTS decisions (key TEXT PRIMARY KEY, answer TEXT NOT NULL, created INTEGER NOT NULL) WITHOUT ROWID")
for i in range(2000):
    db.execute("INSERT OR IGNORE INTO decisions VALUES (?, 'MOVE', 0)", ("k%05d" % i * 5,))
db.commit()
db.close()
with open(path, "r+b") as f:
    f.seek(4096 * 3 + 50)
    f.write(b"\x07" * 2000)
PY
}

@test "a corrupted decision cache is named at open (78); --llm-cache-reset yes moves it aside" {
	start_fakellm
	corrupt_cache "$T/cache.db"
	args=("${SMALL[@]}" --agent llm --llm-url "$URL" --temperature 0 --llm-cache "$T/cache.db" --run-id 0 --no-steps)
	run --separate-stderr simrun "${args[@]}"
	assert_failure 78
	assert_regex "$stderr" "^simrun: the decision cache $T/cache.db is corrupted \(quick_check: .*\); give --llm-cache-reset yes to move it aside \(it is kept\) and start a new one, or choose another --llm-cache$"
	sum=$(md5sum < "$T/cache.db")
	run --separate-stderr simrun "${args[@]}" --llm-cache-reset yes
	assert_success
	assert_regex "$stderr" "^simrun: warning: the decision cache $T/cache.db was corrupted .*; moved to $T/cache.db.corrupt-[0-9T]+Z-[0-9]+, starting a new one$"
	moved=$(ls "$T"/cache.db.corrupt-*Z-[0-9]*[0-9])
	assert_equal "$(md5sum < "$moved")" "$sum"
	# the new cache works: a second run is all hits
	run jq -c 'select(.event == "end") | [.status, .cache_misses]' \
	    < <(simrun "${args[@]}" --llm-cache-reset yes)
	assert_output '["ok",0]'
	printf 'not a database at all %.0s' {1..50} > "$T/junk.db"
	run --separate-stderr simrun "${args[@]/$T\/cache.db/$T/junk.db}"
	assert_failure 78
	assert_regex "$stderr" "junk.db is corrupted \(file is not a database\)"
	run jq -c '.llm_cache_reset' < <(simcfg --runs 1 --agent llm --llm-cache-reset yes)
	assert_output '"yes"'
}

@test "--llm-cache-reset yes goes through the runner to every run (and into config.json)" {
	start_fakellm
	printf 'not a database %.0s' {1..50} > "$T/cache.db"
	run --separate-stderr llm_runner --runs 2 --llm-url "$URL" "${SMALL[@]}" --output-dir "$T/e" \
	    --temperature 0 --llm-cache "$T/cache.db" --llm-cache-reset yes
	assert_success
	run jq -r '.llm_cache_reset' "$T"/e/experiments/*/config.json
	assert_output yes
	run ls "$T"
	assert_line --regexp '^cache\.db\.corrupt-[0-9T]+Z-[0-9]+$'
	assert_line cache.db
}
