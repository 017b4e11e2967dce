/*
 * simcfg: write an experiment's config.json: every simulation parameter
 * (the keys simrun --config reads back), the scenario's labels and prompt,
 * and how the experiment is run.  Never an API key.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "io/atomicfile.h"
#include "io/iostatus.h"
#include "cli/cli.h"
#include "config/flags.h"
#include "io/jsonw.h"
#include "config/params.h"
#include "param/number.h"
#include "config/params_json.h"
#include "llm/scenario.h"

#define PROG "simcfg"
/* The one cap on --runs (and --processes), the runner's too. */
#define RUNS_MAX 100000000L

enum {
	OPT_RUNS = 256,
	OPT_PROCESSES,
	OPT_PROCESSES_REQUESTED,
	OPT_CPU_COUNT,
	OPT_OUTPUT,
	OPT_EXPERIMENT,
	OPT_SHAPING_KEYS
};

struct options {
	struct sim_params params;
	int runs;
	int processes;
	const char *processes_requested;   /* as the user typed it, or NULL */
	int cpu_count;
	const char *output;                /* NULL: stdout */
	const char *experiment;
	struct run_file_flags file;        /* kept for a resume */
};

static const struct option own_options[] = {
	CLI_VALUE("runs", OPT_RUNS), CLI_VALUE("processes", OPT_PROCESSES),
	CLI_VALUE("processes-requested", OPT_PROCESSES_REQUESTED),
	CLI_VALUE("cpu-count", OPT_CPU_COUNT), CLI_VALUE("output", OPT_OUTPUT),
	CLI_VALUE("experiment", OPT_EXPERIMENT),
	CLI_SWITCH("shaping-keys", OPT_SHAPING_KEYS), FLAGS_RUN_FILE_OPTIONS,
	CLI_END
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " [--config FILE] [simrun parameter flags] --runs N\n"
	    "              [--processes P] [--processes-requested TEXT]\n"
	    "              [--cpu-count C] [--experiment NAME] [--output FILE]\n"
	    "              [--store files|shards]\n"
	    "       " PROG " --shaping-keys\n"
	    "\n"
	    "Writes an experiment's config.json (to FILE via a temporary name,\n"
	    "or to stdout). It takes every parameter flag of simrun, and\n"
	    "simrun --config reads the file back.\n"
	    "\n"
	    "  --runs N                    runs in the experiment (ids 0..N-1)\n"
	    "  --processes P               processes used (default 1)\n"
	    "  --processes-requested TEXT  what the user asked for, kept as typed\n"
	    "  --cpu-count C               cores of the machine (default 1)\n"
	    "  --experiment NAME           the experiment's name\n"
	    "  --no-steps, --decision-log  the simrun flags the runs get: kept\n"
	    "                              as step_lines and decision_log\n"
	    "  --store files|shards        how runs/ holds the runs (simrun\n"
	    "                              --store): kept as store\n"
	    "  --output FILE               write FILE instead of stdout\n"
	    "  --shaping-keys              print the keys of the parameters that\n"
	    "                              make a run what it is (a run file's\n"
	    "                              start line must agree with config.json\n"
	    "                              on them), as a JSON array, and exit\n"
	    "  -h, --help, -V, --version\n");
}

static int
take_count(const char *flag, const char *text, int *out)
{
	long v;
	char what[64];

	if (parse_long_range(text, 1, RUNS_MAX, &v) == 0) {
		*out = (int)v;
		return 0;
	}
	snprintf(what, sizeof(what), "--%s must be a whole number from 1 to "
	    "%ld, not", flag, (long)RUNS_MAX);
	return cli_usage_error(PROG, what, text);
}

/* --shaping-keys: the list, then exit 0 (-1: answered). */
static int
print_shaping_keys(void)
{
	struct jw w;
	int rc;

	jw_init(&w);
	params_put_shape_keys(&w);
	rc = jw_write_line(&w, stdout) == 0 ? -1 : EX_IOERR;
	jw_free(&w);
	return rc;
}

static int
take_option(void *options, int c, char *arg)
{
	struct options *o = options;

	switch (c) {
	case OPT_RUNS:
		return take_count("runs", arg, &o->runs);
	case OPT_PROCESSES:
		return take_count("processes", arg, &o->processes);
	case OPT_CPU_COUNT:
		return take_count("cpu-count", arg, &o->cpu_count);
	case OPT_PROCESSES_REQUESTED:
		o->processes_requested = arg;
		return 0;
	case OPT_OUTPUT:
		o->output = arg;
		return 0;
	case OPT_EXPERIMENT:
		o->experiment = arg;
		return 0;
	case OPT_SHAPING_KEYS:
		return print_shaping_keys();
	}
	return cli_usage_error(PROG, "unhandled option", NULL);
}

/* --llm-slots is checked here as simrun checks it, so a runner that asks
 * simcfg first refuses a bad value as the usage error it is. */
static int
check_slots(const struct sim_params *p)
{
	long v;

	if (p->llm.llm_slots[0] == '\0' || strcmp(p->llm.llm_slots, "auto") == 0 ||
	    parse_long_range(p->llm.llm_slots, 1, 4096, &v) == 0)
		return 0;
	return cli_usage_error(PROG, "--llm-slots must be a number from 1 to "
	    "4096 or auto, not", p->llm.llm_slots);
}

static int
require_runs(void *options, const struct flags *f)
{
	(void)f;
	if (((struct options *)options)->runs == 0)
		return cli_usage_error(PROG, "--runs is required", NULL);
	return 0;
}

static int
parse_args(int argc, char **argv, struct options *o)
{
	const struct cli c = { PROG, own_options, usage, take_option, o, 0,
	    0 };
	int rc = flags_parse(&c, argc, argv, require_runs, &o->params,
	    &o->file);
	char err[256];

	if (rc == 0 && flags_check_store(&o->params, &o->file, err,
	    sizeof(err)) != 0)
		return cli_usage_error(PROG, err, NULL);
	return rc == 0 ? check_slots(&o->params) : rc;
}

/* The request as typed: a number when it is one, else the text. */
static void
put_requested(struct jw *w, const char *text)
{
	long v;

	jw_key(w, "n_processes_requested");
	if (text == NULL)
		jw_null(w);
	else if (parse_long_range(text, -1000000000L, 1000000000L, &v) == 0)
		jw_int(w, v);
	else
		jw_string(w, text);
}

static void
put_scenario(struct jw *w, const struct scenario *s, int choose)
{
	jw_key(w, "context_info");
	jw_object_begin(w);
	jw_kv_string(w, "name", s->name);
	jw_kv_string(w, "type_a", s->type_a);
	jw_kv_string(w, "type_b", s->type_b);
	jw_kv_string(w, "prompt_template", s->prompt_template);
	/* movers choose: the MOVE or STAY template and the choice template
	 * they were asked with (the default wording's own text if none) */
	if (choose) {
		jw_kv_string(w, "choose_prompt_template",
		    scenario_move_template(s));
		jw_kv_string(w, "choice_template", scenario_choice_template(s));
	}
	jw_object_end(w);
}

static void
put_config(struct jw *w, const struct options *o, const struct scenario *s)
{
	const struct sim_params *p = &o->params;
	char stamp[32];
	time_t now = time(NULL);

	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	jw_object_begin(w);
	jw_key(w, "experiment");
	if (o->experiment)
		jw_string(w, o->experiment);
	else
		jw_null(w);
	jw_kv_int(w, "n_runs", o->runs);
	params_put_config(w, p);
	if (s != NULL)
		put_scenario(w, s, p->llm.destination == DESTINATION_CHOOSE);
	jw_kv_bool(w, "step_lines", !o->file.no_steps);
	jw_kv_bool(w, "decision_log", o->file.decision_log);
	jw_kv_string(w, "store", flags_store_name(o->file.store));
	jw_kv_bool(w, "parallel_execution", o->processes > 1);
	jw_kv_int(w, "n_processes", o->processes);
	put_requested(w, o->processes_requested);
	jw_kv_int(w, "cpu_count", o->cpu_count);
	jw_kv_string(w, "version", SIM_VERSION);
	jw_kv_string(w, "timestamp", stamp);
	jw_object_end(w);
}

static int
write_config(struct jw *w, const char *path)
{
	struct atomic_file file;
	int rc;

	if (path == NULL)
		return jw_write_line(w, stdout) == 0 ? 0 : EX_IOERR;
	if (atomic_open(&file, path) != 0) {
		fprintf(stderr, PROG ": cannot create %s: %s\n", path,
		    strerror(errno));
		return EX_CANTCREAT;
	}
	if (jw_write_line(w, file.f) == 0 && atomic_commit(&file) == 0)
		return 0;
	rc = errno;
	fprintf(stderr, PROG ": cannot write %s: %s\n", path, strerror(rc));
	atomic_abort(&file);
	return io_status(rc);
}

int
main(int argc, char **argv)
{
	struct options o = { .processes = 1, .cpu_count = 1 };
	struct scenario s;
	struct jw w;
	char err[1024];
	int rc, llm;

	params_defaults(&o.params);
	io_sigpipe_default();
	if ((rc = parse_args(argc, argv, &o)) != 0)
		return rc == -1 ? (fclose(stdout) == 0 ? 0 : EX_IOERR) : rc;
	llm = o.params.agent == AGENT_LLM;
	if (llm && scenario_for(o.params.llm.scenario, o.params.llm.scenario_file, &s,
	    err, sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return EX_CONFIG;
	}
	if (llm && o.params.llm.destination == DESTINATION_CHOOSE &&
	    scenario_choose(&s) != 0) {
		scenario_free(&s);
		fprintf(stderr, PROG ": out of memory\n");
		return EX_OSERR;
	}
	jw_init(&w);
	put_config(&w, &o, llm ? &s : NULL);
	rc = write_config(&w, o.output);
	jw_free(&w);
	if (llm)
		scenario_free(&s);
	if (fclose(stdout) != 0 && rc == 0) {
		fprintf(stderr, PROG ": cannot write stdout: %s\n",
		    strerror(errno));
		rc = EX_IOERR;
	}
	return rc;
}
