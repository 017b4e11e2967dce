/*
 * The parameter flags on a command line (simrun, simcfg, simprobe): one
 * flag per parameter of the joined table, --config FILE and
 * --fixed-steps, on top of the one CLI layer (cli/cli.h).
 */
#ifndef SIM_CONFIG_FLAGS_H
#define SIM_CONFIG_FLAGS_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

#include "config/params.h"

/*
 * The config file is read first, wherever --config stands, so that flags
 * override it: parameter flags are collected, then applied in order.
 */
struct flags {
	const char *prog;
	struct option *options;   /* the program's own, --config, parameters */
	int n;
	int *opt;
	char **arg;
	const char *config;
	int (*take)(void *arg, int opt, char *value);
	void *take_arg;
};

/*
 * Reads the command line: own (nown options, "help" 'h' and "version" 'V'
 * among them) go to take(arg, opt, value), which returns 0, -1 or an exit
 * status; --config and parameter flags are kept.  Returns 0 (operands
 * from optind), -1 after --help or --version, or an exit status after
 * its message.  flags_free() in every case.
 */
int flags_read(struct flags *f, const char *prog, const struct option *own,
    size_t nown, void (*usage)(FILE *), int (*take)(void *arg, int opt,
    char *value), void *arg, int argc, char **argv);
void flags_free(struct flags *f);
/* Times the parameter flag was given. */
int flags_count(const struct flags *f, const char *flag);
/* Reads the config file, then applies the flags; 0 or an exit status. */
int flags_apply(const struct flags *f, struct sim_params *p);

#endif
