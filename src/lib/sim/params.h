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
extern const char *const move_rule_names[];
extern const char *const boundary_names[];
extern const char *const metrics_names[];
extern const char *const movers_names[];
extern const char *const isolated_names[];
extern const char *const update_names[];
extern const char *const arithmetic_names[];
extern const char *const off_on_names[];
/* Which server is behind the URL: what request fields it takes. */
enum llm_server { LLM_SERVER_AUTO, LLM_SERVER_GENERIC, LLM_SERVER_OLLAMA,
	LLM_SERVER_VLLM, LLM_SERVER_LLAMA, LLM_SERVER_OPENAI,
	LLM_SERVER_LMSTUDIO };
extern const char *const llm_server_names[];
enum llm_think { THINK_OFF, THINK_ON, THINK_AUTO };
extern const char *const think_names[];
enum max_tokens_field { MTF_AUTO, MTF_MAX_TOKENS, MTF_MAX_COMPLETION_TOKENS };
extern const char *const max_tokens_field_names[];
enum on_off_auto { OOA_AUTO, OOA_ON, OOA_OFF };
extern const char *const on_off_auto_names[];
enum constrain { CONSTRAIN_OFF, CONSTRAIN_AUTO };
extern const char *const constrain_names[];
/* A double parameter that was given as its word ("default"): not sent. */
#define PARAM_WORD_VALUE (-1.0)

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
	double temperature;        /* PARAM_WORD_VALUE: server's default */
	int max_tokens;
	int llm_server;            /* enum llm_server */
	int think;                 /* enum llm_think */
	int max_tokens_field;      /* enum max_tokens_field */
	double top_p;              /* PARAM_WORD_VALUE: server's default */
	int cache_prompt;          /* enum on_off_auto (llama-server) */
	int constrain;             /* enum constrain */
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
	/* the model's variants (simtools(7) MODEL VARIANTS) */
	int radius;                /* Chebyshev radius of the neighbourhood */
	int min_similar;           /* >= 0: a count of alike; -1: the share */
	int move_rule;             /* enum move_rule (sim/world.h) */
	int boundary;              /* enum boundary (sim/world.h) */
	int metrics;               /* enum metrics_when */
	int movers;                /* enum movers */
	int isolated;              /* enum isolated */
	int update;                /* enum update */
	int threshold_arithmetic;  /* enum threshold_arithmetic */
	int model_metrics;         /* 1: end lines add model_metrics */
	int frames;                /* the grid on every step line */
	double max_parse_failure_share;  /* above it a run ends failed */
	int llm_cache_reset;       /* 1: move a corrupted cache aside */
};

enum metrics_when { METRICS_EVERY, METRICS_END, METRICS_NONE };
enum movers { MOVERS_UNHAPPY, MOVERS_ANYONE };
enum isolated { ISOLATED_MOVE, ISOLATED_STAY };
enum update { UPDATE_SEQUENTIAL, UPDATE_SYNCHRONOUS };
enum threshold_arithmetic { THRESHOLD_EXACT, THRESHOLD_PREDECESSOR };

enum param_type { PARAM_INT, PARAM_DOUBLE, PARAM_SEED, PARAM_ENUM,
	PARAM_STRING,
	PARAM_BOOL };              /* a flag without a value; true/false in JSON */

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
	const char *word;          /* PARAM_DOUBLE: a word taken instead of a
	                              number, stored as PARAM_WORD_VALUE */
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
/* The server kind --llm-server auto means for this API and URL. */
int params_llm_server(const struct sim_params *p);
int params_llm_server_guess(int api, const char *url);
const char *params_llm_url(const struct sim_params *p);

int number_text_ok(const char *s, int fraction);
int parse_long_range(const char *s, long lo, long hi, long *out);
int parse_u64(const char *s, uint64_t *out);
int parse_double_range(const char *s, double lo, double hi, double *out);

#endif
