/* Reading simulation parameters from a JSON config file (jansson). */
#ifndef SIM_CONFIG_FILE_H
#define SIM_CONFIG_FILE_H

#include <stddef.h>

#include "config/params.h"

/* The largest config file read (a config is a few kB). */
#define CONFIG_MAX_BYTES (16 << 20)

/* One value of a JSON document, checked as its flag would be; -1 if bad. */
struct json_t;
int config_set_value(struct sim_params *p, const struct param_spec *s,
    const struct json_t *v);

/* Known keys set parameters, others are left to other programs; 0, or
 * -1 with one line in err naming the file. */
int config_load(const char *path, struct sim_params *p, char *err,
    size_t errlen);

#endif
