#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"

#define FIELD(name) offsetof(struct sim_params, name)

const struct param_spec param_specs[] = {
	{ "grid_size", "grid-size", PARAM_INT, FIELD(grid_size), 1, 4096,
	    "a whole number from 1 to 4096" },
	{ "num_type_a", "num-type-a", PARAM_INT, FIELD(num_type_a), 0, 16777216,
	    "a whole number of agents, 0 or more" },
	{ "num_type_b", "num-type-b", PARAM_INT, FIELD(num_type_b), 0, 16777216,
	    "a whole number of agents, 0 or more" },
	{ "similarity_threshold", "similarity-threshold", PARAM_DOUBLE,
	    FIELD(similarity_threshold), 0, 1, "a number from 0 to 1" },
	{ "no_move_threshold", "no-move-threshold", PARAM_INT,
	    FIELD(no_move_threshold), 1, 1000000, "a whole number, 1 or more" },
	{ "max_steps", "max-steps", PARAM_INT, FIELD(max_steps), 1, 100000000,
	    "a whole number, 1 or more" },
	{ "seed", "seed", PARAM_SEED, FIELD(seed), 0, (double)SEED_MAX,
	    "a whole number from 0 to 9007199254740991" },
	{ "agent", "agent", PARAM_AGENT, FIELD(agent), 0, 0,
	    "mechanical or llm" },
};
const size_t param_count = sizeof(param_specs) / sizeof(param_specs[0]);

void
params_defaults(struct sim_params *p)
{
	p->grid_size = 20;
	p->num_type_a = 160;
	p->num_type_b = 160;
	p->similarity_threshold = 0.5;
	p->no_move_threshold = 5;
	p->max_steps = 1000;
	p->seed = 0;
	p->agent = AGENT_MECHANICAL;
}

const struct param_spec *
param_by_flag(const char *flag)
{
	for (size_t i = 0; i < param_count; i++)
		if (strcmp(param_specs[i].flag, flag) == 0)
			return &param_specs[i];
	return NULL;
}

static int
agent_kind_parse(const char *s, enum agent_kind *k)
{
	if (strcmp(s, "mechanical") == 0)
		*k = AGENT_MECHANICAL;
	else if (strcmp(s, "llm") == 0)
		*k = AGENT_LLM;
	else
		return -1;
	return 0;
}

/* Sets one parameter from its text form; -1 when the text is not valid. */
int
param_set_text(struct sim_params *p, const struct param_spec *s,
    const char *text)
{
	char *field = (char *)p + s->offset;
	long l;
	uint64_t u;

	switch (s->type) {
	case PARAM_INT:
		if (parse_long_range(text, (long)s->lo, (long)s->hi, &l) != 0)
			return -1;
		*(int *)(void *)field = (int)l;
		return 0;
	case PARAM_DOUBLE:
		return parse_double_range(text, s->lo, s->hi,
		    (double *)(void *)field);
	case PARAM_SEED:
		if (parse_u64(text, &u) != 0 || u > SEED_MAX)
			return -1;
		*(uint64_t *)(void *)field = u;
		return 0;
	case PARAM_AGENT:
		return agent_kind_parse(text, (enum agent_kind *)(void *)field);
	}
	return -1;
}

int
params_check(const struct sim_params *p, char *err, size_t errlen)
{
	long cells = (long)p->grid_size * p->grid_size;
	long agents = (long)p->num_type_a + p->num_type_b;

	if (agents > cells) {
		snprintf(err, errlen, "num_type_a + num_type_b = %ld agents "
		    "do not fit on a %dx%d grid of %ld cells; lower the "
		    "counts or raise grid_size", agents, p->grid_size,
		    p->grid_size, cells);
		return -1;
	}
	return 0;
}

const char *
agent_kind_name(enum agent_kind k)
{
	return k == AGENT_LLM ? "llm" : "mechanical";
}

/* A whole decimal number in [lo, hi] and nothing else. */
int
parse_long_range(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int
parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || errno != 0)
		return -1;
	*out = v;
	return 0;
}

int
parse_double_range(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno != 0 || !isfinite(v) ||
	    v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}
