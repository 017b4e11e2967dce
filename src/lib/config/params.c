/*
 * The joined parameter table: the model's, the agent kind and the LLM's,
 * in the order config.json has always had (see params.h).
 */
#include <stdio.h>
#include <string.h>

#include "config/params.h"
#include "model/utility.h"

#define PARAMS_MAX 128

static const char *const agent_names[] = { "mechanical", "llm", "table",
	"utility", NULL };

/* The parameters of neither table: which agent, and the table agent's. */
static const struct param_spec agent_param_specs[] = {
	{ .key = "agent", .flag = "agent", .type = PARAM_ENUM,
	    .offset = offsetof(struct sim_params, agent), .names = agent_names,
	    .expect = "mechanical, llm, table or utility", .shape = 5 },
	{ .key = "table", .flag = "table", .type = PARAM_STRING,
	    PARAM_TEXT(struct sim_params, table),
	    .expect = "a decision table file (simprobe's)", .agent_block = 1 },
};

/* A run of one table, from key `from` up to key `to` (NULL: its end). */
struct slice {
	const struct param_spec *specs;
	const size_t *count;
	const char *from, *to;
	size_t base;
	enum param_part part;
};

static const size_t agent_param_count = sizeof(agent_param_specs) /
    sizeof(agent_param_specs[0]);

static const struct slice order[] = {
	{ model_param_specs, &model_param_count, "grid_size", "radius",
	    offsetof(struct sim_params, model), PART_MODEL },
	{ agent_param_specs, &agent_param_count, "agent", "table", 0,
	    PART_AGENT },
	{ llm_param_specs, &llm_param_count, "scenario",
	    "max_parse_failure_share", offsetof(struct sim_params, llm),
	    PART_LLM },
	{ agent_param_specs, &agent_param_count, "table", NULL, 0,
	    PART_AGENT },
	{ model_param_specs, &model_param_count, "radius", "utility",
	    offsetof(struct sim_params, model), PART_MODEL },
	{ llm_param_specs, &llm_param_count, "max_parse_failure_share", NULL,
	    offsetof(struct sim_params, llm), PART_LLM },
	{ model_param_specs, &model_param_count, "utility", NULL,
	    offsetof(struct sim_params, model), PART_UTILITY },
};

static struct param_spec joined[PARAMS_MAX];
static size_t njoined;

static size_t
index_of(const struct slice *s, const char *key)
{
	size_t i;

	for (i = 0; i < *s->count; i++)
		if (key != NULL && strcmp(s->specs[i].key, key) == 0)
			break;
	return i;
}

/* Built once: each slice's specs, rebased on struct sim_params. */
const struct param_spec *
params_table(size_t *n)
{
	if (njoined == 0)
		for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
			const struct slice *s = &order[k];

			for (size_t i = index_of(s, s->from);
			    i < index_of(s, s->to) && njoined < PARAMS_MAX;
			    i++) {
				joined[njoined] = s->specs[i];
				joined[njoined].base = s->base;
				joined[njoined++].part = (int)s->part;
			}
		}
	*n = njoined;
	return joined;
}

void
params_defaults(struct sim_params *p)
{
	memset(p, 0, sizeof(*p));
	model_params_defaults(&p->model);
	llm_params_defaults(&p->llm);
	p->agent = AGENT_MECHANICAL;
}

static const struct param_spec *
find(const char *name, int by_flag)
{
	size_t n;
	const struct param_spec *t = params_table(&n);

	for (size_t i = 0; i < n; i++)
		if (strcmp(by_flag ? t[i].flag : t[i].key, name) == 0)
			return &t[i];
	return NULL;
}

const struct param_spec *
param_by_flag(const char *flag)
{
	return find(flag, 1);
}

const struct param_spec *
param_by_key(const char *key)
{
	return find(key, 0);
}

/* Utility parameters other than their defaults, for other agents. */
static int
check_utility_unused(const struct model_params *m, char *err, size_t errlen)
{
	if (m->utility == UTILITY_PREDECESSOR &&
	    m->dynamics == DYNAMICS_BEST_RESPONSE &&
	    m->best_response == BR_PREDECESSOR &&
	    m->logit_temperature == LOGIT_TEMPERATURE_DEFAULT &&
	    m->utility_peak_m == UTILITY_PEAK_M_DEFAULT)
		return 0;
	snprintf(err, errlen, "--utility, --dynamics, --best-response, "
	    "--logit-temperature and --utility-peak-m shape utility agents "
	    "only: add --agent utility");
	return -1;
}

/*
 * What utility agents do not allow: they choose where to go themselves
 * and every one of them considers moving, one at a time; the happiness
 * rule is their utility only when it is flat; a parameter of a dynamics
 * or utility not chosen would be ignored.
 */
static int
check_utility(const struct model_params *m, char *err, size_t errlen)
{
	struct utility_model um;
	const char *what = NULL;

	if (m->move_rule != MOVE_RANDOM || m->movers != MOVERS_UNHAPPY)
		what = "--move-rule and --movers: the dynamics choose the "
		    "destination and every agent considers moving";
	else if (m->update != UPDATE_SEQUENTIAL)
		what = "--update synchronous: two agents could choose the "
		    "same vacancy";
	else if (m->utility != UTILITY_THRESHOLD &&
	    (m->similarity_threshold != 0.5 || m->min_similar >= 0 ||
	    m->isolated != ISOLATED_MOVE ||
	    m->threshold_arithmetic != THRESHOLD_EXACT))
		what = "--similarity-threshold, --min-similar, --isolated and "
		    "--threshold-arithmetic define --utility flat only";
	else if (m->dynamics != DYNAMICS_LOGIT &&
	    m->logit_temperature != LOGIT_TEMPERATURE_DEFAULT)
		what = "--logit-temperature: it is a parameter of "
		    "--dynamics logit";
	else if (m->dynamics == DYNAMICS_LOGIT &&
	    m->best_response != BR_PREDECESSOR)
		what = "--best-response: it is a rule of --dynamics "
		    "best-response";
	else if (m->utility != UTILITY_ASYMMETRIC &&
	    m->utility_peak_m != UTILITY_PEAK_M_DEFAULT)
		what = "--utility-peak-m: it is a parameter of --utility "
		    "asymmetric";
	if (what != NULL) {
		snprintf(err, errlen, "--agent utility refuses %s", what);
		return -1;
	}
	utility_model_from_params(&um, m);
	if (utility_model_check(&um, err, errlen) != 0)
		return -1;
	return 0;
}

/* What the agent kinds do not allow of the model. */
static int
check_agent(const struct sim_params *p, char *err, size_t errlen)
{
	const struct model_params *m = &p->model;

	if (p->llm.destination == DESTINATION_CHOOSE &&
	    (p->agent != AGENT_LLM || m->move_rule != MOVE_RANDOM)) {
		snprintf(err, errlen, "--destination choose lets LLM agents "
		    "choose among random empty houses: it needs --agent llm "
		    "and --move-rule random");
		return -1;
	}
	if (p->agent == AGENT_UTILITY)
		return check_utility(m, err, errlen);
	if (check_utility_unused(m, err, errlen) != 0)
		return -1;
	if (p->agent == AGENT_MECHANICAL)
		return 0;
	if (m->radius != 1) {
		snprintf(err, errlen, "--agent %s sees a 3x3 context: --radius "
		    "%d applies to mechanical and utility agents only",
		    agent_names[p->agent], m->radius);
		return -1;
	}
	if (m->movers != MOVERS_UNHAPPY || m->isolated != ISOLATED_MOVE) {
		snprintf(err, errlen, "--agent %s decides MOVE or STAY itself: "
		    "--movers anyone and --isolated stay are rules of "
		    "mechanical agents", agent_names[p->agent]);
		return -1;
	}
	return 0;
}

int
params_check(const struct sim_params *p, char *err, size_t errlen)
{
	if (model_params_check_fit(&p->model, err, errlen) != 0 ||
	    llm_params_check_cache(&p->llm, err, errlen) != 0 ||
	    model_params_check(&p->model, err, errlen) != 0 ||
	    check_agent(p, err, errlen) != 0 ||
	    llm_params_check(&p->llm, err, errlen) != 0)
		return -1;
	return 0;
}

const char *
agent_kind_name(int kind)
{
	return agent_names[kind];
}

int
params_in_config(const struct sim_params *p, const struct param_spec *s)
{
	size_t at = s->offset + s->base;

	if (s->part == PART_UTILITY)
		return p->agent == AGENT_UTILITY;
	if (at == offsetof(struct sim_params, llm.destination) ||
	    at == offsetof(struct sim_params, llm.destination_choices))
		return p->agent == AGENT_LLM &&
		    p->llm.destination == DESTINATION_CHOOSE;
	return s->part != PART_LLM || p->agent == AGENT_LLM ||
	    (p->agent == AGENT_TABLE &&
	    (at == offsetof(struct sim_params, llm.scenario) ||
	    at == offsetof(struct sim_params, llm.scenario_file)));
}
