/*
 * A report page in the making (simreport): the page's file, the folder of
 * its figures' data, scripts and SVGs beside it, the one gnuplot batch
 * that draws them; then the page, written via a temporary name once every
 * figure is drawn.  report/experiment.h and report/study.h fill it.
 */
#ifndef SIM_REPORT_PAGE_H
#define SIM_REPORT_PAGE_H

#include <stddef.h>
#include <stdio.h>

#include "plot/batch.h"

enum report_kind { REPORT_EXPERIMENT, REPORT_STUDY };

struct report_page {
	const char *prog;          /* messages start with it */
	const char *dir;           /* the experiment or study */
	char out[4200];            /* the page */
	char data[3800];           /* its figures' data, scripts and SVGs */
	struct plot_batch batch;
	char err[1024];
	int nfig;
};

/* What dir is: 0 and *kind, or 66 (no directory) or 65 (neither an
 * experiment nor a study) after a message. */
int report_kind_of(const char *prog, const char *dir, int *kind);

/*
 * The page of dir into output (NULL: DIR/report.html), its data folder
 * beside it (made) and the batch; 0, or 73 after a message.
 * report_page_close() in every case.
 */
int report_page_open(struct report_page *r, const char *prog,
    const char *dir, const char *output);
void report_page_close(struct report_page *r);

/* A figure's files in the data folder: NAME.svg and its data NAME.dat. */
struct report_fig {
	char svg[4400], dat[4400];
};
void report_fig_files(const struct report_page *r, struct report_fig *fig,
    const char *name);
/* The files of figure PREFIX_METRIC, the metric named by its index. */
void report_metric_fig(const struct report_page *r, struct report_fig *fig,
    const char *prefix, int metric);
/* A figure drawn, its caption and number on the page; 0 or 74. */
int report_put_figure(struct report_page *r, FILE *f, const char *name,
    const char *caption);
/* The page's head and "<h1>KIND NAME" (the heading left open), and the
 * time now as the page says it, into stamp. */
void report_page_head(FILE *f, const char *kind, const char *name,
    char *stamp, size_t len);
/* A table cell of a number (empty when undefined). */
void report_put_number(FILE *f, double v);

/*
 * Draws the figures queued on the batch, then writes the page with
 * write(r, f, arg) (0 or a status) into its file, which appears only if
 * whole.  0, or 69 (no gnuplot), 70, 73, 74 after a message.
 */
int report_page_write(struct report_page *r, int (*write)(
    struct report_page *r, FILE *f, void *arg), void *arg);

#endif
