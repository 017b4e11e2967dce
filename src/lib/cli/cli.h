/*
 * The one command-line layer of every program: long options taken only
 * by their full names (getopt_long would take any unambiguous prefix),
 * -h/--help and -V/--version, and one usage-error line ending in
 * "see PROG --help" (exit 64).  config/flags.h adds simrun's parameter
 * flags on top of it.
 */
#ifndef SIM_CLI_CLI_H
#define SIM_CLI_CLI_H

#include <getopt.h>
#include <stdio.h>

/* Entries of a program's own option table (getopt_long's struct option),
 * which ends with CLI_END. */
#define CLI_VALUE(name, code) { name, required_argument, NULL, code }
#define CLI_SWITCH(name, code) { name, no_argument, NULL, code }
#define CLI_END { NULL, 0, NULL, 0 }

struct cli {
	const char *prog;
	const struct option *options;  /* the program's own, NULL-ended;
	                                  --help and --version are added */
	void (*usage)(FILE *f);
	/* one of the program's options: 0, -1 when it has answered (the
	 * program then exits 0), or an exit status after its message */
	int (*take)(void *arg, int opt, char *value);
	void *arg;
	/* simcompare's wording: unknown option '--x' (see --help) */
	int quoted;
	/* the most operands taken ("unexpected argument" past them); -1:
	 * any, the program checks them */
	int operands;
};

/*
 * Reads the options from argv[first] on (getopt_long's order: operands
 * end up last, from optind).  Returns 0, -1 after --help or --version was
 * printed (or take answered), or an exit status after one line on stderr.
 */
int cli_read(const struct cli *c, int argc, char **argv, int first);

/* "PROG: WHAT ARG; see PROG --help" on stderr (arg may be NULL); 64. */
int cli_usage_error(const char *prog, const char *what, const char *arg);

#endif
