#!/usr/bin/env bats
# Shards (simrun --store shards, issue 19 item 2): the layout, its index,
# and readers that give the same results from shards as from run files.

setup() {
	load helper
	SMALL=(--grid-size 10 --num-type-a 40 --num-type-b 40 --no-steps)
	F=$BATS_TEST_TMPDIR/files
	S=$BATS_TEST_TMPDIR/shards
	mkdir -p "$F" "$S"
}

@test "a shard holds its runs in order, the run files' lines, then its index" {
	simrun "${SMALL[@]}" --run-id 0-29 --output-dir "$F" > /dev/null
	run --separate-stderr simrun "${SMALL[@]}" --run-id 0-29 --store shards --output-dir "$S"
	assert_success
	assert_output '{"event":"done","run_id":0,"runs":30,"status":"ok"}'
	run ls "$S"
	assert_output shard_0-29.jsonl
	# the same lines as the 30 run files, in run id order
	diff <(for i in $(seq 0 29); do cat "$F/run_$i.jsonl"; done) <(head -n -1 "$S/shard_0-29.jsonl")
	# the index: each offset is where its run's start line begins
	local size
	size=$(head -n -1 "$S/shard_0-29.jsonl" | wc -c)
	tail -n 1 "$S/shard_0-29.jsonl" | jq -e --argjson size "$size" \
		'.event == "index" and .runs == 30 and .size == $size and .run_ids == [range(30)]'
	for i in 0 7 29; do
		at=$(tail -n 1 "$S/shard_0-29.jsonl" | jq ".offsets[$i]")
		tail -c +$((at + 1)) "$S/shard_0-29.jsonl" | head -n 1 | jq -e ".event == \"start\" and .run_id == $i"
	done
}

@test "simagg gives the same summary and files from shards as from run files" {
	simrun "${SMALL[@]}" --run-id 0-39 --output-dir "$F" > /dev/null
	simrun "${SMALL[@]}" --run-id 0-16 --store shards --output-dir "$S" > /dev/null
	simrun "${SMALL[@]}" --run-id 17-39 --store shards --output-dir "$S" > /dev/null
	mkdir "$BATS_TEST_TMPDIR/af" "$BATS_TEST_TMPDIR/as"
	simagg --output-dir "$BATS_TEST_TMPDIR/af" "$F"/run_*.jsonl > "$BATS_TEST_TMPDIR/af.txt"
	simagg --output-dir "$BATS_TEST_TMPDIR/as" "$S"/shard_*.jsonl > "$BATS_TEST_TMPDIR/as.txt"
	diff <(sed 1d "$BATS_TEST_TMPDIR/af.txt") <(sed 1d "$BATS_TEST_TMPDIR/as.txt")
	for f in summary.json run_summary.csv metrics_history.csv; do
		cmp "$BATS_TEST_TMPDIR/af/$f" "$BATS_TEST_TMPDIR/as/$f"
	done
	grep -q '"runs": *40' "$BATS_TEST_TMPDIR/as/summary.json" ||
		jq -e '.runs == 40' "$BATS_TEST_TMPDIR/as/summary.json"
}

@test "simplot and simcompare read an experiment's shards as its run files" {
	local e
	for e in ef es; do
		mkdir -p "$BATS_TEST_TMPDIR/$e/runs"
		simcfg "${SMALL[@]}" --runs 20 --output "$BATS_TEST_TMPDIR/$e/config.json"
	done
	simrun "${SMALL[@]}" --run-id 0-19 --output-dir "$BATS_TEST_TMPDIR/ef/runs" > /dev/null
	simrun "${SMALL[@]}" --run-id 0-9 --store shards --output-dir "$BATS_TEST_TMPDIR/es/runs" > /dev/null
	simrun "${SMALL[@]}" --run-id 10-19 --store shards --output-dir "$BATS_TEST_TMPDIR/es/runs" > /dev/null
	simcompare --output-dir "$BATS_TEST_TMPDIR/cmp" "$BATS_TEST_TMPDIR/ef" "$BATS_TEST_TMPDIR/es"
	# the same runs: each metric's row the same but for the name
	diff <(grep '^ef,' "$BATS_TEST_TMPDIR/cmp/comparison.csv" | cut -d, -f2-) \
		<(grep '^es,' "$BATS_TEST_TMPDIR/cmp/comparison.csv" | cut -d, -f2-)
	[ "$(grep -c '^ef,' "$BATS_TEST_TMPDIR/cmp/comparison.csv")" -gt 5 ]
	grep -q '^ef,[a-z_]*,20,' "$BATS_TEST_TMPDIR/cmp/comparison.csv"
	for e in ef es; do
		simplot distribution "$BATS_TEST_TMPDIR/$e" --output "$BATS_TEST_TMPDIR/$e.svg" > /dev/null
	done
	diff <(sed 's/^# series: e[fs] /# series: /' "$BATS_TEST_TMPDIR/ef.dat") \
		<(sed 's/^# series: e[fs] /# series: /' "$BATS_TEST_TMPDIR/es.dat")
	[ "$(grep -cv '^#' "$BATS_TEST_TMPDIR/es.dat")" -ge 20 ]
}

@test "--store is refused when it cannot be kept, with one line saying why" {
	run --separate-stderr simrun "${SMALL[@]}" --run-id 0-3 --store shards
	assert_failure 64
	assert_equal "$stderr" "simrun: --store shards writes a shard into a directory: give --output-dir DIR; see simrun --help"
	run --separate-stderr simrun "${SMALL[@]}" --run-id 3,1 --store shards --output-dir "$S"
	assert_failure 64
	assert_equal "$stderr" "simrun: --store shards wants --run-id in ascending order without repeats (a shard holds its runs in run id order); see simrun --help"
	run --separate-stderr simrun --run-id 0 --store heap --output-dir "$S"
	assert_failure 64
	assert_equal "$stderr" "simrun: --store must be files or shards, not heap; see simrun --help"
	run --separate-stderr simcfg --runs 3 --agent llm --store shards
	assert_failure 64
	assert_equal "$stderr" "simcfg: --store shards is for mechanical and table agents; LLM runs keep a file each (--store files), so that a run that failed runs again alone; see simcfg --help"
	run ls -A "$S"
	assert_output ''
}

@test "simcfg keeps --store in config.json, files by default" {
	run simcfg --runs 3 --store shards
	assert_success
	echo "$output" | jq -e '.store == "shards"'
	run simcfg --runs 3
	echo "$output" | jq -e '.store == "files"'
}

# baseline_runner with shards, SMALL runs; experiment dir $1, then flags.
shard_runner() {
	local dir=$1
	shift
	baseline_runner "${SMALL[@]}" --store shards --no-report --processes 2 \
		--experiment-dir "$dir" "$@"
}

@test "baseline_runner --store shards: shards in runs/, the summary of run files" {
	mkdir "$BATS_TEST_TMPDIR/f" "$BATS_TEST_TMPDIR/s"
	cd "$BATS_TEST_TMPDIR/f"
	baseline_runner "${SMALL[@]}" --no-report --runs 300 --experiment-dir ex > /dev/null
	cd ../s
	shard_runner ex --runs 300 > /dev/null
	jq -e '.store == "shards"' ex/config.json
	run ls ex/runs
	assert_output --regexp '^shard_0-[0-9]+\.jsonl'
	refute_output --partial run_
	cd ..
	for f in run_summary.csv metrics_history.csv summary.json; do
		cmp f/ex/$f s/ex/$f
	done
}

@test "a torn shard is redone whole on --resume, never half-counted" {
	mkdir "$BATS_TEST_TMPDIR/ref" "$BATS_TEST_TMPDIR/s"
	cd "$BATS_TEST_TMPDIR/ref"
	shard_runner es --runs 400 --batch-size 100 > /dev/null
	cd ../s
	shard_runner es --runs 400 --batch-size 100 > /dev/null
	# cut a shard's index and last run: torn
	head -n -2 es/runs/shard_100-199.jsonl > t && mv t es/runs/shard_100-199.jsonl
	# and a shard that lost its end: gone on disk
	rm es/runs/shard_300-399.jsonl
	run --separate-stderr baseline_runner --resume es --no-report
	assert_success
	assert_equal "$(grep -c torn <<< "$stderr")" 1
	assert [ -f es/runs/damaged/shard_100-199.jsonl.* ]
	# every run once: no shard counts a run another holds
	assert_equal "$(cat es/runs/shard_*.jsonl | grep -c '^{"event":"end"')" 400
	for f in run_summary.csv metrics_history.csv summary.json; do
		cmp ../ref/es/$f es/$f
	done
	jq -e '.runs == 400 and .ok == 400' es/summary.json
}

@test "kill -9 mid-campaign, then --resume: the results of an uninterrupted campaign" {
	mkdir "$BATS_TEST_TMPDIR/ref" "$BATS_TEST_TMPDIR/s"
	cd "$BATS_TEST_TMPDIR/ref"
	SMALL=(--grid-size 20 --num-type-a 160 --num-type-b 160 --no-steps)
	shard_runner es --runs 6000 --batch-size 500 > /dev/null
	cd ../s
	setsid bash -c 'baseline_runner "$@" > /dev/null 2>&1' _ "${SMALL[@]}" --store shards \
		--no-report --processes 2 --experiment-dir es --runs 6000 --batch-size 500 &
	local pid=$! n
	# bounded: until the first shards are whole (at most 30 s)
	for _ in $(seq 300); do
		n=$(find es/runs -name 'shard_*.jsonl' 2>/dev/null | wc -l)
		[ "$n" -lt 2 ] || break
		sleep 0.1
	done
	kill -KILL -- -"$pid"
	wait "$pid" || true
	n=$(find es/runs -name 'shard_*.jsonl' | wc -l)
	[ "$n" -ge 2 ] && [ "$n" -lt 12 ]
	run baseline_runner --resume es --no-report
	assert_success
	for f in run_summary.csv metrics_history.csv summary.json; do
		cmp ../ref/es/$f es/$f
	done
	jq -e '.runs == 6000 and .ok == 6000' es/summary.json
	run find es/runs -name '*.tmp'
	assert_output ''
}

@test "--store: a bad value and LLM agents with shards are refused, nothing made" {
	mkdir "$BATS_TEST_TMPDIR/w"
	cd "$BATS_TEST_TMPDIR/w"
	run --separate-stderr baseline_runner --runs 3 --store heap
	assert_failure 64
	[[ $stderr == *"--store must be files or shards, not 'heap'"* ]]
	run --separate-stderr llm_runner --runs 3 --store shards
	assert_failure 64
	[[ $stderr == *"--store shards is for mechanical and table agents"* ]]
	run ls -A
	assert_output ''
}

@test "--resume refuses a shard made with other parameters than config.json, moving nothing" {
	mkdir "$BATS_TEST_TMPDIR/s" "$BATS_TEST_TMPDIR/other"
	cd "$BATS_TEST_TMPDIR/s"
	shard_runner es --runs 200 --batch-size 100 > /dev/null
	# the second batch again, with another threshold, in place of its shard
	simrun "${SMALL[@]}" --similarity-threshold 0.6 --run-id 100-199 --store shards \
		--output-dir "$BATS_TEST_TMPDIR/other" > /dev/null
	cp "$BATS_TEST_TMPDIR/other/shard_100-199.jsonl" es/runs/
	rm es/runs/shard_0-99.jsonl
	run --separate-stderr baseline_runner --resume es --no-report
	assert_failure 65
	assert_equal "$stderr" "baseline_runner: es/runs/shard_100-199.jsonl was made with similarity_threshold 0.6 but config.json says similarity_threshold 0.5: runs of other parameters must not be mixed; restore config.json or start a new experiment"
	# nothing ran, nothing moved
	run ls es/runs
	assert_output shard_100-199.jsonl
}
