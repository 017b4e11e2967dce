/*
 * The trajectory: a metric against the sweeps done (0 = the initial grid,
 * k = after step k-1), the mean across a series' ok runs with its 95%
 * confidence band (Student t); several series overlaid with a legend.
 * A run that stopped early keeps its final value afterwards, unless
 * until_converged, where it counts only while it runs.
 */
#ifndef SIM_PLOT_TRAJECTORY_H
#define SIM_PLOT_TRAJECTORY_H

#include <stddef.h>

#include "plot/batch.h"
#include "plot/series.h"

int plot_trajectory(struct plot_batch *b, const char *out, const char *data,
    const struct plot_series *series, size_t nseries, int metric,
    int until_converged, const char *title, int width, int height,
    char *err, size_t errlen);

#endif
