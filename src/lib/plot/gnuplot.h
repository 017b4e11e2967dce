/*
 * Running gnuplot: a child process reading a script file, its exit status
 * and its stderr checked.  `SIM_GNUPLOT` names another binary.
 */
#ifndef SIM_PLOT_GNUPLOT_H
#define SIM_PLOT_GNUPLOT_H

#include <stddef.h>

/*
 * Runs gnuplot on script (a file); 0 when it exited 0.  Anything gnuplot
 * printed on stderr while succeeding is copied to stderr after "prog:
 * gnuplot: ".  On failure: -1, with err holding one line (gnuplot's first
 * message or why it could not start) and *unavailable set when gnuplot
 * could not be started at all.
 */
int gnuplot_run(const char *prog, const char *script, int *unavailable,
    char *err, size_t errlen);

#endif
