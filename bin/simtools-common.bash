# simtools-common.bash: the helpers bin/llm_runner (and baseline_runner) and
# bin/simstudy share, sourced by both: messages and exits, flag values, the
# --processes rule, jobs on this machine (run_here), GNU parallel for ssh
# hosts without the user's settings, and the report page at the end.  Needs prog (the program's name) and here (the programs'
# directory); write_report also reads report (empty: --no-report).
# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034 # the caller's variables, both ways

# die STATUS MESSAGE: "prog: MESSAGE" on stderr, exit STATUS.
die() {
	local status=$1
	shift
	echo "$prog: $*" >&2
	exit "$status"
}

warn() {
	echo "Warning: $*" >&2
}

# need_value FLAG ARGC: FLAG (with ARGC words left, itself included) has a value.
need_value() {
	[ "$2" -ge 2 ] || die 64 "missing value for $1; see $prog --help"
}

# choose_processes REQUESTED GIVEN CPUS [TO_RUN]: prints the process count,
# the seed's rule.  Not given: min(CPUS, TO_RUN).  Given: a whole number
# above 0 (any length), warned about and capped at CPUS and TO_RUN; anything
# else (GNU parallel would read 0, +1, 50% or a file name as something
# else) is warned about and runs 1.  Without TO_RUN (a study: its cells
# differ) only CPUS caps.
choose_processes() {
	local p=$1 given=$2 cpus=$3 n=${4:-}
	[ -n "$n" ] || n=$cpus
	if [ -z "$given" ]; then
		echo $((cpus < n ? cpus : n))
		return
	fi
	if ! [[ $p =~ ^[0-9]+$ ]] || [[ $p =~ ^0+$ ]]; then
		warn "Invalid number of processes ($p). Using 1 process (sequential)."
		echo 1
		return
	fi
	# more than 10 digits: as many as 9999999999 (bash's integers stay whole)
	p=${p#"${p%%[1-9]*}"}
	[ "${#p}" -le 10 ] || p=9999999999
	[ "$p" -le "$cpus" ] ||
		warn "Requested $1 processes but only $cpus CPU cores available."
	[ -z "${4:-}" ] || [ "$p" -le "$n" ] ||
		warn "Requested $1 processes but only $n runs to execute."
	p=$((p < cpus ? p : cpus))
	echo $((p < n ? p : n))
}

# --- GNU parallel ---------------------------------------------------------

# GNU parallel reads options from $PARALLEL, /etc/parallel/config and
# ~/.parallel/config (--plain and env -u PARALLEL ignore them), and keeps a
# cache in its home (PARALLEL_HOME, else ~/.parallel): the longest command
# line and how to start a job's process group, probed on its first run on a
# host (0.6 s and more), one of them read back as Perl code.  Our calls get
# a home of their own, kept between calls so that the probe is paid once:
# ${XDG_CACHE_HOME:-$HOME/.cache}/simtools/parallel, or without a home
# ${TMPDIR:-/tmp}/simtools-parallel-UID; either only when it is a directory
# of this user's own (not a symbolic link).
sim_parallel=()

# parallel_init: sets sim_parallel, the command that starts GNU parallel
# without the user's settings ("${sim_parallel[@]}" ARGS...).
parallel_init() {
	local d cache=${XDG_CACHE_HOME:-${HOME:+$HOME/.cache}} tried=()
	[ "${#sim_parallel[@]}" -eq 0 ] || return 0
	for d in ${cache:+"$cache/simtools/parallel"} "${TMPDIR:-/tmp}/simtools-parallel-$EUID"; do
		tried+=("$d")
		# the last component is made private; the ones above are the user's
		if [ ! -d "$d" ] && mkdir -p -- "${d%/*}" 2>/dev/null; then
			mkdir -m 700 -- "$d" 2>/dev/null || true
		fi
		if [ -d "$d" ] && [ ! -L "$d" ] && [ -O "$d" ] && [ -w "$d" ]; then
			sim_parallel=(env -u PARALLEL "PARALLEL_HOME=$d" parallel --plain --will-cite)
			return 0
		fi
	done
	die 73 "no directory of this user's own for GNU parallel's cache (tried ${tried[*]}); set XDG_CACHE_HOME"
}

# --- jobs on this machine -------------------------------------------------

# run_here DIR PROCS HALT JOBLOG CMD...: for each line of stdin runs
# "CMD... LINE" in DIR, at most PROCS at once, with stdin /dev/null and
# this function's stdout and stderr; appends a line per job to JOBLOG in
# GNU parallel's --joblog format (Seq Host Starttime JobRuntime Send
# Receive Exitval Signal Command; Host ':', Signal from an exit status
# above 128).  HALT: never, or soon,fail=1 as GNU parallel's --halt (after
# a job fails no job starts; the running ones finish).  A job that exits
# 74 (EX_IOERR: writing failed, a full disk) sets jobs_io and halts the
# same way, whatever HALT says: more jobs would only fail the same way.
# jobs_interrupt (from a trap) ends it: no job starts any more, the running
# ones get SIGTERM, and SIGKILL if they are still there 5 s later.
# Returns 1 when a job failed.
#
# Each job is a small sh, in a process group of its own (bash's set -m
# makes it when it forks, so it exists before the job's pid is known), that
# runs CMD and writes "SEQ STATUS" to a fifo this function reads (bash's
# own wait -n loses jobs that end together).  A signal is sent to the
# whole group, so it reaches whatever the job has started by then, at any
# point of its start (a process forked but not yet guarded) and below it
# (simstudy's packed cells run simrun from a bash).  The sh gets SIGTERM
# when its parent dies (setpriv's PR_SET_PDEATHSIG) and passes it to its
# group, so that a kill -9 of the caller takes every job with it; a parent
# that died before the guard was set is seen in $PPID.
jobs_pid=()       # SEQ -> pid (and process group) of the running jobs
jobs_fifo=        # a fifo of the caller's for run_here (else one of its own)
jobs_stop=
jobs_guard=(setpriv --pdeathsig TERM)
command -v setpriv > /dev/null || jobs_guard=()
# the job's sh: $0 its number, $1 the pid it must be a child of
# shellcheck disable=SC2016 # sh expands these
jobs_sh='[ "$PPID" = "$1" ] || exit 143; shift
trap "trap - TERM; kill -TERM 0" TERM
"$@" & wait $! 2> /dev/null; echo "$0 $?" >&3'

run_here() {
	local dir=$1 procs=$2 halt=$3 log=$4 line base=$jobs_next n status more=1 fifo nfd
	local parent=$BASHPID
	shift 4
	jobs_start=() jobs_what=() jobs_pid=() jobs_stop=$jobs_interrupted jobs_failed='' jobs_io=''
	fifo=${jobs_fifo:-${TMPDIR:-/tmp}/simtools-jobs.$BASHPID.$RANDOM$RANDOM}
	[ -p "$fifo" ] || mkfifo -m 600 -- "$fifo" || die 73 "cannot create a fifo in ${TMPDIR:-/tmp}"
	exec {nfd}<> "$fifo"
	[ -n "${jobs_fifo:-}" ] || rm -f -- "$fifo"
	# bounded: each turn starts jobs, or hears of one that ended, or waits
	# 0.5 s and then looks for jobs that ended unheard of (killed).  A job
	# is known by a number no other job of this process has (jobs_next), so
	# that a word left in the fifo by an earlier call names no job.
	while :; do
		while [ -n "$more" ] && [ -z "$jobs_stop" ] && [ "${#jobs_pid[@]}" -lt "$procs" ]; do
			IFS= read -r line || { more=; break; }
			n=$((++jobs_next))
			jobs_start[n]=$EPOCHREALTIME
			jobs_what[n]=$line
			set -m
			(cd -- "$dir" && exec ${jobs_guard[@]+"${jobs_guard[@]}"} sh -c "$jobs_sh" \
				"$n" "$parent" "$@" "$line") < /dev/null 3>&"$nfd" &
			set +m
			test_signal job-forked
			jobs_pid[n]=$!
			# a signal that came before the pid was known
			[ -z "$jobs_interrupted" ] || jobs_kill TERM "$!"
		done
		[ "${#jobs_pid[@]}" -gt 0 ] || break
		if read -r -t 0.5 -u "$nfd" n status && [ -n "${jobs_pid[n]:-}" ]; then
			wait "${jobs_pid[n]}" 2>/dev/null || true
			job_ended "$log" "$halt" "$n" $((n - base)) "$status" "$@"
			continue
		fi
		for n in "${!jobs_pid[@]}"; do
			! kill -0 "${jobs_pid[n]}" 2>/dev/null || continue
			# killed before it could say so: bash kept its status
			status=0
			wait "${jobs_pid[n]}" 2>/dev/null || status=$?
			job_ended "$log" "$halt" "$n" $((n - base)) "$status" "$@"
		done
		# bounded: what a SIGTERM did not end within 5 s gets SIGKILL
		if [ -n "$jobs_interrupted" ] && [ "${#jobs_pid[@]}" -gt 0 ] &&
			[ "$EPOCHSECONDS" -ge "$jobs_kill_at" ]; then
			jobs_kill KILL "${jobs_pid[@]}"
		fi
	done
	exec {nfd}>&-
	[ -z "$jobs_failed" ]
}

# jobs_kill SIGNAL PID...: run_here's jobs, each with its process group.
jobs_kill() {
	local sig=$1 pid
	shift
	for pid in "$@"; do
		kill "-$sig" -- "-$pid" 2>/dev/null || true
	done
}

# job_ended LOG HALT N SEQ STATUS CMD...: run_here's book-keeping of job N,
# the SEQ-th of this call.
jobs_next=0
jobs_start=()
jobs_what=()
jobs_failed=
jobs_io=
job_ended() {
	local log=$1 halt=$2 n=$3 seq=$4 status=$5
	shift 5
	joblog_line "$log" "$seq" "${jobs_start[n]}" "$status" "$@" "${jobs_what[n]}"
	unset "jobs_pid[n]" "jobs_start[n]" "jobs_what[n]"
	[ "$status" -eq 0 ] && return 0
	jobs_failed=1
	[ "$status" -ne 74 ] || jobs_io=1
	[[ $halt != soon* && $status -ne 74 ]] || jobs_stop=1
}

# jobs_interrupt: (from the caller's trap) run_here starts no more jobs,
# now or in a later call, and ends the running ones; run_child's child
# gets SIGTERM.  Whatever is started after this is ended as it starts.
jobs_interrupted=
jobs_kill_at=
jobs_child=
jobs_interrupt() {
	jobs_interrupted=1
	jobs_stop=1
	jobs_kill_at=$((EPOCHSECONDS + 5))
	[ "${#jobs_pid[@]}" -eq 0 ] || jobs_kill TERM "${jobs_pid[@]}"
	[ -z "$jobs_child" ] || kill -TERM "$jobs_child" 2>/dev/null || true
}

# run_child DIR CMD...: runs CMD in DIR as the one child of the moment and
# waits for it, whatever signals come meanwhile (a trap runs at once, not
# after CMD); jobs_interrupt sends it SIGTERM, also when the signal came
# before its pid was known.  It dies with this shell (PR_SET_PDEATHSIG).
# Returns CMD's status.  stdin is /dev/null.
run_child() {
	local dir=$1 status=0
	shift
	(cd -- "$dir" && exec ${jobs_guard[@]+"${jobs_guard[@]}"} "$@") < /dev/null &
	test_signal child-forked
	jobs_child=$!
	[ -z "$jobs_interrupted" ] || kill -TERM "$jobs_child" 2>/dev/null || true
	# bounded: each wait ends when the child does or a signal comes
	while kill -0 "$jobs_child" 2>/dev/null; do
		wait "$jobs_child" 2>/dev/null || true
	done
	wait "$jobs_child" 2>/dev/null || status=$?
	jobs_child=
	return "$status"
}

# test_signal POINT: for the tests only, a signal at a chosen point of a
# start, where a real one could come by chance: with
# SIMTOOLS_TEST_SIGNAL=POINT:SIG (start, job-forked, child-forked) this
# process sends itself SIG there.
test_signal() {
	[[ ${SIMTOOLS_TEST_SIGNAL:-} == "$1":* ]] || return 0
	kill "-${SIMTOOLS_TEST_SIGNAL#*:}" "$BASHPID"
}

# joblog_line LOG SEQ START STATUS WORD...: one line of GNU parallel's joblog.
joblog_line() {
	local log=$1 seq=$2 t0=${3//[!0-9]/} status=$4 t1=${EPOCHREALTIME//[!0-9]/} cmd='' w
	shift 4
	for w in "$@"; do
		[[ $w =~ ^[][A-Za-z0-9_./,=:+@%^-]+$ ]] || w=${w@Q}
		cmd+=${cmd:+ }$w
	done
	printf '%d\t:\t%d.%03d\t%6d.%03d\t0\t0\t%d\t%d\t%s\n' "$seq" \
		$((t0 / 1000000)) $((t0 / 1000 % 1000)) $(((t1 - t0) / 1000000)) \
		$(((t1 - t0) / 1000 % 1000)) "$status" $((status > 128 ? status - 128 : 0)) \
		"$cmd" >> "$log"
}

# --- the report page ------------------------------------------------------

# write_report DIR: the page (bin/simreport) and its path last, unless
# --no-report.  A report that cannot be drawn is a warning: the runs are
# what matters.
write_report() {
	local dir=$1 page
	[ -n "$report" ] || return 0
	[ -x "$here/simreport" ] || return 0
	# ./ so that a directory named like a flag is not taken for one
	case $dir in -*) dir=./$dir ;; esac
	# simreport's own message, if any, goes to stderr as it is
	if page=$("$here/simreport" "$dir"); then
		echo "Report: $page"
	else
		warn "no report for $dir (see simreport's message above)"
	fi
}
