/*
 * simprobe: ask an LLM once for every neighbourhood an agent can see and
 * write its P(MOVE) as a decision table (JSON Lines) for simrun --agent
 * table.  Finished entries go to FILE.partial one line at a time, so a
 * killed probe loses at most the entry in flight and --resume goes on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli/cli.h"
#include "config/flags.h"
#include "config/params.h"
#include "io/iostatus.h"
#include "param/number.h"
#include "probe/merge.h"
#include "probe/probe.h"
#include "table/table.h"

#define PROG "simprobe"

enum {
	OPT_KEY = 256,
	OPT_METHOD,
	OPT_SAMPLES,
	OPT_SHARD,
	OPT_OUTPUT,
	OPT_RESUME,
	OPT_MERGE
};

struct options {
	struct sim_params params;
	struct probe_options probe;
	int merge;
	char **files;              /* --merge: the shard files */
	int nfiles;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " [--config FILE] [simrun LLM parameter flags]\n"
	    "                [--key context|composition]\n"
	    "                [--method auto|logprobs|samples] [--samples N]\n"
	    "                [--shard K/N] [--output FILE [--resume]]\n"
	    "       " PROG " --merge [--output FILE] SHARD...\n"
	    "\n"
	    "Asks the LLM (--scenario, --llm-url, --llm-model, ... as simrun)\n"
	    "for P(MOVE) in every neighbourhood an agent can see, for both\n"
	    "groups, and writes a decision table for simrun --agent table.\n"
	    "\n"
	    "  --key KEY          context (default): each 3x3 context, 7641 per\n"
	    "                     group; composition: each (same, occupied)\n"
	    "                     count of neighbours, 45 per group\n"
	    "  --method M         logprobs: one request per entry, P(MOVE) from\n"
	    "                     the reply's top logprobs (OpenAI API only);\n"
	    "                     samples: --samples requests per entry;\n"
	    "                     auto (default): logprobs if the server gives them\n"
	    "  --samples N        requests per entry for samples (default 20)\n"
	    "  --shard K/N        probe only entries K, K+N, K+2N, ... (0 <= K < N)\n"
	    "  --output FILE      write FILE (finished entries wait in\n"
	    "                     FILE.partial) instead of stdout\n"
	    "  --resume           go on from FILE.partial of an interrupted probe\n"
	    "  --merge            merge the shard files given into one table\n"
	    "  -h, --help         print this help and exit\n"
	    "  -V, --version      print the version and exit\n");
}

static const struct option own_options[] = {
	CLI_VALUE("key", OPT_KEY), CLI_VALUE("method", OPT_METHOD),
	CLI_VALUE("samples", OPT_SAMPLES), CLI_VALUE("shard", OPT_SHARD),
	CLI_VALUE("output", OPT_OUTPUT), CLI_SWITCH("resume", OPT_RESUME),
	CLI_SWITCH("merge", OPT_MERGE), CLI_END
};

static int
take_shard(struct options *o, const char *arg)
{
	const char *slash = strchr(arg, '/');
	char k[32];
	long kv, nv;

	if (slash == NULL || (size_t)(slash - arg) >= sizeof(k))
		return cli_usage_error(PROG, "--shard wants K/N with 0 <= K < N, not", arg);
	memcpy(k, arg, (size_t)(slash - arg));
	k[slash - arg] = '\0';
	if (parse_long_range(slash + 1, 1, 1000000, &nv) != 0 ||
	    parse_long_range(k, 0, nv - 1, &kv) != 0)
		return cli_usage_error(PROG, "--shard wants K/N with 0 <= K < N, not", arg);
	o->probe.shard_k = (int)kv;
	o->probe.shard_n = (int)nv;
	return 0;
}

static int
take_option(void *options, int c, char *arg)
{
	struct options *o = options;
	long n;

	switch (c) {
	case OPT_KEY:
		if ((o->probe.key = table_key_parse(arg)) < 0)
			return cli_usage_error(PROG, "--key wants context or composition, "
			    "not", arg);
		return 0;
	case OPT_METHOD:
		if (strcmp(arg, "auto") == 0)
			o->probe.method = PROBE_METHOD_AUTO;
		else if (strcmp(arg, "logprobs") == 0)
			o->probe.method = TABLE_LOGPROBS;
		else if (strcmp(arg, "samples") == 0)
			o->probe.method = TABLE_SAMPLES;
		else
			return cli_usage_error(PROG, "--method wants auto, logprobs or "
			    "samples, not", arg);
		return 0;
	case OPT_SAMPLES:
		if (parse_long_range(arg, 1, 100000, &n) != 0)
			return cli_usage_error(PROG, "--samples wants a whole number from 1 "
			    "to 100000, not", arg);
		o->probe.samples = (int)n;
		return 0;
	case OPT_SHARD:
		return take_shard(o, arg);
	case OPT_OUTPUT:
		o->probe.output = arg;
		return 0;
	case OPT_RESUME:
		o->probe.resume = 1;
		return 0;
	case OPT_MERGE:
		o->merge = 1;
		return 0;
	}
	return cli_usage_error(PROG, "unhandled option", NULL);
}

static int
check_options(struct options *o, int argc, char **argv)
{
	o->files = argv + optind;
	o->nfiles = argc - optind;
	if (o->merge) {
		if (o->nfiles == 0)
			return cli_usage_error(PROG, "--merge wants the shard files", NULL);
		if (o->probe.resume || o->probe.shard_n > 0)
			return cli_usage_error(PROG, "--merge takes no --resume or --shard",
			    NULL);
		return 0;
	}
	if (o->nfiles > 0)
		return cli_usage_error(PROG, "unexpected argument", argv[optind]);
	if (o->probe.resume && o->probe.output == NULL)
		return cli_usage_error(PROG, "--resume needs --output FILE", NULL);
	return 0;
}

/* Returns -1 when --help or --version was served, else an exit status. */
static int
parse_args(int argc, char **argv, struct options *o)
{
	const struct cli c = { PROG, own_options, usage, take_option, o, 0,
	    -1 };
	int rc = flags_parse(&c, argc, argv, NULL, &o->params, NULL);

	return rc == 0 ? check_options(o, argc, argv) : rc;
}

int
main(int argc, char **argv)
{
	struct options o = { .probe = { .key = TABLE_KEY_CONTEXT,
	    .method = PROBE_METHOD_AUTO, .samples = 20 } };
	int rc;

	io_sigpipe_default();
	params_defaults(&o.params);
	if ((rc = parse_args(argc, argv, &o)) == 0) {
		o.probe.llm = &o.params.llm;
		o.probe.seed = o.params.model.seed;
		rc = o.merge ? probe_merge(o.files, o.nfiles, o.probe.output,
		    PROG) : probe_run(&o.probe, PROG);
	}
	if (rc == -1)
		rc = 0;
	if (fclose(stdout) != 0 && rc == 0) {
		perror(PROG ": writing the table");
		rc = EX_IOERR;
	}
	return rc;
}
