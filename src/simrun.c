/*
 * simrun: run Schelling / Pancs-Vriend segregation simulations and print
 * each run as JSON Lines (start, one line per step, end).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "io/atomicfile.h"
#include "io/iostatus.h"
#include "cli/cli.h"
#include "config/flags.h"
#include "io/jsonw.h"
#include "llm/cache_check.h"
#include "llm/llm.h"
#include "llm/llm_agent.h"
#include "model/metrics.h"
#include "model/model_metrics.h"
#include "config/params_json.h"
#include "config/params.h"
#include "config/runids.h"
#include "llm/scenario.h"
#include "table/table.h"
#include "model/world.h"

#define PROG "simrun"

enum {
	OPT_RUN_ID = 256,
	OPT_NO_STEPS,
	OPT_CHECK_LLM,
	OPT_DECISION_LOG,
	OPT_API_KEY,
	OPT_OUTPUT_DIR,
	OPT_HOST
};

struct options {
	struct sim_params params;
	struct runids ids;
	int step_lines;
	int check_llm;
	int decision_log;
	const char *output_dir;
	const char *host;          /* --host: recorded in start lines */
};

/* Everything one process needs to play runs of one geometry. */
struct runner {
	const struct sim_params *params;
	struct world *world;
	struct metrics_work *metrics;
	struct decider decider;
	struct llm_agent *llm;     /* NULL for mechanical agents */
	struct decision_table *table;  /* NULL unless --agent table */
	struct scenario scenario;
	struct jw line;
	char *grid;
	int step_lines;
	FILE *out;                 /* where a run's lines go */
	const char *output_dir;    /* NULL: all runs on stdout */
	const char *host;          /* NULL: no host key in start lines */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " [--config FILE] [options] --run-id IDS\n"
	    "\n"
	    "Runs one segregation simulation per run id and prints JSON Lines.\n"
	    "IDS is N, N-M or a comma list of those (0-999 or 1,5,7-9).\n"
	    "\n"
	    "  --config FILE               read parameters from a JSON object;\n"
	    "                              flags override it\n"
	    "  --run-id IDS                the runs to play (required)\n"
	    "  --seed S                    experiment seed (default 0)\n"
	    "  --grid-size G               grid is G x G, bounded (default 20)\n"
	    "  --num-type-a A              agents of type A (default 160)\n"
	    "  --num-type-b B              agents of type B (default 160)\n"
	    "  --similarity-threshold T    least alike share to stay (default 0.5)\n"
	    "  --no-move-threshold K       zero-move steps that converge (default 5)\n"
	    "  --max-steps N               step cap per run (default 1000)\n"
	    "  --agent KIND                mechanical (default), llm or table\n"
	    "  --radius R                  Chebyshev radius of the neighbourhood\n"
	    "                              (default 1: the 8 Moore neighbours)\n"
	    "  --min-similar K             happy with K alike neighbours (a count)\n"
	    "                              instead of --similarity-threshold\n"
	    "  --move-rule RULE            random (default), satisfying or\n"
	    "                              nearest-satisfying empty cell\n"
	    "  --boundary B                bounded (default) or torus\n"
	    "  --fixed-steps               play exactly --max-steps steps (same\n"
	    "                              as --no-move-threshold 0)\n"
	    "  --metrics WHEN              every step (default), end or none\n"
	    "  --movers WHO                unhappy (default) or anyone (happy\n"
	    "                              agents take satisfying cells too)\n"
	    "  --isolated WHAT             move (default) or stay: an agent with\n"
	    "                              no occupied neighbour\n"
	    "  --update HOW                sequential (default) or synchronous\n"
	    "                              (movers fixed at the start of a step)\n"
	    "  --threshold-arithmetic A    exact (default) or predecessor (its\n"
	    "                              floating-point comparison)\n"
	    "  --model-metrics on          end lines add metrics over the model's\n"
	    "                              own neighbourhood (default off)\n"
	    "  --no-steps                  omit the per-step lines\n"
	    "  --frames                    add the grid to every step line (G*G\n"
	    "                              bytes a step; for simplot animation)\n"
	    "  --output-dir DIR            write run N to DIR/run_N.jsonl (via a\n"
	    "                              temporary name); print one done line\n"
	    "                              per run on stdout\n"
	    "  --host NAME                 add \"host\":NAME to start lines (the\n"
	    "                              machine that ran them; set by the\n"
	    "                              runners for remote hosts)\n"
	    "\n"
	    "LLM agents (--agent llm); the API key comes from LLM_API_KEY:\n"
	    "  --scenario NAME             prompt scenario (default baseline)\n"
	    "  --scenario-file FILE        a scenario of your own (JSON)\n"
	    "  --llm-url URL               chat endpoint (default Ollama's on\n"
	    "                              localhost:11434)\n"
	    "  --llm-model M               model (default llama3.1:8b)\n"
	    "  --llm-api API               openai (default) or ollama\n"
	    "  --temperature T|default     sampling temperature (default 0.3;\n"
	    "                              default: not sent, for o-series/gpt-5)\n"
	    "  --top-p P|default           nucleus sampling, sent (default 1.0)\n"
	    "  --max-tokens N              reply length cap (default 8)\n"
	    "  --max-tokens-field F        auto (default), max_tokens or\n"
	    "                              max_completion_tokens\n"
	    "  --llm-server KIND           auto (default), ollama, vllm, llama-server,\n"
	    "                              openai, lmstudio or generic: what it is sent\n"
	    "  --think off|on|auto         thinking models: off (default) in the\n"
	    "                              server's words; auto sends nothing\n"
	    "  --constrain off|auto        constrain the answer to MOVE/STAY where\n"
	    "                              the server can (default off)\n"
	    "  --cache-prompt on|off|auto  llama-server's cache_prompt (default auto)\n"
	    "  --llm-retries N             retries of a failed request (default 10)\n"
	    "  --parse-retries N           re-asks of an unparseable reply (default 3)\n"
	    "  --connect-timeout S         seconds to connect (default 5)\n"
	    "  --request-timeout S         seconds per request (default 60)\n"
	    "  --retry-base-ms MS          first backoff (default 500, doubling)\n"
	    "  --retry-max-ms MS           backoff cap (default 30000)\n"
	    "  --llm-api-key-file FILE     read the API key from FILE instead\n"
	    "  --llm-concurrency K         requests in flight within a run (default 1)\n"
	    "  --llm-slots N|auto          cap on requests in flight across every\n"
	    "                              process using this URL (auto: /props)\n"
	    "  --llm-endpoints FILE        several servers, 'URL [SLOTS] [KEY-FILE]'\n"
	    "                              a line: each request to the one with\n"
	    "                              the most free slots, failing ones set\n"
	    "                              aside with backoff\n"
	    "  --llm-cache FILE            decision cache shared by processes;\n"
	    "                              needs --temperature 0\n"
	    "  --max-parse-failure-share S a run fails when more than this share\n"
	    "                              of its decisions got no MOVE or STAY\n"
	    "                              (default 0.05)\n"
	    "  --llm-cache-reset no|yes    yes: move a corrupted cache aside\n"
	    "                              (kept) and start a new one\n"
	    "  --decision-log              add a line per LLM decision\n"
	    "  --check-llm                 send one decision prompt, require MOVE or\n"
	    "                              STAY from the model asked for; exit 0 or 69\n"
	    "\n"
	    "Table agents (--agent table) move with the P(MOVE) that simprobe\n"
	    "measured for what they see; no server is asked:\n"
	    "  --table FILE                the decision table; its scenario must\n"
	    "                              be --scenario's\n"
	    "  -h, --help                  print this help and exit\n"
	    "  -V, --version               print the version and exit\n");
}

static const struct option own_options[] = {
	{ "run-id", required_argument, NULL, OPT_RUN_ID },
	{ "no-steps", no_argument, NULL, OPT_NO_STEPS },
	{ "check-llm", no_argument, NULL, OPT_CHECK_LLM },
	{ "decision-log", no_argument, NULL, OPT_DECISION_LOG },
	{ "llm-api-key", required_argument, NULL, OPT_API_KEY },
	{ "output-dir", required_argument, NULL, OPT_OUTPUT_DIR },
	{ "host", required_argument, NULL, OPT_HOST },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
};

static int
usage_error(const char *what, const char *arg)
{
	return cli_usage_error(PROG, what, arg);
}

static int
take_run_ids(struct options *o, const char *text)
{
	int rc;

	runids_free(&o->ids);
	if ((rc = runids_parse(text, &o->ids)) == -2) {
		fprintf(stderr, PROG ": out of memory\n");
		return EX_OSERR;
	}
	if (rc != 0)
		return usage_error("--run-id wants N, N-M or a comma list of "
		    "those (e.g. 0-99,200), not", text);
	return 0;
}

/* One option of simrun's own; 0, -1 after --help/--version, or a status. */
static int
take_option(void *options, int c, char *arg)
{
	struct options *o = options;

	switch (c) {
	case OPT_RUN_ID:
		return take_run_ids(o, arg);
	case OPT_NO_STEPS:
		o->step_lines = 0;
		return 0;
	case OPT_CHECK_LLM:
		o->check_llm = 1;
		return 0;
	case OPT_DECISION_LOG:
		o->decision_log = 1;
		return 0;
	case OPT_OUTPUT_DIR:
		o->output_dir = arg;
		return 0;
	case OPT_HOST:
		if (arg[0] == '\0' || strlen(arg) > 255)
			return usage_error("--host wants a name of 1 to 255 "
			    "characters, not", arg);
		o->host = arg;
		return 0;
	case OPT_API_KEY:
		return usage_error("--llm-api-key is refused: a key on the "
		    "command line shows in ps and shell history; set "
		    "LLM_API_KEY or use --llm-api-key-file", NULL);
	}
	return cli_usage_error(PROG, "unhandled option", NULL);
}

/* Several servers are a file's job: a second --llm-url would silently
 * replace the first. */
static int
one_llm_url(const struct flags *f)
{
	if (flags_count(f, "llm-url") > 1)
		return usage_error("--llm-url given more than once: list several "
		    "servers in a file, one 'URL [SLOTS] [KEY-FILE]' a line, "
		    "and give --llm-endpoints FILE", NULL);
	return 0;
}

/* Returns -1 when --help or --version was served, else an exit status. */
static int
parse_args(int argc, char **argv, struct options *o)
{
	struct flags f;
	int rc;

	rc = flags_read(&f, PROG, own_options, sizeof(own_options) /
	    sizeof(own_options[0]), usage, take_option, o, argc, argv);
	if (rc == 0 && optind < argc)
		rc = usage_error("unexpected argument", argv[optind]);
	if (rc == 0)
		rc = one_llm_url(&f);
	if (rc == 0 && o->ids.count == 0 && !o->check_llm)
		rc = usage_error("--run-id is required, e.g. --run-id 0-9", NULL);
	if (rc == 0)
		rc = flags_apply(&f, &o->params);
	flags_free(&f);
	return rc;
}

static void
put_metrics(struct jw *w, const struct metrics *m)
{
	jw_kv_int(w, "clusters", m->clusters);
	jw_kv_double(w, "switch_rate", m->switch_rate);
	jw_kv_double(w, "distance", m->distance);
	jw_kv_double(w, "mix_deviation", m->mix_deviation);
	jw_kv_double(w, "share", m->share);
	jw_kv_int(w, "ghetto_rate", m->ghetto_rate);
	jw_kv_double(w, "dissimilarity_index", m->dissimilarity_index);
}

static void
put_metrics_object(struct jw *w, const char *key, const struct metrics *m)
{
	jw_key(w, key);
	jw_object_begin(w);
	put_metrics(w, m);
	jw_object_end(w);
}

/*
 * The rest of what shapes a run and its file, after the keys print_start
 * names itself: every other parameter, and the flags that change which
 * lines the file holds.
 */
static void
put_run_shape(struct runner *r)
{
	params_put_shaping(&r->line, r->params);
	jw_kv_bool(&r->line, "no_steps", !r->step_lines);
	if (r->llm != NULL)
		jw_kv_bool(&r->line, "decision_log",
		    r->llm->decision_log != NULL);
}

/* The server kind: each endpoint's when they agree, else "mixed". */
static const char *
server_label(const struct runner *r)
{
	const struct endpoints *eps = r->llm != NULL ? r->llm->endpoints : NULL;

	if (eps == NULL || eps->n == 0)
		return llm_server_label(llm_params_server(&r->params->llm));
	for (int i = 1; i < eps->n; i++)
		if (eps->e[i].cfg.server != eps->e[0].cfg.server)
			return "mixed";
	return llm_server_label(eps->e[0].cfg.server);
}

static int
print_start(struct runner *r, long run_id, const struct metrics *initial)
{
	const struct sim_params *p = r->params;
	struct jw *w = &r->line;

	jw_object_begin(w);
	jw_kv_string(w, "event", "start");
	jw_kv_int(w, "run_id", run_id);
	jw_key(w, "seed");
	jw_uint(w, p->model.seed);
	jw_kv_int(w, "grid_size", p->model.grid_size);
	jw_kv_int(w, "num_type_a", p->model.num_type_a);
	jw_kv_int(w, "num_type_b", p->model.num_type_b);
	jw_kv_string(w, "agent", agent_kind_name(p->agent));
	jw_kv_double(w, "similarity_threshold", p->model.similarity_threshold);
	jw_kv_int(w, "no_move_threshold", p->model.no_move_threshold);
	jw_kv_int(w, "max_steps", p->model.max_steps);
	jw_kv_string(w, "version", SIM_VERSION);
	if (r->host != NULL)
		jw_kv_string(w, "host", r->host);
	if (r->llm != NULL) {
		jw_kv_string(w, "scenario", r->scenario.name);
		jw_kv_string(w, "type_a", r->scenario.type_a);
		jw_kv_string(w, "type_b", r->scenario.type_b);
		jw_kv_string(w, "llm_model", p->llm.llm_model);
		jw_kv_string(w, "llm_url", llm_params_url(&p->llm));
		jw_kv_string(w, "llm_api", llm_api_names[p->llm.llm_api]);
		if (p->llm.temperature == PARAM_WORD_VALUE)
			jw_kv_string(w, "temperature", "default");
		else
			jw_kv_double(w, "temperature", p->llm.temperature);
		jw_kv_int(w, "max_tokens", p->llm.max_tokens);
		jw_kv_string(w, "llm_server", server_label(r));
		jw_kv_string(w, "think", think_names[p->llm.think]);
		if (p->llm.top_p == PARAM_WORD_VALUE)
			jw_kv_string(w, "top_p", "default");
		else
			jw_kv_double(w, "top_p", p->llm.top_p);
		jw_kv_int(w, "llm_concurrency", p->llm.llm_concurrency);
		jw_kv_int(w, "llm_slots", slots_count(r->llm->slots));
		if (r->llm->endpoints != NULL) {
			jw_key(w, "llm_endpoints");
			jw_array_begin(w);
			for (int i = 0; i < r->llm->endpoints->n; i++)
				jw_string(w, r->llm->endpoints->e[i].url);
			jw_array_end(w);
		}
		if (r->llm->cache != NULL)
			jw_kv_string(w, "llm_cache", p->llm.llm_cache);
	}
	if (r->table != NULL) {
		const struct table_header *t = table_info(r->table);

		jw_kv_string(w, "scenario", r->scenario.name);
		jw_kv_string(w, "table", p->table);
		jw_kv_string(w, "table_key", table_key_name(t->key));
		jw_kv_string(w, "table_model", t->model);
		jw_kv_string(w, "table_method", table_method_name(t->method));
	}
	put_run_shape(r);
	if (initial != NULL)
		put_metrics_object(w, "initial", initial);
	world_grid_string(r->world, r->grid);
	jw_kv_string(w, "grid", r->grid);
	jw_object_end(w);
	return jw_write_line(w, r->out);
}

static void
put_llm_stats(struct jw *w, const struct llm_agent *a,
    const struct llm_stats *s)
{
	jw_kv_int(w, "llm_calls", s->calls);
	jw_kv_double(w, "llm_time_s", s->time_s);
	jw_kv_int(w, "parse_failures", s->parse_failures);
	if (s->empty_replies > 0)
		jw_kv_int(w, "empty_replies", s->empty_replies);
	jw_kv_int(w, "retries", s->retries);
	if (a->pool != NULL)
		jw_kv_int(w, "prefetch_wasted", s->prefetch_wasted);
	if (a->cache != NULL) {
		jw_kv_int(w, "cache_hits", s->cache_hits);
		jw_kv_int(w, "cache_misses", s->cache_misses);
	}
}

static int
print_step(struct runner *r, long run_id, int step,
    const struct step_counts *counts, const struct metrics *m)
{
	struct jw *w = &r->line;

	jw_object_begin(w);
	jw_kv_string(w, "event", "step");
	jw_kv_int(w, "run_id", run_id);
	jw_kv_int(w, "step", step);
	jw_kv_int(w, "decisions", counts->decisions);
	jw_kv_int(w, "moves", counts->moves);
	if (m != NULL)
		put_metrics(w, m);
	if (r->llm != NULL)
		put_llm_stats(w, r->llm, &r->llm->step);
	if (r->params->model.frames) {
		world_grid_string(r->world, r->grid);
		jw_kv_string(w, "grid", r->grid);
	}
	jw_object_end(w);
	return jw_write_line(w, r->out);
}

struct run_outcome {
	int failed;               /* the run stopped: no decision could be had */
	int step;                 /* the step being played */
	int converged;
	int convergence_step;
	int final_step;
	long total_moves;
	int has_final;            /* final holds the metrics (not --metrics none) */
	struct metrics final;
	struct model_metrics model;   /* with --model-metrics on */
	long decisions;           /* of the steps played, for progress and shares */
	int parse_failed;         /* parse failures above the allowed share */
	char parse_reason[160];
};

static void
put_model_metrics(struct jw *w, const struct model_metrics *m)
{
	jw_key(w, "model_metrics");
	jw_object_begin(w);
	jw_kv_double(w, "like_share_mean", m->like_share_mean);
	jw_kv_double(w, "like_share_pooled", m->like_share_pooled);
	jw_kv_double(w, "unhappy_share", m->unhappy_share);
	jw_kv_double(w, "segregation_coefficient", m->segregation_coefficient);
	jw_object_end(w);
}

/* Parse failures per decision of the run so far (0 without decisions). */
static double
parse_failure_share(const struct runner *r, const struct run_outcome *o)
{
	return o->decisions > 0 ? (double)r->llm->run.parse_failures /
	    (double)o->decisions : 0;
}

/*
 * A run whose model did not answer MOVE or STAY in more than the allowed
 * share of its decisions is no result: it ends failed, with the reason.
 */
static void
check_parse_failures(struct runner *r, struct run_outcome *o)
{
	double share;

	if (r->llm == NULL || o->failed)
		return;
	share = parse_failure_share(r, o);
	if (share <= r->params->llm.max_parse_failure_share)
		return;
	o->parse_failed = 1;
	o->converged = 0;
	snprintf(o->parse_reason, sizeof(o->parse_reason), "%ld of %ld "
	    "replies were not MOVE or STAY (share %.4g, above "
	    "--max-parse-failure-share %g)", r->llm->run.parse_failures,
	    o->decisions, share, r->params->llm.max_parse_failure_share);
}

static int
print_end(struct runner *r, long run_id, const struct run_outcome *o)
{
	struct jw *w = &r->line;

	jw_object_begin(w);
	jw_kv_string(w, "event", "end");
	jw_kv_int(w, "run_id", run_id);
	jw_kv_string(w, "status", o->failed || o->parse_failed ? "failed" :
	    "ok");
	if (o->failed) {
		jw_kv_string(w, "reason", r->llm->reason);
		jw_kv_int(w, "failed_step", o->step);
	} else if (o->parse_failed) {
		jw_kv_string(w, "reason", o->parse_reason);
	}
	jw_kv_bool(w, "converged", o->converged);
	jw_key(w, "convergence_step");
	if (o->converged)
		jw_int(w, o->convergence_step);
	else
		jw_null(w);
	jw_kv_int(w, "final_step", o->final_step);
	jw_kv_int(w, "n_steps", o->final_step + 1);
	jw_kv_string(w, "stop_reason", o->failed ? "failed" :
	    o->parse_failed ? "parse_failures" :
	    o->converged ? "converged" : "max_steps");
	jw_kv_int(w, "total_moves", o->total_moves);
	if (r->llm != NULL) {
		const struct llm_stats *s = &r->llm->run;

		put_llm_stats(w, r->llm, s);
		jw_kv_double(w, "avg_llm_response_time_s",
		    s->time_s / (double)(s->calls > 0 ? s->calls : 1));
		/* what the server says about itself: honest provenance */
		if (r->llm->served_model[0] != '\0')
			jw_kv_string(w, "served_model", r->llm->served_model);
		if (r->llm->fingerprint[0] != '\0')
			jw_kv_string(w, "system_fingerprint",
			    r->llm->fingerprint);
		if (r->llm->server_changes > 0)
			jw_kv_int(w, "server_changes", r->llm->server_changes);
		jw_kv_double(w, "parse_failure_share",
		    parse_failure_share(r, o));
		if (r->llm->endpoints != NULL) {
			jw_key(w, "llm_endpoint_calls");
			jw_array_begin(w);
			for (int i = 0; i < r->llm->endpoints->n; i++)
				jw_int(w, r->llm->endpoints->e[i].calls);
			jw_array_end(w);
		}
	}
	if (o->has_final)
		put_metrics_object(w, "metrics", &o->final);
	if (r->params->model.model_metrics)
		put_model_metrics(w, &o->model);
	world_grid_string(r->world, r->grid);
	jw_kv_string(w, "grid", r->grid);
	jw_object_end(w);
	return jw_write_line(w, r->out);
}

static void
llm_step_done(struct runner *r)
{
	if (r->llm != NULL) {
		llm_stats_add(&r->llm->run, &r->llm->step);
		memset(&r->llm->step, 0, sizeof(r->llm->step));
	}
}

/* The exit status of a run that could not go on. */
static int
failed_run(struct runner *r, long run_id, struct run_outcome *out)
{
	out->failed = 1;
	out->final_step = out->step - 1;
	llm_step_done(r);
	fprintf(stderr, PROG ": run %ld failed at step %d: %s\n", run_id,
	    out->step, r->llm->reason);
	if (print_end(r, run_id, out) != 0)
		return EX_IOERR;
	return r->llm->failure == LLM_REFUSED ? EX_UNAVAILABLE : EX_TEMPFAIL;
}

/*
 * With --output-dir, LLM runs tell a watcher (the runner's progress bar)
 * after each step how far they are: one small write per step.
 */
static int
print_progress(long run_id, int step, const struct run_outcome *o)
{
	printf("{\"event\":\"progress\",\"run_id\":%ld,\"step\":%d,"
	    "\"decisions\":%ld}\n", run_id, step, o->decisions);
	return fflush(stdout) != 0 ? -1 : 0;
}

/*
 * Most replies of the step had no answer at all: not answers, so the run
 * stops rather than take them all as STAY.
 */
static int
mostly_empty(struct runner *r, const struct step_counts *counts)
{
	const struct llm_stats *s = &r->llm->step;

	if (s->empty_replies * 2 <= counts->decisions)
		return 0;
	r->llm->failure = LLM_REFUSED;
	snprintf(r->llm->reason, sizeof(r->llm->reason), "%ld of %d replies "
	    "of the step were empty: most likely a thinking model whose "
	    "answer did not fit in --max-tokens %d; give --think off with "
	    "the right --llm-server (now %s), or raise --max-tokens",
	    s->empty_replies, counts->decisions, r->params->llm.max_tokens,
	    server_label(r));
	return 1;
}

/*
 * One run: place, then sweep until K zero-move steps or the step cap.
 * Returns 0 or an exit status.
 */
static int
play_run(struct runner *r, long run_id)
{
	const struct sim_params *p = r->params;
	struct step_key key = { p->model.seed, (uint64_t)run_id, 0 };
	struct convergence conv = { p->model.no_move_threshold, 0 };
	struct run_outcome out = { 0, 0, 0, 0, p->model.max_steps - 1, 0, 0, { 0 },
	    { 0, 0, 0, 0 }, 0, 0, "" };
	struct step_counts counts;
	struct metrics m = { 0 };
	int every = p->model.metrics == METRICS_EVERY;

	world_place(r->world, p->model.seed, (uint64_t)run_id);
	out.has_final = p->model.metrics != METRICS_NONE;
	if (out.has_final)
		metrics_compute(r->metrics, r->world->cell, &m);
	out.final = m;
	if (r->llm != NULL) {
		memset(&r->llm->run, 0, sizeof(r->llm->run));
		r->llm->server_changes = 0;
		if (r->llm->endpoints != NULL)
			endpoints_count_reset(r->llm->endpoints);
		if (r->llm->pool != NULL) {
			prefetch_reset(r->llm->pool);
			r->llm->next_order_step = -1;
		}
	}
	if (print_start(r, run_id, out.has_final ? &m : NULL) != 0)
		return EX_IOERR;
	for (key.step = 0; key.step < p->model.max_steps; key.step++) {
		out.step = key.step;
		if (world_step(r->world, &r->decider, &key, &counts) != 0)
			return failed_run(r, run_id, &out);
		if (r->llm != NULL && mostly_empty(r, &counts))
			return failed_run(r, run_id, &out);
		if (every)
			metrics_compute(r->metrics, r->world->cell, &out.final);
		out.total_moves += counts.moves;
		out.decisions += counts.decisions;
		if (r->step_lines && print_step(r, run_id, key.step, &counts,
		    every ? &out.final : NULL) != 0)
			return EX_IOERR;
		if (r->llm != NULL && r->output_dir != NULL &&
		    print_progress(run_id, key.step, &out) != 0)
			return EX_IOERR;
		llm_step_done(r);
		if (convergence_update(&conv, counts.moves)) {
			out.converged = 1;
			out.final_step = key.step;
			out.convergence_step = key.step - (conv.threshold - 1);
			break;
		}
	}
	if (p->model.metrics == METRICS_END)
		metrics_compute(r->metrics, r->world->cell, &out.final);
	if (p->model.model_metrics &&
	    model_metrics_compute(r->world, &out.model) != 0) {
		fprintf(stderr, PROG ": out of memory for the model metrics\n");
		return EX_OSERR;
	}
	check_parse_failures(r, &out);
	if (out.parse_failed)
		fprintf(stderr, PROG ": run %ld failed: %s\n", run_id,
		    out.parse_reason);
	if (print_end(r, run_id, &out) != 0)
		return EX_IOERR;
	return out.parse_failed ? EX_DATAERR : 0;
}

static int
load_scenario(const struct sim_params *p, struct scenario *s)
{
	char err[1024];

	if (scenario_for(p->llm.scenario, p->llm.scenario_file, s, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return EX_CONFIG;
	}
	return 0;
}

/*
 * A corrupted decision cache would fail every run that touches it: it is
 * named at open, and with --llm-cache-reset yes moved aside (kept) so
 * that a new one starts.  0, or -1 after one line on stderr.
 */
static int
check_cache(const struct sim_params *p)
{
	char detail[512], moved[4200];
	int bad = cache_check(p->llm.llm_cache, detail, sizeof(detail));

	if (bad == 0)
		return 0;
	if (bad < 0) {
		fprintf(stderr, PROG ": cannot check the decision cache %s: "
		    "%s; choose another --llm-cache\n", p->llm.llm_cache, detail);
		return -1;
	}
	if (!p->llm.llm_cache_reset) {
		fprintf(stderr, PROG ": the decision cache %s is corrupted "
		    "(%s); give --llm-cache-reset yes to move it aside (it is "
		    "kept) and start a new one, or choose another "
		    "--llm-cache\n", p->llm.llm_cache, detail);
		return -1;
	}
	if (cache_move_aside(p->llm.llm_cache, moved, sizeof(moved)) != 0) {
		fprintf(stderr, PROG ": cannot move the corrupted decision "
		    "cache %s aside: %s\n", p->llm.llm_cache, strerror(errno));
		return -1;
	}
	fprintf(stderr, PROG ": warning: the decision cache %s was corrupted "
	    "(%s); moved to %s, starting a new one\n", p->llm.llm_cache, detail,
	    moved);
	return 0;
}

/* The clients of an LLM agent: one, plus a pool for --llm-concurrency. */
static int
new_clients(const struct sim_params *p, struct llm_agent *a)
{
	struct llm_config cfg;
	char err[512], *key;
	int nslots;

	llm_config_from(&cfg, &p->llm);
	if (llm_read_key(p->llm.llm_api_key_file, &key, err, sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return EX_CONFIG;
	}
	if (slots_parse(p->llm.llm_slots, cfg.url, key, p->llm.llm_model, &nslots, err,
	    sizeof(err)) != 0 || (nslots > 0 && (a->slots = slots_open(cfg.url,
	    nslots, err, sizeof(err))) == NULL)) {
		fprintf(stderr, PROG ": %s\n", err);
		llm_forget_key(key);
		return EX_CONFIG;
	}
	a->cfg = cfg;
	if (*p->llm.llm_cache != '\0' && check_cache(p) != 0) {
		llm_forget_key(key);
		return EX_CONFIG;
	}
	if (*p->llm.llm_cache != '\0' && (a->cache = cache_open(p->llm.llm_cache, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, PROG ": %s\n", err);
		llm_forget_key(key);
		return EX_CONFIG;
	}
	cfg.api_key = key;
	a->concurrency = p->llm.llm_concurrency;
	if (*p->llm.llm_endpoints != '\0' && (a->endpoints = endpoints_open(
	    p->llm.llm_endpoints, &cfg, err, sizeof(err))) == NULL) {
		fprintf(stderr, PROG ": %s\n", err);
		llm_forget_key(key);
		return EX_CONFIG;
	}
	if ((a->client = llm_client_new(&cfg, err, sizeof(err))) == NULL ||
	    (a->concurrency > 1 && (a->pool = a->endpoints != NULL ?
	    prefetch_new_endpoints(a->endpoints, a->concurrency, err,
	    sizeof(err)) : prefetch_new(&cfg, a->concurrency, a->slots, err,
	    sizeof(err))) == NULL))
		fprintf(stderr, PROG ": %s\n", err);
	llm_forget_key(key);
	return a->client == NULL || (a->concurrency > 1 && a->pool == NULL) ?
	    EX_CONFIG : 0;
}

static int
llm_init(struct runner *r, const struct options *o)
{
	int rc;

	if ((r->llm = calloc(1, sizeof(*r->llm))) == NULL)
		return EX_OSERR;
	jw_init(&r->llm->line);
	if ((rc = load_scenario(&o->params, &r->scenario)) != 0)
		return rc;
	if ((rc = new_clients(&o->params, r->llm)) != 0)
		return rc;
	r->llm->scenario = &r->scenario;
	r->llm->max_steps = o->params.model.max_steps;
	r->llm->decision_log = o->decision_log ? r->out : NULL;
	r->decider.decide = llm_agent_decide;
	r->decider.ctx = r->llm;
	if (r->llm->pool != NULL) {
		r->decider.lookahead = llm_agent_lookahead;
		r->llm->next_order_step = -1;
		r->llm->next_order = malloc(((size_t)o->params.model.num_type_a +
		    (size_t)o->params.model.num_type_b + 1) * sizeof(int));
		if (r->llm->next_order == NULL)
			return EX_OSERR;
	}
	return 0;
}

static int
table_init(struct runner *r, const struct sim_params *p)
{
	char err[1024];
	int rc;

	if (p->table[0] == '\0')
		return usage_error("--agent table needs --table FILE (a table "
		    "written by simprobe)", NULL);
	if ((rc = load_scenario(p, &r->scenario)) != 0)
		return rc;
	if (table_load(p->table, r->scenario.name, &r->table, err,
	    sizeof(err)) != 0 || table_check_scenario(r->table, &r->scenario,
	    err, sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return EX_CONFIG;
	}
	/* a 1x1 or 2x2 grid shows contexts no table of contexts has */
	if (table_info(r->table)->key == TABLE_KEY_CONTEXT && p->model.grid_size < 3)
		return usage_error("a table of contexts needs --grid-size 3 or "
		    "more", NULL);
	r->decider.decide = table_decide;
	r->decider.ctx = r->table;
	return 0;
}

static int
world_set_params(struct world *w, const struct sim_params *p)
{
	struct model m;

	model_from_params(&m, &p->model);
	return world_set_model(w, &m);
}

static int
runner_init(struct runner *r, const struct options *o)
{
	const struct sim_params *p = &o->params;

	memset(r, 0, sizeof(*r));
	r->params = p;
	r->step_lines = o->step_lines;
	r->out = stdout;
	r->output_dir = o->output_dir;
	r->host = o->host;
	r->decider.decide = mechanical_decide;
	r->decider.ctx = (void *)&p->model.similarity_threshold;
	jw_init(&r->line);
	r->world = world_new(p->model.grid_size, p->model.num_type_a, p->model.num_type_b);
	r->metrics = metrics_work_new(p->model.grid_size);
	r->grid = malloc((size_t)p->model.grid_size * (size_t)p->model.grid_size + 1);
	if (!r->world || !r->metrics || !r->grid ||
	    world_set_params(r->world, p) != 0) {
		fprintf(stderr, PROG ": out of memory for a %dx%d grid\n",
		    p->model.grid_size, p->model.grid_size);
		return EX_OSERR;
	}
	if (p->agent == AGENT_TABLE && !o->check_llm)
		return table_init(r, p);
	return p->agent == AGENT_LLM || o->check_llm ? llm_init(r, o) : 0;
}

static void
runner_free(struct runner *r)
{
	if (r->llm != NULL) {
		llm_client_free(r->llm->client);
		prefetch_free(r->llm->pool);
		free(r->llm->next_order);
		slots_close(r->llm->slots);
		endpoints_close(r->llm->endpoints);
		cache_close(r->llm->cache);
		jw_free(&r->llm->line);
		free(r->llm);
	}
	table_free(r->table);
	scenario_free(&r->scenario);
	world_free(r->world);
	metrics_work_free(r->metrics);
	jw_free(&r->line);
	free(r->grid);
}

/* 73 when the file cannot be made, 74 when writing it failed. */
static int io_reported;       /* the failed write has had its message */

static int
file_error(const char *what, const char *path)
{
	int e = errno;

	io_reported = 1;
	fprintf(stderr, PROG ": cannot %s %s: %s\n", what, path,
	    strerror(e));
	return io_status(e);
}

/*
 * A run written to its own file appears under its name only once complete
 * (a failed run's file ends with its failed end line); then a done line
 * on stdout, one write, tells a watcher.
 */
static int
play_run_to_file(struct runner *r, long run_id)
{
	struct atomic_file file;
	char path[4096];
	int rc;

	snprintf(path, sizeof(path), "%s/run_%ld.jsonl", r->output_dir, run_id);
	if (atomic_open(&file, path) != 0)
		return file_error("create", path);
	r->out = file.f;
	if (r->llm != NULL && r->llm->decision_log != NULL)
		r->llm->decision_log = r->out;
	rc = play_run(r, run_id);
	r->out = stdout;
	if (rc == EX_IOERR) {
		int e = errno;

		atomic_abort(&file);
		errno = e;
		file_error("write", path);
		return EX_IOERR;
	}
	if (atomic_commit(&file) != 0)
		return file_error("write", path);
	printf("{\"event\":\"done\",\"run_id\":%ld,\"status\":\"%s\"}\n",
	    run_id, rc == 0 ? "ok" : "failed");
	if (fflush(stdout) != 0)
		return EX_IOERR;
	return rc;
}

/* Runs stop at the first failure: the rest would meet the same server. */
static int
play_all(struct runner *r, const struct runids *ids)
{
	int rc = 0;

	for (int i = 0; i < ids->count && rc == 0; i++)
		for (long id = ids->ranges[i].first;
		    id <= ids->ranges[i].last && rc == 0; id++)
			rc = r->output_dir ? play_run_to_file(r, id) :
			    play_run(r, id);
	return rc;
}

/* Whether the served model is the one asked for (a dated or :latest
 * variant of it counts). */
static int
same_model(const char *asked, const char *served)
{
	size_t n = strlen(asked);

	if (*served == '\0' || strcmp(asked, served) == 0)
		return 1;
	return strncmp(asked, served, n) == 0 && (strcmp(served + n,
	    ":latest") == 0 || (served[n] == '-' && isdigit(
	    (unsigned char)served[n + 1])));
}

/*
 * One server: a real decision prompt of the scenario must get MOVE or
 * STAY from the model asked for.  0, or 69 with the reason on stderr; `at`
 * names the endpoint in messages ("" for the one server).
 */
static int
check_client(struct runner *r, struct llm_client *client, const char *at,
    struct llm_reply *reply, int *answered)
{
	const struct sim_params *p = r->params;
	char err[768], models[1024], *prompt;
	enum llm_result res;

	*answered = 0;
	memset(reply, 0, sizeof(*reply));
	if ((prompt = scenario_prompt(&r->scenario, 0, "S O E\nE X S\n# # #")) ==
	    NULL)
		return EX_OSERR;
	res = llm_probe(client, prompt, reply, err, sizeof(err));
	free(prompt);
	if (res != LLM_OK) {
		fprintf(stderr, PROG ": LLM check failed%s: %s\n", at, err);
		if (strstr(err, "HTTP 404") != NULL &&
		    llm_list_models(client, models, sizeof(models)) == 0)
			fprintf(stderr, PROG ": the server has: %s\n", models);
		return EX_UNAVAILABLE;
	}
	*answered = 1;
	if (!same_model(p->llm.llm_model, reply->model)) {
		fprintf(stderr, PROG ": LLM check failed%s: the server answered "
		    "with model %s, not %s (llama-server and LM Studio serve "
		    "what they have loaded, whatever the name asked for); give "
		    "--llm-model %s or load %s\n", at, reply->model,
		    p->llm.llm_model, reply->model, p->llm.llm_model);
		return EX_UNAVAILABLE;
	}
	if (reply->answer == LLM_UNPARSED) {
		fprintf(stderr, PROG ": LLM check failed%s: the reply to a "
		    "decision prompt is %s, not MOVE or STAY%s\n", at,
		    reply->empty ? "empty" : "unparseable", reply->empty ?
		    (reply->reasoned ?
		    " (the model spent its tokens thinking: give --think off "
		    "with the right --llm-server, or raise --max-tokens)" :
		    " (a thinking model cut off? give --think off with the "
		    "right --llm-server, or raise --max-tokens)") :
		    " (a chatty model? check the scenario's prompt and "
		    "--max-tokens)");
		return EX_UNAVAILABLE;
	}
	return 0;
}

/* --check-llm with --llm-endpoints: every endpoint, naming those failing. */
static int
check_endpoints(struct runner *r)
{
	const struct endpoints *eps = r->llm->endpoints;
	struct llm_reply reply;
	char at[1200];
	int bad = 0, rc, answered;

	printf("Checking %d LLM endpoints...\nModel: %s\nServer: %s\n",
	    eps->n, r->params->llm.llm_model, server_label(r));
	for (int i = 0; i < eps->n; i++) {
		snprintf(at, sizeof(at), " for endpoint %d (%s)", i + 1,
		    eps->e[i].url);
		if ((rc = check_client(r, eps->e[i].client, at, &reply,
		    &answered)) != 0) {
			if (rc != EX_UNAVAILABLE)
				return rc;
			bad++;
			continue;
		}
		printf("Endpoint %d: %s: successful (response time: %.3fs)\n",
		    i + 1, eps->e[i].url, reply.latency_s);
	}
	if (bad > 0)
		return EX_UNAVAILABLE;
	printf("LLM connection successful\n");
	return 0;
}

/* --check-llm: a report on stdout, exit 0 or 69. */
static int
check_llm(struct runner *r)
{
	const struct sim_params *p = r->params;
	struct llm_reply reply;
	int rc, answered;

	if (r->llm->endpoints != NULL)
		return check_endpoints(r);
	printf("Checking LLM connection...\nURL: %s\nModel: %s\nServer: %s\n",
	    llm_params_url(&p->llm), p->llm.llm_model,
	    llm_server_label(llm_params_server(&p->llm)));
	rc = check_client(r, r->llm->client, "", &reply, &answered);
	if (!answered)
		return rc;
	printf("LLM connection successful (response time: %.3fs)\n"
	    "Test response: '%s'\n", reply.latency_s, reply.text);
	if (reply.model[0] != '\0')
		printf("Served model: %s\n", reply.model);
	if (reply.fingerprint[0] != '\0')
		printf("System fingerprint: %s\n", reply.fingerprint);
	return rc;
}

int
main(int argc, char **argv)
{
	static char outbuf[1 << 16];
	struct options o = { .step_lines = 1 };
	struct runner r;
	int rc;

	io_sigpipe_default();
	params_defaults(&o.params);
	if ((rc = parse_args(argc, argv, &o)) != 0) {
		runids_free(&o.ids);
		if (rc == -1)
			rc = fclose(stdout) == 0 ? 0 : EX_IOERR;
		return rc;
	}
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if ((rc = runner_init(&r, &o)) == 0)
		rc = o.check_llm ? check_llm(&r) : play_all(&r, &o.ids);
	if ((rc == EX_IOERR && !io_reported) || fflush(stdout) != 0) {
		fprintf(stderr, PROG ": writing the results: %s\n",
		    strerror(errno));
		rc = EX_IOERR;
	}
	runner_free(&r);
	runids_free(&o.ids);
	if (fclose(stdout) != 0 && rc == 0) {
		perror(PROG ": writing the results");
		rc = EX_IOERR;
	}
	return rc;
}
