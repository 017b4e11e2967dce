/*
 * What the figures draw: a series is the runs of one experiment directory
 * (its runs/run_*.jsonl) or of one JSON Lines file, read with runfile/runset,
 * sorted by run id, with each run's step rows found.
 */
#ifndef SIM_PLOT_SERIES_H
#define SIM_PLOT_SERIES_H

#include <stddef.h>

#include "runfile/runset.h"

struct plot_series {
	char *label;               /* the directory's or file's name */
	char *path;
	int is_experiment;         /* a directory with runs/ */
	struct runset set;
	struct run **runs;         /* sorted by id */
	size_t nruns;
	size_t *first, *count;     /* runs[i]'s rows: set.steps[first[i]..] */
};

/*
 * Reads path (an experiment directory, a run file, or "-").  Returns 0 or
 * an exit status (65 not runs, 66 unreadable, 71 memory), the message
 * printed.
 */
int plot_series_load(struct plot_series *s, const char *prog,
    const char *path, int keep_grids);   /* RUNSET_GRIDS_* */
void plot_series_free(struct plot_series *s);

/*
 * When every series is an experiment with a config.json and their
 * parameters differ, labels them by what differs ("similarity_threshold=
 * 0.3, grid_size=10"), in parameter order.  0, or -1 when out of memory
 * (labels left as they were).
 */
int plot_series_vary_labels(struct plot_series *s, size_t n);

/* The index of a metric by its simrun name, or -1. */
int plot_metric_index(const char *name);

/* The metrics' names joined by ", " (for messages). */
const char *plot_metric_list(void);

/* Runs that ended ok. */
size_t plot_series_ok(const struct plot_series *s);

#endif
