#!/usr/bin/env bats
# The README's exit-code table is exactly true: every code, for every
# program its "who" column names, happens as the row describes.  The
# table is read from README.md, so a new row or program without a case
# here fails.

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

PROGRAMS=(simrun simcfg simagg simprobe llm_runner baseline_runner)

# code<TAB>program for every documented pair ("all", "runners" expanded)
documented() {
	# an escaped \| inside a cell is no column
	sed 's/\\|//g' "$ROOT/README.md" |
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

# exit status of PROG made to end with CODE, in the way the README says
case_for() {
	local code=$1 prog=$2
	case "$code:$prog" in
	0:simrun) simrun "${SMALL[@]}" --run-id 0 > /dev/null ;;
	0:simcfg) simcfg --runs 2 > /dev/null ;;
	0:simagg) runs; simagg --no-files "$T/runs.jsonl" > /dev/null ;;
	0:simprobe) start_fakellm; comp_table --output "$T/t.table" 2> /dev/null ;;
	0:*_runner) "$prog" --runs 2 --agent mechanical --output-dir "$T/exp" > /dev/null 2>&1 ;;
	64:*) "$prog" --no-such-flag 2> /dev/null ;;
	65:simrun) start_fakellm --reply-style sentence
		simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --parse-retries 0 --run-id 0 > /dev/null 2>&1 ;;
	65:simagg) echo 'not json' > "$T/bad"; simagg --no-files "$T/bad" 2> /dev/null ;;
	65:simprobe) start_fakellm
		comp_table --shard 0/2 --output "$T/s0.table" 2> /dev/null
		simprobe --merge "$T/s0.table" --output "$T/m.table" 2> /dev/null ;;
	65:*_runner) mkdir -p "$T/r"; echo '{"agent": "mechanical"}' > "$T/r/config.json"
		"$prog" --resume "$T/r" > /dev/null 2>&1 ;;
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
	75:simrun) start_fakellm --fault 500
		simrun "${SMALL[@]}" --agent llm --llm-url "$URL" --llm-retries 0 --run-id 0 > /dev/null 2>&1 ;;
	75:simagg) simrun "${SMALL[@]}" --run-id 0 | head -n 3 > "$T/cut.jsonl"
		simagg --no-files "$T/cut.jsonl" > /dev/null 2>&1 ;;
	75:simprobe) start_fakellm --fault 500
		comp_table --llm-retries 0 --retry-base-ms 1 --output "$T/t.table" > /dev/null 2>&1 ;;
	75:*_runner) start_fakellm --reply-style sentence
		# the check passes (any reply), the run fails: no MOVE or STAY
		"$prog" --runs 1 --agent llm --llm-url "$URL" --parse-retries 0 \
		    "${SMALL[@]}" --output-dir "$T/exp" > /dev/null 2>&1 ;;
	78:simrun) echo '{"grid_size": "big"}' > "$T/c.json"
		simrun --config "$T/c.json" --run-id 0 > /dev/null 2>&1 ;;
	78:simcfg) echo '{"grid_size": "big"}' > "$T/c.json"
		simcfg --config "$T/c.json" --runs 1 > /dev/null 2>&1 ;;
	78:simprobe) simprobe --scenario no_such_scenario > /dev/null 2>&1 ;;
	130:*_runner|143:*_runner)
		local sig=INT
		[ "$code" = 143 ] && sig=TERM
		python3 - "$prog" "$sig" "$T/exp" <<'PY'
import signal, subprocess, sys, time
# runs of a few seconds each: the signal comes while one is running
p = subprocess.Popen([sys.argv[1], "--runs", "20", "--agent", "mechanical",
                      "--processes", "1", "--grid-size", "300",
                      "--num-type-a", "40000", "--num-type-b", "40000",
                      "--output-dir", sys.argv[3]],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(3)
p.send_signal(getattr(signal, "SIG" + sys.argv[2]))
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

@test "the README's exit-code table lists codes for every program" {
	run documented
	assert_success
	assert_line --regexp $'^0\tsimrun$'
	assert_line --regexp $'^78\tsimprobe$'
	[ "${#lines[@]}" -gt 40 ]
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
		rm -rf "$T"/exp* "$T"/*.table* "$T"/f
	done < <(documented | grep -E "^${EXITCODES_ONLY:-.}")
	[ "${#failures[@]}" -eq 0 ] || fail "$(printf '%s\n' "${failures[@]}")"
}
