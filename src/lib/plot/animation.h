/*
 * The animation: a run's frames (simrun --frames) as an animated GIF, one
 * frame per step, the step counter in each frame's title.
 */
#ifndef SIM_PLOT_ANIMATION_H
#define SIM_PLOT_ANIMATION_H

#include <stddef.h>

#include "plot/batch.h"

/*
 * frames[i] is the grid after step steps[i]; all of one side.  Writes data
 * (the frames as matrix blocks) and adds the animation to the batch.
 */
int plot_animation(struct plot_batch *b, const char *out, const char *data,
    char *const *frames, const long long *steps, size_t nframes,
    const char *title, int delay, int width, int height, char *err,
    size_t errlen);

#endif
