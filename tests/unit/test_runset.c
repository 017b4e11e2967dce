/*
 * Unit tests of src/lib/runfile/runset.c's ways of reading: the start and
 * end lines read without jansson against the same lines through jansson
 * (spaces after the commas send every line there), and runs packed in
 * memory (compact, as simagg reads) against runs kept whole, to the bit:
 * every kind of packed number (missing, whole, a column's repeated value,
 * a new value once the column's dictionary is full, negative, -0), runs
 * replaced, ended twice and never ended.  And stats_compute given its
 * values one at a time (stats_acc), as simagg's summary computes it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "runfile/runset.h"
#include "stats/stats.h"

/* Hand-made lines: every field simagg reads, and the odd cases. */
static const char *const lines[] = {
	"{\"event\":\"start\",\"run_id\":2,\"seed\":7,\"agent\":\"utility\","
	"\"scenario\":\"baseline\",\"llm_model\":\"m\",\"similarity_threshold\":0.5,"
	"\"initial\":{\"clusters\":12,\"share\":0.09375,\"distance\":-3,"
	"\"switch_rate\":-0.0,\"mix_deviation\":0.15949776785714292},"
	"\"grid\":\"AB.\"}",
	"{\"event\":\"end\",\"run_id\":2,\"status\":\"ok\",\"converged\":true,"
	"\"convergence_step\":13,\"final_step\":17,\"n_steps\":18,"
	"\"stop_reason\":\"converged\",\"total_moves\":321,\"llm_calls\":100,"
	"\"avg_llm_response_time_s\":8.782e-05,\"parse_failures\":0,\"retries\":2,"
	"\"served_model\":\"m\",\"system_fingerprint\":\"f\","
	"\"mean_utility\":16.036830357142858,\"metrics\":{\"clusters\":10,"
	"\"share\":0.8837696335078534,\"dissimilarity_index\":1e-300},"
	"\"grid\":\"BA.\"}",
	"{\"event\":\"start\",\"run_id\":0,\"seed\":7,\"agent\":\"utility\","
	"\"scenario\":\"baseline\",\"llm_model\":\"m\",\"similarity_threshold\":0.5,"
	"\"initial\":null,\"grid\":\"AB.\"}",
	"{\"event\":\"start\",\"run_id\":1,\"seed\":7,\"agent\":\"utility\","
	"\"scenario\":\"baseline\",\"llm_model\":\"m\",\"similarity_threshold\":0.5,"
	"\"initial\":{\"clusters\":3},\"grid\":\"AB.\"}",
	"{\"event\":\"end\",\"run_id\":0,\"status\":\"failed\",\"reason\":\"boom\","
	"\"converged\":false,\"convergence_step\":null,\"final_step\":-1,"
	"\"n_steps\":0,\"stop_reason\":\"failed\",\"metrics\":null}",
	"{\"event\":\"end\",\"run_id\":2,\"status\":\"ok\",\"converged\":null,"
	"\"n_steps\":99,\"metrics\":{\"share\":0.5}}",
	"{\"event\":\"start\",\"run_id\":0,\"seed\":8,\"agent\":\"utility\","
	"\"scenario\":\"baseline\",\"llm_model\":\"m\",\"similarity_threshold\":0.5,"
	"\"initial\":{\"share\":0.25},\"grid\":\"AB.\"}",
	"{\"event\":\"end\",\"run_id\":0,\"status\":\"ok\",\"converged\":true,"
	"\"convergence_step\":4,\"metrics\":{\"share\":0.25,\"ghetto_rate\":1e22}}",
	NULL
};

/* The lines, with ", " for "," when spaced (jansson reads them all). */
static FILE *
text_file(int spaced, size_t extra)
{
	FILE *f = tmpfile();

	if (f == NULL)
		return NULL;
	for (int i = 0; lines[i] != NULL; i++) {
		for (const char *p = lines[i]; *p != '\0'; p++)
			fputs(*p == ',' && spaced ? ", " : (char[2]){ *p, 0 }, f);
		putc('\n', f);
	}
	/* more distinct values than a column's dictionary holds */
	for (size_t i = 0; i < extra; i++)
		fprintf(f, "{\"event\":\"start\",\"run_id\":%zu,\"seed\":7}\n"
		    "{\"event\":\"end\",\"run_id\":%zu,\"status\":\"ok\","
		    "\"metrics\":{\"share\":%.17g,\"clusters\":%zu}}\n",
		    100 + i, 100 + i, 1.0 / (double)(i + 3), i % 5);
	rewind(f);
	return f;
}

static int
read_set(struct runset *a, int spaced, int compact, size_t extra)
{
	FILE *f = text_file(spaced, extra);
	int rc;

	runset_init(a, "test");
	a->compact = compact;
	if (f == NULL)
		return -1;
	rc = runset_read_stream(a, f, "text");
	fclose(f);
	return rc;
}

static int
same_text(const char *x, const char *y)
{
	return x == y || (x != NULL && y != NULL && strcmp(x, y) == 0);
}

static int
same_bits(double x, double y)
{
	return memcmp(&x, &y, sizeof(x)) == 0;
}

static int
same_run(const struct run *x, const struct run *y)
{
	int same = x->id == y->id && x->has_start == y->has_start &&
	    x->has_end == y->has_end && x->replaced == y->replaced &&
	    x->converged == y->converged && same_text(x->agent, y->agent) &&
	    same_text(x->scenario, y->scenario) &&
	    same_text(x->llm_model, y->llm_model) &&
	    same_text(x->status, y->status) &&
	    same_text(x->stop_reason, y->stop_reason) &&
	    same_text(x->reason, y->reason) && same_text(x->params, y->params);
	const double xv[] = { x->convergence_step, x->final_step, x->n_steps,
	    x->llm_calls, x->llm_time, x->parse_failures, x->retries,
	    x->mean_utility };
	const double yv[] = { y->convergence_step, y->final_step, y->n_steps,
	    y->llm_calls, y->llm_time, y->parse_failures, y->retries,
	    y->mean_utility };

	for (int m = 0; m < METRICS_N; m++)
		same = same && same_bits(x->initial[m], y->initial[m]) &&
		    same_bits(x->final[m], y->final[m]);
	for (size_t k = 0; k < sizeof(xv) / sizeof(xv[0]); k++)
		same = same && same_bits(xv[k], yv[k]);
	return same;
}

/* Sets a and b, read both ways, hold the same runs in the same order. */
static void
compare(const char *what, int spaced_b, int compact_b, size_t extra)
{
	struct runset a, b;
	size_t *oa = NULL, *ob = NULL, na = 0, nb = 0, differ = 0;
	int rc;

	CHECK(read_set(&a, 0, 0, extra) == 0 &&
	    read_set(&b, spaced_b, compact_b, extra) == 0, "%s: both read",
	    what);
	rc = runset_order(&a, &oa, &na) == 0 && runset_order(&b, &ob, &nb) == 0;
	CHECK(rc && na == nb && na == 3 + extra, "%s: %zu and %zu runs in order",
	    what, na, nb);
	for (size_t i = 0; i < na && i < nb; i++) {
		struct run ta, tb;

		differ += !same_run(runset_run(&a, oa[i], &ta),
		    runset_run(&b, ob[i], &tb));
	}
	CHECK(differ == 0, "%s: every run the same to the bit (%zu differ)",
	    what, differ);
	CHECK(a.ndup == 1 && b.ndup == 1, "%s: run 0 replaced once", what);
	free(oa);
	free(ob);
	runset_free(&a);
	runset_free(&b);
}

static void
hand_values(void)
{
	struct runset a;
	size_t *o = NULL, n = 0;
	struct run t;
	const struct run *r0, *r1, *r2;

	CHECK(read_set(&a, 0, 1, 0) == 0, "compact: read");
	CHECK(runset_order(&a, &o, &n) == 0 && n == 3, "compact: 3 runs");
	if (n != 3) {
		free(o);
		runset_free(&a);
		return;
	}
	r0 = runset_run(&a, o[0], &t);
	/* metrics_names: clusters, switch_rate, distance, mix_deviation,
	 * share, ghetto_rate, dissimilarity_index */
	CHECK(r0->id == 0 && run_is_ok(r0) && r0->initial[4] == 0.25 &&
	    r0->final[5] == 1e22 && isnan(r0->final[0]) &&
	    strstr(r0->params, "\"seed\":8") != NULL,
	    "the later run 0 replaced the failed one");
	r1 = runset_run(&a, o[1], &t);
	CHECK(r1->id == 1 && r1->has_start && !r1->has_end &&
	    r1->initial[0] == 3, "run 1 never ended: open, incomplete");
	r2 = runset_run(&a, o[2], &t);
	CHECK(r2->id == 2 && r2->n_steps == 99 && !r2->converged &&
	    isnan(r2->final_step) && r2->final[4] == 0.5 &&
	    isnan(r2->mean_utility) && r2->initial[2] == -3 &&
	    signbit(r2->initial[1]) && r2->initial[1] == 0,
	    "run 2's second end line counts, -3 and -0 kept");
	CHECK(strcmp(a.served[0], "m") == 0 &&
	    strcmp(a.fingerprint[0], "f") == 0, "the server's model noted");
	free(o);
	runset_free(&a);
}

static void
stats_two_passes(void)
{
	double x[101];
	struct stats s, t;
	struct stats_acc acc;
	int same;

	for (int i = 0; i < 101; i++)
		x[i] = i % 7 == 0 ? NAN : 1.0 / (i + 1) + i * 0.1;
	stats_compute(x, 101, &s);
	stats_begin(&acc);
	for (int i = 0; i < 101; i++)
		stats_add(&acc, x[i]);
	stats_middle(&acc);
	for (int i = 0; i < 101; i++)
		stats_add2(&acc, x[i]);
	stats_end(&acc, &t);
	same = s.n == t.n && same_bits(s.mean, t.mean) &&
	    same_bits(s.sd, t.sd) && same_bits(s.min, t.min) &&
	    same_bits(s.max, t.max) && same_bits(s.ci_lo, t.ci_lo) &&
	    same_bits(s.ci_hi, t.ci_hi);
	CHECK(same && s.n == 86, "stats_acc gives stats_compute's figures");
	stats_begin(&acc);
	stats_add(&acc, 2);
	stats_middle(&acc);
	stats_add2(&acc, 2);
	stats_end(&acc, &t);
	CHECK(t.n == 1 && t.mean == 2 && isnan(t.sd) && isnan(t.ci_lo),
	    "one value: no sd, no interval");
}

int
main(void)
{
	compare("without jansson and with", 1, 0, 0);
	compare("packed and whole", 0, 1, 0);
	compare("packed, full dictionaries", 0, 1, 70000);
	hand_values();
	stats_two_passes();
	return check_done();
}
