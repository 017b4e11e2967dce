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
/* Utility agents (model/utility.h): the utility of a like share, the
 * dynamics, and how best response judges and picks a vacancy. */
enum utility_kind { UTILITY_PREDECESSOR, UTILITY_THRESHOLD, UTILITY_PEAKED,
	UTILITY_ASYMMETRIC };
enum utility_dynamics { DYNAMICS_BEST_RESPONSE, DYNAMICS_LOGIT };
enum best_response_rule { BR_PREDECESSOR, BR_EXACT };

/* by the enums above, NULL-ended */
extern const char *const move_rule_names[];
extern const char *const boundary_names[];
extern const char *const metrics_when_names[];
extern const char *const movers_names[];
extern const char *const isolated_names[];
extern const char *const update_names[];
extern const char *const arithmetic_names[];
extern const char *const off_on_names[];
extern const char *const utility_names[];
extern const char *const dynamics_names[];
extern const char *const best_response_names[];

/* The utility agents' defaults: the predecessor's best_response. */
#define UTILITY_PEAK_M_DEFAULT 0.5
#define LOGIT_TEMPERATURE_DEFAULT 0.1

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
	/* utility agents only (config.json holds them for those) */
	int utility;               /* enum utility_kind */
	int dynamics;              /* enum utility_dynamics */
	int best_response;         /* enum best_response_rule */
	double logit_temperature;  /* logit: T > 0 */
	double utility_peak_m;     /* asymmetric: u of an all-alike place */
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
