/*
 * simrun: run Schelling / Pancs-Vriend segregation simulations and print
 * each run as JSON Lines (start, one line per step, end).
 *
 * Built twice.  bin/simrun plays mechanical and table agents and links no
 * LLM client (libcurl with its TLS chain, SQLite): its start-up is that of
 * a small program.  For --agent llm and --check-llm it parses the flags as
 * always (the same usage errors), then execs bin/simrun_llm, installed next
 * to it: this file built with SIMRUN_LLM (src/simrun_llm.c), which plays
 * every agent kind.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "agent/utility.h"
#include "cli/cli.h"
#include "config/flags.h"
#include "config/params.h"
#include "config/runids.h"
#include "io/iostatus.h"
#include "io/msg.h"
#include "run/runner.h"
#include "table/agent.h"

#ifdef SIMRUN_LLM
#include "llm/check.h"
#include "llm/run.h"
#else
#include "io/sibling.h"
#endif

#define PROG "simrun"
/* the LLM front end, next to bin/simrun */
#define LLM_FRONT_END "simrun_llm"

enum {
	OPT_RUN_ID = 256,
	OPT_CHECK_LLM,
	OPT_API_KEY,
	OPT_OUTPUT_DIR,
	OPT_HOST
};

struct options {
	struct sim_params params;
	struct runids ids;
	struct run_file_flags file;
	int check_llm;
	const char *output_dir;
	const char *host;          /* --host: recorded in start lines */
};

/* The agent kind playing the runs: one of these is open. */
struct agents {
#ifdef SIMRUN_LLM
	struct llm_agent *llm;
#endif
	struct table_agent table;
	struct utility_agent utility;
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
	    "  --agent KIND                mechanical (default), llm, table or\n"
	    "                              utility\n"
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
	    "  --store files|shards        files (default): a file per run;\n"
	    "                              shards: all the runs into one\n"
	    "                              DIR/shard_A-B.jsonl with an index\n"
	    "                              line, one done line (mechanical and\n"
	    "                              table agents)\n"
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
	    "  --llm-api API               openai (default), ollama or anthropic\n"
	    "                              (Anthropic's Messages API)\n"
	    "  --temperature T|default     sampling temperature (default 0.3;\n"
	    "                              default: not sent, for o-series/gpt-5)\n"
	    "  --top-p P|default           nucleus sampling, sent (default 1.0)\n"
	    "  --max-tokens N|auto         reply length cap (default 8; a JSON\n"
	    "                              answer gets 64); auto: room for the\n"
	    "                              model's reasoning, then the answer\n"
	    "  --max-tokens-field F        auto (default), max_tokens or\n"
	    "                              max_completion_tokens\n"
	    "  --llm-server KIND           auto (default), ollama, vllm, llama-server,\n"
	    "                              openai, lmstudio, anthropic, gemini or\n"
	    "                              generic: what it is sent (auto: the\n"
	    "                              URL's host, else the server is asked)\n"
	    "  --think off|low|on|auto     thinking models: off (default) in the\n"
	    "                              server's words; low: the least a model\n"
	    "                              that cannot stop allows; auto sends nothing\n"
	    "  --constrain off|auto        constrain the answer to MOVE/STAY where\n"
	    "                              the server can (default off)\n"
	    "  --cache-prompt on|off|auto  llama-server's cache_prompt (default auto:\n"
	    "                              off, so that a seed repeats its words)\n"
	    "  --llm-retries N             retries of a failed request (default 10)\n"
	    "  --parse-retries N           re-asks of an unparseable reply (default 3)\n"
	    "  --connect-timeout S         seconds to connect (default 5)\n"
	    "  --request-timeout S         seconds per request (default 60)\n"
	    "  --retry-base-ms MS          first backoff (default 500, doubling)\n"
	    "  --retry-max-ms MS           backoff cap (default 30000)\n"
	    "  --max-server-wait S         longest Retry-After waited; a longer one\n"
	    "                              fails the request (default 600)\n"
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
	    "  --destination random|choose where a mover goes: a random empty\n"
	    "                              house (default) or the one it chooses\n"
	    "                              among K offered (a choice prompt)\n"
	    "  --destination-choices K     houses a choosing mover is offered,\n"
	    "                              2 to 9 (default 4)\n"
	    "  --decision-log              add a line per LLM decision\n"
	    "  --check-llm                 send one decision prompt, require MOVE or\n"
	    "                              STAY from the model asked for; exit 0 or 69\n"
	    "\n"
	    "Utility agents (--agent utility) value a neighbourhood by a utility\n"
	    "of its like share and choose where to go (defaults: the\n"
	    "predecessor's best_response exactly):\n"
	    "  --utility U                 predecessor (default), flat, peaked or\n"
	    "                              asymmetric\n"
	    "  --dynamics D                best-response (default) or logit\n"
	    "  --best-response RULE        predecessor (default: the first strictly\n"
	    "                              best vacancy, old cell still occupied)\n"
	    "                              or exact (judged after leaving, ties drawn)\n"
	    "  --logit-temperature T       the logit rule's noise (default 0.1)\n"
	    "  --utility-peak-m M          asymmetric: utility of an all-alike\n"
	    "                              place, 0 to 1 (default 0.5)\n"
	    "\n"
	    "Table agents (--agent table) move with the P(MOVE) that simprobe\n"
	    "measured for what they see; no server is asked:\n"
	    "  --table FILE                the decision table; its scenario must\n"
	    "                              be --scenario's\n"
	    "  -h, --help                  print this help and exit\n"
	    "  -V, --version               print the version and exit\n");
}

static const struct option own_options[] = {
	CLI_VALUE("run-id", OPT_RUN_ID),
	CLI_SWITCH("check-llm", OPT_CHECK_LLM),
	CLI_VALUE("llm-api-key", OPT_API_KEY),
	CLI_VALUE("output-dir", OPT_OUTPUT_DIR), CLI_VALUE("host", OPT_HOST),
	FLAGS_RUN_FILE_OPTIONS, CLI_END
};

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
		return cli_usage_error(PROG, "--run-id wants N, N-M or a comma list of "
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
	case OPT_CHECK_LLM:
		o->check_llm = 1;
		return 0;
	case OPT_OUTPUT_DIR:
		o->output_dir = arg;
		return 0;
	case OPT_HOST:
		if (arg[0] == '\0' || strlen(arg) > 255)
			return cli_usage_error(PROG, "--host wants a name of 1 to 255 "
			    "characters, not", arg);
		o->host = arg;
		return 0;
	case OPT_API_KEY:
		return cli_usage_error(PROG, "--llm-api-key is refused: a key on the "
		    "command line shows in ps and shell history; set "
		    "LLM_API_KEY or use --llm-api-key-file", NULL);
	}
	return cli_usage_error(PROG, "unhandled option", NULL);
}

/*
 * Several servers are a file's job: a second --llm-url would silently
 * replace the first.  The runs are required, unless only checking.
 */
static int
check_given(void *options, const struct flags *f)
{
	const struct options *o = options;

	if (flags_count(f, "llm-url") > 1)
		return cli_usage_error(PROG, "--llm-url given more than once: "
		    "list several servers in a file, one 'URL [SLOTS] "
		    "[KEY-FILE]' a line, and give --llm-endpoints FILE", NULL);
	if (o->ids.count == 0 && !o->check_llm)
		return cli_usage_error(PROG, "--run-id is required, e.g. "
		    "--run-id 0-9", NULL);
	return 0;
}

/* A shard holds runs of one --output-dir in run id order. */
static int
check_store(const struct options *o)
{
	char err[256];
	int rc;

	if (o->file.store != STORE_SHARDS || o->check_llm)
		return 0;
	if ((rc = flags_check_store(&o->params, &o->file, err,
	    sizeof(err))) != 0)
		return cli_usage_error(PROG, err, NULL);
	if (o->output_dir == NULL)
		return cli_usage_error(PROG, "--store shards writes a shard into "
		    "a directory: give --output-dir DIR", NULL);
	for (int i = 1; i < o->ids.count; i++)
		if (o->ids.ranges[i].first <= o->ids.ranges[i - 1].last)
			return cli_usage_error(PROG, "--store shards wants --run-id "
			    "in ascending order without repeats (a shard holds its "
			    "runs in run id order)", NULL);
	return 0;
}

/* Returns -1 when --help or --version was served, else an exit status. */
static int
parse_args(int argc, char **argv, struct options *o)
{
	const struct cli c = { PROG, own_options, usage, take_option, o, 0,
	    0 };
	int rc = flags_parse(&c, argc, argv, check_given, &o->params, &o->file);

	return rc == 0 ? check_store(o) : rc;
}

#ifdef SIMRUN_LLM
/* The runs' LLM agent (also for --check-llm, of any kind).  0 or a status. */
static int
open_llm(struct agents *ag, const struct options *o, struct agent *hooks)
{
	const struct sim_params *p = &o->params;
	char err[1024], note[4800];
	int rc;

	rc = llm_agent_open(&ag->llm, PROG, &p->llm, p->model.max_steps,
	    p->model.num_type_a + p->model.num_type_b,
	    o->file.decision_log ? stdout : NULL, err, sizeof(err), note,
	    sizeof(note));
	if (*note != '\0')
		msg(PROG, "%s", note);
	if (rc != 0)
		return msg_fail(PROG, rc, "%s", err);
	llm_agent_hooks(ag->llm, hooks);
	return 0;
}
#endif

/* Whether these runs (or --check-llm) need the LLM client. */
static int
needs_llm(const struct options *o)
{
	return o->params.agent == AGENT_LLM || o->check_llm;
}

/*
 * The agent kind's set-up: the runs' table agent, utility agents or
 * LLM agent; mechanical agents need none.  0 or a status.
 */
static int
open_agent(struct agents *ag, struct runner *r, const struct options *o)
{
	const struct sim_params *p = &o->params;
	struct agent hooks;
	char err[1024];
	int rc;

	if (p->agent == AGENT_TABLE && !o->check_llm) {
		if ((rc = table_agent_open(&ag->table, p->table, p->llm.scenario,
		    p->llm.scenario_file, p->model.grid_size,
		    p->llm.max_parse_failure_share, err, sizeof(err))) != 0)
			return rc == EX_USAGE ? cli_usage_error(PROG, err, NULL) :
			    msg_fail(PROG, rc, "%s", err);
		table_agent_hooks(&ag->table, &hooks);
	} else if (p->agent == AGENT_UTILITY && !o->check_llm) {
		if ((rc = utility_agent_open(&ag->utility, r->world, &p->model,
		    err, sizeof(err))) != 0)
			return rc == EX_USAGE ? cli_usage_error(PROG, err, NULL) :
			    msg_fail(PROG, rc, "%s", err);
		utility_agent_hooks(&ag->utility, &hooks);
#ifdef SIMRUN_LLM
	} else if (needs_llm(o)) {
		if ((rc = open_llm(ag, o, &hooks)) != 0)
			return rc;
#endif
	} else {
		return 0;
	}
	runner_set_agent(r, &hooks);
	return 0;
}

/* --check-llm, or the runs.  A status. */
static int
play(struct agents *ag, struct runner *r, const struct options *o)
{
#ifdef SIMRUN_LLM
	if (o->check_llm)
		return llm_check(ag->llm, PROG);
#else
	(void)ag;
#endif
	return runner_play(r, &o->ids);
}

int
main(int argc, char **argv)
{
	static char outbuf[1 << 16];
	struct options o = { 0 };
	struct agents ag = { 0 };
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
#ifndef SIMRUN_LLM
	if (needs_llm(&o)) {
		char err[PATH_MAX + 256];

		runids_free(&o.ids);
		rc = sibling_exec(LLM_FRONT_END, argv, err, sizeof(err));
		return msg_fail(PROG, rc, "%s", err);
	}
#endif
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	rc = runner_init(&r, PROG, &o.params, !o.file.no_steps, o.output_dir,
	    o.host);
	r.shards = o.file.store == STORE_SHARDS;
	if (rc == 0 && (rc = open_agent(&ag, &r, &o)) == 0)
		rc = play(&ag, &r, &o);
	if ((rc == EX_IOERR && !r.io_reported) || fflush(stdout) != 0) {
		msg(PROG, "writing the results: %s", strerror(errno));
		rc = EX_IOERR;
	}
#ifdef SIMRUN_LLM
	llm_agent_close(ag.llm);
#endif
	table_agent_close(&ag.table);
	utility_agent_close(&ag.utility);
	runner_free(&r);
	runids_free(&o.ids);
	if (fclose(stdout) != 0 && rc == 0) {
		perror(PROG ": writing the results");
		rc = EX_IOERR;
	}
	return rc;
}
