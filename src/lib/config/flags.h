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
#define FLAGS_OPT_STORE 995
#define FLAGS_RUN_FILE_OPTIONS \
	CLI_SWITCH("no-steps", FLAGS_OPT_NO_STEPS), \
	CLI_SWITCH("decision-log", FLAGS_OPT_DECISION_LOG), \
	CLI_VALUE("store", FLAGS_OPT_STORE)

/* How an experiment's runs/ holds its runs (--store): a file per run, or
 * a shard per batch of runs (runfile/store.h). */
enum run_store { STORE_FILES, STORE_SHARDS };

/* What they asked for. */
struct run_file_flags {
	int no_steps;              /* no step lines */
	int decision_log;          /* a line per LLM decision */
	enum run_store store;      /* --store files (default) or shards */
};

/* "files" or "shards". */
const char *flags_store_name(enum run_store s);

/*
 * Shards are for mechanical and table agents: an LLM run that fails is
 * run again alone, which a shard of many runs cannot do.  0, or EX_USAGE
 * with the reason in err.
 */
int flags_check_store(const struct sim_params *p,
    const struct run_file_flags *file, char *err, size_t errlen);

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
