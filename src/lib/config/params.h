/*
 * The parameters of one simulation: the model's (model/params.h), the
 * LLM's (llm/params.h) and the agent kind, joined into the one table that
 * drives simrun's flags, config.json and every JSON of parameters.
 */
#ifndef SIM_CONFIG_PARAMS_H
#define SIM_CONFIG_PARAMS_H

#include <stddef.h>

#include "llm/params.h"
#include "model/params.h"
#include "param/spec.h"

enum agent_kind { AGENT_MECHANICAL, AGENT_LLM, AGENT_TABLE, AGENT_UTILITY };

/* The table a joined spec came from (its part). */
enum param_part { PART_MODEL, PART_AGENT, PART_LLM,
	PART_UTILITY };            /* the model's, of utility agents only */

struct sim_params {
	struct model_params model;
	int agent;                 /* enum agent_kind */
	char table[1024];          /* decision table for --agent table */
	struct llm_params llm;
};

/*
 * The joined table, in config.json's order; its specs' offsets are in
 * struct sim_params.  *n is its length.
 */
const struct param_spec *params_table(size_t *n);

void params_defaults(struct sim_params *p);
const struct param_spec *param_by_flag(const char *flag);
const struct param_spec *param_by_key(const char *key);
/* What cannot hold together; 0, or -1 with one line in err. */
int params_check(const struct sim_params *p, char *err, size_t errlen);
const char *agent_kind_name(int kind);
/* 1 when config.json of an experiment of p's agent kind holds s: the
 * LLM's only for LLM agents, the scenario for table agents too, the
 * utility agents' only for them. */
int params_in_config(const struct sim_params *p, const struct param_spec *s);

#endif
