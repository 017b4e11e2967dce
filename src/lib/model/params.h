/*
 * The model's parameters: the grid, the agents, the happiness rule, the
 * dynamics and what a run measures; their defaults, limits, flags and
 * config keys (a table of param/spec.h, joined in config/params.h).
 */
#ifndef SIM_MODEL_PARAMS_H
#define SIM_MODEL_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "param/spec.h"

/* Seeds stay exact in every JSON tool (jq reads numbers as doubles). */
#define SEED_MAX 9007199254740991ULL

enum move_rule { MOVE_RANDOM, MOVE_SATISFYING, MOVE_NEAREST };
enum boundary { BOUNDARY_BOUNDED, BOUNDARY_TORUS };
enum metrics_when { METRICS_EVERY, METRICS_END, METRICS_NONE };
enum movers { MOVERS_UNHAPPY, MOVERS_ANYONE };
enum isolated { ISOLATED_MOVE, ISOLATED_STAY };
enum update { UPDATE_SEQUENTIAL, UPDATE_SYNCHRONOUS };
enum threshold_arithmetic { THRESHOLD_EXACT, THRESHOLD_PREDECESSOR };

/* by the enums above, NULL-ended */
extern const char *const move_rule_names[];
extern const char *const boundary_names[];
extern const char *const metrics_when_names[];
extern const char *const movers_names[];
extern const char *const isolated_names[];
extern const char *const update_names[];
extern const char *const arithmetic_names[];
extern const char *const off_on_names[];

struct model_params {
	int grid_size;
	int num_type_a;
	int num_type_b;
	double similarity_threshold;
	int no_move_threshold;
	int max_steps;
	uint64_t seed;
	/* the model's variants (simtools(7) MODEL VARIANTS) */
	int radius;                /* Chebyshev radius of the neighbourhood */
	int min_similar;           /* >= 0: a count of alike; -1: the share */
	int move_rule;             /* enum move_rule */
	int boundary;              /* enum boundary */
	int metrics;               /* enum metrics_when */
	int movers;                /* enum movers */
	int isolated;              /* enum isolated */
	int update;                /* enum update */
	int threshold_arithmetic;  /* enum threshold_arithmetic */
	int model_metrics;         /* 1: end lines add model_metrics */
	int frames;                /* the grid on every step line */
};

extern const struct param_spec model_param_specs[];
extern const size_t model_param_count;

void model_params_defaults(struct model_params *p);
/* The agents fit on the grid; 0, or -1 with err. */
int model_params_check_fit(const struct model_params *p, char *err,
    size_t errlen);
/* The variants: combinations that cannot hold; 0, or -1 with err. */
int model_params_check(const struct model_params *p, char *err,
    size_t errlen);

#endif
