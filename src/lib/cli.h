/* Command lines of the programs that take simulation parameters. */
#ifndef CLI_H
#define CLI_H

#include <getopt.h>
#include <stddef.h>

#include "params.h"

#define CLI_OPT_CONFIG 999
#define CLI_OPT_PARAM 1000    /* CLI_OPT_PARAM + i is param_specs[i] */

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
int cli_apply(const struct cli *c, struct sim_params *p);
int cli_usage_error(const char *prog, const char *what, const char *arg);

#endif
