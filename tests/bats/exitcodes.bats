#!/usr/bin/env bats
# The manual's exit statuses are exactly true: every code in the EXIT
# STATUS section of a program's page (man/man1/) happens as the page says.
# The codes are read from the pages, so a new code or program without a
# case here fails; docs/hardening.md's table across programs must say the
# same as the pages.

setup() {
	load helper
	SMALL=(--grid-size 6 --num-type-a 10 --num-type-b 10)
	T=$BATS_TEST_TMPDIR
	unset LLM_API_KEY
	cd "$T"
}

teardown() {
	stop_fakellms
}

PROGRAMS=(simrun simcfg simagg simprobe simcompare simplot simreport simstudy
	llm_runner baseline_runner)

# code<TAB>program for every ".It CODE" of every page's EXIT STATUS
# (baseline_runner's page is llm_runner's)
documented() {
	local prog page
	for prog in "${PROGRAMS[@]}"; do
		page=$ROOT/man/man1/$prog.1
		[ "$prog" != baseline_runner ] || page=$ROOT/man/man1/llm_runner.1
		awk -v prog="$prog" '/^\.Sh / { on = (substr($0, 5) == "EXIT STATUS"); next }
		    on && $1 == ".It" && $2 ~ /^[0-9]+$/ { print $2 "\t" prog }' "$page"
	done
}

# code<TAB>program for every row of docs/hardening.md's exit-code table
# ("all" and "runners" expanded)
tabled() {
	# an escaped \| inside a cell is no column
	sed 's/\\|//g' "$ROOT/docs/hardening.md" |
	awk -F' *\\| *' '/^## Exit codes/ { t = 1; next }
	    t && /^## / { exit }
	    t && /^\| [0-9]/ { print $2 "\t" $4 }' |
	while IFS=$'\t' read -r codes who; do
		for code in ${codes//,/ }; do
			for prog in ${who//,/ }; do
				case $prog in
				all) printf "$code\t%s\n" "${PROGRAMS[@]}" ;;
				runners) printf "$code\t%s\n" llm_runner baseline_runner ;;
				*) printf '%s\t%s\n' "$code" "$prog" ;;
				esac
			done
		done
	done
}

runs() { simrun "${SMALL[@]}" --run-id 0-2 > "$T/runs.jsonl"; }
comp_table() { simprobe --llm-url "$URL" --key composition --method logprobs "$@"; }
# an experiment of 3 mechanical runs in $T/$1 (default exp0)
experiment() {
	local d=$T/${1:-exp0}
	baseline_runner --runs 3 "${SMALL[@]}" --experiment-dir "$d" --no-report > /dev/null 2>&1
	echo "$d"
}
# a directory that is an experiment but whose one run file is a line of
# 50 MB: reading it needs more memory than ulimit -v 60000 gives
huge_line() {
	mkdir -p "$T/huge/runs"
	python3 -c 'import sys; sys.stdout.write("{\"event\":\"start\",\"run_id\":0,\"grid\":\"" + "A" * (50 << 20) + "\"}\n")' \
	    > "$T/huge/runs/run_0.jsonl"
	echo '{"n_runs": 1, "agent": "mechanical"}' > "$T/huge/config.json"
}
study_file() {  # a study of the given agents, fixed keys as JSON
	printf '{"name": "s", "runs": %s, "agents": %s, "fixed": %s}\n' "$1" "$2" "$3" > "$T/study.json"
}

# exit status of PROG made to end with CODE, in the way its page says
case_for() {
	local code=$1 prog=$2
	case "$code:$prog" in
	0:simrun) simrun "${SMALL[@]}" --run-id 0 > /dev/null ;;
	0:simcfg) simcfg --runs 2 > /dev/null ;;
	0:simagg) runs; simagg --no-files "$T/runs.jsonl" > /dev/null ;;
	0:simprobe) start_fakellm; comp_table --output "$T/t.table" 2> /dev/null ;;
	0:*_runner) "$prog" --runs 2 --agent mechanical --output-dir "$T/exp" > /dev/null 2>&1 ;;
	0:simcompare) simcompare "$(experiment exp0)" "$(experiment exp1)" --output-dir "$T/cmp" > /dev/null 2>&1 ;;
	0:simplot) simplot grid "$(experiment)" --output "$T/g.svg" > /dev/null 2>&1 ;;
	0:simreport) simreport "$(experiment)" > /dev/null 2>&1 ;;
	0:simstudy) study_file 2 '["mechanical"]' '{"grid_size": 6, "num_type_a": 10, "num_type_b": 10}'
		simstudy "$T/study.json" --output-dir "$T/exp" --no-report > /dev/null 2>&1 ;;
	64:*) "$prog" --no-such-flag 2> /dev/null ;;
	65:simrun) start_fakellm --reply-style sentence
		simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --parse-retries 0 --run-id 0 > /dev/null 2>&1 ;;
	65:simagg) echo 'not json' > "$T/bad"; simagg --no-files "$T/bad" 2> /dev/null ;;
	65:simprobe) start_fakellm
		comp_table --shard 0/2 --output "$T/s0.table" 2> /dev/null
		simprobe --merge "$T/s0.table" --output "$T/m.table" 2> /dev/null ;;
	65:*_runner) local d; d=$(experiment)
		# runs of one threshold, a config.json of another
		rm "$d/runs/run_1.jsonl"
		jq '.similarity_threshold = 0.6' "$d/config.json" > "$T/c" && mv "$T/c" "$d/config.json"
		"$prog" --resume "$d" > /dev/null 2>&1 ;;
	78:*_runner) mkdir -p "$T/r"; echo '{"agent": "mechanical"}' > "$T/r/config.json"
		"$prog" --resume "$T/r" > /dev/null 2>&1 ;;
	65:simcompare) mkdir -p "$T/e/runs"; echo '{}' > "$T/e/config.json"
		simcompare "$T/e" > /dev/null 2>&1 ;;
	65:simplot|65:simreport) mkdir -p "$T/neither"
		"$prog" $([ "$prog" = simplot ] && echo grid) "$T/neither" > /dev/null 2>&1 ;;
	66:simcompare|66:simreport) "$prog" "$T/missing" > /dev/null 2>&1 ;;
	66:simplot) simplot grid "$T/missing" > /dev/null 2>&1 ;;
	66:simstudy) simstudy --resume "$T/missing" > /dev/null 2>&1 ;;
	69:simplot) SIM_GNUPLOT=$T/no-gnuplot simplot grid "$(experiment)" --output "$T/g.svg" > /dev/null 2>&1 ;;
	69:simreport) SIM_GNUPLOT=$T/no-gnuplot simreport "$(experiment)" > /dev/null 2>&1 ;;
	69:simstudy) study_file 1 '["llm"]' "{\"grid_size\": 6, \"num_type_a\": 10, \"num_type_b\": 10, \"llm_url\": \"http://127.0.0.1:$(closed_port)/v1/chat/completions\"}"
		simstudy "$T/study.json" --output-dir "$T/exp" > /dev/null 2>&1 ;;
	70:simplot|70:simreport)
		# a gnuplot that fails on every script
		printf '#!/bin/sh\necho "line 1: no such command" >&2\nexit 1\n' > "$T/bad-gnuplot"
		chmod +x "$T/bad-gnuplot"
		if [ "$prog" = simplot ]; then
			SIM_GNUPLOT=$T/bad-gnuplot simplot grid "$(experiment)" --output "$T/g.svg" > /dev/null 2>&1
		else
			SIM_GNUPLOT=$T/bad-gnuplot simreport "$(experiment)" > /dev/null 2>&1
		fi ;;
	71:simcompare|71:simplot|71:simreport) huge_line
		(ulimit -v 60000; case $prog in
		simplot) simplot grid "$T/huge" --output "$T/g.svg" ;;
		*) "$prog" "$T/huge" ;;
		esac > /dev/null 2>&1) ;;
	73:simcompare) touch "$T/f"; simcompare "$(experiment)" --output-dir "$T/f/out" > /dev/null 2>&1 ;;
	73:simplot) touch "$T/f"; simplot grid "$(experiment)" --output "$T/f/g.svg" > /dev/null 2>&1 ;;
	73:simreport) touch "$T/f"; simreport "$(experiment)" --output "$T/f/r.html" > /dev/null 2>&1 ;;
	73:*_runner) touch "$T/f"; "$prog" --runs 1 --agent mechanical --output-dir "$T/f" > /dev/null 2>&1 ;;
	73:simstudy) touch "$T/f"; study_file 1 '["mechanical"]' '{}'
		simstudy "$T/study.json" --output-dir "$T/f" > /dev/null 2>&1 ;;
	75:simcompare) local d; d=$(experiment)
		simrun "${SMALL[@]}" --run-id 1 | head -n 3 > "$d/runs/run_1.jsonl"
		simcompare "$d" --output-dir "$T/cmp" > /dev/null 2>&1 ;;
	75:simstudy) start_fakellm --fault-first 3 --faults none,none,500
		# the study's check and its cell's get their answers, the run a 500
		study_file 1 '["llm"]' "{\"grid_size\": 6, \"num_type_a\": 10, \"num_type_b\": 10, \"llm_url\": \"$URL\", \"llm_retries\": 0}"
		simstudy "$T/study.json" --output-dir "$T/exp" --no-report > /dev/null 2>&1 ;;
	78:simstudy) echo '{"name": "s", "no_such_key": 1}' > "$T/study.json"
		simstudy "$T/study.json" --output-dir "$T/exp" > /dev/null 2>&1 ;;
	66:simagg) simagg --no-files "$T/missing" 2> /dev/null ;;
	66:simprobe) simprobe --merge "$T/missing" 2> /dev/null ;;
	66:*_runner) "$prog" --resume "$T/missing" > /dev/null 2>&1 ;;
	69:simrun) simrun --check-llm --llm-url "http://127.0.0.1:$(closed_port)/v1/chat/completions" > /dev/null 2>&1 ;;
	69:simprobe) start_fakellm  # a model the server does not have: 404
		comp_table --llm-model no-such-model > /dev/null 2>&1 ;;
	69:*_runner) "$prog" --runs 1 --agent llm --output-dir "$T/exp" \
		--llm-url "http://127.0.0.1:$(closed_port)/v1/chat/completions" > /dev/null 2>&1 ;;
	71:simrun) (ulimit -v 200000; simrun --grid-size 4096 --num-type-a 100 --num-type-b 100 \
		--run-id 0 --max-steps 1 > /dev/null 2>&1) ;;
	73:simrun) touch "$T/f"; simrun --run-id 0 --output-dir "$T/f" > /dev/null 2>&1 ;;
	73:simcfg) touch "$T/f"; simcfg --runs 1 --output "$T/f/config.json" 2> /dev/null ;;
	73:simagg) touch "$T/f"; runs; simagg --output-dir "$T/f/out" "$T/runs.jsonl" > /dev/null 2>&1 ;;
	73:simprobe) start_fakellm; touch "$T/t.table.partial"
		comp_table --output "$T/t.table" 2> /dev/null ;;
	74:simrun) simrun --run-id 0 > /dev/full 2> /dev/null ;;
	74:simcfg) simcfg --runs 1 > /dev/full 2> /dev/null ;;
	74:simagg) runs; simagg --no-files "$T/runs.jsonl" > /dev/full 2> /dev/null ;;
	74:simprobe) start_fakellm; comp_table > /dev/full 2> /dev/null ;;
	74:*_runner) mkdir -p "$T/full"
		# a 64 KiB tmpfs of a mount namespace of its own (gone with it)
		unshare --map-root-user --mount sh -c \
		    'mount -t tmpfs -o size=64k tmpfs "$1" && shift && exec "$@"' sh \
		    "$T/full" "$prog" --runs 60 --agent mechanical "${SMALL[@]}" \
		    --no-report --output-dir "$T/full" > /dev/null 2>&1 ;;
	75:simrun) start_fakellm --fault 500
		simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --llm-retries 0 --run-id 0 > /dev/null 2>&1 ;;
	75:simagg) simrun "${SMALL[@]}" --run-id 0 | head -n 3 > "$T/cut.jsonl"
		simagg --no-files "$T/cut.jsonl" > /dev/null 2>&1 ;;
	75:simprobe) start_fakellm --fault 500
		comp_table --llm-retries 0 --retry-base-ms 1 --output "$T/t.table" > /dev/null 2>&1 ;;
	75:*_runner) start_fakellm --fault-first 2 --faults none,500
		# the check gets its answer, the run a 500 it may not retry
		"$prog" --runs 1 --agent llm --llm-url "$URL" --llm-retries 0 \
		    "${SMALL[@]}" --output-dir "$T/exp" > /dev/null 2>&1 ;;
	78:simrun) echo '{"grid_size": "big"}' > "$T/c.json"
		simrun --config "$T/c.json" --run-id 0 > /dev/null 2>&1 ;;
	78:simcfg) echo '{"grid_size": "big"}' > "$T/c.json"
		simcfg --config "$T/c.json" --runs 1 > /dev/null 2>&1 ;;
	78:simprobe) simprobe --scenario no_such_scenario > /dev/null 2>&1 ;;
	130:*_runner|143:*_runner|130:simstudy|143:simstudy)
		local sig=INT
		[ "$code" = 143 ] && sig=TERM
		# runs of a few seconds each: the signal comes while one is running
		local big=(--grid-size 1000 --num-type-a 450000 --num-type-b 450000 --max-steps 50) args
		if [ "$prog" = simstudy ]; then
			study_file 20 '["mechanical"]' '{"grid_size": 1000, "num_type_a": 450000, "num_type_b": 450000, "max_steps": 50}'
			args=("$T/study.json" --processes 1 --output-dir "$T/exp")
		else
			args=(--runs 20 --agent mechanical --processes 1 "${big[@]}" --output-dir "$T/exp")
		fi
		python3 - "$sig" "$prog" "${args[@]}" <<'PY'
import signal, subprocess, sys, time
p = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
time.sleep(3)
p.send_signal(getattr(signal, "SIG" + sys.argv[1]))
sys.exit(p.wait(timeout=60))
PY
		;;
	141:*) runs
		python3 - "$prog" "$T/runs.jsonl" "${URL:-}" <<'PY'
import os, subprocess, sys
prog, runs, url = sys.argv[1:]
args = {"simrun": ["--run-id", "0-99"], "simcfg": ["--runs", "3"],
        "simagg": ["--no-files", runs],
        "simprobe": ["--llm-url", url, "--key", "composition", "--method", "logprobs"]}[prog]
r, w = os.pipe()
os.close(r)
p = subprocess.run([prog] + args, stdout=w, stderr=subprocess.DEVNULL,
                   restore_signals=False)
sys.exit(128 - p.returncode if p.returncode < 0 else p.returncode)
PY
		;;
	*) echo "no case for exit $code of $prog" >&2; return 255 ;;
	esac
}

@test "the pages' EXIT STATUS sections list codes for every program" {
	run documented
	assert_success
	assert_line --regexp $'^0\tsimrun$'
	assert_line --regexp $'^78\tsimprobe$'
	assert_line --regexp $'^143\tbaseline_runner$'
	[ "${#lines[@]}" -gt 80 ]
	local p
	for p in "${PROGRAMS[@]}"; do
		assert_line --regexp $'^64\t'"$p\$"
	done
}

@test "docs/hardening.md's exit-code table says what the pages say" {
	run diff <(documented | sort -u) <(tabled | sort -u)
	assert_success
}

@test "every documented exit code happens for every program that documents it" {
	local code prog status failures=()
	[ -n "$(documented)" ]
	while IFS=$'\t' read -r code prog; do
		[ "$code:$prog" != 141:simprobe ] || start_fakellm
		status=0
		case_for "$code" "$prog" < /dev/null || status=$?
		[ "$status" -eq "$code" ] || failures+=("$prog: expected $code, got $status")
		stop_fakellms
		rm -rf "$T"/exp* "$T"/*.table* "$T"/f "$T"/full
	done < <(documented | grep -E "^${EXITCODES_ONLY:-.}")
	[ "${#failures[@]}" -eq 0 ] || fail "$(printf '%s\n' "${failures[@]}")"
}
