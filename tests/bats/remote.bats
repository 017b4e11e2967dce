#!/usr/bin/env bats
# bin/llm_runner on ssh hosts (GNU parallel --sshloginfile) against two real
# OpenSSH servers on 127.0.0.1 (tests/support/sshd-hosts), throwaway keys.
#
# "Byte-identical" here: every run file equals the local one byte for byte
# once the start line's one "host" member (,"host":"NAME") is removed; that
# member is the only thing a host adds (simrun --host).

setup_file() {
	SSHD_DIR=$BATS_FILE_TMPDIR/sshd
	export SSHD_DIR
	if ! "$BATS_TEST_DIRNAME/../support/sshd-hosts" start "$SSHD_DIR" \
		> "$BATS_FILE_TMPDIR/sshd.err" 2>&1; then
		echo "sshd cannot start" > "$BATS_FILE_TMPDIR/skip"
		cat "$BATS_FILE_TMPDIR/sshd.err" >> "$BATS_FILE_TMPDIR/skip"
	fi
}

teardown_file() {
	"$BATS_TEST_DIRNAME/../support/sshd-hosts" stop "$SSHD_DIR" || true
}

setup() {
	load helper
	[ ! -f "$BATS_FILE_TMPDIR/skip" ] || skip "$(tr '\n' ' ' < "$BATS_FILE_TMPDIR/skip")"
	cd "$BATS_TEST_TMPDIR"
	SMALL=(--grid-size 10 --num-type-a 40 --num-type-b 40 --seed 11)
	# runs of about 0.2 s, so that a host can die in the middle
	BIG=(--grid-size 200 --num-type-a 18000 --num-type-b 18000
		--similarity-threshold 0.65 --max-steps 40 --seed 5)
	SLF=$SSHD_DIR/sshloginfile
	unset LLM_API_KEY PARALLEL
}

teardown() {
	stop_fakellms
}

# same_runs DIR_A DIR_B: the same run files, equal but for the host member
same_runs() {
	local a=$1 b=$2 f n=0
	diff <(cd "$a/runs" && ls) <(cd "$b/runs" && ls)
	for f in "$a"/runs/run_*.jsonl; do
		cmp <(sed '1s/,"host":"[^"]*"//' "$f") <(sed '1s/,"host":"[^"]*"//' "$b/runs/${f##*/}")
		n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}

exp_in() {
	ls -d "$1"/experiments/*
}

@test "two ssh hosts, shared file system: the same run files as a local experiment" {
	baseline_runner --runs 12 "${SMALL[@]}" --output-dir local > /dev/null 2>&1
	run --separate-stderr baseline_runner --runs 12 "${SMALL[@]}" --output-dir remote \
		--sshloginfile "$SLF"
	assert_success
	assert_line --partial "Hosts: h1 h2 (shared file system, simrun installed)"
	same_runs "$(exp_in local)" "$(exp_in remote)"
	# the host is in every start line, and both hosts ran some
	run bash -c "head -qn 1 $(exp_in remote)/runs/*.jsonl | jq -r .host | sort -u"
	assert_output $'h1\nh2'
	run grep -c '"host"' "$(exp_in local)/runs/run_0.jsonl"
	assert_output 0
	run jq -c '[.hosts, .remote_files, .remote_simrun]' "$(exp_in remote)/config.json"
	assert_output "[[\"ssh -F $SSHD_DIR/ssh_config h1\",\"ssh -F $SSHD_DIR/ssh_config h2\"],\"shared\",\"installed\"]"
	# the summaries agree too
	cmp <(jq -c .convergence_step "$(exp_in local)/summary.json") \
		<(jq -c .convergence_step "$(exp_in remote)/summary.json")
}

@test "':' is this machine: its runs record its name, config.json the login as given" {
	run --separate-stderr baseline_runner --runs 6 "${SMALL[@]}" --batch-size 1 \
		--sshlogin : --sshlogin "ssh -F $SSHD_DIR/ssh_config h1"
	assert_success
	assert_line --partial "Hosts: $(hostname) (this machine) h1"
	run bash -c "head -qn 1 $(exp_in .)/runs/*.jsonl | jq -r .host | sort -u | grep -vx -e h1 -e $(hostname) | wc -l"
	assert_output 0
	run jq -c '.hosts | index(":") != null' "$(exp_in .)/config.json"
	assert_output true
	run --separate-stderr baseline_runner --runs 2 --sshlogin : --transfer
	assert_failure 64
}

@test "--transfer: run files travel back, equal a local run, the hosts' work dirs go" {
	baseline_runner --runs 9 "${SMALL[@]}" --output-dir local > /dev/null 2>&1
	run --separate-stderr baseline_runner --runs 9 "${SMALL[@]}" --output-dir remote \
		--sshlogin "ssh -F $SSHD_DIR/ssh_config h1" --sshlogin "ssh -F $SSHD_DIR/ssh_config h2" \
		--transfer --batch-size 2
	assert_success
	assert_line --partial "files transferred and returned"
	same_runs "$(exp_in local)" "$(exp_in remote)"
	assert_not_exist "$(exp_in remote)/ret"
	run jq -r .remote_files "$(exp_in remote)/config.json"
	assert_output transfer
	# nothing of this experiment is left in the hosts' work dirs
	run bash -c "ls -d ~/.simtools-work/$(basename "$(exp_in remote)")-* 2>/dev/null"
	assert_output ""
}

@test "LLM agents on ssh hosts with --transfer: the scenario travels, answers are the local ones" {
	start_fakellm
	llm_runner --runs 4 "${SMALL[@]}" --llm-url "$URL" --output-dir local > /dev/null 2>&1
	run --separate-stderr llm_runner --runs 4 "${SMALL[@]}" --llm-url "$URL" --output-dir remote \
		--sshloginfile "$SLF" --transfer
	assert_success
	# LLM lines carry timings; everything else is equal
	for f in "$(exp_in local)"/runs/*.jsonl; do
		cmp <(jq -c 'del(.host, .llm_time_s, .avg_llm_response_time_s)' "$f") \
			<(jq -c 'del(.host, .llm_time_s, .avg_llm_response_time_s)' "$(exp_in remote)/runs/${f##*/}")
	done
}

@test "a host dies mid-run: its jobs go to the other, the experiment ends complete and identical" {
	"$ROOT/tests/support/sshd-hosts" add "$SSHD_DIR" h5
	baseline_runner --runs 8 "${BIG[@]}" --output-dir local > /dev/null 2>&1
	baseline_runner --runs 8 "${BIG[@]}" --output-dir remote --batch-size 2 --processes 1 \
		--sshlogin "ssh -F $SSHD_DIR/ssh_config h5" --sshlogin "ssh -F $SSHD_DIR/ssh_config h2" \
		--transfer > out 2> err &
	local pid=$! status=0
	for _ in $(seq 600); do
		grep -q 'done=[1-9]' err 2>/dev/null && break
		sleep 0.05
	done
	"$ROOT/tests/support/sshd-hosts" kill "$SSHD_DIR" h5
	wait "$pid" || status=$?
	[ "$status" -eq 0 ] || { cat out err; false; }
	same_runs "$(exp_in local)" "$(exp_in remote)"
	run jq -r '"\(.ok) \(.runs)"' "$(exp_in remote)/summary.json"
	assert_output "8 8"
	# the dead host ran some runs before it died, the other the rest
	run bash -c "head -qn 1 $(exp_in remote)/runs/*.jsonl | jq -r .host | sort -u"
	assert_line h2
}

@test "a host without simrun is named, and nothing is created" {
	mkdir empty
	"$ROOT/tests/support/sshd-hosts" add "$SSHD_DIR" h3 "$PWD/empty" "$ROOT/bin"
	run --separate-stderr baseline_runner --runs 4 "${SMALL[@]}" \
		--sshloginfile "$SLF" --sshlogin "ssh -F $SSHD_DIR/ssh_config h3"
	assert_failure 69
	assert_regex "$stderr" "host h3 lacks $ROOT/bin/simrun: install simtools there"
	[[ $stderr != *"host h1"* ]]
	assert_not_exist experiments
	# shipped with --basefile, the same host runs it
	baseline_runner --runs 6 "${SMALL[@]}" --output-dir local > /dev/null 2>&1
	run --separate-stderr baseline_runner --runs 6 "${SMALL[@]}" --output-dir remote \
		--sshlogin "ssh -F $SSHD_DIR/ssh_config h3" --ship-simrun
	assert_success
	assert_line --partial "simrun shipped"
	same_runs "$(exp_in local)" "$(exp_in remote)"
	run bash -c "head -qn 1 $(exp_in remote)/runs/*.jsonl | jq -r .host | sort -u"
	assert_output h3
	# LLM agents: simrun execs simrun_llm, shipped next to it
	start_fakellm
	run --separate-stderr llm_runner --runs 2 "${SMALL[@]}" --llm-url "$URL" \
		--output-dir remote-llm --sshlogin "ssh -F $SSHD_DIR/ssh_config h3" --ship-simrun
	assert_success
	run bash -c "tail -qn 1 $(exp_in remote-llm)/runs/*.jsonl | jq -r .status | sort | uniq -c"
	assert_output --regexp '^ +2 ok$'
}

@test "a host with another simrun version is named, and nothing is created" {
	mkdir other
	# a real simrun built as another version
	cc -std=c11 -O0 -I"$ROOT/src/lib" -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
		-DSIM_VERSION='"0.0.9"' -o other/simrun "$ROOT/src/simrun.c" "$ROOT"/src/lib/*/*.c \
		-lcurl -ljansson -lsqlite3 -lgsl -lgslcblas -lm
	run other/simrun --version
	assert_output "simrun 0.0.9"
	"$ROOT/tests/support/sshd-hosts" add "$SSHD_DIR" h4 "$PWD/other" "$ROOT/bin"
	run --separate-stderr baseline_runner --runs 4 "${SMALL[@]}" \
		--sshlogin "ssh -F $SSHD_DIR/ssh_config h4"
	assert_failure 69
	assert_regex "$stderr" "host h4 has simrun 0.0.9, this is simrun [0-9.]+: install the same version there, or add --ship-simrun"
	assert_not_exist experiments
}

@test "an unreachable host is named; remote flags without hosts are refused" {
	local port
	port=$(closed_port)
	run --separate-stderr baseline_runner --runs 2 "${SMALL[@]}" \
		--sshlogin "ssh -F $SSHD_DIR/ssh_config -p $port h1"
	assert_failure 69
	assert_regex "$stderr" "host h1 cannot be used: .*refused"
	assert_not_exist experiments
	run --separate-stderr baseline_runner --runs 2 --transfer
	assert_failure 64
	assert_regex "$stderr" "need hosts"
	run --separate-stderr baseline_runner --runs 2 --sshlogin h1 --retries x
	assert_failure 64
	run --separate-stderr baseline_runner --runs 2 --sshloginfile nonexistent
	assert_failure 66
}

@test "--resume on hosts runs only what is missing and adds the hosts to config.json" {
	baseline_runner --runs 8 "${SMALL[@]}" --output-dir local > /dev/null 2>&1
	baseline_runner --runs 8 "${SMALL[@]}" > /dev/null 2>&1
	local dir
	dir=$(exp_in .)
	rm "$dir"/runs/run_3.jsonl "$dir"/runs/run_6.jsonl
	run --separate-stderr baseline_runner --resume "$dir" --sshloginfile "$SLF" --transfer
	assert_success
	assert_line --regexp "^Running 2 simulations "
	run bash -c "head -qn 1 $dir/runs/run_3.jsonl $dir/runs/run_6.jsonl | jq -r .host | wc -l"
	assert_output 2
	run grep -c '"host"' "$dir/runs/run_0.jsonl"
	assert_output 0
	same_runs "$(exp_in local)" "$dir"
	run jq -c '.hosts | length' "$dir/config.json"
	assert_output 2
}

# same_summary DIR_A DIR_B: simagg's files agree (the experiment's path aside)
same_summary() {
	diff <(jq -S 'del(.experiment)' "$1/summary.json") <(jq -S 'del(.experiment)' "$2/summary.json")
	local f
	for f in run_summary.csv metrics_history.csv; do
		cmp <(sed "s#$1#E#g" "$1/$f") <(sed "s#$2#E#g" "$2/$f")
	done
}

@test "--store shards on hosts, shared and --transfer: a shard per job, the summary of local run files" {
	baseline_runner --runs 30 "${SMALL[@]}" --output-dir local --no-report > /dev/null 2>&1
	run --separate-stderr baseline_runner --runs 30 "${SMALL[@]}" --output-dir shared --no-report \
		--store shards --batch-size 10 --sshloginfile "$SLF"
	assert_success
	run --separate-stderr baseline_runner --runs 30 "${SMALL[@]}" --output-dir moved --no-report \
		--store shards --batch-size 10 --sshloginfile "$SLF" --transfer
	assert_success
	assert_line --partial "files transferred and returned"
	local e
	for e in shared moved; do
		run ls "$(exp_in "$e")/runs"
		assert_output $'shard_0-9.jsonl\nshard_10-19.jsonl\nshard_20-29.jsonl'
		same_summary "$(exp_in local)" "$(exp_in "$e")"
		# every run's lines are the local run file's, but for the host
		diff <(cat "$(exp_in local)"/runs/run_{0..29}.jsonl) \
			<(grep -hv '^{"event":"index"' "$(exp_in "$e")"/runs/shard_*.jsonl | sed 's/,"host":"[^"]*"//')
		run bash -c "grep -h '^{\"event\":\"start\"' $(exp_in "$e")/runs/shard_*.jsonl | jq -r .host | sort -u"
		assert_output --regexp '^h[12]'
	done
	assert_not_exist "$(exp_in moved)/ret"
}

@test "--resume --store shards on hosts: a torn shard is redone whole, never half-counted" {
	baseline_runner --runs 30 "${SMALL[@]}" --output-dir local --no-report > /dev/null 2>&1
	baseline_runner --runs 30 "${SMALL[@]}" --no-report --store shards --batch-size 10 > /dev/null 2>&1
	local dir
	dir=$(exp_in .)
	head -n -2 "$dir/runs/shard_10-19.jsonl" > t && mv t "$dir/runs/shard_10-19.jsonl"
	rm "$dir/runs/shard_20-29.jsonl"
	run --separate-stderr baseline_runner --resume "$dir" --sshloginfile "$SLF" --transfer --no-report
	assert_success
	assert_line --regexp "^Running 20 simulations "
	assert_equal "$(grep -c 'torn' <<< "$stderr")" 1
	assert_equal "$(cat "$dir"/runs/shard_*.jsonl | grep -c '^{"event":"end"')" 30
	same_summary "$(exp_in local)" "$dir"
}

@test "an LLM server outage on ssh hosts: the runner waits and probes, then goes on when it is back" {
	start_fakellm --latency-ms 2
	local port=${BASE##*:} runner status=0
	llm_runner --runs 6 --processes 1 "${SMALL[@]}" --llm-url "$URL" --llm-retries 0 \
		--llm-outage-wait 60s --sshloginfile "$SLF" > out 2> err &
	runner=$!
	wait_run_files 2 30 || true
	stop_fakellms
	for _ in $(seq 600); do
		grep -q 'waiting .* of 01:00 (--llm-outage-wait)' err && break
		sleep 0.1
	done
	run grep -c 'LLM server unreachable: waiting' err
	[ "$output" -ge 1 ] || { cat out err; false; }
	start_fakellm --latency-ms 2 --port "$port"
	wait "$runner" || status=$?
	[ "$status" -eq 0 ] || { cat out err; false; }
	run grep -c '^Total runs: 6$' out
	assert_output 1
	run grep -c 'LLM server back' err
	assert_output 1
	run bash -c "jq -r 'select(.event == \"end\") | \"\(.run_id) \(.status)\"' $(exp_in .)/runs/run_*.jsonl | sort -n"
	assert_output "$(printf '%s ok\n' 0 1 2 3 4 5)"
}

@test "GNU parallel's home is the runner's own, kept between calls; the user's ~/.parallel changes nothing" {
	local home=$BATS_TEST_TMPDIR/home host cache before after
	host=$(hostname)
	# a hostile ~/.parallel: options, a cached line length that fits no
	# command, and a cached function (parallel evaluates it as Perl)
	mkdir -p "$home/.parallel/tmp/sshlogin/$host"
	echo '--dry-run --tag' > "$home/.parallel/config"
	echo 10 > "$home/.parallel/tmp/sshlogin/$host/linelen"
	echo "open(my \$f, '>', '$BATS_TEST_TMPDIR/evaluated'); *open3_setpgrp = \\&open3_setpgrp_internal" \
		> "$home/.parallel/tmp/sshlogin/$host/setpgrp_func"
	cache=$home/.cache/simtools/parallel
	HOME=$home XDG_CACHE_HOME='' run --separate-stderr baseline_runner --runs 6 "${SMALL[@]}" \
		--sshloginfile "$SLF" --output-dir one
	assert_success
	assert_line "Total runs: 6"
	# the first call probed once and kept what it found, in a private home
	assert_file_exists "$cache/tmp/sshlogin/$host/linelen"
	run stat -c %a "$cache"
	assert_output 700
	before=$(stat -c '%i %Y' "$cache/tmp/sshlogin/$host/linelen")
	sleep 1.1
	HOME=$home XDG_CACHE_HOME='' run --separate-stderr baseline_runner --runs 6 "${SMALL[@]}" \
		--sshloginfile "$SLF" --output-dir two
	assert_success
	# the second found it there: nothing probed or written again
	after=$(stat -c '%i %Y' "$cache/tmp/sshlogin/$host/linelen")
	assert_equal "$after" "$before"
	same_runs "$(exp_in one)" "$(exp_in two)"
	assert_not_exist "$BATS_TEST_TMPDIR/evaluated"
}
