/* A report page in the making (see page.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>

#include "io/atomicfile.h"
#include "io/fs.h"
#include "io/msg.h"
#include "report/html.h"
#include "report/page.h"
#include "runfile/runset.h"

int
report_kind_of(const char *prog, const char *dir, int *kind)
{
	char path[4200];

	if (!fs_is_dir(dir))
		return msg_fail(prog, EX_NOINPUT, "%s is not a directory; give "
		    "an experiment or a study directory", dir);
	snprintf(path, sizeof(path), "%s/plan.jsonl", dir);
	*kind = fs_is_file(path) ? REPORT_STUDY : REPORT_EXPERIMENT;
	snprintf(path, sizeof(path), "%s/runs", dir);
	if (*kind == REPORT_EXPERIMENT && !fs_is_dir(path))
		return msg_fail(prog, EX_DATAERR, "%s is neither an experiment "
		    "(no runs/) nor a study (no plan.jsonl); give a directory "
		    "made by bin/llm_runner or bin/simstudy", dir);
	return 0;
}

int
report_page_open(struct report_page *r, const char *prog, const char *dir,
    const char *output)
{
	char script[4400];

	memset(r, 0, sizeof(*r));
	r->prog = prog;
	r->dir = dir;
	if (output != NULL)
		snprintf(r->out, sizeof(r->out), "%s", output);
	else
		snprintf(r->out, sizeof(r->out), "%s/report.html", dir);
	if (plot_sibling(r->data, sizeof(r->data), r->out, "_data") != 0 ||
	    (mkdir(r->data, 0777) != 0 && errno != EEXIST) ||
	    !fs_is_dir(r->data))
		return msg_fail(prog, EX_CANTCREAT, "cannot create the "
		    "directory %s: %s", r->data, strerror(errno));
	snprintf(script, sizeof(script), "%s/figures.gp", r->data);
	if (plot_batch_open(&r->batch, prog, script, r->err, sizeof(r->err)))
		return msg_fail(prog, EX_CANTCREAT, "%s", r->err);
	return 0;
}

void
report_page_close(struct report_page *r)
{
	plot_batch_free(&r->batch);
}

int
report_page_write(struct report_page *r, int (*write)(struct report_page *r,
    FILE *f, void *arg), void *arg)
{
	struct atomic_file page;
	int unavailable, rc;

	if (plot_batch_run(&r->batch, &unavailable, r->err,
	    sizeof(r->err)) != 0)
		return msg_fail(r->prog, unavailable ? EX_UNAVAILABLE :
		    EX_SOFTWARE, "%s", r->err);
	if (atomic_open(&page, r->out) != 0)
		return msg_fail(r->prog, EX_CANTCREAT, "cannot create %s: %s",
		    r->out, strerror(errno));
	if ((rc = write(r, page.f, arg)) != 0) {
		atomic_abort(&page);
		return rc;
	}
	if (atomic_commit(&page) != 0)
		return msg_fail(r->prog, EX_IOERR, "cannot write %s: %s", r->out,
		    strerror(errno));
	return 0;
}

void
report_fig_files(const struct report_page *r, struct report_fig *fig,
    const char *name)
{
	snprintf(fig->svg, sizeof(fig->svg), "%s/%s.svg", r->data, name);
	snprintf(fig->dat, sizeof(fig->dat), "%s/%s.dat", r->data, name);
}

void
report_metric_fig(const struct report_page *r, struct report_fig *fig,
    const char *prefix, int metric)
{
	char name[256];

	snprintf(name, sizeof(name), "%s_%s", prefix,
	    metrics_names[metric]);
	report_fig_files(r, fig, name);
}

/* A figure, its caption and its place on the page. */
int
report_put_figure(struct report_page *r, FILE *f, const char *name,
    const char *caption)
{
	struct report_fig fig;

	report_fig_files(r, &fig, name);
	if (html_figure(f, fig.svg, ++r->nfig, caption) != 0) {
		msg(r->prog, "cannot read the figure %s: %s", fig.svg,
		    strerror(errno));
		return EX_IOERR;
	}
	return 0;
}

void
report_page_head(FILE *f, const char *kind, const char *name, char *stamp,
    size_t len)
{
	char title[4400];
	time_t now = time(NULL);

	strftime(stamp, len, "%Y-%m-%d %H:%M UTC", gmtime(&now));
	snprintf(title, sizeof(title), "%s %s", kind, name);
	html_head(f, title);
	fprintf(f, "<h1>%s ", kind);
	html_escape(f, name);
}

void
report_put_number(FILE *f, double v)
{
	if (isnan(v))
		fputs("<td></td>", f);
	else
		fprintf(f, "<td>%.4g</td>", v);
}

