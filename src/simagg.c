/*
 * simagg: aggregate the JSON Lines of simrun runs into summary.json,
 * run_summary.csv and metrics_history.csv, and print a short summary.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>

#include "agg/outputs.h"
#include "agg/summary.h"
#include "io/iostatus.h"
#include "cli/cli.h"
#include "param/number.h"
#include "runfile/runset.h"
#include "stats/stats.h"

#define PROG "simagg"
#define N_METRICS METRICS_N
#define metric_names metrics_names

enum {
	OPT_OUTPUT_DIR = 256,
	OPT_NO_FILES,
	OPT_EXPERIMENT,
	OPT_ALLOW_MIXED,
	OPT_MAX_LINE_BYTES
};

struct options {
	const char *dir;
	const char *experiment;    /* NULL: none given */
	int files;
	int allow_mixed;           /* runs of other settings: group them */
	size_t max_line_bytes;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " [--output-dir DIR] [--no-files] [--experiment NAME] "
	    "[FILE...]\n"
	    "\n"
	    "Aggregates the JSON Lines of simrun runs, read from the FILEs (or\n"
	    "stdin when there are none or FILE is -), into summary.json,\n"
	    "run_summary.csv and metrics_history.csv, and prints a summary.\n"
	    "\n"
	    "  --output-dir DIR     where the files go (default .; made if missing)\n"
	    "  --no-files           write no file, print the summary only\n"
	    "  --experiment NAME    name the experiment in the files and summary\n"
	    "  --allow-mixed        aggregate runs of different parameters,\n"
	    "                       the summary grouped by those (else exit 65)\n"
	    "  --max-line-bytes N   refuse a longer line (default 67108864)\n"
	    "  -h, --help           print this help and exit\n"
	    "  -V, --version        print the version and exit\n"
	    "\n"
	    "Exit 0 when every run is ok, 75 when some failed or are incomplete,\n"
	    "65 for input that is not simrun's JSON Lines or holds no run.\n");
}

static int
take_option(void *options, int c, char *arg)
{
	struct options *o = options;
	long v;

	switch (c) {
	case OPT_OUTPUT_DIR:
		if (*arg == '\0')
			return cli_usage_error(PROG, "--output-dir wants a directory, not "
			    "an empty string", NULL);
		o->dir = arg;
		return 0;
	case OPT_NO_FILES:
		o->files = 0;
		return 0;
	case OPT_EXPERIMENT:
		o->experiment = arg;
		return 0;
	case OPT_ALLOW_MIXED:
		o->allow_mixed = 1;
		return 0;
	case OPT_MAX_LINE_BYTES:
		if (parse_long_range(arg, 1024, 1L << 40, &v) != 0)
			return cli_usage_error(PROG, "--max-line-bytes wants a whole number "
			    "from 1024 to 1099511627776, not", arg);
		o->max_line_bytes = (size_t)v;
		return 0;
	}
	return cli_usage_error(PROG, "unhandled option", NULL);
}

/* Returns -1 when --help or --version was served, else an exit code. */
static int
parse_args(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		CLI_VALUE("output-dir", OPT_OUTPUT_DIR),
		CLI_SWITCH("no-files", OPT_NO_FILES),
		CLI_VALUE("experiment", OPT_EXPERIMENT),
		CLI_SWITCH("allow-mixed", OPT_ALLOW_MIXED),
		CLI_VALUE("max-line-bytes", OPT_MAX_LINE_BYTES), CLI_END
	};
	struct cli c = { PROG, opts, usage, take_option, o, 0, -1 };

	return cli_read(&c, argc, argv, 1);
}

static void
print_summary(const struct aggregate *rep, const struct options *o)
{
	const struct summary *s = &rep->sum;

	if (o->files)
		printf("Experiment completed. Results saved to: %s\n",
		    o->experiment != NULL ? o->experiment : o->dir);
	else
		printf("Experiment summary:\n");
	printf("Total runs: %zu\nConverged runs: %zu\n", s->runs, s->converged);
	if (s->failed > 0)
		printf("Failed runs: %zu\n", s->failed);
	if (s->incomplete > 0)
		printf("Incomplete runs: %zu\n", s->incomplete);
	if (s->convergence_step.n > 0)
		printf("Average convergence step: %.2f\n",
		    s->convergence_step.mean);
	if (s->llm_calls.n > 0)
		printf("Average LLM calls per run: %.1f\n", s->llm_calls.mean);
	if (s->llm_time.n > 0)
		printf("Average LLM response time: %.3fs\n", s->llm_time.mean);
	if (s->with_utility > 0 && s->mean_utility.n > 0)
		printf("Average mean utility: %.4f\n", s->mean_utility.mean);
	for (size_t g = 0; g < rep->ngroups; g++) {
		const struct summary *gs = &rep->groups[g].sum;

		printf("Group ");
		outputs_group_text(stdout, rep, &rep->groups[g]);
		printf(": %zu runs, %zu converged", gs->runs, gs->converged);
		if (gs->convergence_step.n > 0)
			printf(", average convergence step %.2f",
			    gs->convergence_step.mean);
		printf("\n");
	}
}

static int
read_inputs(struct runset *a, int n, char **files)
{
	int rc = 0;

	if (n == 0)
		return runset_read_stream(a, stdin, "stdin");
	for (int i = 0; i < n && rc == 0; i++)
		rc = runset_read_file(a, files[i]);
	return rc;
}

static int
aggregate(struct runset *a, const struct options *o)
{
	struct aggregate rep;
	int rc;

	if (a->nslots == 0) {
		fprintf(stderr, PROG ": no runs in the input; give it the JSON "
		    "Lines that simrun prints\n");
		return EX_DATAERR;
	}
	runset_warn_duplicates(a);
	rep.prog = PROG;
	rep.experiment = o->experiment;
	rep.allow_mixed = o->allow_mixed;
	if ((rc = aggregate_make(a, &rep)) != 0)
		return rc;
	if (o->files)
		rc = outputs_write(&rep, o->dir);
	if (rc == 0) {
		print_summary(&rep, o);
		if (rep.sum.failed > 0 || rep.sum.incomplete > 0)
			rc = EX_TEMPFAIL;
	}
	aggregate_free(&rep);
	return rc;
}

int
main(int argc, char **argv)
{
	struct options o = { ".", NULL, 1, 0, RUNSET_MAX_LINE_DEFAULT };
	struct runset a;
	int rc;

	io_sigpipe_default();
	runset_init(&a, PROG);
	a.compact = 1;             /* a million runs in little memory */
	if ((rc = parse_args(argc, argv, &o)) == 0 &&
	    (a.max_line_bytes = o.max_line_bytes) != 0 &&
	    (rc = read_inputs(&a, argc - optind, argv + optind)) == 0)
		rc = aggregate(&a, &o);
	if (a.served[1][0] != '\0')
		fprintf(stderr, PROG ": warning: the LLM server answered with "
		    "different models within the experiment (%s, %s): the runs "
		    "are not of one model\n", a.served[0], a.served[1]);
	if (a.fingerprint[1][0] != '\0')
		fprintf(stderr, PROG ": warning: the server's system_fingerprint "
		    "changed within the experiment (%s, %s): its backend changed "
		    "and answers may differ\n", a.fingerprint[0],
		    a.fingerprint[1]);
	runset_free(&a);
	if (rc == -1)
		rc = 0;
	if (fclose(stdout) != 0 && (rc == 0 || rc == EX_TEMPFAIL)) {
		perror(PROG ": writing the summary");
		rc = EX_IOERR;
	}
	return rc;
}
