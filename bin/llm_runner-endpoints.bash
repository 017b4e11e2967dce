# llm_runner-endpoints.bash: sourced by bin/llm_runner.  Several LLM
# servers for one experiment: --llm-url given more than once becomes an
# endpoints file (one URL a line, no slot cap); --llm-endpoints FILE is
# simrun's own.  The file is frozen into the experiment (DIR/endpoints), so
# that a resume asks the same servers, and config.json lists the URLs
# (llm_endpoint_urls; keys stay in their files, never in the experiment).
# shellcheck shell=bash
# shellcheck disable=SC2154 # the runner's variables

endpoint_urls=()      # --llm-url values, in order

endpoints_url() {
	endpoint_urls+=("$1")
}

# After the flags: one --llm-url stays a flag, several become a file.
endpoints_settle() {
	local file u i
	for ((i = 0; i < ${#params[@]}; i += 2)); do
		[ "${params[i]}" != --llm-endpoints ] || file=${params[i + 1]}
	done
	if [ "${#endpoint_urls[@]}" -gt 1 ] && [ -n "${file:-}" ]; then
		die 64 "give several --llm-url or --llm-endpoints FILE, not both"
	fi
	case ${#endpoint_urls[@]} in
	0) return 0 ;;
	1) params+=(--llm-url "${endpoint_urls[0]}"); return 0 ;;
	esac
	endpoints_tmp=$(mktemp) || die 73 "cannot create a temporary file"
	for u in "${endpoint_urls[@]}"; do
		[[ $u != *[[:space:]]* ]] || die 64 "--llm-url must not contain blanks: '$u'"
		echo "$u"
	done > "$endpoints_tmp"
	params+=(--llm-endpoints "$endpoints_tmp")
}

# The experiment keeps its own copy of the endpoints file.
endpoints_freeze() {
	local dir=$1 i abs
	for ((i = 0; i < ${#params[@]}; i += 2)); do
		[ "${params[i]}" = --llm-endpoints ] || continue
		abs=$(cd "$dir" && pwd)/endpoints
		cp -- "${params[i + 1]}" "$abs" || die 73 "cannot copy the endpoints file into $dir"
		[ -z "${endpoints_tmp:-}" ] || rm -f "$endpoints_tmp"
		params[i + 1]=$abs
	done
}

# config.json adds llm_endpoint_urls (the keys go before the closing brace;
# simcfg's bytes are otherwise kept).
endpoints_record() {
	local dir=$1 urls tmp content
	[ -f "$dir/endpoints" ] && [ -f "$dir/config.json" ] || return 0
	urls=$(sed 's/#.*//' "$dir/endpoints" | awk 'NF { print $1 }' |
		jq -R . | jq -cs '{llm_endpoint_urls: .}')
	content=$(cat "$dir/config.json")
	content=${content%\}}
	tmp=$dir/config.json.$$.tmp
	printf '%s,%s}\n' "$content" "${urls:1:${#urls}-2}" > "$tmp" || die 73 "cannot write $tmp"
	jq -e . "$tmp" > /dev/null || { rm -f "$tmp"; die 73 "could not record the endpoints in $dir/config.json"; }
	mv -f "$tmp" "$dir/config.json" || die 73 "cannot rename $tmp"
}
