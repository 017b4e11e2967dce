#!/usr/bin/env bats
# Pictures: simrun --frames, bin/simplot (drawn by the real gnuplot) and
# bin/simreport (rendered by the real headless Chromium).

teardown() {
	stop_fakellms
}

setup() {
	load helper
	cd "$BATS_TEST_TMPDIR"
	SMALL=(--grid-size 10 --num-type-a 40 --num-type-b 40)
	PY=/usr/bin/python3
}

# the newest experiment
latest() {
	ls -dt "$BATS_TEST_TMPDIR"/experiments/* | head -n 1
}

need_gnuplot() {
	command -v gnuplot >/dev/null || skip "gnuplot is not installed (scripts/install-deps)"
}

need_chromium() {
	command -v chromium >/dev/null || skip "chromium is not installed (scripts/install-deps)"
}

# png_size FILE: "W H" when FILE is a PNG (by its header), else fails
png_size() {
	[ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
	$PY -c 'import sys; from PIL import Image; i = Image.open(sys.argv[1]); print(i.format, *i.size)' "$1" |
	    sed -n 's/^PNG //p'
}

@test "simrun --frames: the grid on every step line, the same string as the end line's" {
	run simrun "${SMALL[@]}" --run-id 0-2 --frames
	assert_success
	echo "$output" | jq -e -s '
	    [.[] | select(.event == "step")] as $s
	    | ($s | length) > 0 and all($s[]; (.grid | length) == 100 and (.grid | test("^[.AB]+$")))
	    and ([.[] | select(.event == "end")] | length) == 3
	    and all(.[] | select(.event == "end"); . as $e | ($s | map(select(.run_id == $e.run_id)) | last | .grid) == $e.grid)'
	# the counts of A and B never change
	echo "$output" | jq -e -s 'all(.[] | select(.event == "step"); (.grid | gsub("[^A]"; "") | length) == 40)'
	# without it, step lines have no grid, and nothing else changes
	run simrun "${SMALL[@]}" --run-id 0-2
	echo "$output" | jq -e -s 'all(.[] | select(.event == "step"); has("grid") | not)'
	diff <(simrun "${SMALL[@]}" --run-id 0-2 --frames | jq -c 'del(.grid, .frames)') \
	    <(simrun "${SMALL[@]}" --run-id 0-2 | jq -c 'del(.grid, .frames)')
}

@test "--frames lives in config.json: runners write it, --config and --resume keep it" {
	run baseline_runner --runs 3 "${SMALL[@]}" --frames
	assert_success
	dir=$(latest)
	run jq -r .frames "$dir/config.json"
	assert_output true
	rm "$dir/runs/run_1.jsonl"
	run baseline_runner --resume "$dir"
	assert_success
	jq -e -s 'all(.[] | select(.event == "step"); .grid | length == 100)' "$dir/runs/run_1.jsonl"
	run baseline_runner --runs 2 "${SMALL[@]}"
	run jq -r .frames "$(latest)/config.json"
	assert_output false
	echo '{"frames": "yes"}' > bad.json
	run --separate-stderr simrun --config bad.json --run-id 0
	assert_failure 78
	[[ $stderr == *'"frames" must be true or false'* ]]
}

@test "simplot grid: SVG holds one square per cell in the colour-blind-safe pair; PNG of the asked size" {
	need_gnuplot
	simrun --grid-size 5 --num-type-a 8 --num-type-b 9 --run-id 4 > run.jsonl
	run --separate-stderr simplot grid run.jsonl --output g.svg
	assert_success
	assert_output g.svg
	[ -z "$stderr" ]
	xmllint --noout g.svg
	grid=$(jq -r 'select(.event == "end") | .grid' run.jsonl)
	# the cells (with image pixels: a polygon each) plus one key box per colour
	[ "$(grep -c '<polygon' g.svg)" -eq $((25 + 3)) ]
	# A orange (#E69F00), B blue (#0072B2), empty grey: a cell each, and a key box
	[ "$(grep -c "<polygon fill = 'rgb(230, 159,   0)'" g.svg)" -eq $(($(tr -cd A <<< "$grid" | wc -c) + 1)) ]
	[ "$(grep -c "<polygon fill = 'rgb(  0, 114, 178)'" g.svg)" -eq $(($(tr -cd B <<< "$grid" | wc -c) + 1)) ]
	[ "$(grep -c "<polygon fill = 'rgb(238, 238, 238)'" g.svg)" -eq $(($(tr -cd . <<< "$grid" | wc -c) + 1)) ]
	# drawn from its data file, written next to it, with the script
	[ "$(grep -cv '^#' g.dat)" -eq 5 ]
	[ "$(grep -v '^#' g.dat | tr -d ' \n')" = "$(tr '.AB' '012' <<< "$grid")" ]
	assert_file_exists g.gp
	grep -q "title 'A'" g.gp
	grep -q 'run 4, final grid' g.svg
	grep -q 'dissimilarity_index' g.svg
	run simplot grid run.jsonl --step initial --output g.png --width 300 --height 320
	assert_success
	run png_size g.png
	assert_output "300 320"
	run simplot grid run.jsonl --output d.png
	run png_size d.png
	assert_output "520 560"
}

@test "simplot grid: a 1000x1000 grid is one image, not a million squares" {
	need_gnuplot
	simrun --grid-size 1000 --num-type-a 300000 --num-type-b 300000 --run-id 0 --max-steps 1 > big.jsonl
	run simplot grid big.jsonl --output big.svg
	assert_success
	xmllint --noout big.svg
	[ "$(grep -c '<image' big.svg)" -eq 1 ]
	[ "$(grep -c '<polygon' big.svg)" -lt 10 ]
	[ "$(stat -c %s big.svg)" -lt 3000000 ]
}

@test "simplot trajectory: mean and 95% band per sweep, early runs carried forward or cut" {
	need_gnuplot
	run baseline_runner --runs 6 "${SMALL[@]}"
	dir=$(latest)
	run --separate-stderr simplot trajectory "$dir" --metric share --output t.svg
	assert_success
	[ -z "$stderr" ]
	xmllint --noout t.svg
	longest=$(jq -s '[.[] | select(.event == "end") | .n_steps] | max' "$dir"/runs/*.jsonl)
	# one row per sweep, 0 (the initial grid) to the longest run's steps
	[ "$(grep -cv '^#' t.dat)" -eq $((longest + 1)) ]
	# carried forward: all 6 runs count at every sweep
	[ "$(grep -v '^#' t.dat | awk '{ print $5 }' | sort -u)" = 6 ]
	# the mean at sweep 0 is the mean initial share
	want=$(jq -s '[.[] | select(.event == "start") | .initial.share] | add / length' "$dir"/runs/*.jsonl)
	got=$(grep -v '^#' t.dat | awk 'NR == 1 { print $2 }')
	awk -v a="$want" -v b="$got" 'BEGIN { exit !((a - b) ^ 2 < 1e-18) }'
	grep -q 'keep their final value' t.svg
	grep -q '>share<' t.svg
	run simplot trajectory "$dir" --until-converged --output u.svg
	assert_success
	grep -q 'until-converged' u.svg
	# the last sweep counts only the runs still going
	shortest=$(jq -s '[.[] | select(.event == "end") | .n_steps] | min' "$dir"/runs/*.jsonl)
	[ "$(grep -v '^#' u.dat | tail -1 | awk '{ print $5 }')" -lt 6 ] || [ "$shortest" -eq "$longest" ]
	# several experiments overlaid, named in the legend
	run baseline_runner --runs 4 "${SMALL[@]}" --similarity-threshold 0.3
	run simplot trajectory "$dir" "$(latest)" --label 'T=0.5' --label 'T=0.3' --output two.png
	assert_success
	run png_size two.png
	assert_output "640 480"
	grep -q '"T=0.3"' two.gp
	[ "$(grep -c '^# series' two.dat)" -eq 2 ]
	# unnamed experiments are told apart by the parameters that differ
	run simplot trajectory "$dir" "$(latest)" --output three.svg
	assert_success
	run grep '^# series' three.dat
	assert_output "$(printf '# series: similarity_threshold=0.5\n# series: similarity_threshold=0.3')"
}

@test "simplot distribution: a box per experiment ordered by median, a point per run" {
	need_gnuplot
	baseline_runner --runs 7 "${SMALL[@]}" --similarity-threshold 0.3 > /dev/null
	low=$(latest)
	sleep 1
	baseline_runner --runs 5 "${SMALL[@]}" --similarity-threshold 0.6 > /dev/null
	high=$(latest)
	run --separate-stderr simplot distribution "$high" "$low" --label high --label low --output d.svg
	assert_success
	[ -z "$stderr" ]
	xmllint --noout d.svg
	# points are filled circles (gnuplot's gpPt6), one per run
	[ "$(grep -c "xlink:href='#gpPt6'" d.svg)" -eq 12 ]
	# ordered by median: the lower threshold's box comes first
	run grep '^# series' d.dat
	assert_line --index 0 --partial 'series: low'
	assert_line --index 1 --partial 'series: high'
	grep -q 'final dissimilarity_index' d.svg
}

@test "simplot animation: one GIF frame per step with a step counter" {
	need_gnuplot
	simrun "${SMALL[@]}" --run-id 2 --frames > run.jsonl
	steps=$(jq 'select(.event == "end") | .n_steps' run.jsonl)
	run --separate-stderr simplot animation run.jsonl --output a.gif
	assert_success
	[ -z "$stderr" ]
	[ "$(head -c 6 a.gif)" = GIF89a ]
	[ "$(identify a.gif | wc -l)" -eq "$steps" ]
	[ "$(grep -c '^# step' a.dat)" -eq "$steps" ]
	# gnuplot reads the same frames as bytes, one seek a frame
	[ "$(stat -c %s a.frames)" -eq $((steps * 100)) ]
	[ "$(head -c 100 a.frames | od -An -tu1 -v | tr -s ' \n' ' ' | tr -d ' ')" = \
	    "$(jq -r 'select(.event == "step" and .step == 0) | .grid' run.jsonl | tr '.AB' '012')" ]
	grep -q "step $((steps - 1)) ($steps of $steps)" a.gp
}

@test "simplot: bad input gets one line and its exit code" {
	need_gnuplot
	simrun "${SMALL[@]}" --run-id 0 > plain.jsonl
	run --separate-stderr simplot animation plain.jsonl --output a.gif
	assert_failure 65
	[ "$(wc -l <<< "$stderr")" -eq 1 ]
	[[ $stderr == *"has no frames"*"--frames"* ]]
	assert_file_not_exists a.gif
	run --separate-stderr simplot grid plain.jsonl --step 2 --output g.png
	assert_failure 65
	[ "$(wc -l <<< "$stderr")" -eq 1 ]
	[[ $stderr == *"has no frames"* ]]
	assert_file_not_exists g.png
	run --separate-stderr simplot trajectory plain.jsonl --metric segregation
	assert_failure 64
	[ "$(wc -l <<< "$stderr")" -eq 1 ]
	[[ $stderr == *"unknown metric 'segregation'"*dissimilarity_index* ]]
	run --separate-stderr simplot pie plain.jsonl
	assert_failure 64
	run --separate-stderr simplot grid plain.jsonl --output g.jpg
	assert_failure 64
	run --separate-stderr simplot grid plain.jsonl --run 9
	assert_failure 65
	[[ $stderr == *"no run 9"* ]]
	run --separate-stderr simplot grid missing.jsonl
	assert_failure 66
	mkdir notexp
	run --separate-stderr simplot trajectory notexp
	assert_failure 65
	[[ $stderr == *"not an experiment directory"* ]]
	# gnuplot that cannot start, and gnuplot that fails
	run --separate-stderr env SIM_GNUPLOT=/nonexistent/gnuplot simplot grid plain.jsonl
	assert_failure 69
	[ "$(wc -l <<< "$stderr")" -eq 1 ]
	[[ $stderr == *gnuplot-nox* ]]
	assert_file_not_exists grid.png
	printf '#!/bin/sh\necho "\\"x.gp\\" line 3: undefined variable: y" >&2\nexit 1\n' > fail.sh
	chmod +x fail.sh
	run --separate-stderr env SIM_GNUPLOT="$PWD/fail.sh" simplot grid plain.jsonl
	assert_failure 70
	[[ $stderr == *"line 3: undefined variable"* ]]
	assert_file_not_exists grid.png
}

@test "simreport: an experiment's page in headless Chromium: every figure drawn, nothing fetched, not blank" {
	need_gnuplot
	need_chromium
	baseline_runner --runs 12 "${SMALL[@]}" > /dev/null
	dir=$(latest)
	run --separate-stderr simreport "$dir"
	assert_success
	assert_output "$dir/report.html"
	[ -z "$stderr" ]
	page=$dir/report.html
	grep -q "Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-" "$page"
	! grep -Eq '(src|href)="(https?:)?//' "$page"
	# one inline script (the table sorter), nothing loaded
	[ "$(grep -c '<script' "$page")" -eq 1 ]
	! grep -q '<script src' "$page"
	# the six-line summary, parameters, runs, no failure
	grep -q 'Total runs: 12' "$page"
	grep -q 'similarity_threshold' "$page"
	[ "$(grep -c '<tr><td>[0-9]*</td><td class="l">ok</td>' "$page")" -eq 12 ]
	grep -q 'None: every run ended ok' "$page"
	# the typical run is the one closest to the median final DI
	typical=$(jq -s '[.[] | select(.event == "end") | {id: .run_id, d: .metrics.dissimilarity_index}] | sort_by(.d) as $s
	    | (if ($s | length) % 2 == 1 then $s[($s | length - 1) / 2].d else ($s[($s | length) / 2 - 1].d + $s[($s | length) / 2].d) / 2 end) as $m
	    | min_by(((.d - $m) | fabs) * 1e6 + .id / 1e6) | .id' "$dir"/runs/*.jsonl)
	grep -q "closest to the median): run $typical<" "$page"
	"$ROOT/tests/support/chromium-render" "$page" render 1280 3000
	run "$ROOT/tests/support/check-report" render/dom.html render/screenshot.png render/netlog.json 13
	echo "$output"
	assert_success
}

@test "simreport: the runs table sorts with the page's one script, allowed by its hash alone" {
	need_gnuplot
	need_chromium
	baseline_runner --runs 9 "${SMALL[@]}" > /dev/null
	dir=$(latest)
	simreport "$dir" > /dev/null
	page=$dir/report.html
	# the policy names the script's SHA-256 and nothing else may run
	[ "$(grep -c '<script' "$page")" -eq 1 ]
	$PY - "$page" <<'PY'
import base64, hashlib, re, sys
s = open(sys.argv[1]).read()
js = re.search(r"<script>(.*?)</script>", s, re.S).group(1)
want = base64.b64encode(hashlib.sha256(js.encode()).digest()).decode()
csp = re.search(r'Content-Security-Policy" content="([^"]*)"', s).group(1)
assert f"script-src 'sha256-{want}'" in csp, (want, csp)
PY
	# sorted by the last column (dissimilarity_index), descending, from the address
	"$ROOT/tests/support/chromium-render" "$page#sort=11-" render
	grep -q 'id="runs" data-sortable="yes" data-sorted="11-"' render/dom.html
	want=$(jq -s -r '[.[] | select(.event == "end")] | sort_by(-.metrics.dissimilarity_index, .run_id) | map(.run_id) | join(" ")' "$dir"/runs/*.jsonl)
	got=$(grep -o '<tr><td>[0-9]*</td><td class="l">ok</td>' render/dom.html | grep -o '[0-9]*' | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$want" ]
	# without the script (a browser that runs none) the table is in run id order
	[ "$(grep -o '<tr><td>[0-9]*</td><td class="l">ok</td>' "$page" | grep -o '[0-9]*' | tr '\n' ' ' | sed 's/ $//')" = "$(seq -s ' ' 0 8)" ]
}

@test "simreport: grids larger than 100x100 are inline images that load" {
	need_gnuplot
	need_chromium
	baseline_runner --runs 2 --grid-size 120 --num-type-a 6000 --num-type-b 6000 --max-steps 2 > /dev/null
	dir=$(latest)
	run simreport "$dir"
	assert_success
	# six grids, each one embedded PNG
	[ "$(grep -c '<image' "$dir/report.html")" -eq 6 ]
	"$ROOT/tests/support/chromium-render" "$dir/report.html" render 1280 3000
	run "$ROOT/tests/support/check-report" render/dom.html render/screenshot.png render/netlog.json 13
	echo "$output"
	assert_success
	assert_line --partial "6 inline images"
}

@test "check-report sees a page that fetches from the network and a broken image" {
	need_chromium
	port=$(closed_port)
	cat > fetching.html <<HTML
<!DOCTYPE html><html><body><h1>x</h1><figure><img src="http://127.0.0.1:$port/a.png"><img src="data:image/png;base64,iVBORw0KGgoAAAA="></figure></body></html>
HTML
	"$ROOT/tests/support/chromium-render" fetching.html render
	run "$ROOT/tests/support/check-report" render/dom.html render/screenshot.png render/netlog.json 1
	assert_failure
	assert_line --partial "the page fetched http://127.0.0.1:$port/a.png"
	assert_line --partial "an image not inline"
	assert_line --partial "a broken inline image"
	# the same page under simreport's policy fetches nothing
	sed -i 's|<html>|<html><head><meta http-equiv="Content-Security-Policy" content="default-src '"'none'"'; img-src data:"></head>|' fetching.html
	"$ROOT/tests/support/chromium-render" fetching.html render2
	run "$ROOT/tests/support/check-report" render2/dom.html render2/screenshot.png render2/netlog.json 1
	refute_line --partial "the page fetched"
}

@test "simreport: failed runs listed with their reason; bad directories get one line each" {
	need_gnuplot
	baseline_runner --runs 3 "${SMALL[@]}" > /dev/null
	dir=$(latest)
	# a run that failed, as an LLM run does when the server is gone for good
	jq -c 'if .event == "end" then .status = "failed" | .reason = "HTTP 503 through all retries" else . end' \
	    "$dir/runs/run_1.jsonl" > x && mv x "$dir/runs/run_1.jsonl"
	run simreport "$dir" --output "$BATS_TEST_TMPDIR/r.html"
	assert_success
	assert_file_exists "$BATS_TEST_TMPDIR/r_data/figures.gp"
	grep -q '<tr class="failed"><td>1</td><td class="l">HTTP 503 through all retries</td>' r.html
	mkdir plain
	run --separate-stderr simreport plain
	assert_failure 65
	[ "$(wc -l <<< "$stderr")" -eq 1 ]
	[[ $stderr == *"neither an experiment"*"nor a study"* ]]
	mkdir -p empty/runs
	run --separate-stderr simreport empty
	assert_failure 65
	[ "$(wc -l <<< "$stderr")" -eq 1 ]
	[[ $stderr == *"no finished run"* ]]
	assert_file_not_exists empty/report.html
	run --separate-stderr simreport nowhere
	assert_failure 66
	[ "$(wc -l <<< "$stderr")" -eq 1 ]
}

# A study directory in the format of STUDY-FORMATS.md, made by hand from
# two experiments of bin/baseline_runner.
make_study() {
	local s=$BATS_TEST_TMPDIR/studies/demo_20260101_000000 t i=0 e
	mkdir -p "$s/experiments"
	echo '{"name": "demo"}' > "$s/study.json"
	: > "$s/plan.jsonl"
	: > "$s/manifest.jsonl"
	for t in 0.3 0.6; do
		(cd "$s" && baseline_runner --runs 5 "${SMALL[@]}" --similarity-threshold "$t" > /dev/null)
		e=$(cd "$s" && ls -dt experiments/* | head -n 1)
		jq -nc --argjson i "$i" --arg e "$e" --argjson t "$t" '{cell: $i,
		    name: "mechanical_similarity_threshold=\($t)", agent: "mechanical", scenario: null,
		    varied: {similarity_threshold: $t}, params: {similarity_threshold: $t, grid_size: 10},
		    experiment: $e, runs: 5, shared_by: ["baseline"]}' >> "$s/plan.jsonl"
		jq -nc --argjson i "$i" --arg e "$e" '{cell: $i, experiment: $e, status: "complete",
		    runs: 5, ok: 5, failed: 0, missing: 0}' >> "$s/manifest.jsonl"
		i=$((i + 1))
		sleep 1
	done
	{
		echo 'experiment,similarity_threshold,metric,n,mean,sd,ci_lo,ci_hi,median,q1,q3,iqr'
		echo 'mechanical_similarity_threshold=0.3,0.3,dissimilarity_index,5,0.41,0.1,0.3,0.52,0.4,0.35,0.45,0.1'
		echo 'mechanical_similarity_threshold=0.6,0.6,dissimilarity_index,5,0.81,0.05,0.75,0.87,0.8,0.77,0.84,0.07'
	} > "$s/comparison.csv"
	printf '# Comparison\n\nThe **dissimilarity index** rises with the threshold (`p < 0.001`).\n\n| cell | median |\n|---|---|\n| T=0.3 | 0.4 |\n| T=0.6 | 0.8 |\n' > "$s/comparison.md"
	STUDY=$s
}

@test "simreport: a study's page: comparison tables and sentences, distributions and trajectories per metric" {
	need_gnuplot
	need_chromium
	make_study
	run --separate-stderr simreport "$STUDY"
	assert_success
	assert_output "$STUDY/report.html"
	page=$STUDY/report.html
	grep -q 'The <strong>dissimilarity index</strong> rises with the threshold (<code>p &lt; 0.001</code>).' "$page"
	grep -q '<td class="l">T=0.6</td><td class="l">0.8</td>' "$page"
	grep -q '<td class="l">mechanical_similarity_threshold=0.6</td><td title="0.6">0.6</td>' "$page"
	[ "$(grep -c '<figure' "$page")" -eq 14 ]
	# one box per cell, one point per run
	grep -c '^# series' "$STUDY/report_data/distribution_share.dat" | grep -qx 2
	[ "$(grep -c "xlink:href='#f[0-9]*-gpPt6'" "$page")" -eq $((7 * 10)) ]
	"$ROOT/tests/support/chromium-render" "$page" render 1280 3000
	run "$ROOT/tests/support/check-report" render/dom.html render/screenshot.png render/netlog.json 14
	echo "$output"
	assert_success
	# a cell not run yet is named, not fatal
	jq -c 'select(.cell == 1) | .cell = 2 | .name = "later" | .experiment = "experiments/none"' \
	    "$STUDY/plan.jsonl" >> "$STUDY/plan.jsonl"
	run simreport "$STUDY"
	assert_success
	grep -q 'later</td><td colspan="2" class="l failed">not run yet' "$page"
}

@test "simreport: an LLM experiment's page has simagg's LLM lines" {
	need_gnuplot
	start_fakellm
	run --separate-stderr llm_runner --runs 2 "${SMALL[@]}" --llm-url "$URL" --frames
	assert_success
	dir=$(latest)
	assert_line --regexp "^Report: .*/report.html$"
	page=$dir/report.html
	calls=$(jq -r '.llm_calls.mean' "$dir/summary.json")
	grep -q "Average LLM calls per run: $(printf '%.1f' "$calls")" "$page"
	grep -q 'Average LLM response time: [0-9.]*s' "$page"
	grep -q '<b>name</b>: baseline' "$page"
}

@test "llm_runner and baseline_runner end with the report's path; --no-report turns it off" {
	need_gnuplot
	run --separate-stderr baseline_runner --runs 2 "${SMALL[@]}"
	assert_success
	dir=$(latest)
	assert_line --regexp "^Report: (.*/)?experiments/$(basename "$dir")/report.html$"
	assert_file_exists "$dir/report.html"
	run --separate-stderr baseline_runner --runs 2 "${SMALL[@]}" --no-report
	assert_success
	refute_line --partial "Report:"
	assert_file_not_exists "$(latest)/report.html"
}
