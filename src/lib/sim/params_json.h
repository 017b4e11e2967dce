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

/*
 * "key": value for every parameter that shapes a run and is not among
 * the skip keys (NULL-ended): LLM ones only for LLM agents, never the key
 * file, never an empty text.  The run's start line carries them, so that
 * runs of other settings are never mixed.
 */
void params_put_shaping(struct jw *w, const struct sim_params *p,
    const char *const *skip);

#endif
