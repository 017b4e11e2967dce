/*
 * simreport: one self-contained HTML page for an experiment or a study
 * directory, its figures drawn by gnuplot as SVG and inlined, nothing
 * fetched from the network, readable printed.
 */
#include <stdio.h>
#include <sysexits.h>

#include "cli/cli.h"
#include "report/experiment.h"
#include "report/page.h"
#include "report/study.h"

#define PROG "simreport"

struct options {
	const char *dir;
	const char *output;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " DIR [--output FILE]\n"
	    "\n"
	    "Writes one self-contained HTML page (inline SVG figures drawn by\n"
	    "gnuplot, no network, printable) for DIR, an experiment directory\n"
	    "(bin/llm_runner's) or a study directory (bin/simstudy's), and\n"
	    "prints its path.  The figures' data and gnuplot script go to\n"
	    "FILE's name with _data (default DIR/report.html, DIR/report_data).\n"
	    "\n"
	    "  --output FILE    the page (default DIR/report.html)\n"
	    "  -h, --help, -V, --version\n");
}

/* --output, the one option. */
static int
take_output(void *options, int c, char *arg)
{
	if (c != 'o')
		return cli_usage_error(PROG, "unhandled option", NULL);
	((struct options *)options)->output = arg;
	return 0;
}

static int
parse_args(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = { CLI_VALUE("output", 'o'),
		CLI_END };
	struct cli c = { PROG, opts, usage, take_output, o, 0, -1 };
	int rc;

	if ((rc = cli_read(&c, argc, argv, 1)) != 0)
		return rc;
	if (optind >= argc)
		return cli_usage_error(PROG, "give an experiment or study "
		    "directory", NULL);
	if (argc - optind > 1) {
		fprintf(stderr, PROG ": one directory at a time, not also %s; "
		    "see " PROG " --help\n", argv[optind + 1]);
		return EX_USAGE;
	}
	o->dir = argv[optind];
	return 0;
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	struct report_page r;
	int rc, kind;

	if ((rc = parse_args(argc, argv, &o)) != 0)
		return rc == -1 ? (fclose(stdout) == 0 ? 0 : EX_IOERR) : rc;
	if ((rc = report_kind_of(PROG, o.dir, &kind)) != 0)
		return rc;
	if ((rc = report_page_open(&r, PROG, o.dir, o.output)) == 0)
		rc = kind == REPORT_STUDY ? report_study(&r) :
		    report_experiment(&r);
	report_page_close(&r);
	if (rc == 0)
		printf("%s\n", r.out);
	if (fclose(stdout) != 0 && rc == 0)
		rc = EX_IOERR;
	return rc;
}
