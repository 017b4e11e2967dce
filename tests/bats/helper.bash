# Shared set-up for the bats suites.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
# SIM_BIN_DIR: where the C programs come from (make test also runs the
# suites against sanitized builds in build/san/bin); scripts stay in bin/.
SIM_BIN_DIR=${SIM_BIN_DIR:-$ROOT/bin}
PATH="$SIM_BIN_DIR:$ROOT/bin:$PATH"
export ROOT PATH SIM_BIN_DIR


# start_fakellm [FLAGS...]: a fake LLM server on a free loopback port;
# sets URL (chat completions), BASE and FAKELLM_LOG.  Stopped in teardown.
start_fakellm() {
	local dir=$BATS_TEST_TMPDIR/fakellm.$RANDOM
	mkdir -p "$dir"
	FAKELLM_LOG=$dir/log.jsonl
	"$ROOT/build/fakellm" --port-file "$dir/port" --log "$FAKELLM_LOG" \
	    --max-lifetime 300 "$@" 2>"$dir/stderr" &
	echo $! >> "$BATS_TEST_TMPDIR/pids"
	for _ in $(seq 100); do
		[ -s "$dir/port" ] && break
		sleep 0.05
	done
	[ -s "$dir/port" ] || { cat "$dir/stderr" >&2; return 1; }
	BASE=http://127.0.0.1:$(cat "$dir/port")
	URL=$BASE/v1/chat/completions
	export BASE URL FAKELLM_LOG
}

stop_fakellms() {
	[ -f "$BATS_TEST_TMPDIR/pids" ] || return 0
	while read -r pid; do
		kill "$pid" 2>/dev/null || true
	done < "$BATS_TEST_TMPDIR/pids"
	rm -f "$BATS_TEST_TMPDIR/pids"
}

# A port that nothing listens on (bound, then released).
closed_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# ended_session SID: every process of session SID (a runner started with
# setsid) has ended within 10 s; else list them and fail.
ended_session() {
	for _ in $(seq 100); do
		pgrep -s "$1" > /dev/null || return 0
		sleep 0.1
	done
	pgrep -s "$1" -a >&2
	return 1
}

# wait_run_files N [SECONDS]: wait until the experiments under the current
# folder hold at least N run files, checking every 0.05 s for at most
# SECONDS (15 unless given); 1 when they never did.  Callers that go on
# either way (the next step kills or checks) add `|| true`.
wait_run_files() {
	local n=$1 tries=$((${2:-15} * 20)) found
	for ((; tries > 0; tries--)); do
		found=$(find experiments -path '*/runs/run_*.jsonl' 2>/dev/null | wc -l)
		[ "$found" -ge "$n" ] && return 0
		sleep 0.05
	done
	return 1
}
