/*
 * The distribution: the final value of a metric in each series' ok runs,
 * as box plots with the runs' points over them, series ordered by median.
 */
#ifndef SIM_PLOT_DISTRIBUTION_H
#define SIM_PLOT_DISTRIBUTION_H

#include <stddef.h>

#include "plot/batch.h"
#include "plot/series.h"

int plot_distribution(struct plot_batch *b, const char *out,
    const char *data, const struct plot_series *series, size_t nseries,
    int metric, const char *title, int width, int height, char *err,
    size_t errlen);

#endif
