/* Command lines of the programs that take simulation parameters. */
#ifndef CLI_H
#define CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

#include "sim/params.h"

#define CLI_OPT_CONFIG 999
#define CLI_OPT_PARAM 1000    /* CLI_OPT_PARAM + i is param_specs[i] */
#define CLI_OPT_FIXED_STEPS 998  /* --fixed-steps: --no-move-threshold 0 */

/*
 * The config file is read first, wherever --config stands, so that flags
 * override it: parameter flags are collected, then applied in order.
 */
struct cli {
	const char *prog;
	struct option *options;   /* the program's own, --config, parameters */
	int n;
	int *opt;
	char **arg;
	const char *config;
};

int cli_init(struct cli *c, const char *prog, const struct option *own,
    size_t nown, int argc);
void cli_free(struct cli *c);
int cli_take(struct cli *c, int opt, char *arg);
/*
 * Reads the options: --help and --version print and give -1, mistakes
 * an exit status; --config and parameters are kept; the program's own
 * go to take(arg, opt, value), which returns 0 or an exit status.
 */
int cli_read(struct cli *c, int argc, char **argv, void (*usage)(FILE *),
    int (*take)(void *arg, int opt, char *value), void *arg);
/* The option longindex names was typed in full; 0 or 64 (see cli.c). */
int cli_exact_name(const char *prog, const struct option *opts,
    int longindex, int argc, char **argv);
int cli_apply(const struct cli *c, struct sim_params *p);
int cli_usage_error(const char *prog, const char *what, const char *arg);

#endif
