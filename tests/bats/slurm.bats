#!/usr/bin/env bats
# bin/llm_runner --slurm against a real single-node Slurm (munged, slurmctld,
# slurmd started by tests/support/slurm-cluster in a temporary directory).

setup_file() {
	SLURM_DIR=$BATS_FILE_TMPDIR/slurm
	if ! "$BATS_TEST_DIRNAME/../support/slurm-cluster" start "$SLURM_DIR" \
		> "$BATS_FILE_TMPDIR/slurm.err" 2>&1; then
		{ echo "the Slurm daemons cannot start here:"; cat "$BATS_FILE_TMPDIR/slurm.err"; } \
			> "$BATS_FILE_TMPDIR/skip"
	fi
	SLURM_CONF=$SLURM_DIR/slurm.conf
	export SLURM_DIR SLURM_CONF
}

teardown_file() {
	"$BATS_TEST_DIRNAME/../support/slurm-cluster" stop "$SLURM_DIR" || true
}

setup() {
	load helper
	[ ! -f "$BATS_FILE_TMPDIR/skip" ] || skip "$(tr '\n' ' ' < "$BATS_FILE_TMPDIR/skip")"
	cd "$BATS_TEST_TMPDIR"
	SMALL=(--grid-size 10 --num-type-a 40 --num-type-b 40 --seed 21)
	unset LLM_API_KEY PARALLEL
}

exp_in() {
	ls -d "$1"/experiments/*
}

same_runs() {
	local a=$1 b=$2 f n=0
	diff <(cd "$a/runs" && ls) <(cd "$b/runs" && ls)
	for f in "$a"/runs/run_*.jsonl; do
		cmp "$f" "$b/runs/${f##*/}"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}

@test "--slurm --wait: an array job and an aggregation job; the same bytes as a local experiment" {
	baseline_runner --runs 20 "${SMALL[@]}" --output-dir local > /dev/null 2>&1
	run --separate-stderr baseline_runner --runs 20 "${SMALL[@]}" --output-dir slurm \
		--slurm --wait --processes 2 --batch-size 3
	assert_success
	assert_line --regexp '^Submitted to Slurm: array job [0-9]+ \(7 tasks of up to 3 runs, at most 2 at once\), aggregation job [0-9]+ \(after the array\)\.$'
	assert_line --regexp '^Follow with: squeue -j [0-9]+,[0-9]+ '
	assert_line "Total runs: 20"
	assert_regex "$stderr" "\[slurm-progress\] done=20 total=20 array=COMPLETED:7 aggregation=COMPLETED"
	same_runs "$(exp_in local)" "$(exp_in slurm)"
	diff <(jq -S 'del(.experiment)' "$(exp_in local)/summary.json") \
		<(jq -S 'del(.experiment)' "$(exp_in slurm)/summary.json")
	# the array was throttled and depended on as asked
	local ids
	ids=$(cat "$(exp_in slurm)/slurm/jobs")
	run scontrol show job "${ids#* }"
	assert_output --regexp "JobState=COMPLETED"
	run scontrol show job "${ids% *}_0"
	assert_output --regexp "ArrayTaskThrottle=2"
}

@test "--slurm --store shards: a shard per array task, the summary of local run files; a torn one redone" {
	baseline_runner --runs 20 "${SMALL[@]}" --output-dir local --no-report > /dev/null 2>&1
	run --separate-stderr baseline_runner --runs 20 "${SMALL[@]}" --output-dir slurm --no-report \
		--slurm --wait --store shards --batch-size 7
	assert_success
	assert_line --regexp '^Submitted to Slurm: array job [0-9]+ \(3 tasks of up to 7 runs\)'
	assert_regex "$stderr" "\[slurm-progress\] done=20 total=20 array=COMPLETED:3"
	local dir
	dir=$(exp_in slurm)
	run ls "$dir/runs"
	assert_output $'shard_0-6.jsonl\nshard_14-19.jsonl\nshard_7-13.jsonl'
	# the aggregation job read the shards: the local summary
	diff <(jq -S 'del(.experiment)' "$(exp_in local)/summary.json") <(jq -S 'del(.experiment)' "$dir/summary.json")
	diff <(cat "$(exp_in local)"/runs/run_{0..19}.jsonl) <(grep -hv '^{"event":"index"' "$dir"/runs/shard_{0-6,7-13,14-19}.jsonl)
	# a torn shard: --resume --slurm submits its runs only, as one shard
	head -n -1 "$dir/runs/shard_7-13.jsonl" > t && mv t "$dir/runs/shard_7-13.jsonl"
	run --separate-stderr baseline_runner --resume "$dir" --slurm --wait --no-report --batch-size 7
	assert_success
	assert_line --regexp '^Submitted to Slurm: array job [0-9]+ \(1 tasks of up to 7 runs\)'
	[[ $stderr == *"shard_7-13.jsonl was torn"* ]]
	assert_equal "$(cat "$dir"/runs/shard_*.jsonl | grep -c '^{"event":"end"')" 20
	diff <(jq -S 'del(.experiment)' "$(exp_in local)/summary.json") <(jq -S 'del(.experiment)' "$dir/summary.json")
	cmp <(sed "s#$(exp_in local)#E#g" "$(exp_in local)/run_summary.csv") <(sed "s#$dir#E#g" "$dir/run_summary.csv")
}

@test "--slurm without --wait: job ids and how to follow; the aggregation job writes the summary" {
	run --separate-stderr baseline_runner --runs 6 "${SMALL[@]}" --slurm --slurm-opt "--comment=simtools-test --nice=5"
	assert_success
	assert_line --regexp '^When job [0-9]+ has ended: .*/summary.json'
	local dir ids
	dir=$(exp_in .)
	ids=$(cat "$dir/slurm/jobs")
	run scontrol show job "${ids#* }"
	assert_output --regexp "Comment=simtools-test"
	assert_output --regexp "Dependency=afterany:${ids% *}"
	for _ in $(seq 300); do
		[ -s "$dir/summary.json" ] && break
		sleep 0.2
	done
	run jq -r '"\(.ok) \(.runs)"' "$dir/summary.json"
	assert_output "6 6"
}

@test "--resume --slurm submits only the missing runs" {
	baseline_runner --runs 10 "${SMALL[@]}" --output-dir local > /dev/null 2>&1
	baseline_runner --runs 10 "${SMALL[@]}" > /dev/null 2>&1
	local dir
	dir=$(exp_in .)
	rm "$dir/runs/run_2.jsonl" "$dir/runs/run_7.jsonl"
	run --separate-stderr baseline_runner --resume "$dir" --slurm --wait --batch-size 1
	assert_success
	assert_line --regexp '^Submitted to Slurm: array job [0-9]+ \(2 tasks of up to 1 runs\)'
	run cat "$dir"/slurm/*/batches
	assert_output $'2\n7'
	same_runs "$(exp_in local)" "$dir"
	run --separate-stderr baseline_runner --resume "$dir" --slurm --no-report
	assert_success
	assert_output "All 10 runs of $dir are complete."$'\n'"Experiment completed. Results saved to: $dir"$'\n'"Total runs: 10"$'\n'"Converged runs: 10"$'\n'"Average convergence step: $(jq -r '.convergence_step.mean' "$dir/summary.json" | awk '{ printf "%.2f", $1 }')"
}

@test "--slurm: sbatch's refusal is shown; flags that do not go together are refused" {
	run --separate-stderr baseline_runner --runs 2 "${SMALL[@]}" --slurm --slurm-opt "--partition=nosuch"
	assert_failure 69
	assert_regex "$stderr" "sbatch refused the job: .*(partition|Partition)"
	run --separate-stderr baseline_runner --runs 2 --wait
	assert_failure 64
	LLM_API_KEY=sk-never-0123 run --separate-stderr llm_runner --runs 2 --slurm
	assert_failure 64
	assert_regex "$stderr" "--llm-api-key-file"
	[[ $stderr != *sk-never* ]]
	run --separate-stderr baseline_runner --runs 2 --slurm --sshlogin h1
	assert_failure 64
	run --separate-stderr baseline_runner --runs 2 --slurm --processes 0
	assert_failure 64
}

@test "--slurm --wait: a signal stops the waiting only; the jobs are Slurm's and the runner says how to find them" {
	# held for ten minutes, so that the runner is surely still waiting
	baseline_runner --runs 2 "${SMALL[@]}" --slurm --wait --slurm-opt "--begin=now+600" \
		> out 2> err &
	local pid=$! status=0
	for _ in $(seq 300); do
		grep -q 'slurm-progress' err 2>/dev/null && break
		sleep 0.1
	done
	kill -TERM "$pid"
	wait "$pid" || status=$?
	[ "$status" -eq 143 ]
	run cat err
	assert_output --regexp "Stopped waiting; the jobs go on in Slurm: squeue -j [0-9]+,[0-9]+; then baseline_runner --resume "
	local ids
	ids=$(cat "$(exp_in .)/slurm/jobs")
	run squeue -h -j "${ids% *}" -o '%T'
	assert_output --partial PENDING
	scancel "${ids% *}" "${ids#* }"
}
