/* The parameter flags on a command line (see flags.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli/cli.h"
#include "config/file.h"
#include "config/flags.h"

#define OPT_CONFIG 999
#define OPT_FIXED_STEPS 998   /* --fixed-steps: --no-move-threshold 0 */
#define OPT_PARAM 1000        /* OPT_PARAM + i is params_table()[i] */

static void flags_free(struct flags *f);

static int
flags_init(struct flags *f, const char *prog, const struct option *own,
    int argc)
{
	size_t n, nown = 0;
	const struct param_spec *t = params_table(&n);
	struct option *o;

	while (own[nown].name != NULL)
		nown++;
	memset(f, 0, sizeof(*f));
	f->prog = prog;
	f->options = o = calloc(nown + n + 3, sizeof(*o));
	f->opt = calloc((size_t)argc + 1, sizeof(int));
	f->arg = calloc((size_t)argc + 1, sizeof(char *));
	if (o == NULL || f->opt == NULL || f->arg == NULL) {
		fprintf(stderr, "%s: out of memory\n", prog);
		flags_free(f);
		return EX_OSERR;
	}
	memcpy(o, own, nown * sizeof(*own));
	o[nown] = (struct option){ "config", required_argument, NULL,
	    OPT_CONFIG };
	for (size_t i = 0; i < n; i++)
		o[nown + 1 + i] = (struct option){ t[i].flag,
		    t[i].type == PARAM_BOOL ? no_argument : required_argument,
		    NULL, OPT_PARAM + (int)i };
	o[nown + 1 + n] = (struct option){ "fixed-steps", no_argument, NULL,
	    OPT_FIXED_STEPS };
	return 0;
}

static void
flags_free(struct flags *f)
{
	free(f->options);
	free(f->opt);
	free(f->arg);
	f->options = NULL;
	f->opt = NULL;
	f->arg = NULL;
}

const char *
flags_store_name(enum run_store s)
{
	return s == STORE_SHARDS ? "shards" : "files";
}

int
flags_check_store(const struct sim_params *p,
    const struct run_file_flags *file, char *err, size_t errlen)
{
	if (file->store != STORE_SHARDS || p->agent != AGENT_LLM)
		return 0;
	snprintf(err, errlen, "--store shards is for mechanical and table "
	    "agents; LLM runs keep a file each (--store files), so that a run "
	    "that failed runs again alone");
	return EX_USAGE;
}

/* 1 when opt is one of them (kept in rf), 0 when not, or a status. */
static int
take_run_file(const char *prog, struct run_file_flags *rf, int opt,
    const char *value)
{
	switch (opt) {
	case FLAGS_OPT_NO_STEPS:
		rf->no_steps = 1;
		return 1;
	case FLAGS_OPT_DECISION_LOG:
		rf->decision_log = 1;
		return 1;
	case FLAGS_OPT_STORE:
		if (strcmp(value, "files") == 0)
			rf->store = STORE_FILES;
		else if (strcmp(value, "shards") == 0)
			rf->store = STORE_SHARDS;
		else
			return -cli_usage_error(prog, "--store must be files or "
			    "shards, not", value);
		return 1;
	}
	return 0;
}

/* --config and parameters are kept for later; the rest is the program's. */
static int
take(void *arg, int opt, char *value)
{
	static char zero[] = "0";
	struct flags *f = arg;
	size_t n;
	const struct param_spec *t = params_table(&n);
	int rc;

	if (opt == OPT_CONFIG) {
		f->config = value;
		return 0;
	}
	if ((rc = take_run_file(f->prog, &f->file, opt, value)) != 0)
		return rc < 0 ? -rc : 0;
	if (opt == OPT_FIXED_STEPS) {
		opt = OPT_PARAM + (int)(param_by_flag("no-move-threshold") - t);
		value = zero;
	}
	if (opt < OPT_PARAM)
		return f->take(f->take_arg, opt, value);
	f->opt[f->n] = opt;
	f->arg[f->n++] = value;
	return 0;
}

static int
flags_read(struct flags *f, const struct cli *c, int argc, char **argv)
{
	struct cli all = *c;
	int rc;

	if ((rc = flags_init(f, c->prog, c->options, argc)) != 0)
		return rc;
	f->take = c->take;
	f->take_arg = c->arg;
	all.options = f->options;
	all.take = take;
	all.arg = f;
	return cli_read(&all, argc, argv, 1);
}

static const struct param_spec *
spec_of(int opt)
{
	size_t n;

	return &params_table(&n)[opt - OPT_PARAM];
}

int
flags_count(const struct flags *f, const char *flag)
{
	int seen = 0;

	for (int i = 0; i < f->n; i++)
		seen += strcmp(spec_of(f->opt[i])->flag, flag) == 0;
	return seen;
}

/* Reads the config file, then applies the flags; 0 or an exit status. */
static int
flags_apply(const struct flags *f, struct sim_params *p)
{
	char msg[512];

	if (f->config != NULL && config_load(f->config, p, msg,
	    sizeof(msg)) != 0) {
		fprintf(stderr, "%s: %s\n", f->prog, msg);
		return EX_CONFIG;
	}
	for (int i = 0; i < f->n; i++) {
		const struct param_spec *s = spec_of(f->opt[i]);

		if (param_set_text(p, s, f->arg[i]) != 0) {
			snprintf(msg, sizeof(msg), "--%s must be %s, not",
			    s->flag, s->expect);
			return cli_usage_error(f->prog, msg, f->arg[i]);
		}
	}
	/* --min-similar -1 is the share rule itself, not a second rule */
	if (flags_count(f, "min-similar") > 0 && p->model.min_similar >= 0 &&
	    flags_count(f, "similarity-threshold") > 0)
		return cli_usage_error(f->prog, "--min-similar (a count) and "
		    "--similarity-threshold (a share) are two happiness rules; "
		    "give one of them", NULL);
	if (params_check(p, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "%s: %s\n", f->prog, msg);
		return EX_USAGE;
	}
	return 0;
}

int
flags_parse(const struct cli *c, int argc, char **argv,
    int (*given)(void *arg, const struct flags *f), struct sim_params *p,
    struct run_file_flags *file)
{
	struct flags f;
	int rc = flags_read(&f, c, argc, argv);

	if (rc == 0 && file != NULL)
		*file = f.file;
	if (rc == 0 && given != NULL)
		rc = given(c->arg, &f);
	if (rc == 0)
		rc = flags_apply(&f, p);
	flags_free(&f);
	return rc;
}
