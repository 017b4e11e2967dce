# llm_runner-slurm.bash: sourced by bin/llm_runner.  --slurm submits an
# experiment's runs to Slurm instead of running them here:
#
#   an array job (sbatch --array=0-(T-1)[%P]): task i runs simrun on the i-th
#     batch of run ids (DIR/slurm/<submission>/batches, one line per task),
#     writing DIR/runs/ directly (each file linked in only when complete;
#     with --store shards, the task's batch as one shard, renamed into
#     place when whole);
#     %P, the most tasks at once, is --processes when given;
#   an aggregation job (--dependency=afterany:<array>): simagg over runs/
#     (run files and shards),
#     writing summary.json, run_summary.csv and metrics_history.csv.
#
# The experiment directory and this toolchain must be on a file system the
# compute nodes share, at the same paths.  --slurm-opt "..." adds sbatch
# options (partition, time, account); --wait blocks until the aggregation
# job ends, showing progress; --resume with --slurm submits only what is
# missing.  The API key is never handed to Slurm (it keeps a job's
# environment in its state files): LLM runs read it from --llm-api-key-file.
#
# Everything here is inert unless --slurm was given.
# shellcheck shell=bash
# shellcheck disable=SC2154 # the runner's variables

slurm=            # 1: --slurm
slurm_wait=       # 1: --wait
slurm_opts=()     # --slurm-opt, split into words
slurm_ids=        # the job ids of this submission, "ARRAY,AGG"
slurm_dir=        # its experiment

slurm_option() {
	local flag=$1 value=${2:-} words=()
	case $flag in
	--slurm) slurm=1 ;;
	--wait) slurm_wait=1 ;;
	--slurm-opt)
		read -r -a words <<< "$value"
		slurm_opts+=(${words[@]+"${words[@]}"})
		;;
	esac
}

slurm_enabled() {
	[ -n "$slurm" ]
}

slurm_check_flags() {
	if [ -z "$slurm" ]; then
		if [ -n "$slurm_wait" ] || [ "${#slurm_opts[@]}" -gt 0 ]; then
			die 64 "--wait and --slurm-opt go with --slurm"
		fi
		return 0
	fi
	! remote_enabled || die 64 "--slurm and ssh hosts (--sshlogin, --sshloginfile) do not mix: Slurm places the jobs"
	{ command -v sbatch >/dev/null && command -v squeue >/dev/null; } ||
		die 69 "--slurm needs sbatch and squeue (Slurm's client commands) on this machine"
	if [ -n "${LLM_API_KEY:-}" ]; then
		die 64 "with --slurm the API key must come from --llm-api-key-file on the shared file system: Slurm stores a job's environment in its state files"
	fi
	if [ -n "$processes_given" ] && ! [[ $processes =~ ^[1-9][0-9]{0,5}$ ]]; then
		die 64 "--processes with --slurm is the most array tasks at once, a whole number from 1 to 999999, not '$processes'"
	fi
}

# Task count: at most 1000 tasks (Slurm's default MaxArraySize is 1001).
slurm_batch_size() {
	local n=$1 size min
	min=$(((n + 999) / 1000))
	if [ -n "$batch_size" ]; then
		size=$batch_size
	else
		size=$(default_batch "$n" "${processes:-$(nproc)}" 250)
	fi
	echo $((size > min ? size : min))
}

# sbatch ARGS...: the job id, or exit 69 with sbatch's reason.
slurm_sbatch() {
	local out
	if ! out=$(env -u LLM_API_KEY sbatch --parsable "$@" 2>&1); then
		die 69 "sbatch refused the job: $(echo "$out" | tail -n 1)"
	fi
	out=$(echo "$out" | tail -n 1)
	echo "${out%%;*}"
}

# slurm_submit DIR TODO N: the array job and the aggregation job.
slurm_submit() {
	local dir=$1 todo=$2 n=$3 abs sub size tasks array agg throttle=
	slurm_dir=$dir
	abs=$(cd "$dir" && pwd)
	sub=$abs/slurm/$(date +%Y%m%d_%H%M%S)-$$
	mkdir -p "$sub/logs" || die 73 "cannot create $sub"
	size=$(slurm_batch_size "$n")
	batches "$size" < "$todo" > "$sub/batches" || die 73 "cannot write $sub/batches"
	tasks=$(wc -l < "$sub/batches")
	[ -z "$processes_given" ] || throttle=%$processes
	# shellcheck disable=SC2016 # expanded by the job scripts
	{
		echo '#!/usr/bin/env bash'
		echo "# one task of an array job: the batch of run ids on line SLURM_ARRAY_TASK_ID + 1"
		echo 'set -euo pipefail'
		printf 'ids=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" %q)\n' "$sub/batches"
		printf 'exec %q --config %q --output-dir %q' "$simrun" "$abs/config.json" "$abs/runs"
		[ "${#run_flags[@]}" -eq 0 ] || printf ' %q' "${run_flags[@]}"
		echo ' --run-id "$ids"'
	} > "$sub/task.sh" || die 73 "cannot write $sub/task.sh"
	# shellcheck disable=SC2016 # expanded by the job scripts
	{
		echo '#!/usr/bin/env bash'
		echo "# the aggregation job: simagg over every run file and shard"
		echo 'shopt -s nullglob'
		printf 'files=(%q/runs/run_*.jsonl %q/runs/shard_*.jsonl)\n' "$abs" "$abs"
		printf 'exec %q --output-dir %q --experiment %q "${files[@]}"\n' "$simagg" "$abs" "$dir"
	} > "$sub/aggregate.sh" || die 73 "cannot write $sub/aggregate.sh"
	chmod +x "$sub/task.sh" "$sub/aggregate.sh"
	array=$(slurm_sbatch --job-name "simtools-$(basename "$abs")" --array "0-$((tasks - 1))$throttle" \
		--chdir "$abs" --output "$sub/logs/task_%A_%a.out" \
		${slurm_opts[@]+"${slurm_opts[@]}"} "$sub/task.sh")
	agg=$(slurm_sbatch --job-name "simtools-$(basename "$abs")-aggregate" \
		--dependency "afterany:$array" --chdir "$abs" --output "$sub/logs/aggregate_%j.out" \
		${slurm_opts[@]+"${slurm_opts[@]}"} "$sub/aggregate.sh")
	slurm_ids=$array,$agg
	echo "$array $agg" >> "$abs/slurm/jobs"
	echo "Submitted to Slurm: array job $array ($tasks tasks of up to $size runs${throttle:+, at most ${throttle#%} at once}), aggregation job $agg (after the array)."
	echo "Follow with: squeue -j $array,$agg   (logs: $sub/logs/)"
	if [ -z "$slurm_wait" ]; then
		echo "When job $agg has ended: $dir/summary.json; $prog --list-experiments shows the runs done, $prog --resume $dir --slurm submits what is missing."
	fi
}

# The state of one job (of all its tasks, for an array), "" once Slurm
# has forgotten it.
slurm_states() {
	squeue -h -j "$1" -t all -o '%T' 2>/dev/null | sort | uniq -c | awk '{ printf "%s%s:%d", (NR > 1 ? "," : ""), $2, $1 }'
}

# Ctrl-C while waiting (or submitting): the jobs are Slurm's; say how to
# find them.
slurm_stop_waiting() {
	echo "Stopped waiting; the jobs go on in Slurm: squeue -j $slurm_ids; then $prog --resume $slurm_dir" >&2
	exit "$1"
}

# slurm_count_shards DIR: sets ndone to the runs in DIR's shards.  A shard
# is under its name only when whole and never changes then: each is read
# once (its index line's run count), at the poll that first sees it.
declare -A slurm_shard_runs=()
slurm_count_shards() {
	local f n
	shopt -s nullglob
	local shards=("$1"/runs/shard_*.jsonl)
	shopt -u nullglob
	ndone=0
	for f in ${shards[@]+"${shards[@]}"}; do
		if [ -z "${slurm_shard_runs[$f]:-}" ]; then
			n=$(tail -n 1 -- "$f" | jq -R 'fromjson? | select(.event == "index") | .runs') || n=
			[ -n "$n" ] || continue
			slurm_shard_runs[$f]=$n
		fi
		ndone=$((ndone + slurm_shard_runs[$f]))
	done
}

# --wait: until the aggregation job has ended; a line of progress when
# something changes (polled every 2 s).
slurm_wait_jobs() {
	local dir=$1 total=$2 array=${slurm_ids%,*} agg=${slurm_ids#*,} states agg_state
	local start=$SECONDS ndone last="" line misses=0 out
	# bounded: a signal is seen within one poll (the runner's trap sets
	# interrupted)
	while :; do
		[ -z "$interrupted" ] || slurm_stop_waiting "$interrupted"
		if ! out=$(squeue -h -j "$agg" -t all -o '%T' 2>&1) && [[ $out != *'Invalid job id'* ]]; then
			misses=$((misses + 1))
			[ "$misses" -lt 30 ] || die 69 "squeue no longer answers ($out); follow job $agg with squeue, then $prog --resume $dir"
			sleep 2
			continue
		fi
		misses=0
		[[ $out != *'Invalid job id'* ]] || out=
		agg_state=$out
		states=$(slurm_states "$array")
		if [ "$store" = shards ]; then
			slurm_count_shards "$dir"
		else
			ndone=$(find "$dir/runs" -maxdepth 1 -name 'run_*.jsonl' 2>/dev/null | wc -l)
		fi
		line="[slurm-progress] done=$ndone total=$total array=${states:-ended} aggregation=${agg_state:-ended}"
		if [ "$line" != "$last" ]; then
			echo "$line elapsed_s=$((SECONDS - start))" >&2
			last=$line
		fi
		case $agg_state in
		'' | COMPLETED | FAILED | CANCELLED* | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | PREEMPTED | BOOT_FAIL | DEADLINE) break ;;
		esac
		sleep 2
	done
}
