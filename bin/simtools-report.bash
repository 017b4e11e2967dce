# simtools-report.bash: write_report, the page (bin/simreport) that
# bin/llm_runner and bin/simstudy write at their end; sourced by both.
# Needs here (the programs' directory), report (empty: --no-report) and warn.
# shellcheck shell=bash
# shellcheck disable=SC2154 # the caller's variables

# write_report DIR: the page and its path last, unless --no-report.  A
# report that cannot be drawn is a warning: the runs are what matters.
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
