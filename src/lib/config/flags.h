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

#include "cli/cli.h"
#include "config/params.h"

/*
 * The flags that say which lines a run's file holds, taken alike by
 * simrun (which writes them) and simcfg (which records them for a
 * resume): for a program's own option table.
 */
#define FLAGS_OPT_NO_STEPS 997
#define FLAGS_OPT_DECISION_LOG 996
#define FLAGS_RUN_FILE_OPTIONS \
	CLI_SWITCH("no-steps", FLAGS_OPT_NO_STEPS), \
	CLI_SWITCH("decision-log", FLAGS_OPT_DECISION_LOG)

/* What they asked for. */
struct run_file_flags {
	int no_steps;              /* no step lines */
	int decision_log;          /* a line per LLM decision */
};

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
	struct run_file_flags file; /* FLAGS_RUN_FILE_OPTIONS, if taken */
	int (*take)(void *arg, int opt, char *value);
	void *take_arg;
};

/*
 * Reads the command line as cli_read() does (cli/cli.h): the program's
 * own options in c go to its take(); the run-file flags into file (if not
 * NULL); --config and parameter flags are kept.  Then given(arg, f) (if
 * not NULL; arg is c's) checks what was given, 0 or an exit status after
 * its message; then the config file and the flags set p, checked.
 * Returns 0 (operands from optind), -1 after --help or --version, or an
 * exit status after its message.
 */
int flags_parse(const struct cli *c, int argc, char **argv,
    int (*given)(void *arg, const struct flags *f), struct sim_params *p,
    struct run_file_flags *file);
/* Times the parameter flag was given. */
int flags_count(const struct flags *f, const char *flag);

#endif
