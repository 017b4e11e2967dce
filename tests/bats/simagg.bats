#!/usr/bin/env bats
# simagg: the summary, the three files, and bad input.

setup() {
	load helper
	SMALL=(--grid-size 10 --num-type-a 40 --num-type-b 40)
	RUNS=$BATS_TEST_TMPDIR/runs.jsonl
	OUT=$BATS_TEST_TMPDIR/out
	simrun "${SMALL[@]}" --run-id 0-19 > "$RUNS"
}

# jq over the runs file, slurped.
jqs() {
	jq -s "$@" "$RUNS"
}

@test "--help and --version print to stdout and exit 0" {
	run --separate-stderr simagg --help
	assert_success
	assert_output --partial "usage: simagg"
	assert_output --partial "--output-dir DIR"
	assert_equal "$stderr" ""
	run --separate-stderr simagg --version
	assert_success
	assert_output --regexp '^simagg [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "the printed summary has the seed's exact lines and the jq numbers" {
	local mean
	mean=$(jqs -r '[.[] | select(.event == "end") | .convergence_step]
	    | add / length | . * 100 | round / 100' )
	run --separate-stderr simagg --output-dir "$OUT" "$RUNS"
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 0 "Experiment completed. Results saved to: $OUT"
	assert_line --index 1 "Total runs: 20"
	assert_line --index 2 "Converged runs: $(jqs '[.[] | select(.event == "end" and .converged)] | length')"
	assert_line --index 3 "$(printf 'Average convergence step: %.2f' "$mean")"
	assert_equal "${#lines[@]}" 4
}

@test "--experiment names the experiment in the first line and in the files" {
	run simagg --experiment segregation-10x10 --output-dir "$OUT" "$RUNS"
	assert_success
	assert_line --index 0 "Experiment completed. Results saved to: segregation-10x10"
	run jq -r '.experiment' "$OUT/summary.json"
	assert_output segregation-10x10
	run jq -r '.experiment' < <(simagg --output-dir "$OUT" "$RUNS" >/dev/null; cat "$OUT/summary.json")
	assert_output null
}

@test "summary.json: counts and stats equal jq's on the same runs" {
	simagg --output-dir "$OUT" "$RUNS" > /dev/null
	run jq -e --slurpfile runs "$RUNS" '
	    ($runs | map(select(.event == "end"))) as $ends
	    | ($ends | map(.metrics.dissimilarity_index)) as $di
	    | ($di | add / length) as $mean
	    | ($di | map(. - $mean | . * .) | add / (length - 1) | sqrt) as $sd
	    | .runs == 20 and .ok == 20 and .failed == 0 and .incomplete == 0
	      and .converged == ($ends | map(select(.converged)) | length)
	      and .version == "0.1.0"
	      and (.final.dissimilarity_index.mean - $mean | fabs) < 1e-12
	      and (.final.dissimilarity_index.sd - $sd | fabs) < 1e-12
	      and .final.dissimilarity_index.n == 20
	      and .final.dissimilarity_index.min == ($di | min)
	      and .final.dissimilarity_index.max == ($di | max)
	      and (.final.dissimilarity_index.ci95[0]
	           - ($mean - 2.093024054 * $sd / (20 | sqrt)) | fabs) < 1e-9
	      and (.initial.clusters.mean - ($runs | map(select(.event == "start")
	           | .initial.clusters) | add / length) | fabs) < 1e-12
	      and .n_steps.mean == ($ends | map(.n_steps) | add / length)
	      and (.final | keys_unsorted) == ["clusters", "switch_rate",
	           "distance", "mix_deviation", "share", "ghetto_rate",
	           "dissimilarity_index"]
	      and (has("llm_calls") | not)' "$OUT/summary.json"
	assert_success
}

@test "stats of one value: sd and ci95 null; of none: all but n null" {
	simrun "${SMALL[@]}" --run-id 4 > "$RUNS"
	simagg --output-dir "$OUT" "$RUNS" > /dev/null
	run jq -c '.final.share | [.n, .sd, .ci95, .mean == .min, .min == .max]' "$OUT/summary.json"
	assert_output '[1,null,null,true,true]'
	jq -c 'if .event == "end" then .converged = false | .convergence_step = null
	    | .stop_reason = "max_steps" else . end' "$RUNS" > "$BATS_TEST_TMPDIR/nc"
	run simagg --output-dir "$OUT" "$BATS_TEST_TMPDIR/nc"
	assert_success
	refute_line --partial "Average convergence step"
	run jq -c '.convergence_step' "$OUT/summary.json"
	assert_output '{"n":0,"mean":null,"sd":null,"ci95":null,"min":null,"max":null}'
}

@test "run_summary.csv: header, one row per run sorted by run_id, even from reversed input" {
	tac "$RUNS" > "$BATS_TEST_TMPDIR/reversed"
	simagg --output-dir "$OUT" "$BATS_TEST_TMPDIR/reversed" > /dev/null
	run head -1 "$OUT/run_summary.csv"
	assert_output "run_id,scenario,converged,convergence_step,dissimilarity_index,clusters,switch_rate,distance,mix_deviation,share,ghetto_rate,initial_dissimilarity_index,initial_clusters,initial_switch_rate,initial_distance,initial_mix_deviation,initial_share,initial_ghetto_rate,final_step,n_steps,stop_reason,status,experiment,agent,llm_model,llm_calls,avg_llm_response_time_s,metrics_source"
	run bash -c "tail -n +2 '$OUT/run_summary.csv' | cut -d, -f1 | paste -sd ' '"
	assert_output "$(seq -s ' ' 0 19)"
	# run 7's row, field by field, against its end and start lines
	run grep '^7,' "$OUT/run_summary.csv"
	assert_output "$(jqs -r '
	    (map(select(.run_id == 7 and .event == "end"))[0]) as $e
	    | (map(select(.run_id == 7 and .event == "start"))[0]) as $s
	    | [7, "", (if $e.converged then "True" else "False" end),
	       $e.convergence_step, $e.metrics.dissimilarity_index,
	       $e.metrics.clusters, $e.metrics.switch_rate, $e.metrics.distance,
	       $e.metrics.mix_deviation, $e.metrics.share, $e.metrics.ghetto_rate,
	       $s.initial.dissimilarity_index, $s.initial.clusters,
	       $s.initial.switch_rate, $s.initial.distance,
	       $s.initial.mix_deviation, $s.initial.share,
	       $s.initial.ghetto_rate, $e.final_step, $e.n_steps,
	       $e.stop_reason, $e.status, "", "mechanical", "", "", "", "live"]
	    | map(tostring) | join(",")')"
}

@test "metrics_history.csv: one row per step line, sorted by run_id then step" {
	tac "$RUNS" > "$BATS_TEST_TMPDIR/reversed"
	simagg --output-dir "$OUT" "$BATS_TEST_TMPDIR/reversed" > /dev/null
	run head -1 "$OUT/metrics_history.csv"
	assert_output "clusters,switch_rate,distance,mix_deviation,share,ghetto_rate,dissimilarity_index,step,run_id,moves,decisions"
	run bash -c "tail -n +2 '$OUT/metrics_history.csv'"
	assert_output "$(jqs -r 'map(select(.event == "step")) | sort_by(.run_id, .step)[]
	    | [.clusters, .switch_rate, .distance, .mix_deviation, .share,
	       .ghetto_rate, .dissimilarity_index, .step, .run_id, .moves,
	       .decisions] | map(tostring) | join(",")')"
}

@test "stdin: cat runs | simagg --no-files prints the summary and writes nothing" {
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr bash -c "cat '$RUNS' | simagg --no-files"
	assert_success
	assert_line --index 0 "Experiment summary:"
	assert_line --index 1 "Total runs: 20"
	run bash -c "simagg --no-files - < '$RUNS' | sed -n 2p"
	assert_output "Total runs: 20"
	assert_file_not_exists "$BATS_TEST_TMPDIR/summary.json"
	assert_file_not_exists "$BATS_TEST_TMPDIR/run_summary.csv"
}

@test "the files default to the working directory and no .tmp file remains" {
	cd "$BATS_TEST_TMPDIR"
	run simagg "$RUNS"
	assert_success
	assert_line --index 0 "Experiment completed. Results saved to: ."
	assert_file_exists summary.json
	assert_file_exists run_summary.csv
	assert_file_exists metrics_history.csv
	run bash -c 'ls -a | grep -c "\.tmp$"'
	assert_output 0
}

@test "a failed run: Failed runs: 1, exit 75, files still written" {
	jq -c 'if .event == "end" and .run_id == 3 then .status = "failed"
	    | .stop_reason = "failed" | .converged = false
	    | .convergence_step = null else . end' "$RUNS" > "$BATS_TEST_TMPDIR/f"
	run --separate-stderr simagg --output-dir "$OUT" "$BATS_TEST_TMPDIR/f"
	assert_failure 75
	assert_line --index 2 "Converged runs: 19"
	assert_line --index 3 "Failed runs: 1"
	run jq -c '[.runs, .ok, .failed, .incomplete, .final.share.n]' "$OUT/summary.json"
	assert_output '[20,19,1,0,19]'
	run grep -c ',False,,.*,failed,failed,' "$OUT/run_summary.csv"
	assert_output 1
}

@test "an incomplete run (a start, no end): Incomplete runs: 1, exit 75" {
	jq -c 'select(.event != "end" or .run_id != 5)' "$RUNS" > "$BATS_TEST_TMPDIR/i"
	run --separate-stderr simagg --output-dir "$OUT" "$BATS_TEST_TMPDIR/i"
	assert_failure 75
	assert_line --index 1 "Total runs: 20"
	assert_line --index 2 "Converged runs: 19"
	assert_line --index 3 "Incomplete runs: 1"
	run grep '^5,' "$OUT/run_summary.csv"
	assert_output --regexp '^5,,False,,,,,,,,,[^,]+,.*,,,incomplete,incomplete,,mechanical,,,,live$'
	run jq -c '[.incomplete, .initial.share.n, .final.share.n]' "$OUT/summary.json"
	assert_output '[1,20,19]'
}

@test "failed before incomplete, both after Converged runs" {
	jq -c 'select(.event != "end" or .run_id != 5)
	    | if .event == "end" and .run_id == 3 then .status = "failed"
	      | .converged = false else . end' "$RUNS" > "$BATS_TEST_TMPDIR/fi"
	run --separate-stderr simagg --no-files "$BATS_TEST_TMPDIR/fi"
	assert_failure 75
	assert_line --index 3 "Failed runs: 1"
	assert_line --index 4 "Incomplete runs: 1"
}

@test "LLM runs: average calls and response time, totals in summary.json" {
	jq -c 'if .event == "end" and .run_id < 2 then .llm_calls = 300
	    | .avg_llm_response_time_s = 0.25 | .parse_failures = 2
	    | .retries = 1 else . end' "$RUNS" > "$BATS_TEST_TMPDIR/llm"
	run --separate-stderr simagg --output-dir "$OUT" "$BATS_TEST_TMPDIR/llm"
	assert_success
	assert_line --index 4 "Average LLM calls per run: 300.0"
	assert_line --index 5 "Average LLM response time: 0.250s"
	run jq -c '[.llm_calls.n, .llm_calls.mean, .avg_llm_response_time_s.mean,
	    .parse_failures, .retries]' "$OUT/summary.json"
	assert_output '[2,300,0.25,4,2]'
	run grep -c ',300,0.25,live$' "$OUT/run_summary.csv"
	assert_output 2
}

@test "CSV fields with a comma or a quote are quoted (RFC 4180)" {
	simagg --experiment 'a,b "c"' --output-dir "$OUT" "$RUNS" > /dev/null
	run python3 -c 'import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
print(len(rows), {len(r) for r in rows}, rows[1][22])' "$OUT/run_summary.csv"
	assert_output "21 {28} a,b \"c\""
}

@test "malformed input: exit 65 naming file:line, and no file written" {
	{ head -2 "$RUNS"; echo '{"event": "step", oops'; tail -n +3 "$RUNS"; } > "$BATS_TEST_TMPDIR/bad"
	run --separate-stderr simagg --output-dir "$OUT" "$BATS_TEST_TMPDIR/bad"
	assert_failure 65
	assert_output ""
	assert_equal "$(wc -l <<< "$stderr")" 1
	assert_regex "$stderr" "^simagg: $BATS_TEST_TMPDIR/bad:3: not JSON"
	assert_not_exists "$OUT"
}

@test "not an object, or a run line without run_id: exit 65" {
	printf '[1, 2]\n' > "$BATS_TEST_TMPDIR/array"
	run --separate-stderr simagg --no-files "$BATS_TEST_TMPDIR/array"
	assert_failure 65
	assert_regex "$stderr" "array:1: an array, not a JSON object"
	{ head -1 "$RUNS"; echo '{"event":"step","step":0}'; } > "$BATS_TEST_TMPDIR/noid"
	run --separate-stderr simagg --no-files "$BATS_TEST_TMPDIR/noid"
	assert_failure 65
	assert_regex "$stderr" 'noid:2: step line without an integer "run_id"'
	{ head -1 "$RUNS"; echo '{"event":"end","run_id":0,"status":"ok","n_steps":"x"}'; } > "$BATS_TEST_TMPDIR/type"
	run --separate-stderr simagg --no-files "$BATS_TEST_TMPDIR/type"
	assert_failure 65
	assert_regex "$stderr" 'type:2: "n_steps" is a string, not a number'
}

@test "no runs in the input: exit 65" {
	run --separate-stderr simagg --no-files < /dev/null
	assert_failure 65
	assert_equal "$stderr" "simagg: no runs in the input; give it the JSON Lines that simrun prints"
	printf '\n{"event":"decision","run_id":1}\n' > "$BATS_TEST_TMPDIR/nothing"
	run --separate-stderr simagg --output-dir "$OUT" "$BATS_TEST_TMPDIR/nothing"
	assert_failure 65
	assert_not_exists "$OUT"
}

@test "blank lines and other events (decision, done) are ignored" {
	jq -c '., (select(.event == "end") | {event: "done", run_id})' "$RUNS" \
	    | sed 's/^{"event":"start"/\n&/' > "$BATS_TEST_TMPDIR/mixed"
	echo '{"event":"decision","run_id":3,"step":0,"agent_id":1}' >> "$BATS_TEST_TMPDIR/mixed"
	run --separate-stderr simagg --no-files "$BATS_TEST_TMPDIR/mixed"
	assert_success
	assert_line --index 1 "Total runs: 20"
}

@test "a run id started twice: the later run replaces the earlier, one warning" {
	# another seed: runs of another setting, so --allow-mixed
	simrun "${SMALL[@]}" --seed 9 --run-id 3 > "$BATS_TEST_TMPDIR/rerun"
	run --separate-stderr simagg --allow-mixed --output-dir "$OUT" "$RUNS" "$BATS_TEST_TMPDIR/rerun"
	assert_success
	assert_line --index 1 "Total runs: 20"
	assert_equal "$(wc -l <<< "$stderr")" 1
	assert_regex "$stderr" "^simagg: warning: run 3 starts again at .*rerun:1"
	run grep -c ',3,[0-9]*,[0-9]*$' "$OUT/metrics_history.csv"
	assert_output "$(jq -s 'map(select(.event == "step")) | length' "$BATS_TEST_TMPDIR/rerun")"
	run grep '^3,' "$OUT/run_summary.csv"
	assert_output --partial ",$(jq -s -r '.[-1].metrics.distance' "$BATS_TEST_TMPDIR/rerun"),"
}

@test "exit codes: 66 unreadable file, 64 usage, 73 unwritable dir, 74 stdout" {
	run --separate-stderr simagg --no-files "$BATS_TEST_TMPDIR/missing"
	assert_failure 66
	assert_regex "$stderr" "^simagg: cannot open .*missing: No such file"
	run --separate-stderr simagg --frobnicate
	assert_failure 64
	assert_regex "$stderr" "unknown option --frobnicate; see simagg --help"
	run --separate-stderr simagg --output-dir
	assert_failure 64
	touch "$BATS_TEST_TMPDIR/file"
	run --separate-stderr simagg --output-dir "$BATS_TEST_TMPDIR/file/sub" "$RUNS"
	assert_failure 73
	assert_output ""
	run --separate-stderr bash -c "simagg --no-files '$RUNS' > /dev/full"
	assert_failure 74
}

@test "an output directory that cannot be made: exit 73, nothing written" {
	# a path under a plain file fails even for root
	touch "$BATS_TEST_TMPDIR/plain"
	run --separate-stderr simagg --output-dir "$BATS_TEST_TMPDIR/plain/out" "$RUNS"
	assert_failure 73
	assert_regex "$stderr" "plain/out"
	assert_equal "$output" ""
}

@test "a failed write leaves no .tmp and no half file under its own name" {
	assert [ -w /dev/full ]
	mkdir -p "$OUT"
	ln -s /dev/full "$OUT/metrics_history.csv.tmp"
	run --separate-stderr simagg --output-dir "$OUT" "$RUNS"
	# made but not written (disk full): 74, not 73 (cannot create)
	assert_failure 74
	assert_regex "$stderr" "cannot write .*metrics_history.csv.tmp: No space left"
	run ls -A "$OUT"
	assert_output ""
}

@test "1000 runs at 20x20 with step lines: one history row per step line" {
	# how fast is make bench's business (scripts/bench), not a test's
	simrun --run-id 0-999 > "$BATS_TEST_TMPDIR/big"
	simagg --output-dir "$OUT" "$BATS_TEST_TMPDIR/big" > /dev/null
	run bash -c "tail -n +2 '$OUT/metrics_history.csv' | wc -l"
	assert_output "$(grep -c '"event":"step"' "$BATS_TEST_TMPDIR/big")"
}

@test "step lines read by the fast scanner and by jansson give the same files" {
	simrun --grid-size 10 --num-type-a 40 --num-type-b 40 --run-id 0-9 > "$BATS_TEST_TMPDIR/as_is"
	# other key order and spacing: not simrun's own shape, so jansson reads them
	jq -c 'if .event == "step" then {step, run_id} + . else . end' "$BATS_TEST_TMPDIR/as_is" |
	    sed 's/^{/{ /' > "$BATS_TEST_TMPDIR/reshaped"
	run grep -c '^{"event":"step"' "$BATS_TEST_TMPDIR/reshaped"
	assert_output 0
	simagg --output-dir "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/as_is" > /dev/null
	simagg --output-dir "$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/reshaped" > /dev/null
	run diff -r "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	assert_success
}

@test "a malformed step line is still refused with its place" {
	simrun --grid-size 10 --num-type-a 40 --num-type-b 40 --run-id 0 > "$BATS_TEST_TMPDIR/runs"
	sed -i '3s/"moves":[0-9]*/"moves":01/' "$BATS_TEST_TMPDIR/runs"
	run --separate-stderr simagg --no-files "$BATS_TEST_TMPDIR/runs"
	assert_equal "$status" 65
	assert_regex "$stderr" "runs:3: "
}

@test "start and end lines read without jansson and through it give the same files" {
	simrun --agent utility "${SMALL[@]}" --run-id 0-9 --no-steps > "$BATS_TEST_TMPDIR/as_is"
	simrun "${SMALL[@]}" --run-id 0-4 --max-steps 1 --no-steps |
	    sed 's/"status":"ok"/"status":"failed","reason":"a \\"quoted\\" reason"/' \
	    > "$BATS_TEST_TMPDIR/failed"
	# other key order and spacing: not simrun's own shape, so jansson reads them
	jq -c '{run_id} + .' "$BATS_TEST_TMPDIR/as_is" | sed 's/^{/{ /' > "$BATS_TEST_TMPDIR/reshaped"
	run grep -c '^{"event":' "$BATS_TEST_TMPDIR/reshaped"
	assert_output 0
	simagg --output-dir "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/as_is" > /dev/null
	simagg --output-dir "$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/reshaped" > /dev/null
	run diff -r "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	assert_success
	jq -c '{run_id} + .' "$BATS_TEST_TMPDIR/failed" | sed 's/^{/{ /' > "$BATS_TEST_TMPDIR/failed2"
	run simagg --output-dir "$BATS_TEST_TMPDIR/c" "$BATS_TEST_TMPDIR/failed"
	assert_equal "$status" 75
	run simagg --output-dir "$BATS_TEST_TMPDIR/d" "$BATS_TEST_TMPDIR/failed2"
	assert_equal "$status" 75
	run diff -r "$BATS_TEST_TMPDIR/c" "$BATS_TEST_TMPDIR/d"
	assert_success
}

# same_numbers A B: files of numbers, one a line, equal as numbers once sorted
same_numbers() {
	paste <(sort -g "$1") <(sort -g "$2") | awk -F'\t' '
	    { n++; d = $1 - $2; if (d < 0) d = -d; if ($2 == "" || d > 1e-12 * ($1 < 0 ? -$1 : $1)) bad++ }
	    END { if (bad || n == 0) { print bad + 0, "of", n, "differ"; exit 1 } }'
}

@test "utility runs: mean_utility in the three files and the summary as jq has it; other runs none" {
	local u="$BATS_TEST_TMPDIR/u.jsonl" mean
	simrun --agent utility "${SMALL[@]}" --run-id 0-9 > "$u"
	run simagg --output-dir "$OUT" "$u"
	assert_success
	mean=$(jq -s '[.[] | select(.event == "end") | .mean_utility] | add / length' "$u")
	assert_line --index 4 "$(printf 'Average mean utility: %.4f' "$mean")"
	run jq -e --argjson m "$mean" '.mean_utility.n == 10 and
	    ((.mean_utility.mean - $m) | fabs) < 1e-9' "$OUT/summary.json"
	assert_success
	# run_summary.csv: a last column, each run's end-line value
	run head -1 "$OUT/run_summary.csv"
	assert_output --regexp ',metrics_source,mean_utility$'
	jq -r 'select(.event == "end") | .mean_utility' "$u" > "$BATS_TEST_TMPDIR/want"
	tail -n +2 "$OUT/run_summary.csv" | awk -F, '{ print $NF }' > "$BATS_TEST_TMPDIR/got"
	run same_numbers "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	assert_success
	# metrics_history.csv: each step line's value
	run head -1 "$OUT/metrics_history.csv"
	assert_output --regexp ',decisions,mean_utility$'
	jq -r 'select(.event == "step") | .mean_utility' "$u" > "$BATS_TEST_TMPDIR/want"
	tail -n +2 "$OUT/metrics_history.csv" | awk -F, '{ print $NF }' > "$BATS_TEST_TMPDIR/got"
	run same_numbers "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	assert_success
	# mechanical runs: none of it
	run simagg --output-dir "$BATS_TEST_TMPDIR/m" "$RUNS"
	refute_output --partial "mean utility"
	run jq 'has("mean_utility")' "$BATS_TEST_TMPDIR/m/summary.json"
	assert_output false
	run cat "$BATS_TEST_TMPDIR/m/run_summary.csv" "$BATS_TEST_TMPDIR/m/metrics_history.csv"
	refute_output --partial mean_utility
}
