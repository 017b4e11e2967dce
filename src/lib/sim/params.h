/* The parameters of one simulation: defaults, limits, flags and config. */
#ifndef PARAMS_H
#define PARAMS_H

#include <stddef.h>
#include <stdint.h>

/* Seeds stay exact in every JSON tool (jq reads numbers as doubles). */
#define SEED_MAX 9007199254740991ULL

enum agent_kind { AGENT_MECHANICAL, AGENT_LLM, AGENT_TABLE };
enum llm_api { LLM_API_OPENAI, LLM_API_OLLAMA };
extern const char *const llm_api_names[];   /* by enum llm_api, NULL-ended */

struct sim_params {
	int grid_size;
	int num_type_a;
	int num_type_b;
	double similarity_threshold;
	int no_move_threshold;
	int max_steps;
	uint64_t seed;
	int agent;                 /* enum agent_kind */
	/* LLM agents */
	char scenario[64];
	char scenario_file[1024];
	char llm_url[1024];        /* empty: the API's local default */
	char llm_model[256];
	int llm_api;               /* enum llm_api */
	double temperature;
	int max_tokens;
	int llm_retries;
	int parse_retries;
	double connect_timeout;
	double request_timeout;
	int retry_base_ms;
	int retry_max_ms;
	char llm_api_key_file[1024];
	int llm_concurrency;       /* requests in flight within a run */
	char llm_slots[32];        /* "", a number, or "auto" */
	char llm_cache[1024];      /* decision cache file, "" for none */
	char llm_endpoints[1024];  /* several servers: a file, "" for none */
	char table[1024];          /* decision table for --agent table */
};

enum param_type { PARAM_INT, PARAM_DOUBLE, PARAM_SEED, PARAM_ENUM,
	PARAM_STRING };

/* One parameter: its config key, its flag (key with '-' for '_'), limits. */
struct param_spec {
	const char *key;
	const char *flag;
	enum param_type type;
	size_t offset;
	double lo, hi;             /* PARAM_STRING: hi is the buffer size */
	const char *const *names;  /* PARAM_ENUM: value i is names[i] */
	const char *expect;        /* what a valid value looks like */
	int llm_only;              /* meaningless for mechanical agents */
};

extern const struct param_spec param_specs[];
extern const size_t param_count;

void params_defaults(struct sim_params *p);
const struct param_spec *param_by_flag(const char *flag);
int param_set_text(struct sim_params *p, const struct param_spec *s,
    const char *text);
int params_check(const struct sim_params *p, char *err, size_t errlen);
const char *agent_kind_name(int kind);
const char *llm_api_name(int api);
const char *params_llm_url(const struct sim_params *p);

int parse_long_range(const char *s, long lo, long hi, long *out);
int parse_u64(const char *s, uint64_t *out);
int parse_double_range(const char *s, double lo, double hi, double *out);

#endif
