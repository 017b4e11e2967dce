/* One parameter's value as JSON (config files, plans) and as text. */
#ifndef PARAMS_JSON_H
#define PARAMS_JSON_H

#include <stddef.h>

#include "io/jsonw.h"
#include "sim/params.h"

/* "key": value, as config.json holds it (an empty string is null). */
void params_put_json(struct jw *w, const struct sim_params *p,
    const struct param_spec *s);

/* The value as a flag would take it, into buf. */
void params_text(const struct sim_params *p, const struct param_spec *s,
    char *buf, size_t len);

#endif
