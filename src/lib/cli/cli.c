/* The one command-line layer of every program (see cli.h). */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli/cli.h"
#include "io/msg.h"

/*
 * getopt_long takes any unambiguous prefix of a long option (--grid=5 for
 * --grid-size): a typo then sets another parameter, or a later option of
 * the same prefix changes what an old command line means.  Only the full
 * name is accepted: the argv text of the option just read (after `--`, up
 * to any '=') must be its name.  0, or a usage error.
 */
static int
exact_name(const char *prog, const struct option *opts, int longindex,
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

static int
bad_option(const struct cli *c, int missing, const char *word)
{
	if (!c->quoted)
		return cli_usage_error(c->prog, missing ? "missing value for" :
		    "unknown option", word);
	if (missing)
		fprintf(stderr, "%s: option '%s' needs a value (see --help)\n",
		    c->prog, word);
	else
		fprintf(stderr, "%s: unknown option '%s' (see --help)\n",
		    c->prog, word);
	return EX_USAGE;
}

/* The program's options, then --help and --version (malloc'd), or NULL. */
static struct option *
all_options(const struct option *own)
{
	size_t n = 0;
	struct option *all;

	while (own[n].name != NULL)
		n++;
	if ((all = calloc(n + 3, sizeof(*all))) == NULL)
		return NULL;
	memcpy(all, own, n * sizeof(*own));
	all[n] = (struct option){ "help", no_argument, NULL, 'h' };
	all[n + 1] = (struct option){ "version", no_argument, NULL, 'V' };
	return all;
}

int
cli_read(const struct cli *c, int argc, char **argv, int first)
{
	struct option *opts = all_options(c->options);
	int opt, rc = 0, longindex = -1;

	if (opts == NULL)
		return msg_oom(c->prog, NULL);
	opterr = 0;
	optind = first;
	while (rc == 0 && (opt = getopt_long(argc, argv, ":hV", opts,
	    &longindex)) != -1) {
		if ((rc = exact_name(c->prog, opts, longindex, argc, argv)) != 0)
			break;
		longindex = -1;
		if (opt == 'h') {
			c->usage(stdout);
			rc = -1;
		} else if (opt == 'V') {
			printf("%s %s\n", c->prog, SIM_VERSION);
			rc = -1;
		} else if (opt == ':' || opt == '?') {
			rc = bad_option(c, opt == ':', argv[optind - 1]);
		} else {
			rc = c->take(c->arg, opt, optarg);
		}
	}
	free(opts);
	if (rc == 0 && c->operands >= 0 && argc - optind > c->operands)
		rc = cli_usage_error(c->prog, "unexpected argument",
		    argv[optind + c->operands]);
	return rc;
}

int
cli_usage_error(const char *prog, const char *what, const char *arg)
{
	fprintf(stderr, "%s: %s%s%s; see %s --help\n", prog, what,
	    arg ? " " : "", arg ? arg : "", prog);
	return EX_USAGE;
}
