/*
 * Parameters as JSON values: the run's start line carries every parameter
 * that shapes a run, so that runs of other settings are never mixed.
 */
#ifndef PARAMJSON_H
#define PARAMJSON_H

#include "io/jsonw.h"
#include "sim/params.h"

/* The value of s in p (an empty text is null). */
void param_put_value(struct jw *w, const struct sim_params *p,
    const struct param_spec *s);

/*
 * "key": value for every parameter that shapes a run and is not among
 * the skip keys (NULL-ended): LLM ones only for LLM agents, never the key
 * file, never an empty text.
 */
void params_put_shaping(struct jw *w, const struct sim_params *p,
    const char *const *skip);

#endif
