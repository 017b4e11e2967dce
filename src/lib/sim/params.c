#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/params.h"

#define FIELD(name) offsetof(struct sim_params, name)
#define TEXT(name) FIELD(name), 1, sizeof(((struct sim_params *)0)->name)

static const char *const agent_names[] = { "mechanical", "llm", "table",
	NULL };
const char *const llm_api_names[] = { "openai", "ollama", NULL };

const struct param_spec param_specs[] = {
	{ "grid_size", "grid-size", PARAM_INT, FIELD(grid_size), 1, 4096,
	    NULL, "a whole number from 1 to 4096", 0 },
	{ "num_type_a", "num-type-a", PARAM_INT, FIELD(num_type_a), 0,
	    16777216, NULL, "a whole number of agents, 0 or more", 0 },
	{ "num_type_b", "num-type-b", PARAM_INT, FIELD(num_type_b), 0,
	    16777216, NULL, "a whole number of agents, 0 or more", 0 },
	{ "similarity_threshold", "similarity-threshold", PARAM_DOUBLE,
	    FIELD(similarity_threshold), 0, 1, NULL, "a number from 0 to 1", 0 },
	{ "no_move_threshold", "no-move-threshold", PARAM_INT,
	    FIELD(no_move_threshold), 1, 1000000, NULL,
	    "a whole number, 1 or more", 0 },
	{ "max_steps", "max-steps", PARAM_INT, FIELD(max_steps), 1, 100000000,
	    NULL, "a whole number, 1 or more", 0 },
	{ "seed", "seed", PARAM_SEED, FIELD(seed), 0, (double)SEED_MAX, NULL,
	    "a whole number from 0 to 9007199254740991", 0 },
	{ "agent", "agent", PARAM_ENUM, FIELD(agent), 0, 0, agent_names,
	    "mechanical, llm or table", 0 },
	{ "scenario", "scenario", PARAM_STRING, TEXT(scenario), NULL,
	    "a scenario name such as baseline", 1 },
	{ "scenario_file", "scenario-file", PARAM_STRING, TEXT(scenario_file),
	    NULL, "a file name", 1 },
	{ "llm_url", "llm-url", PARAM_STRING, TEXT(llm_url), NULL,
	    "an http:// or https:// URL", 1 },
	{ "llm_model", "llm-model", PARAM_STRING, TEXT(llm_model), NULL,
	    "a model name such as llama3.1:8b", 1 },
	{ "llm_api", "llm-api", PARAM_ENUM, FIELD(llm_api), 0, 0, llm_api_names,
	    "openai or ollama", 1 },
	{ "temperature", "temperature", PARAM_DOUBLE, FIELD(temperature), 0, 2,
	    NULL, "a number from 0 to 2", 1 },
	{ "max_tokens", "max-tokens", PARAM_INT, FIELD(max_tokens), 1, 4096,
	    NULL, "a whole number from 1 to 4096", 1 },
	{ "llm_retries", "llm-retries", PARAM_INT, FIELD(llm_retries), 0, 1000,
	    NULL, "a whole number from 0 to 1000", 1 },
	{ "parse_retries", "parse-retries", PARAM_INT, FIELD(parse_retries), 0,
	    100, NULL, "a whole number from 0 to 100", 1 },
	{ "connect_timeout", "connect-timeout", PARAM_DOUBLE,
	    FIELD(connect_timeout), 0.001, 3600, NULL,
	    "seconds, from 0.001 to 3600", 1 },
	{ "request_timeout", "request-timeout", PARAM_DOUBLE,
	    FIELD(request_timeout), 0.001, 86400, NULL,
	    "seconds, from 0.001 to 86400", 1 },
	{ "retry_base_ms", "retry-base-ms", PARAM_INT, FIELD(retry_base_ms), 0,
	    600000, NULL, "milliseconds, from 0 to 600000", 1 },
	{ "retry_max_ms", "retry-max-ms", PARAM_INT, FIELD(retry_max_ms), 0,
	    3600000, NULL, "milliseconds, from 0 to 3600000", 1 },
	{ "llm_api_key_file", "llm-api-key-file", PARAM_STRING,
	    TEXT(llm_api_key_file), NULL, "a file name", 1 },
	{ "llm_concurrency", "llm-concurrency", PARAM_INT,
	    FIELD(llm_concurrency), 1, 256, NULL, "a whole number from 1 to 256",
	    1 },
	{ "llm_slots", "llm-slots", PARAM_STRING, TEXT(llm_slots), NULL,
	    "a whole number of slots, or auto", 1 },
	{ "llm_cache", "llm-cache", PARAM_STRING, TEXT(llm_cache), NULL,
	    "a file name", 1 },
	{ "llm_endpoints", "llm-endpoints", PARAM_STRING, TEXT(llm_endpoints),
	    NULL, "a file of 'URL [SLOTS] [KEY-FILE]' lines", 1 },
	{ "table", "table", PARAM_STRING, TEXT(table), NULL,
	    "a decision table file (simprobe's)", 0 },
};
const size_t param_count = sizeof(param_specs) / sizeof(param_specs[0]);

void
params_defaults(struct sim_params *p)
{
	memset(p, 0, sizeof(*p));
	p->grid_size = 20;
	p->num_type_a = 160;
	p->num_type_b = 160;
	p->similarity_threshold = 0.5;
	p->no_move_threshold = 5;
	p->max_steps = 1000;
	p->seed = 0;
	p->agent = AGENT_MECHANICAL;
	snprintf(p->scenario, sizeof(p->scenario), "baseline");
	snprintf(p->llm_model, sizeof(p->llm_model), "llama3.1:8b");
	p->llm_api = LLM_API_OPENAI;
	p->temperature = 0.3;
	p->max_tokens = 8;
	p->llm_retries = 10;
	p->parse_retries = 3;
	p->connect_timeout = 5;
	p->request_timeout = 60;
	p->retry_base_ms = 500;
	p->retry_max_ms = 30000;
	p->llm_concurrency = 1;
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
enum_parse(const char *const *names, const char *text, int *out)
{
	for (int i = 0; names[i] != NULL; i++) {
		if (strcmp(names[i], text) == 0) {
			*out = i;
			return 0;
		}
	}
	return -1;
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
	case PARAM_ENUM:
		return enum_parse(s->names, text, (int *)(void *)field);
	case PARAM_STRING:
		if (*text == '\0' || strlen(text) >= (size_t)s->hi)
			return -1;
		memcpy(field, text, strlen(text) + 1);
		return 0;
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
	if (p->llm_cache[0] != '\0' && p->temperature != 0) {
		snprintf(err, errlen, "--llm-cache needs --temperature 0: at "
		    "temperature %g the same prompt may get another answer",
		    p->temperature);
		return -1;
	}
	if (p->llm_url[0] != '\0' && strncmp(p->llm_url, "http://", 7) != 0 &&
	    strncmp(p->llm_url, "https://", 8) != 0) {
		snprintf(err, errlen, "llm_url '%s' must start with http:// or "
		    "https://", p->llm_url);
		return -1;
	}
	return 0;
}

const char *
agent_kind_name(int kind)
{
	return agent_names[kind];
}

const char *
llm_api_name(int api)
{
	return llm_api_names[api];
}

/* Ollama's local server, through the chosen API, unless a URL was given. */
const char *
params_llm_url(const struct sim_params *p)
{
	if (p->llm_url[0] != '\0')
		return p->llm_url;
	return p->llm_api == LLM_API_OLLAMA ? "http://localhost:11434/api/chat" :
	    "http://localhost:11434/v1/chat/completions";
}

/* A whole decimal number in [lo, hi] and nothing else. */
int
parse_long_range(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	/* strtol would skip leading blanks and take a '+' */
	if (!isdigit((unsigned char)*s) && *s != '-')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0' || errno != 0 || v < lo || v > hi)
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

	if (!isdigit((unsigned char)*s) && *s != '-' && *s != '.')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0' || errno != 0 || !isfinite(v) ||
	    v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}
