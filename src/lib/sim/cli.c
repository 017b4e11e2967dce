/* Command lines of the programs that take simulation parameters (cli.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "sim/cli.h"
#include "sim/config.h"

int
cli_init(struct cli *c, const char *prog, const struct option *own,
    size_t nown, int argc)
{
	struct option *o;

	memset(c, 0, sizeof(*c));
	c->prog = prog;
	c->options = o = calloc(nown + param_count + 3, sizeof(*o));
	c->opt = calloc((size_t)argc + 1, sizeof(int));
	c->arg = calloc((size_t)argc + 1, sizeof(char *));
	if (o == NULL || c->opt == NULL || c->arg == NULL) {
		fprintf(stderr, "%s: out of memory\n", prog);
		cli_free(c);
		return EX_OSERR;
	}
	memcpy(o, own, nown * sizeof(*own));
	o[nown] = (struct option){ "config", required_argument, NULL,
	    CLI_OPT_CONFIG };
	for (size_t i = 0; i < param_count; i++)
		o[nown + 1 + i] = (struct option){ param_specs[i].flag,
		    param_specs[i].type == PARAM_BOOL ? no_argument :
		    required_argument, NULL, CLI_OPT_PARAM + (int)i };
	o[nown + 1 + param_count] = (struct option){ "fixed-steps",
	    no_argument, NULL, CLI_OPT_FIXED_STEPS };
	return 0;
}

void
cli_free(struct cli *c)
{
	free(c->options);
	free(c->opt);
	free(c->arg);
	memset(c, 0, sizeof(*c));
}

/* Returns 1 when the option was --config or a parameter (kept for later). */
int
cli_take(struct cli *c, int opt, char *arg)
{
	static char zero[] = "0";

	if (opt == CLI_OPT_CONFIG) {
		c->config = arg;
		return 1;
	}
	if (opt == CLI_OPT_FIXED_STEPS) {
		opt = CLI_OPT_PARAM + (int)(param_by_flag("no-move-threshold") -
		    param_specs);
		arg = zero;
	}
	if (opt < CLI_OPT_PARAM)
		return 0;
	c->opt[c->n] = opt;
	c->arg[c->n++] = arg;
	return 1;
}

/*
 * getopt_long takes any unambiguous prefix of a long option (--grid=5 for
 * --grid-size): a typo then sets another parameter, or a later option of
 * the same prefix changes what an old command line means.  Only the full
 * name is accepted: the argv text of the option just read (after `--`, up
 * to any '=') must be its name.  0, or a usage error.
 */
int
cli_exact_name(const char *prog, const struct option *opts, int longindex,
    int argc, char **argv)
{
	const struct option *o;
	const char *text, *eq;
	size_t len;
	int i;

	if (longindex < 0)
		return 0;              /* a short option */
	o = &opts[longindex];
	/* "--name value": the value was the last word read */
	i = o->has_arg == required_argument && optarg != NULL && optind >= 2 &&
	    optind - 1 < argc + 1 && optarg == argv[optind - 1] ?
	    optind - 2 : optind - 1;
	if (i < 1 || i >= argc)
		return 0;
	text = argv[i];
	if (strncmp(text, "--", 2) != 0)
		return 0;              /* not a long option word */
	text += 2;
	eq = strchr(text, '=');
	len = eq != NULL ? (size_t)(eq - text) : strlen(text);
	if (strlen(o->name) == len && strncmp(text, o->name, len) == 0)
		return 0;
	fprintf(stderr, "%s: unknown option --%.*s (did you mean --%s? flags "
	    "are never abbreviated); see %s --help\n", prog, (int)len, text,
	    o->name, prog);
	return EX_USAGE;
}

int
cli_read(struct cli *c, int argc, char **argv, void (*usage)(FILE *),
    int (*take)(void *arg, int opt, char *value), void *arg)
{
	int opt, rc = 0, longindex = -1;

	opterr = 0;
	while (rc == 0 && (opt = getopt_long(argc, argv, ":hV", c->options,
	    &longindex)) != -1) {
		if ((rc = cli_exact_name(c->prog, c->options, longindex, argc,
		    argv)) != 0)
			break;
		longindex = -1;
		if (opt == 'h') {
			usage(stdout);
			rc = -1;
		} else if (opt == 'V') {
			printf("%s %s\n", c->prog, SIM_VERSION);
			rc = -1;
		} else if (opt == ':') {
			rc = cli_usage_error(c->prog, "missing value for",
			    argv[optind - 1]);
		} else if (opt == '?') {
			rc = cli_usage_error(c->prog, "unknown option",
			    argv[optind - 1]);
		} else if (!cli_take(c, opt, optarg)) {
			rc = take(arg, opt, optarg);
		}
	}
	return rc;
}

int
cli_usage_error(const char *prog, const char *what, const char *arg)
{
	fprintf(stderr, "%s: %s%s%s; see %s --help\n", prog, what,
	    arg ? " " : "", arg ? arg : "", prog);
	return EX_USAGE;
}

/* 1 when the parameter flag was on the command line. */
static int
cli_typed(const struct cli *c, const char *flag)
{
	for (int i = 0; i < c->n; i++)
		if (strcmp(param_specs[c->opt[i] - CLI_OPT_PARAM].flag, flag) == 0)
			return 1;
	return 0;
}

/* Reads the config file, then applies the flags; 0 or an exit status. */
int
cli_apply(const struct cli *c, struct sim_params *p)
{
	char msg[512];

	if (c->config != NULL && config_load(c->config, p, msg,
	    sizeof(msg)) != 0) {
		fprintf(stderr, "%s: %s\n", c->prog, msg);
		return EX_CONFIG;
	}
	for (int i = 0; i < c->n; i++) {
		const struct param_spec *s = &param_specs[c->opt[i] -
		    CLI_OPT_PARAM];

		if (param_set_text(p, s, c->arg[i]) != 0) {
			snprintf(msg, sizeof(msg), "--%s must be %s, not",
			    s->flag, s->expect);
			return cli_usage_error(c->prog, msg, c->arg[i]);
		}
	}
	/* --min-similar -1 is the share rule itself, not a second rule */
	if (cli_typed(c, "min-similar") && p->min_similar >= 0 &&
	    cli_typed(c, "similarity-threshold"))
		return cli_usage_error(c->prog, "--min-similar (a count) and "
		    "--similarity-threshold (a share) are two happiness rules; "
		    "give one of them", NULL);
	if (params_check(p, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "%s: %s\n", c->prog, msg);
		return EX_USAGE;
	}
	return 0;
}
