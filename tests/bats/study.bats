#!/usr/bin/env bats
# bin/simstudy: study files, their plan, running cells, resume, dry run.

setup() {
	load helper
	unset LLM_API_KEY
	T=$BATS_TEST_TMPDIR
	cd "$T"
}

teardown() {
	stop_fakellms
	if [ -f "$T/study.pid" ]; then
		kill -KILL -- -"$(cat "$T/study.pid")" 2>/dev/null || true
	fi
	# what a failed test left in the session it started
	[ -z "${SESSION:-}" ] || pkill -KILL -s "$SESSION" || true
}

# study FILE JSON: writes a study file
study() {
	printf '%s\n' "$2" > "$1"
}

# The only study directory under DIR (default .).
study_dir() {
	local dirs=("${1:-.}"/studies/*/)
	[ "${#dirs[@]}" -eq 1 ] || { echo "expected one study: ${dirs[*]}" >&2; return 1; }
	local d=${dirs[0]%/}
	echo "${d#./}"
}

# 1234567 -> 1,234,567 (as the dry run prints numbers)
commas() {
	sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta' <<< "$1"
}

# A composition table of the fake server's stochastic model for SCENARIO.
make_table() {
	simprobe --scenario "$1" --llm-url "$URL" --key composition --method logprobs \
	    --output "$2" 2> /dev/null
}

ISSUE_EXAMPLE='{"name": "thresholds", "runs": 100, "seed": 7,
 "agents": ["mechanical", "llm"],
 "scenarios": ["baseline", "race_white_black"],
 "vary": {"similarity_threshold": [0.3, 0.5, 0.7], "grid_size": [10, 20]},
 "fixed": {"max_steps": 200},
 "density": 0.8}'

@test "expansion: the issue's example is 6 mechanical cells and 12 LLM cells, in order" {
	study s.json "$ISSUE_EXAMPLE"
	run --separate-stderr simstudy_plan s.json
	assert_success
	assert_equal "$stderr" ""
	printf '%s\n' "$output" > plan.jsonl
	run jq -r '[.cell, .name, .agent, (.scenario // "-"), .runs, .experiment] | @tsv' plan.jsonl
	assert_equal "${#lines[@]}" 18
	assert_line --index 0 $'0\tmechanical_similarity_threshold=0.3_grid_size=10\tmechanical\t-\t100\texperiments/mechanical_similarity_threshold=0.3_grid_size=10'
	assert_line --index 1 $'1\tmechanical_similarity_threshold=0.3_grid_size=20\tmechanical\t-\t100\texperiments/mechanical_similarity_threshold=0.3_grid_size=20'
	assert_line --index 5 $'5\tmechanical_similarity_threshold=0.7_grid_size=20\tmechanical\t-\t100\texperiments/mechanical_similarity_threshold=0.7_grid_size=20'
	assert_line --index 6 $'6\tllm_baseline_similarity_threshold=0.3_grid_size=10\tllm\tbaseline\t100\texperiments/llm_baseline_similarity_threshold=0.3_grid_size=10'
	assert_line --index 17 $'17\tllm_race_white_black_similarity_threshold=0.7_grid_size=20\tllm\trace_white_black\t100\texperiments/llm_race_white_black_similarity_threshold=0.7_grid_size=20'
	# every cell: its varied values, every parameter simrun has, the fixed ones
	run jq -s -e 'all(.[]; (.varied | keys_unsorted) == ["similarity_threshold", "grid_size"]
	    and .params.similarity_threshold == .varied.similarity_threshold
	    and .params.grid_size == .varied.grid_size and .params.max_steps == 200
	    and .params.seed == 7 and .params.no_move_threshold == 5
	    and .params.agent == .agent)
	    and (map(.varied) | unique | length) == 6
	    and (map(.experiment) | unique | length) == 18' plan.jsonl
	assert_success
	# LLM cells carry the LLM parameters, mechanical ones do not (as config.json)
	run jq -s -c 'map(select(.cell == 0 or .cell == 6) | .params
	    | [.scenario, .llm_model, .temperature])' plan.jsonl
	assert_output '[[null,null,null],["baseline","llama3.1:8b",0.3]]'
	# the runner's flags reproduce the parameters
	run jq -r 'select(.cell == 7) | .runner_args | join(" ")' plan.jsonl
	assert_output --partial '--grid-size 20 --num-type-a 160 --num-type-b 160 --similarity-threshold 0.3 '
	assert_output --partial '--seed 7 --agent llm --scenario baseline '
}

@test "cell directories: one per cell, even when names differ only in characters a path cannot hold" {
	study s.json '{"name": "m", "agents": ["llm"], "vary": {"llm_model": ["a:b", "a/b", "a-b", "c"]}}'
	run simstudy_plan s.json
	assert_success
	run jq -r '"\(.name) \(.experiment) \(.params.llm_model)"' <<< "$output"
	assert_output $'llm_baseline_llm_model=a:b experiments/llm_baseline_llm_model=a-b a:b
llm_baseline_llm_model=a/b experiments/llm_baseline_llm_model=a-b_cell1 a/b
llm_baseline_llm_model=a-b experiments/llm_baseline_llm_model=a-b_cell2 a-b
llm_baseline_llm_model=c experiments/llm_baseline_llm_model=c c'
}

@test "density: n = density x G^2 to the nearest whole number (halves up), A gets the odd agent" {
	# G, density -> A, B:  5 x 5 x 0.45 = 11.25 -> 6 + 5;  3 x 3 x 0.5 = 4.5 -> 3 + 2;
	# 4 x 4 x 1 = 16 -> 8 + 8;  7 x 7 x 0.7 = 34.3 -> 17 + 17;  9 x 9 x 0.1 = 8.1 -> 4 + 4
	for case in "5 0.45 6 5" "3 0.5 3 2" "4 1 8 8" "7 0.7 17 17" "9 0.1 4 4" "20 0.8 160 160" "1 0.5 1 0"; do
		read -r g d a b <<< "$case"
		study s.json "{\"name\": \"d\", \"vary\": {\"grid_size\": [$g]}, \"density\": $d}"
		run simstudy_plan s.json
		assert_success
		run jq -c '[.params.num_type_a, .params.num_type_b]' <<< "$output"
		assert_output "[$a,$b]"
	done
	# and the runs are played with those counts
	study s.json '{"name": "d", "runs": 2, "vary": {"grid_size": [5, 7]}, "density": 0.45}'
	run simstudy s.json --processes 1
	assert_success
	dir=$(study_dir)
	run jq -r 'select(.event == "start") | "\(.grid_size) \(.num_type_a) \(.num_type_b)"' \
	    "$dir"/experiments/mechanical_grid_size=5/runs/run_0.jsonl \
	    "$dir"/experiments/mechanical_grid_size=7/runs/run_1.jsonl
	assert_output $'5 6 5\n7 11 11'
}

@test "mechanical cells are shared by every scenario; a cell is an ordinary runner experiment" {
	start_fakellm --rule stochastic
	make_table baseline base.table
	make_table AB ab.table
	study s.json '{"name": "shared", "runs": 6, "seed": 5, "agents": ["table", "mechanical"],
	  "scenarios": ["baseline", "AB"], "tables": {"baseline": "base.table", "AB": "ab.table"},
	  "vary": {"similarity_threshold": [0.4, 0.6]},
	  "fixed": {"grid_size": 8, "num_type_a": 20, "num_type_b": 20, "max_steps": 60}}'
	run --separate-stderr simstudy s.json --processes 2
	assert_success
	dir=$(study_dir)
	assert_line "Study completed. Results saved to: $dir"
	assert_line "Cells: 6 of 6 complete"
	assert_line "Runs: 36 ok, 0 failed, 0 missing"
	run jq -r '[.cell, .agent, (.scenario // "-"), (.shared_by // "-" | tostring)] | @tsv' "$dir/plan.jsonl"
	assert_output $'0\ttable\tbaseline\t-\n1\ttable\tbaseline\t-\n2\ttable\tAB\t-\n3\ttable\tAB\t-\n4\tmechanical\t-\t["baseline","AB"]\n5\tmechanical\t-\t["baseline","AB"]'
	run bash -c "ls '$dir/experiments' | sort"
	assert_output $'mechanical_similarity_threshold=0.4\nmechanical_similarity_threshold=0.6\ntable_AB_similarity_threshold=0.4\ntable_AB_similarity_threshold=0.6\ntable_baseline_similarity_threshold=0.4\ntable_baseline_similarity_threshold=0.6'
	# the study file frozen as given, the plan as the planner makes it
	cmp s.json "$dir/study.json"
	diff <(simstudy_plan s.json) "$dir/plan.jsonl"
	# each cell: the runner's files, its own parameters, the runs simrun plays alone
	exp=$dir/experiments/mechanical_similarity_threshold=0.6
	for f in config.json summary.json run_summary.csv metrics_history.csv; do
		assert_file_exists "$exp/$f"
	done
	run jq -c '[.n_runs, .agent, .similarity_threshold, .seed, .grid_size]' "$exp/config.json"
	assert_output '[6,"mechanical",0.6,5,8]'
	diff <(cat "$exp"/runs/run_{0..5}.jsonl) \
	    <(simrun --config "$exp/config.json" --run-id 0-5)
	exp=$dir/experiments/table_AB_similarity_threshold=0.4
	run jq -c '[.agent, .scenario, (.table | endswith("/ab.table"))]' "$exp/config.json"
	assert_output '["table","AB",true]'
	run jq -r 'select(.event == "start") | .scenario' "$exp/runs/run_3.jsonl"
	assert_output AB
	# a table cell resumes with its own scenario (config.json keeps it)
	rm "$exp/runs/run_3.jsonl"
	run llm_runner --resume "$exp"
	assert_success
	run jq -c '[.cell, .status, .runs, .ok, .failed, .missing]' "$dir/manifest.jsonl"
	assert_line --index 0 '[0,"complete",6,6,0,0]'
	assert_equal "${#lines[@]}" 6
}

@test "\"store\": \"shards\": the cells keep shards, the study's statistics are those of run files" {
	local body='"runs": 40, "seed": 3, "vary": {"similarity_threshold": [0.4, 0.6]},
	  "fixed": {"grid_size": 8, "num_type_a": 20, "num_type_b": 20, "max_steps": 60}'
	study f.json "{\"name\": \"f\", $body}"
	study s.json "{\"name\": \"s\", \"store\": \"shards\", $body}"
	simstudy f.json --output-dir f --no-report > /dev/null
	simstudy s.json --output-dir s --no-report > /dev/null
	# cells of more runs than are packed go through llm_runner --store shards
	SIMSTUDY_PACK=0 simstudy s.json --output-dir r --no-report > /dev/null
	local d e
	for d in s r; do
		e=$(study_dir "$d")
		run jq -r '.store' "$e/plan.jsonl"
		assert_output $'shards\nshards'
		run bash -c "ls '$e'/experiments/*/runs"
		refute_output --partial run_
		assert_output --partial shard_0-
		jq -e '.store == "shards"' "$e"/experiments/*/config.json
		diff <(sed 's#^[^,]*,##' "$(study_dir f)/comparison.csv") <(sed 's#^[^,]*,##' "$e/comparison.csv")
		for c in "$(study_dir f)"/experiments/*/; do
			c=${c%/}
			diff <(jq -S 'del(.experiment)' "$c/summary.json") \
				<(jq -S 'del(.experiment)' "$e/experiments/${c##*/}/summary.json")
		done
	done
	# a study without the key: plan.jsonl as before, run files
	run jq -r 'has("store")' "$(study_dir f)/plan.jsonl"
	assert_output $'false\nfalse'
}

@test "utility cells: one a combination, no scenario; each an ordinary runner experiment" {
	study u.json '{"name": "util", "runs": 3, "seed": 5, "agents": ["mechanical", "utility"],
	  "vary": {"grid_size": [8, 10]},
	  "fixed": {"num_type_a": 20, "num_type_b": 20, "max_steps": 40}}'
	run jq -r '[.cell, .agent, (.scenario // "-"), .name] | @tsv' <(simstudy_plan u.json)
	assert_output $'0\tmechanical\t-\tmechanical_grid_size=8\n1\tmechanical\t-\tmechanical_grid_size=10\n2\tutility\t-\tutility_grid_size=8\n3\tutility\t-\tutility_grid_size=10'
	run --separate-stderr simstudy u.json --processes 2
	assert_success
	assert_line "Runs: 12 ok, 0 failed, 0 missing"
	exp=$(study_dir)/experiments/utility_grid_size=10
	run jq -c '[.n_runs, .agent, .utility, .grid_size]' "$exp/config.json"
	assert_output '[3,"utility","predecessor",10]'
	diff <(cat "$exp"/runs/run_{0..2}.jsonl) <(simrun --config "$exp/config.json" --run-id 0-2)
	# the utility's own parameters vary like any other
	study v.json '{"name": "v", "runs": 2, "agents": ["utility"], "vary": {"utility": ["peaked", "flat"]}}'
	run jq -c '[.agent, .params.utility]' <(simstudy_plan v.json)
	assert_output $'["utility","peaked"]\n["utility","flat"]'
	study bad.json '{"name": "b", "runs": 2, "agents": ["utilities"]}'
	run --separate-stderr simstudy_plan bad.json
	assert_failure 78
	[[ $stderr == *"use mechanical, llm, table or utility"* ]]
}

@test "LLM cells run through llm_runner against the server, after one check" {
	start_fakellm
	study s.json "{\"name\": \"llm\", \"runs\": 3, \"agents\": [\"mechanical\", \"llm\"],
	  \"scenarios\": [\"baseline\", \"income_high_low\"],
	  \"fixed\": {\"grid_size\": 6, \"max_steps\": 30, \"llm_url\": \"$URL\"}, \"density\": 0.5}"
	run --separate-stderr simstudy s.json --processes 2
	assert_success
	dir=$(study_dir)
	assert_line "== cell 1/2: llm_baseline"
	assert_line "== cell 2/2: llm_income_high_low"
	assert_line "Cells: 3 of 3 complete"
	exp=$dir/experiments/llm_income_high_low
	assert_file_exists "$exp/scenario.json"
	run jq -c '[.agent, .scenario, .num_type_a, .num_type_b]' "$exp/config.json"
	assert_output '["llm","income_high_low",9,9]'
	# the fake server answers by the mechanical rule: same runs as the mechanical cell
	diff <(jq -c 'select(.event == "end") | .metrics' "$exp"/runs/run_*.jsonl) \
	    <(jq -c 'select(.event == "end") | .metrics' "$dir"/experiments/mechanical/runs/run_*.jsonl)
}

@test "an unreachable LLM server stops the study before anything is created (69)" {
	port=$(closed_port)
	study s.json "{\"name\": \"down\", \"runs\": 2, \"agents\": [\"llm\"],
	  \"fixed\": {\"llm_url\": \"http://127.0.0.1:$port/v1/chat/completions\", \"connect_timeout\": 1, \"llm_retries\": 0}}"
	run --separate-stderr simstudy s.json --output-dir out
	assert_failure 69
	assert_regex "$stderr" "simstudy: the LLM server .* Nothing was created."
	assert_not_exists out/studies
}

@test "--dry-run prints the plan and the LLM-call estimate, and creates nothing" {
	study s.json "$ISSUE_EXAMPLE"
	mkdir out
	run --separate-stderr simstudy s.json --dry-run --output-dir out
	assert_success
	assert_line --index 0 --regexp '^cell +agent +scenario +similarity_threshold +grid_size +runs +est\. LLM calls$'
	assert_line --index 1 --regexp '^0 +mechanical +- +0\.3 +10 +100 +-$'
	assert_line "18 cells, 1800 runs"
	assert_line "Dry run: nothing was created."
	# the pilot: 5 mechanical runs, decisions = n_steps x agents per run
	pilot=$(simrun --grid-size 20 --num-type-a 160 --num-type-b 160 --similarity-threshold 0.5 \
	    --max-steps 200 --seed 7 --run-id 0-4 --no-steps |
	    jq -s 'map(select(.event == "end") | .n_steps) | add / 5 * 320 * 100 | round')
	row=$(grep -E '^9 +llm +baseline +0\.5 +20 +100 ' <<< "$output")
	[ "${row##* }" = "$(commas "$pilot")" ]
	assert_line --regexp '^LLM cells: 12, about [0-9,]+ LLM calls \(one per agent decision, decisions per run from a 5-run mechanical pilot\)$'
	run find out
	assert_output out
}

@test "--dry-run takes decisions per run from a finished mechanical cell when there is one" {
	study s.json '{"name": "est", "runs": 4, "agents": ["mechanical"],
	  "fixed": {"grid_size": 8, "num_type_a": 20, "num_type_b": 20}}'
	simstudy s.json > /dev/null
	dir=$(study_dir)
	study l.json '{"name": "est", "runs": 4, "agents": ["llm"],
	  "fixed": {"grid_size": 8, "num_type_a": 20, "num_type_b": 20}}'
	run --separate-stderr simstudy l.json --dry-run
	assert_success
	expected=$(jq -s 'map(select(.event == "end") | .n_steps) | add / length * 40 * 4 | round' \
	    "$dir"/experiments/mechanical/runs/run_*.jsonl)
	assert_line --regexp "^0 +llm +baseline +4 +$(commas "$expected")\$"
	assert_line --partial "decisions per run from mechanical cell $dir/experiments/mechanical"
}

@test "resume after a kill: the finished study equals an uninterrupted one" {
	study s.json '{"name": "kill", "runs": 150, "agents": ["mechanical"],
	  "vary": {"similarity_threshold": [0.3, 0.4, 0.5, 0.6], "seed": [1, 2]},
	  "fixed": {"grid_size": 16}, "density": 0.7}'
	mkdir a b
	# interrupted: SIGKILL to the whole process group once some runs are in
	# (the new session's leader writes its id: setsid forks when it must)
	setsid bash -c 'echo $$ > "$0"; cd a && exec simstudy ../s.json --processes 2' \
	    "$T/study.pid" > a/out 2>&1 &
	for _ in $(seq 100); do [ -s "$T/study.pid" ] && break; sleep 0.05; done
	for _ in $(seq 600); do
		[ -z "$(find a -name 'run_*.jsonl' -print -quit 2>/dev/null)" ] || break
		sleep 0.05
	done
	kill -KILL -- -"$(cat "$T/study.pid")"
	rm "$T/study.pid"
	dir=$(study_dir a)
	n=$(find "$dir" -name 'run_*.jsonl' | wc -l)
	echo "runs when killed: $n"
	[ "$n" -gt 0 ] && [ "$n" -lt 1200 ]
	run simstudy --list --output-dir a
	assert_output --regexp "^$(basename "$dir")  [0-7]/8 cells  \(incomplete - can resume: simstudy --resume a/studies/$(basename "$dir")\)\$"
	run --separate-stderr simstudy --resume "$dir" --processes 2
	assert_success
	assert_line "Cells: 8 of 8 complete"
	assert_line "Runs: 1200 ok, 0 failed, 0 missing"
	(cd b && simstudy ../s.json --processes 1 > /dev/null)
	ref=$(study_dir b)
	# the same runs, and the same aggregates but the experiment's path
	diff -r -x config.json -x joblog -x summary.json -x run_summary.csv \
	    "$dir/experiments" "$ref/experiments"
	for e in "$ref"/experiments/*; do
		diff <(jq -S 'del(.experiment)' "$e/summary.json") \
		    <(jq -S 'del(.experiment)' "$dir/experiments/$(basename "$e")/summary.json")
		diff <(sed 's|[a-z/]*studies/kill_[0-9_]*/|D/|' "$e/run_summary.csv") \
		    <(sed 's|[a-z/]*studies/kill_[0-9_]*/|D/|' "$dir/experiments/$(basename "$e")/run_summary.csv")
	done
	cmp "$dir/manifest.jsonl" "$ref/manifest.jsonl"
	cmp "$dir/plan.jsonl" "$ref/plan.jsonl"
	run find "$dir" -name '*.tmp'
	assert_output ""
	run simstudy --list --output-dir a
	assert_output "$(basename "$dir")  8/8 cells  (complete)"
}

@test "SIGTERM stops every job, keeps finished runs and says how to resume (143)" {
	study s.json '{"name": "term", "runs": 200, "agents": ["mechanical"],
	  "vary": {"seed": [1, 2, 3, 4, 5, 6]}, "fixed": {"grid_size": 16}, "density": 0.7}'
	simstudy s.json --processes 2 > out 2> err &
	pid=$!
	for _ in $(seq 600); do
		[ -z "$(find . -name 'run_*.jsonl' -print -quit)" ] || break
		sleep 0.05
	done
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 143 ]
	dir=$(study_dir)
	run cat out
	assert_line "Study interrupted. Results so far in: $dir"
	run cat err
	assert_line "Interrupted: finished runs are kept. Resume with: simstudy --resume $dir"
	# no job outlives the study
	run pgrep -f "simrun --config $dir/"
	assert_failure
	run jq -s 'map(select(.status == "complete")) | length < 6' "$dir/manifest.jsonl"
	assert_output true
	run simstudy --resume "$dir"
	assert_success
	assert_line "Cells: 6 of 6 complete"
}

BIG='{"grid_size": 1000, "num_type_a": 450000, "num_type_b": 450000, "max_steps": 50}'

@test "SIGTERM while a packed cell's simrun plays: no simrun outlives the study" {
	study s.json "{\"name\": \"big\", \"runs\": 20, \"agents\": [\"mechanical\"], \"fixed\": $BIG}"
	# its own session, so that only its processes are counted
	setsid simstudy s.json --processes 1 > out 2> err &
	pid=$! SESSION=$!
	for _ in $(seq 300); do
		pgrep -s "$pid" -f -- "simrun --config" > /dev/null && break
		sleep 0.05
	done
	pgrep -s "$pid" -f -- "simrun --config" > /dev/null
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	assert_equal "$status" 143
	ended_session "$pid"
	run cat err
	assert_line "Interrupted: finished runs are kept. Resume with: simstudy --resume $(study_dir)"
}

@test "a signal before the pid of a cell's runner is known still ends it: 143, no run plays on" {
	study s.json "{\"name\": \"big\", \"runs\": 4, \"agents\": [\"mechanical\"], \"fixed\": $BIG}"
	SIMSTUDY_PACK=0 SIMTOOLS_TEST_SIGNAL=child-forked:TERM setsid simstudy s.json \
		--processes 1 > out 2> err &
	pid=$! SESSION=$!
	status=0
	wait "$pid" || status=$?
	assert_equal "$status" 143
	ended_session "$pid"
	dir=$(study_dir)
	run find "$dir" -name 'run_*.jsonl'
	assert_output ""
	run cat out
	assert_line "Runs: 0 ok, 0 failed, 4 missing"
}

@test "resume finishes a cell whose runs were lost, and leaves complete ones alone" {
	study s.json '{"name": "lost", "runs": 5, "vary": {"seed": [1, 2]},
	  "fixed": {"grid_size": 8, "num_type_a": 20, "num_type_b": 20}}'
	simstudy s.json > /dev/null
	dir=$(study_dir)
	cp -r "$dir" ref
	rm "$dir"/experiments/mechanical_seed=2/runs/run_{1,4}.jsonl
	touch -d '2000-01-01' "$dir"/experiments/mechanical_seed=1/summary.json
	run simstudy --resume "$dir"
	assert_success
	assert_line "Cells: 2 of 2 complete"
	diff -r "ref/experiments/mechanical_seed=2/runs" "$dir/experiments/mechanical_seed=2/runs"
	# the complete cell was not aggregated again
	run find "$dir/experiments/mechanical_seed=1/summary.json" -newermt 2001-01-01
	assert_output ""
	run simstudy --resume nowhere
	assert_failure 66
	assert_output "simstudy: no study to resume in 'nowhere' (no plan.jsonl); list them with simstudy --list"
}

# bad_study EXIT FRAGMENT JSON: refused with EXIT, one line naming the file,
# the key and the problem, and nothing created
bad_study() {
	study bad.json "$3"
	run --separate-stderr simstudy bad.json --output-dir out
	assert_failure "$1"
	assert_equal "$output" ""
	assert_equal "$(wc -l <<< "$stderr")" 1
	assert_regex "$stderr" "^simstudy: bad\.json: "
	assert_regex "$stderr" "$2"
	assert_not_exists out
}

@test "bad study files are refused before anything runs, naming the file, the key and the problem" {
	bad_study 78 'unknown key "grid_size"; a study has name' '{"name": "x", "grid_size": 10}'
	bad_study 78 '"vary.grid_sise": simrun has no parameter "grid_sise"' '{"name": "x", "vary": {"grid_sise": [10]}}'
	bad_study 78 '"fixed.colour": simrun has no parameter "colour"' '{"name": "x", "fixed": {"colour": 1}}'
	bad_study 78 '"vary.grid_size" is an empty list' '{"name": "x", "vary": {"grid_size": []}}'
	bad_study 78 '"agents" is an empty list' '{"name": "x", "agents": []}'
	bad_study 78 '"scenarios" is an empty list' '{"name": "x", "scenarios": []}'
	bad_study 78 '"vary.similarity_threshold"\[1\]: 1.5 is not valid: "similarity_threshold" must be a number from 0 to 1' \
	    '{"name": "x", "vary": {"similarity_threshold": [0.5, 1.5]}}'
	bad_study 78 '"fixed.grid_size": 0 is not valid: "grid_size" must be a whole number from 1 to 4096' \
	    '{"name": "x", "fixed": {"grid_size": 0}}'
	bad_study 78 '"fixed.max_steps": "many" is not valid' '{"name": "x", "fixed": {"max_steps": "many"}}'
	bad_study 78 '"runs": 0 is not valid' '{"name": "x", "runs": 0}'
	bad_study 78 '"density": 1.2 is not valid' '{"name": "x", "density": 1.2}'
	bad_study 78 '"store": "packed" is not valid: it must be "files" \(a file per run\) or "shards"' '{"name": "x", "store": "packed"}'
	bad_study 78 '"scenarios"\[1\]: unknown scenario .nope.' '{"name": "x", "agents": ["llm"], "scenarios": ["baseline", "nope"]}'
	bad_study 78 '"agents"\[0\]: "robot" is not an agent kind' '{"name": "x", "agents": ["robot"]}'
	bad_study 78 'make 10201 cells, more than 10000' \
	    "{\"name\": \"x\", \"vary\": {\"seed\": [$(seq -s, 0 100)], \"max_steps\": [$(seq -s, 1 101)]}}"
	bad_study 78 'make 12000 cells, more than 10000' \
	    "{\"name\": \"x\", \"agents\": [\"mechanical\", \"llm\"], \"scenarios\": [\"baseline\", \"AB\", \"01\"], \"vary\": {\"seed\": [$(seq -s, 1 3000)]}}"
	bad_study 78 '"vary.seed": 3 is given twice' '{"name": "x", "vary": {"seed": [3, 3]}}'
	bad_study 78 '"density" and num_type_a / num_type_b are both given' '{"name": "x", "density": 0.5, "fixed": {"num_type_a": 3}}'
	bad_study 78 '"fixed.agent": list agent kinds in "agents"' '{"name": "x", "fixed": {"agent": "llm"}}'
	bad_study 78 '"max_steps" is both in "fixed" and in "vary"' '{"name": "x", "fixed": {"max_steps": 5}, "vary": {"max_steps": [5, 6]}}'
	bad_study 78 '"tables" has no table for scenario "baseline"' '{"name": "x", "agents": ["table"], "tables": {}}'
	bad_study 78 '"tables.baseline": ' '{"name": "x", "agents": ["table"], "tables": {"baseline": "missing.table"}}'
	bad_study 78 '"name" is missing' '{"runs": 3}'
	bad_study 78 '"name": "a/b" is not valid' '{"name": "a/b"}'
	bad_study 78 'line [0-9]+, column [0-9]+: ' '{"name": "x",'
	bad_study 78 'a study file is one JSON object' '[1, 2]'
	# parameters that contradict each other in a cell: usage, as in simrun
	bad_study 64 'cell mechanical_grid_size=10: num_type_a \+ num_type_b = 320 agents do not fit on a 10x10 grid' \
	    '{"name": "x", "vary": {"grid_size": [20, 10]}}'
	run --separate-stderr simstudy missing.json
	assert_failure 78
	assert_equal "$stderr" "simstudy: missing.json: no such study file"
	run --separate-stderr simstudy
	assert_failure 64
	run --separate-stderr simstudy s.json --bogus
	assert_failure 64
	assert_equal "$stderr" "simstudy: unknown option '--bogus'; see simstudy --help"
}

@test "the shipped studies: quick runs without a server, all_scenarios plans 20 cells" {
	run --separate-stderr simstudy "$ROOT/configs/studies/quick.json" --processes 2
	assert_success
	dir=$(study_dir)
	assert_line "Cells: 6 of 6 complete"
	run jq -r '.agent' "$dir/plan.jsonl"
	assert_output $'mechanical\nmechanical\ntable\ntable\ntable\ntable'
	run --separate-stderr simstudy "$ROOT/configs/studies/all_scenarios.json" --dry-run
	assert_success
	assert_line "20 cells, 2000 runs"
	assert_line --regexp '^LLM cells: 18, about '
	run simstudy_plan "$ROOT/configs/studies/all_scenarios.json"
	run jq -s -c '[map(select(.agent == "mechanical")) | length, (.[0].shared_by | length),
	    (map(.params.num_type_a + .params.num_type_b) | unique)]' <<< "$output"
	assert_output '[2,9,[80,320]]'
}

@test "simstudy is shellcheck-clean, installs with its studies, and runs the quick one there" {
	run shellcheck "$ROOT/bin/simstudy" "$ROOT/bin/simtools-common.bash"
	assert_success
	run make -s -C "$ROOT" install DESTDIR="$T/root" PREFIX=/opt/sim
	assert_success
	assert_file_executable "$T/root/opt/sim/bin/simstudy"
	assert_file_executable "$T/root/opt/sim/bin/simstudy_plan"
	run "$T/root/opt/sim/bin/simstudy" "$T/root/opt/sim/share/simtools/studies/quick.json" --output-dir inst
	assert_success
	assert_line "Cells: 6 of 6 complete"
	run "$T/root/opt/sim/bin/simstudy" --version
	assert_output "simstudy 0.1.0"
}

@test "llm_runner --experiment-dir DIR --create-only: exactly DIR, config only; --resume runs it" {
	run --separate-stderr baseline_runner --runs 3 --grid-size 8 --num-type-a 20 --num-type-b 20 \
	    --experiment-dir some/where/cell --create-only
	assert_success
	assert_output "Created some/where/cell; run it with: baseline_runner --resume some/where/cell"
	run ls some/where/cell
	assert_output $'config.json\nruns'
	run ls some/where/cell/runs
	assert_output ""
	run jq -c '[.experiment, .n_runs, .grid_size]' some/where/cell/config.json
	assert_output '["cell",3,8]'
	run --separate-stderr baseline_runner --runs 3 --experiment-dir some/where/cell
	assert_failure 73
	assert_equal "$stderr" "baseline_runner: 'some/where/cell' exists and is not empty; choose another --experiment-dir or resume it with baseline_runner --resume some/where/cell"
	run baseline_runner --resume some/where/cell
	assert_success
	assert_line "Total runs: 3"
	mkdir empty
	start_fakellm
	run --separate-stderr llm_runner --runs 2 --llm-url "$URL" --scenario AB --experiment-dir empty
	assert_success
	assert_file_exists empty/scenario.json
	assert_line "Total runs: 2"
}

@test "paths with a leading dash, spaces and non-ASCII: run, list and resume" {
	study "s f.json" '{"name": "p", "runs": 2, "fixed": {"grid_size": 6, "num_type_a": 10, "num_type_b": 10}}'
	out="-dash dir/ünï"
	run --separate-stderr simstudy "s f.json" --output-dir "$out" --no-report
	assert_success
	local dirs=("./$out"/studies/p_*)
	[ "${#dirs[@]}" -eq 1 ] && [ -f "${dirs[0]}/manifest.jsonl" ]
	run simstudy --list --output-dir "$out"
	assert_success
	assert_line --regexp '^p_[0-9_]+  1/1 cells  \(complete\)$'
	rm "${dirs[0]}"/experiments/*/runs/run_1.jsonl
	run --separate-stderr simstudy --resume "${dirs[0]#./}" --no-report
	assert_success
	assert_line "Cells: 1 of 1 complete"
}
