/* Parameters as JSON: the keys of config.json and of a run's start line. */
#ifndef SIM_CONFIG_PARAMS_JSON_H
#define SIM_CONFIG_PARAMS_JSON_H

#include "config/params.h"
#include "io/jsonw.h"

/* Every parameter config.json holds for p's agent kind, in table order. */
void params_put_config(struct jw *w, const struct sim_params *p);

/*
 * The flags that give p's config.json parameters, as a JSON array of
 * argv words ("--grid-size", "20", ...): a switch only when on, a text
 * only when set, values exactly as checked.
 */
void params_put_flags(struct jw *w, const struct sim_params *p);

/*
 * "key": value for every parameter that shapes a run and that the start
 * line has not written itself (the shape and agent_block ones): LLM ones
 * only for LLM agents, never the key file, never an empty text.  The
 * run's start line carries them, so that runs of other settings are
 * never mixed.
 */
void params_put_shaping(struct jw *w, const struct sim_params *p);

/* The parameters that make a run what it is (param_spec.shape), in their
 * order, as a JSON array of keys (simcfg --shaping-keys). */
void params_put_shape_keys(struct jw *w);

#endif
