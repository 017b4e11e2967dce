#!/usr/bin/env bats
# simcompare: every statistic against scipy (tests/support/scipy-oracle), the
# four outputs, --study, and bad input.

ORACLE_PY=/usr/bin/python3

setup_file() {
	# shellcheck disable=SC2030,SC2031
	export SETS=$BATS_FILE_TMPDIR/sets
	if "$ORACLE_PY" -c 'import scipy, numpy' 2>/dev/null; then
		"$BATS_TEST_DIRNAME/../support/scipy-oracle" make "$SETS"
	fi
	# three small mechanical experiments at different thresholds
	export EXPS=$BATS_FILE_TMPDIR/real
	mkdir -p "$EXPS"
	local t
	for t in 0.3 0.5 0.7; do
		mkdir -p "$EXPS/t$t/runs"
		"$BATS_TEST_DIRNAME/../../bin/simrun" --grid-size 10 --num-type-a 40 \
		    --num-type-b 40 --similarity-threshold "$t" --seed 11 \
		    --run-id 0-19 --no-steps > "$EXPS/t$t/runs/run_0-19.jsonl"
	done
}

setup() {
	load helper
	OUT=$BATS_TEST_TMPDIR/out
}

need_scipy() {
	"$ORACLE_PY" -c 'import scipy, numpy' 2>/dev/null ||
	    skip "python3-scipy (Debian) is not installed: scripts/install-deps"
}

# oracle_set NAME: simcompare over the set's experiments, then scipy checks it
oracle_set() {
	need_scipy
	local dirs
	read -r -a dirs < <(grep "/$1 " "$SETS/sets.txt")
	run --separate-stderr simcompare "${dirs[@]:1}" --output-dir "$OUT"
	[ "$status" -eq 0 ] || [ "$status" -eq 75 ]
	run "$ROOT/tests/support/scipy-oracle" check "$OUT" "${dirs[@]:1}"
	echo "$output"
	assert_success
	assert_output --regexp 'checked [0-9]{3,} values against scipy [0-9.]+: 0 mismatches'
}

@test "--help and --version print to stdout and exit 0" {
	run --separate-stderr simcompare --help
	assert_success
	assert_output --partial "usage: simcompare"
	assert_output --partial "--alpha A"
	assert_equal "$stderr" ""
	run --separate-stderr simcompare --version
	assert_success
	assert_output --regexp '^simcompare [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "scipy: small samples, no ties (exact Mann-Whitney and Wilcoxon)" {
	oracle_set small
	grep -q ',mann_whitney_u,.*,exact,' "$OUT/tests.csv"
	grep -q ',wilcoxon_signed_rank,.*,exact,' "$OUT/tests.csv"
}

@test "scipy: one small and one large sample (exact Mann-Whitney, 4 vs 40)" {
	oracle_set lopsided
	grep -q '^switch_rate,pairwise,mann_whitney_u,a,b,4,40,.*,exact,' "$OUT/tests.csv"
}

@test "scipy: ties (asymptotic, tie-corrected, continuity-corrected)" {
	oracle_set ties
	grep -q ',mann_whitney_u,.*,asymptotic,' "$OUT/tests.csv"
}

@test "scipy: n = 2 and n = 3" {
	oracle_set tiny
	run grep '^switch_rate,normality,shapiro_wilk,a,' "$OUT/tests.csv"
	assert_output 'switch_rate,normality,shapiro_wilk,a,,2,,,,,,,,,,,,undefined: fewer than 3 values'
	run grep '^switch_rate,normality,shapiro_wilk,c,,3,' "$OUT/tests.csv"
	assert_output --regexp ',,3,,0\.[0-9]+,,,[0-9.e-]+,'
	# complete separation: delta = -1, the test defined, the interval not
	run grep '^switch_rate,pairwise,mann_whitney_u,a,b,2,2,0,,,' "$OUT/tests.csv"
	assert_output --regexp ',exact,cliffs_delta,-1,,,effect interval undefined: zero variance of the dominance$'
}

@test "scipy: identical samples and zero variance are undefined, not numbers" {
	oracle_set flat
	run grep '^share,pairwise,welch_t,a,b,' "$OUT/tests.csv"
	assert_output --partial 'undefined: zero variance in both samples'
	run grep '^share,pairwise,mann_whitney_u,a,b,' "$OUT/tests.csv"
	assert_output --partial 'undefined: all values are tied'
	run grep '^mix_deviation,within,wilcoxon_signed_rank,a,' "$OUT/tests.csv"
	assert_output --partial 'undefined: every difference is zero'
	# identical but not constant: defined, p = 1 for Welch (t = 0)
	run grep '^distance,pairwise,welch_t,a,b,9,9,0,' "$OUT/tests.csv"
	assert_success
	grep -q 'undefined: zero variance' "$OUT/comparison.md"
}

@test "scipy: one experiment with failed and incomplete runs (exit 75, ok runs only)" {
	oracle_set failed
	run --separate-stderr simcompare "$SETS/failed/a" "$SETS/failed/b" \
	    --output-dir "$OUT"
	assert_equal "$status" 75
	assert_equal "$stderr" "simcompare: $SETS/failed/a: 3 failed and 1 incomplete runs left out of the comparison (finish them with bin/llm_runner --resume $SETS/failed/a)"
	run grep -c '^a,dissimilarity_index,20,' "$OUT/comparison.csv"
	assert_output 1
	grep -q '| a | 24 | 20 | 3 | 1 |' "$OUT/comparison.md"
}

@test "real experiments: the four files, the header, one row per experiment and metric" {
	run --separate-stderr simcompare "$EXPS/t0.3" "$EXPS/t0.5" "$EXPS/t0.7" \
	    --output-dir "$OUT"
	assert_success
	assert_output "Compared 3 experiments on 11 metrics. Results saved to: $OUT"
	assert_file_exists "$OUT/comparison.csv"
	assert_file_exists "$OUT/tests.csv"
	assert_file_exists "$OUT/ranking.csv"
	assert_file_exists "$OUT/comparison.md"
	assert_equal "$(head -1 "$OUT/comparison.csv")" \
	    "experiment,metric,n,mean,sd,ci_lo,ci_hi,median,q1,q3,iqr"
	assert_equal "$(tail -n +2 "$OUT/comparison.csv" | wc -l)" 33
	assert_equal "$(head -1 "$OUT/tests.csv")" \
	    "metric,kind,test,experiment,other,n,n_other,statistic,df,df2,p,p_holm,method,effect,effect_value,effect_ci_lo,effect_ci_hi,note"
	# per metric: 2 omnibus, 3 pairs x 2, 3 normality; + 3 x 2 within for the 7 final
	assert_equal "$(tail -n +2 "$OUT/tests.csv" | wc -l)" $((11 * 11 + 7 * 6))
	assert_equal "$(tail -n +2 "$OUT/ranking.csv" | wc -l)" 33
	# mechanical runs have no LLM calls: n = 0 and empty numbers
	run grep '^t0.3,llm_calls,' "$OUT/comparison.csv"
	assert_output 't0.3,llm_calls,0,,,,,,,,'
}

@test "real experiments: the dissimilarity index rises with the threshold, and the paper's sentence says so" {
	run simcompare "$EXPS/t0.3" "$EXPS/t0.5" "$EXPS/t0.7" --output-dir "$OUT" \
	    --metrics dissimilarity_index
	assert_success
	run cut -d, -f1-3 "$OUT/ranking.csv"
	assert_line --index 1 'dissimilarity_index,1,t0.7'
	assert_line --index 3 'dissimilarity_index,3,t0.3'
	run grep -c ',dissimilarity_index,' "$OUT/comparison.csv"
	assert_output 3
	assert_equal "$(wc -l < "$OUT/comparison.csv")" 4
	run grep '\*\*t0.7\*\* has a higher dissimilarity_index than \*\*t0.3\*\*' \
	    "$OUT/comparison.md"
	assert_success
	assert_output --partial "Welch's t("
	assert_output --partial 'p_Holm = '
	assert_output --partial "Cohen's d = "
	grep -q '^Across the 3 experiments, dissimilarity_index differs' \
	    "$OUT/comparison.md"
}

@test "comparison.md names the metrics whose samples Shapiro-Wilk finds not normal" {
	run simcompare "$EXPS/t0.3" "$EXPS/t0.5" "$EXPS/t0.7" --output-dir "$OUT"
	assert_success
	local m rejected checked=0
	for m in clusters switch_rate distance mix_deviation share ghetto_rate \
	    dissimilarity_index convergence_step n_steps; do
		rejected=$(awk -F, -v m="$m" '$1 == m && $3 == "shapiro_wilk" &&
		    $11 != "" && $11 < 0.05 { n++ } END { print n + 0 }' "$OUT/tests.csv")
		run awk -v m="## $m" '$0 == m { f = 1; next } f && /^## / { exit }
		    f' "$OUT/comparison.md"
		if [ "$rejected" -gt 0 ]; then
			assert_output --partial "Shapiro–Wilk rejects normality in $rejected of 3 experiments (p < 0.05)"
			checked=$((checked + 1))
		else
			refute_output --partial "Shapiro–Wilk rejects"
		fi
	done
	# simulated metrics are rarely normal: at least one metric says so
	[ "$checked" -gt 0 ]
}

@test "--study: cell names, varied parameters as columns in plan order, output into the study" {
	local study=$BATS_TEST_TMPDIR/study
	mkdir -p "$study/experiments"
	cp -r "$EXPS/t0.3" "$study/experiments/e1"
	cp -r "$EXPS/t0.7" "$study/experiments/e2"
	cat > "$study/plan.jsonl" <<-'EOF'
	{"cell": 0, "name": "mechanical_similarity_threshold=0.3", "agent": "mechanical", "scenario": null, "varied": {"similarity_threshold": 0.3, "grid_size": 10}, "params": {}, "experiment": "experiments/e1", "runs": 20}
	{"cell": 1, "name": "mechanical_similarity_threshold=0.7", "agent": "mechanical", "scenario": null, "varied": {"similarity_threshold": 0.7, "grid_size": 10}, "params": {}, "experiment": "experiments/e2", "runs": 20}
	EOF
	run --separate-stderr simcompare --study "$study" --metrics share,n_steps
	assert_success
	assert_equal "$(head -1 "$study/comparison.csv")" \
	    "experiment,similarity_threshold,grid_size,metric,n,mean,sd,ci_lo,ci_hi,median,q1,q3,iqr"
	run cut -d, -f1-4 "$study/comparison.csv"
	assert_line --index 1 'mechanical_similarity_threshold=0.3,0.3,10,share'
	assert_line --index 2 'mechanical_similarity_threshold=0.3,0.3,10,n_steps'
	assert_line --index 4 'mechanical_similarity_threshold=0.7,0.7,10,n_steps'
	assert_file_exists "$study/comparison.md"
	grep -q '| mechanical_similarity_threshold=0.7 | 0.7 | 10 | 20 | 20 | 0 | 0 |' \
	    "$study/comparison.md"
}

@test "--alpha changes the groups, not the numbers" {
	run simcompare "$EXPS/t0.5" "$EXPS/t0.7" --output-dir "$OUT/a" --alpha 0.05
	assert_success
	run simcompare "$EXPS/t0.5" "$EXPS/t0.7" --output-dir "$OUT/b" --alpha 1e-300
	assert_success
	cmp "$OUT/a/tests.csv" "$OUT/b/tests.csv"
	# at alpha 1e-300 nothing is significant: one group for all
	run grep -c ',a$' "$OUT/b/ranking.csv"
	assert_output 22
}

@test "bad input: one line naming the problem, the exit codes of its page, nothing written" {
	run --separate-stderr simcompare
	assert_equal "$status" 64
	assert_equal "$stderr" "simcompare: no experiments; give experiment directories or --study DIR (see --help)"
	run --separate-stderr simcompare "$BATS_TEST_TMPDIR/nope" --output-dir "$OUT"
	assert_equal "$status" 66
	assert_equal "$stderr" "simcompare: cannot read experiment directory $BATS_TEST_TMPDIR/nope: No such file or directory (give directories made by bin/llm_runner)"
	mkdir -p "$BATS_TEST_TMPDIR/empty/runs" "$BATS_TEST_TMPDIR/bare"
	run --separate-stderr simcompare "$EXPS/t0.3" "$BATS_TEST_TMPDIR/empty" --output-dir "$OUT"
	assert_equal "$status" 65
	assert_equal "$stderr" "simcompare: $BATS_TEST_TMPDIR/empty has no runs (runs/ holds no run files): run it first, or finish it with bin/llm_runner --resume $BATS_TEST_TMPDIR/empty"
	run --separate-stderr simcompare "$BATS_TEST_TMPDIR/bare" --output-dir "$OUT"
	assert_equal "$status" 65
	assert_equal "${#lines[@]}" 0
	run --separate-stderr simcompare "$EXPS/t0.3" --metrics share,segregation
	assert_equal "$status" 64
	assert_equal "$stderr" "simcompare: --metrics: unknown metric 'segregation'; known: clusters, switch_rate, distance, mix_deviation, share, ghetto_rate, dissimilarity_index, convergence_step, converged_share, n_steps, llm_calls"
	local a
	for a in 0 1 -0.1 abc '' 0.05x nan; do
		run --separate-stderr simcompare "$EXPS/t0.3" --alpha "$a"
		assert_equal "$status" 64
		assert_equal "$stderr" "simcompare: --alpha: '$a' is not a number between 0 and 1 (e.g. 0.05)"
	done
	run --separate-stderr simcompare --study "$BATS_TEST_TMPDIR/bare"
	assert_equal "$status" 66
	assert_output ""
	[[ "$stderr" == "simcompare: cannot read $BATS_TEST_TMPDIR/bare/plan.jsonl: No such file or directory (give a study directory made by bin/simstudy)" ]]
	run --separate-stderr simcompare --study "$BATS_TEST_TMPDIR/bare" "$EXPS/t0.3"
	assert_equal "$status" 64
	run --separate-stderr simcompare --bogus
	assert_equal "$status" 64
	assert_equal "$stderr" "simcompare: unknown option '--bogus' (see --help)"
	assert_not_exists "$OUT"
}

@test "bad input: a plan.jsonl that is not a study's (65), a cell whose experiment is missing (66)" {
	local st=$BATS_TEST_TMPDIR/st
	mkdir -p "$st"
	printf '{"name": "x", "experiment": "e"}\nnot json\n' > "$st/plan.jsonl"
	run --separate-stderr simcompare --study "$st"
	assert_equal "$status" 65
	assert_equal "$stderr" "simcompare: $st/plan.jsonl line 2: not a JSON object: '[' or '{' expected near 'not'"
	printf '{"name": 3, "experiment": "e"}\n' > "$st/plan.jsonl"
	run --separate-stderr simcompare --study "$st"
	assert_equal "$status" 65
	assert_equal "$stderr" "simcompare: $st/plan.jsonl line 1: a cell needs \"name\" and \"experiment\" strings (and \"varied\", if given, an object)"
	: > "$st/plan.jsonl"
	run --separate-stderr simcompare --study "$st"
	assert_equal "$status" 65
	assert_equal "$stderr" "simcompare: $st/plan.jsonl has no cells"
	printf '{"name": "x", "experiment": "e"}\n' > "$st/plan.jsonl"
	run --separate-stderr simcompare --study "$st"
	assert_equal "$status" 66
	assert_equal "$stderr" "simcompare: cannot read experiment directory $st/e: No such file or directory (give directories made by bin/llm_runner)"
	run --separate-stderr simcompare --metrics share,,clusters "$EXPS/t0.3"
	assert_equal "$status" 64
	assert_equal "$stderr" "simcompare: --metrics: an empty name in 'share,,clusters'; give metric names separated by commas"
	assert_not_exists "$st/comparison.csv"
}

@test "bad input: a run file that is not simrun's JSON Lines (65), an output directory that cannot be made (73)" {
	mkdir -p "$BATS_TEST_TMPDIR/bad/runs"
	echo 'not json' > "$BATS_TEST_TMPDIR/bad/runs/run_0.jsonl"
	run --separate-stderr simcompare "$BATS_TEST_TMPDIR/bad"
	assert_equal "$status" 65
	assert_equal "${#stderr_lines[@]}" 1
	[[ "$stderr" == *"$BATS_TEST_TMPDIR/bad/runs/run_0.jsonl"* ]]
	touch "$BATS_TEST_TMPDIR/file"
	run --separate-stderr simcompare "$EXPS/t0.3" --output-dir "$BATS_TEST_TMPDIR/file/out"
	assert_equal "$status" 73
	[[ "$stderr" == "simcompare: cannot create output directory $BATS_TEST_TMPDIR/file/out: Not a directory" ]]
}
