/*
 * simstudy_plan: bin/simstudy's planner.  Reads a study file, checks every
 * key against simrun's own parameter table (config/params.c, the checks
 * simrun --config makes), expands `vary` into its Cartesian product and
 * prints plan.jsonl on stdout: one line per cell, in cell order.
 *
 * Any mistake is one line on stderr naming the file, the key and the
 * problem, and nothing is printed on stdout: exit 78 for a bad study file,
 * 64 for parameters that contradict each other in a cell (as simrun).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cli/cli.h"
#include "io/msg.h"
#include "study/plan.h"
#include "study/study.h"

#define PROG "simstudy"

static void
usage(FILE *f)
{
	fprintf(f, "usage: simstudy_plan STUDY.json\n\nChecks a study file "
	    "and prints its plan (plan.jsonl) on stdout; bin/simstudy runs "
	    "it.\n");
}

static int
take_option(void *arg, int c, char *value)
{
	(void)arg;
	(void)c;
	(void)value;
	return EX_USAGE;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = { CLI_END };
	struct cli c = { "simstudy_plan", opts, usage, take_option, NULL, 0,
	    -1 };
	struct study st;
	int rc;

	if ((rc = cli_read(&c, argc, argv, 1)) != 0)
		return rc == -1 ? (fclose(stdout) == 0 ? 0 : EX_IOERR) : rc;
	if (argc - optind != 1 || argv[optind][0] == '-') {
		fprintf(stderr, "usage: simstudy_plan STUDY.json\n");
		return EX_USAGE;
	}
	if ((rc = study_read(&st, PROG, argv[optind])) == 0)
		rc = study_plan(&st, stdout);
	study_free(&st);
	if (fclose(stdout) != 0 && rc == 0) {
		rc = msg_fail(PROG, EX_IOERR, "cannot write the plan: %s",
		    strerror(errno));
	}
	return rc;
}
