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
