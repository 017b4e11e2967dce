# llm_runner-remote.bash: sourced by bin/llm_runner.  Runs an experiment's
# simrun jobs on other machines through GNU parallel's ssh support
# (--sshlogin / --sshloginfile), in one of two ways:
#
#   shared    (default) the experiment directory is the same path on every
#             host (NFS, a cluster file system): simrun writes runs/ directly,
#             each file linked in only when complete, exactly as locally.
#   transfer  (--transfer) config.json (and scenario.json) go to a work dir
#             on each host, simrun writes there, parallel --return brings each
#             job's files back (rsync: temporary name, then rename) and the
#             runner renames them into runs/; the hosts' work dirs are removed.
#
# With --store shards each job (a batch of run ids) writes one shard,
# renamed into place only when whole, and travels back the same way.
#
# simrun must be on each host at this runner's path (make install with the
# same PREFIX), or is shipped per experiment with --ship-simrun (parallel
# --basefile; the host then needs only the shared libraries).  Both are
# checked before anything starts, host by host.  A job that fails on a host
# (the host died, the connection dropped) is retried on another (--retries).
# Each run's start line records the host that ran it (simrun --host).
#
# Everything here is inert unless a host was given.
# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034 # the runner's variables, both ways

remote_logins=()      # -S values and sshloginfile lines, as given
remote_cli_logins=()  # -S values only
remote_files=()       # --sshloginfile FILE, absolute
remote_transfer=      # 1: transfer and return instead of a shared file system
remote_ship=          # 1: ship bin/simrun with --basefile
remote_retries=       # --retries N (default 3)

# remote_option FLAG [VALUE]: the runner's parse_args hands these over.
remote_option() {
	local flag=$1 value=${2:-} line file
	case $flag in
	--sshlogin | -S)
		local IFS=,
		for line in $value; do
			[ -z "$line" ] || remote_logins+=("$line")
			[ -z "$line" ] || remote_cli_logins+=("$line")
		done
		;;
	--sshloginfile | --slf)
		[ -r "$value" ] || die 66 "cannot read the sshloginfile '$value'"
		file=$(realpath -- "$value")
		remote_files+=("$file")
		while IFS= read -r line || [ -n "$line" ]; do
			line=${line%%#*}
			line=$(echo "$line" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
			[ -z "$line" ] || remote_logins+=("$line")
		done < "$file"
		;;
	--transfer) remote_transfer=1 ;;
	--ship-simrun) remote_ship=1 ;;
	--retries)
		[[ $value =~ ^[1-9][0-9]{0,2}$ ]] ||
			die 64 "--retries must be a whole number from 1 to 999, not '$value'"
		remote_retries=$value
		;;
	esac
}

remote_enabled() {
	[ "${#remote_logins[@]}" -gt 0 ]
}

# The host name in an sshlogin: what parallel calls {host} (the last word,
# without user@ and without the N/ prefix); ':' is this machine.
login_host() {
	local login=$1 host
	login=$(echo "$login" | sed -E 's#^@[^/]*/##; s#^[0-9]+/##; s#^/##')
	host=${login##* }
	host=${host##*@}
	echo "$host"
}

remote_check_flags() {
	remote_enabled || {
		[ -z "$remote_transfer$remote_ship$remote_retries" ] ||
			die 64 "--transfer, --ship-simrun and --retries need hosts: give --sshlogin or --sshloginfile"
		return 0
	}
	local login
	for login in "${remote_logins[@]}"; do
		if [ "$(login_host "$login")" = : ] && [ -n "$remote_transfer$remote_ship" ]; then
			die 64 "':' (this machine) cannot take part with --transfer or --ship-simrun; list it as a host reached by ssh, or leave those flags out"
		fi
	done
	command -v rsync >/dev/null || [ -z "$remote_transfer$remote_ship" ] ||
		die 69 "--transfer and --ship-simrun need rsync here and on the hosts (Debian package rsync)"
}

# The work dir on the hosts (relative to the login's home) for this experiment.
remote_workdir() {
	local dir=$1
	echo ".simtools-work/$(basename "$dir")-$(printf '%s' "$(realpath -m -- "$dir")" | cksum | cut -d' ' -f1)"
}

remote_parallel() {
	parallel_init
	"${sim_parallel[@]}" "$@"
}

# Before anything is created: every host answers, and has this simrun (at
# this path, or runs the shipped one), and rsync where files travel.
remote_check_hosts() {
	local target=$1 login host out cmd wd=.simtools-work/check-$$-$RANDOM
	local args=() bad=0
	simtools_version
	parallel_init
	if [ -z "$remote_transfer" ]; then
		mkdir -p "$target"
		target=$(cd "$target" && pwd)
	fi
	cmd="$simrun --version"
	if [ -n "$remote_ship" ]; then
		args=(--workdir "$wd" --basefile "$here/./simrun" --basefile "$here/./simrun_llm" --cleanup)
		cmd="./simrun --version"
	fi
	[ -z "$remote_transfer$remote_ship" ] || cmd="$cmd && { command -v rsync >/dev/null || echo 'no rsync'; }"
	# shared file system: the experiment's directory must be there too
	if [ -z "$remote_transfer" ]; then
		cmd="$cmd && { test -d $(printf '%q' "$target") && test -w $(printf '%q' "$target") || echo 'no shared dir'; }"
	fi
	for login in "${remote_logins[@]}"; do
		host=$(login_host "$login")
		[ "$host" != : ] || continue
		if ! out=$(remote_parallel --nonall -S "$login" ${args[@]+"${args[@]}"} "$cmd" 2>&1); then
			case $out in
			*'simrun --version'* | *'No such file'* | *'not found'*)
				echo "$prog: host $host lacks $simrun: install simtools there with make install at the same PREFIX, or add --ship-simrun" >&2 ;;
			*) echo "$prog: host $host cannot be used: $(echo "$out" | tail -n 1)" >&2 ;;
			esac
			bad=1
			continue
		fi
		if [[ $out == *'no rsync'* ]]; then
			echo "$prog: host $host has no rsync, which --transfer and --ship-simrun need (Debian package rsync)" >&2
			bad=1
		elif [[ $out == *'no shared dir'* ]]; then
			echo "$prog: host $host does not see $target (no shared file system): use --transfer, or mount it at the same path" >&2
			bad=1
		elif [ "$(echo "$out" | head -n 1)" != "simrun $version" ]; then
			echo "$prog: host $host has $(echo "$out" | head -n 1), this is simrun $version: install the same version there, or add --ship-simrun" >&2
			bad=1
		fi
	done
	[ "$bad" -eq 0 ] || die 69 "some hosts cannot run the experiment (see above). Nothing was started."
}

# config.json records the hosts and how they were used; its bytes are
# otherwise left as simcfg wrote them (the keys go before the closing brace).
remote_record() {
	local dir=$1 extra old=() tmp content
	[ -f "$dir/config.json" ] || return 0
	mapfile -t old < <(jq -r '.hosts // [] | .[]' "$dir/config.json") ||
		die 65 "$dir/config.json is not JSON"
	extra=$(jq -cn --args '{hosts: ($ARGS.positional | unique), remote_files: $files, remote_simrun: $simrun}' \
		--arg files "$([ -n "$remote_transfer" ] && echo transfer || echo shared)" \
		--arg simrun "$([ -n "$remote_ship" ] && echo shipped || echo installed)" \
		${old[@]+"${old[@]}"} "${remote_logins[@]}")
	tmp=$dir/config.json.$$.tmp
	content=$(cat "$dir/config.json")
	# the keys of an earlier invocation are the last ones: replace them
	content=${content%%,\"hosts\":*}
	content=${content%\}}
	printf '%s,%s}\n' "$content" "${extra:1:${#extra}-2}" > "$tmp" || die 73 "cannot write $tmp"
	jq -e . "$tmp" > /dev/null || { rm -f "$tmp"; die 73 "could not record the hosts in $dir/config.json"; }
	mv -f "$tmp" "$dir/config.json" || die 73 "cannot rename $tmp"
}

# remote_job DIR PROCS: sets job, GNU parallel's options and command for
# the hosts; run_jobs runs "parallel ... ${job[@]}".
remote_job() {
	local dir=$1 procs=$2 login wd cmd simrun_path=$simrun abs
	abs=$(cd "$dir" && pwd)
	wd=$(remote_workdir "$dir")
	job=(--plus --retries "${remote_retries:-3}" --filter-hosts)
	# -j per host: as given, else each host's core count (N/ in a login overrides)
	# (not capped at this machine's cores: the hosts have their own)
	if [ -n "$processes_given" ] && [[ $processes =~ ^[1-9][0-9]{0,5}$ ]]; then
		job+=(-j "$processes")
	elif [ -n "$processes_given" ]; then
		job+=(-j "$procs")
	else
		job+=(-j 100%)
	fi
	for login in "${remote_files[@]}"; do
		job+=(--sshloginfile "$login")
	done
	for login in "${remote_cli_logins[@]+"${remote_cli_logins[@]}"}"; do
		job+=(--sshlogin "$login")
	done
	if [ -n "$remote_ship" ]; then
		# simrun execs simrun_llm, next to it, for LLM agents
		job+=(--workdir "$wd" --basefile "$here/./simrun" --basefile "$here/./simrun_llm")
		simrun_path=./simrun
	fi
	# ':' (this machine) records this machine's name
	# shellcheck disable=SC2016 # expanded on the host
	cmd='h={host}; [ "$h" != : ] || h=$(hostname); '
	if [ -n "$remote_transfer" ]; then
		[ -n "$remote_ship" ] || job+=(--workdir "$wd")
		job+=(--basefile "$abs/./config.json")
		cmd+="mkdir -p ret/{#} && exec $(printf '%q' "$simrun_path") --config config.json"
		if [ -f "$abs/scenario.json" ]; then
			job+=(--basefile "$abs/./scenario.json")
			cmd+=" --scenario-file scenario.json"
		fi
		cmd+=" --output-dir ret/{#}"
		job+=(--return "ret/{#}" --cleanup)
	else
		# in the experiment, as here: config.json names its files (the
		# frozen scenario.json) relative to it; a shipped simrun is in the
		# work dir, where the job starts
		local exe
		exe=$(printf '%q' "$simrun_path")
		# shellcheck disable=SC2016 # expanded on the host
		[ -z "$remote_ship" ] || { cmd+='s=$PWD/simrun && '; exe='"$s"'; }
		cmd+="cd $(printf '%q' "$abs") && exec $exe --config config.json --output-dir runs"
	fi
	# shellcheck disable=SC2016 # expanded on the host
	cmd+=' --host "$h"'
	[ "${#run_flags[@]}" -eq 0 ] || cmd+=" $(printf '%q ' "${run_flags[@]}")"
	cmd+=" --run-id {}"
	job+=("$cmd")
	# returned files land relative to where parallel runs
	remote_cwd=$abs
}

# remote_announce: the hosts and how they are used, once before the runs.
remote_announce() {
	local hosts=() login host
	for login in "${remote_logins[@]}"; do
		host=$(login_host "$login")
		[ "$host" != : ] || host="$(hostname) (this machine)"
		hosts+=("$host")
	done
	echo "Hosts: ${hosts[*]} ($([ -n "$remote_transfer" ] && echo "files transferred and returned" || echo "shared file system"), simrun $([ -n "$remote_ship" ] && echo shipped || echo installed))"
}

# remote_run_jobs DIR PROCS TODO SIZE LABEL: run_jobs on the hosts; runs
# that did not come back (a host died between finishing a run and returning
# it, or before) are run again on the hosts still up, at most --retries
# rounds.  A round of the LLM queue that stopped at a failed run (--halt
# soon) returns at once: run_queue probes the server and decides.
remote_run_jobs() {
	local dir=$1 procs=$2 todo=$3 size=$4 label=$5 round=1 missing=$work/missing id n
	while :; do
		run_jobs "$dir" "$procs" "$todo" "$size" "$label"
		remote_gather "$dir"
		[ -z "$interrupted" ] || break
		[ "$halt" = never ] || [ "$jobs_rc" -eq 0 ] || break
		if [ "$store" = shards ]; then
			# a shard is under its name only when whole: its index's ids
			comm -23 <(sort "$todo") <(held_in_shards "$dir" | sort) | sort -n > "$missing"
		else
			while read -r id; do
				[ -e "$dir/runs/run_$id.jsonl" ] || echo "$id"
			done < "$todo" > "$missing"
		fi
		n=$(wc -l < "$missing")
		if [ "$n" -eq 0 ] || [ "$round" -ge "${remote_retries:-3}" ]; then
			break
		fi
		round=$((round + 1))
		echo "$n runs did not come back from the hosts; running them again (round $round of ${remote_retries:-3})" >&2
		cp "$missing" "$todo"
	done
}

# held_in_shards DIR: the run ids of DIR's shards, one a line, from their
# index lines (one jq for all of them).
held_in_shards() {
	local f
	shopt -s nullglob
	local shards=("$1"/runs/shard_*.jsonl)
	shopt -u nullglob
	for f in ${shards[@]+"${shards[@]}"}; do
		tail -n 1 -- "$f"
	done | jq -R 'fromjson? | select(.event == "index") | .run_ids[]?'
}

# After the jobs: returned run files and shards go into runs/ (a rename
# each, so a run file or shard is there complete or not at all); the hosts'
# work dirs are removed.
remote_collect() {
	local dir=$1
	remote_gather "$dir"
	[ -n "$remote_transfer" ] || [ -n "$remote_ship" ] || return 0
	parallel_init
	remote_cleanup_hosts "$dir" 2>/dev/null || true
}

# Also at the start: what a killed runner had received but not yet moved.
remote_gather() {
	local dir=$1 f
	[ -d "$dir/ret" ] || return 0
	mkdir -p "$dir/runs"
	for f in "$dir"/ret/*/run_*.jsonl "$dir"/ret/*/shard_*.jsonl; do
		[ -e "$f" ] || continue
		mv -f "$f" "$dir/runs/" || die 73 "cannot move $f into $dir/runs"
	done
	rm -rf "$dir/ret"
}

remote_cleanup_hosts() {
	local dir=$1 login wd
	wd=$(remote_workdir "$dir")
	for login in "${remote_logins[@]}"; do
		[ "$(login_host "$login")" != : ] || continue
		remote_parallel --nonall -S "$login" "rm -rf $(printf '%q' "$wd")" || true
	done
}
