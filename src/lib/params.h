/* The parameters of one simulation: defaults, limits, flags and config. */
#ifndef PARAMS_H
#define PARAMS_H

#include <stddef.h>
#include <stdint.h>

/* Seeds stay exact in every JSON tool (jq reads numbers as doubles). */
#define SEED_MAX 9007199254740991ULL

enum agent_kind { AGENT_MECHANICAL, AGENT_LLM };

struct sim_params {
	int grid_size;
	int num_type_a;
	int num_type_b;
	double similarity_threshold;
	int no_move_threshold;
	int max_steps;
	uint64_t seed;
	enum agent_kind agent;
};

enum param_type { PARAM_INT, PARAM_DOUBLE, PARAM_SEED, PARAM_AGENT };

/* One parameter: its config key, its flag (key with '-' for '_'), limits. */
struct param_spec {
	const char *key;
	const char *flag;
	enum param_type type;
	size_t offset;
	double lo, hi;
	const char *expect;   /* what a valid value looks like, for messages */
};

extern const struct param_spec param_specs[];
extern const size_t param_count;

void params_defaults(struct sim_params *p);
const struct param_spec *param_by_flag(const char *flag);
int param_set_text(struct sim_params *p, const struct param_spec *s,
    const char *text);
int params_check(const struct sim_params *p, char *err, size_t errlen);
const char *agent_kind_name(enum agent_kind k);

int parse_long_range(const char *s, long lo, long hi, long *out);
int parse_u64(const char *s, uint64_t *out);
int parse_double_range(const char *s, double lo, double hi, double *out);

#endif
