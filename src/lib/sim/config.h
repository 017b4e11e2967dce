/* Reading simulation parameters from a JSON config file (jansson). */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>

#include "sim/params.h"

/* The largest config file read (a config is a few kB). */
#define CONFIG_MAX_BYTES (16 << 20)

/* Known keys set parameters, others are left to other programs. */
int config_load(const char *path, struct sim_params *p, char *err,
    size_t errlen);

#endif
