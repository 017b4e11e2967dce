# bash completion for simtools: simrun, simcfg, simagg, simprobe,
# simcompare, simplot, simreport, simstudy, llm_runner, baseline_runner.
#
# Installed as bash-completion's completionsdir/simrun with a link per
# other program (bash-completion loads a command's completion from the
# file named after it).  Nothing here lists flags or values: the flags
# come from each program's --help, the values of an enumerated flag from
# the program's own refusal of a bad value ("--boundary must be bounded or
# torus, not ?"), the scenario names from the scenario directory the
# programs read, so that a new flag or value completes without an edit.
# Works with Debian's bash-completion (its _init_completion and _filedir)
# and, more plainly, without it.

declare -gA _simtools_cache

# The programs that take every simrun parameter flag besides their own.
_simtools_takes_params() {
	case $1 in
	simcfg | simprobe | llm_runner | baseline_runner) return 0 ;;
	esac
	return 1
}

# _simtools_run CMD ARG...: CMD's output and error, bounded in time.
_simtools_run() {
	timeout 5 "$@" < /dev/null 2>&1
}

# _simtools_help CMD: CMD --help, once per shell.
_simtools_help() {
	local key="help:$1" out
	if [[ ! -v "_simtools_cache[$key]" ]]; then
		out=$(_simtools_run "$1" --help) || return 0
		_simtools_cache[$key]=$out
	fi
	printf '%s\n' "${_simtools_cache[$key]}"
}

# The simrun next to CMD (or on PATH), whose parameter flags the runners,
# simcfg and simprobe take.
_simtools_simrun() {
	local cmd=$1 dir
	if [[ $cmd == */* ]]; then
		dir=${cmd%/*}
		[[ -x $dir/simrun ]] && { printf '%s\n' "$dir/simrun"; return; }
	fi
	type -P simrun || printf 'simrun\n'
}

# _simtools_flags CMD NAME: every long option CMD --help prints, and
# simrun's too for the programs that take its parameter flags.
_simtools_flags() {
	{
		_simtools_help "$1"
		! _simtools_takes_params "$2" || _simtools_help "$(_simtools_simrun "$1")"
	} | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

# _simtools_placeholder CMD FLAG: the word after FLAG in CMD's help entry
# ("--output-dir DIR" gives DIR); nothing for a flag without a value.
_simtools_placeholder() {
	_simtools_help "$1" | sed -nE "s/^ +(-[A-Za-z], )?$2 ([^ ]+).*/\\2/p" | head -n 1
}

# _simtools_values CMD FLAG: the words CMD accepts after FLAG, from its
# refusal of "?" (a flag that takes any word prints nothing).  The line
# always ends in a refusal, so nothing runs: simrun checks values in the
# order given, after reading them all (a grid of 0 is refused after FLAG);
# the others refuse an unknown option as they read it (after FLAG).
_simtools_values() {
	local key="values:$1:$2" args msg list
	if [[ ! -v "_simtools_cache[$key]" ]]; then
		case ${1##*/} in
		simrun) args=("$2" '?' --grid-size 0 --run-id 0) ;;
		simplot) args=(grid "$2" '?' --zz-not-an-option) ;;
		*) args=("$2" '?' --zz-not-an-option) ;;
		esac
		msg=$(_simtools_run "$1" "${args[@]}" | head -n 1)
		list=$(sed -nE 's/.*( must be | wants )(.*), not \?.*/\2/p;
		    s/.*(use one of |known: )(.*)$/\2/p' <<< "$msg")
		_simtools_cache[$key]=$(sed -E 's/ or /, /g' <<< "$list" |
		    tr ',' '\n' | sed -E 's/^ +//; s/ +$//' |
		    grep -E '^[A-Za-z0-9_.:-]+$')
	fi
	printf '%s\n' "${_simtools_cache[$key]}"
}

# The scenario names, from the directory the programs read.
_simtools_scenarios() {
	local prog dir
	prog=$(_simtools_simrun "$1")
	prog=$(readlink -f -- "$(type -P "$prog" || printf '%s' "$prog")")
	if [[ -n ${SIM_SCENARIO_DIR:-} ]]; then
		dir=$SIM_SCENARIO_DIR
	elif [[ -d ${prog%/*}/../configs/scenarios ]]; then
		dir=${prog%/*}/../configs/scenarios
	else
		dir=${prog%/*}/../share/simtools/scenarios
	fi
	local f
	for f in "$dir"/*.json; do
		[[ -e $f ]] || continue
		f=${f##*/}
		printf '%s\n' "${f%.json}"
	done
}

# Files or directories (-d), through bash-completion when it is there.
_simtools_paths() {
	if declare -F _filedir > /dev/null; then
		_filedir "$@"
	else
		if [[ ${1:-} == -d ]]; then
			mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		fi
		compopt -o filenames 2> /dev/null
	fi
}

# _simtools_words WORDS...: COMPREPLY from WORDS matching cur.
_simtools_words() {
	mapfile -t COMPREPLY < <(compgen -W "$*" -- "$cur")
}

# The value of FLAG for CMD (called NAME): scenario names, paths, or the
# words the program accepts.
_simtools_value() {
	local cmd=$1 name=$2 flag=$3 owner=$1 simrun ph
	# a simrun parameter flag: simrun says what it takes
	if _simtools_takes_params "$name"; then
		simrun=$(_simtools_simrun "$cmd")
		[[ -z $(_simtools_placeholder "$simrun" "$flag") ]] || owner=$simrun
	fi
	ph=$(_simtools_placeholder "$owner" "$flag")
	[[ -n $ph ]] || ph=$(_simtools_help "$owner" | grep -oE -- "\[$flag [^]]+" |
	    head -n 1 | sed -E 's/^[^ ]+ //')
	case $flag:$ph in
	--scenario:*)
		_simtools_words "$(_simtools_scenarios "$cmd")" ;;
	*:FILE* | *:SHARD* | *:STUDY*)
		_simtools_paths ;;
	*:DIR*)
		_simtools_paths -d ;;
	--metrics:LIST)
		# a comma list: complete its last element
		local prefix='' values
		[[ $cur != *,* ]] || prefix=${cur%,*},
		values=$(_simtools_values "$owner" "$flag")
		mapfile -t COMPREPLY < <(compgen -P "$prefix" -W "$values" -- "${cur##*,}")
		compopt -o nospace 2> /dev/null ;;
	*)
		case ${owner##*/} in
		llm_runner | baseline_runner | simstudy) ;;   # bash: nothing to ask
		*) _simtools_words "$(_simtools_values "$owner" "$flag")" ;;
		esac ;;
	esac
}

# Does FLAG take a value for CMD (its help or, for the programs that take
# simrun's flags, simrun's help says so)?
_simtools_takes_value() {
	local cmd=$1 name=$2 flag=$3
	[[ -n $(_simtools_placeholder "$cmd" "$flag") ]] && return 0
	_simtools_help "$cmd" | grep -qE -- "\[$flag [^]]" && return 0
	_simtools_takes_params "$name" &&
		[[ -n $(_simtools_placeholder "$(_simtools_simrun "$cmd")" "$flag") ]]
}

_simtools() {
	local cmd=$1 name=${1##*/} cur prev words cword split=false
	if declare -F _init_completion > /dev/null; then
		_init_completion -s || return
	else
		cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]:-}
		words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
		# bash splits "--flag=value" at "=" (COMP_WORDBREAKS)
		if [[ $cur == = ]]; then
			cur='' prev=${COMP_WORDS[COMP_CWORD - 1]:-} split=true
		elif [[ $prev == = ]]; then
			prev=${COMP_WORDS[COMP_CWORD - 2]:-} split=true
		elif [[ $cur == --*=* ]]; then
			prev=${cur%%=*} cur=${cur#*=} split=true
		fi
	fi

	if [[ $prev == -* ]] && _simtools_takes_value "$cmd" "$name" "$prev"; then
		_simtools_value "$cmd" "$name" "$prev"
		return
	fi
	$split && return

	if [[ $cur == -* ]]; then
		_simtools_words "$(_simtools_flags "$cmd" "$name")"
		[[ ${COMPREPLY-} == *= ]] && compopt -o nospace
		return
	fi

	# operands
	local i operands=0
	for ((i = 1; i < cword; i++)); do
		[[ ${words[i]} == -* ]] && continue
		[[ ${words[i - 1]} == -* ]] &&
			_simtools_takes_value "$cmd" "$name" "${words[i - 1]}" && continue
		operands=$((operands + 1))
	done
	case $name in
	simplot)
		if ((operands == 0)); then
			_simtools_words "$(_simtools_help "$cmd" |
			    sed -n '/^KIND:/,/^$/s/^  \([a-z][a-z]*\)  .*/\1/p')"
		else
			_simtools_paths
		fi ;;
	simagg | simprobe) _simtools_paths ;;
	simcompare | simreport) _simtools_paths -d ;;
	simstudy) ((operands > 0)) || _simtools_paths '@(json)' ;;
	esac
}

complete -F _simtools simrun simcfg simagg simprobe simcompare simplot \
	simreport simstudy llm_runner baseline_runner
