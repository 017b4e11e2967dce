/*
 * The model's parameter table: every parameter of the model, its flag,
 * config key, type, range and default (see params.h).
 */
#include <stdio.h>
#include <string.h>

#include "model/params.h"

#define FIELD(name) PARAM_FIELD(struct model_params, name)

/* by enum move_rule, boundary, metrics_when, movers, isolated, update */
const char *const move_rule_names[] = { "random", "satisfying",
	"nearest-satisfying", NULL };
const char *const boundary_names[] = { "bounded", "torus", NULL };
const char *const metrics_when_names[] = { "every", "end", "none", NULL };
const char *const movers_names[] = { "unhappy", "anyone", NULL };
const char *const isolated_names[] = { "move", "stay", NULL };
const char *const update_names[] = { "sequential", "synchronous", NULL };
const char *const arithmetic_names[] = { "exact", "predecessor", NULL };
const char *const off_on_names[] = { "off", "on", NULL };
/* by enum utility_kind, utility_dynamics, best_response_rule */
const char *const utility_names[] = { "predecessor", "flat", "peaked",
	"asymmetric", NULL };
const char *const dynamics_names[] = { "best-response", "logit", NULL };
const char *const best_response_names[] = { "predecessor", "exact", NULL };

const struct param_spec model_param_specs[] = {
	{ .key = "grid_size", .flag = "grid-size", .type = PARAM_INT,
	    .offset = FIELD(grid_size), .lo = 1, .hi = 4096,
	    .expect = "a whole number from 1 to 4096", .shape = 2 },
	{ .key = "num_type_a", .flag = "num-type-a", .type = PARAM_INT,
	    .offset = FIELD(num_type_a), .hi = 16777216,
	    .expect = "a whole number of agents from 0 to 16777216",
	    .shape = 3 },
	{ .key = "num_type_b", .flag = "num-type-b", .type = PARAM_INT,
	    .offset = FIELD(num_type_b), .hi = 16777216,
	    .expect = "a whole number of agents from 0 to 16777216",
	    .shape = 4 },
	{ .key = "similarity_threshold", .flag = "similarity-threshold",
	    .type = PARAM_DOUBLE, .offset = FIELD(similarity_threshold),
	    .hi = 1, .expect = "a number from 0 to 1", .shape = 6 },
	{ .key = "no_move_threshold", .flag = "no-move-threshold",
	    .type = PARAM_INT, .offset = FIELD(no_move_threshold),
	    .hi = 1000000,
	    .expect = "a whole number from 0 (never stop early) to 1000000",
	    .shape = 7 },
	{ .key = "max_steps", .flag = "max-steps", .type = PARAM_INT,
	    .offset = FIELD(max_steps), .lo = 1, .hi = 100000000,
	    .expect = "a whole number from 1 to 100000000", .shape = 8 },
	{ .key = "seed", .flag = "seed", .type = PARAM_SEED,
	    .offset = FIELD(seed), .hi = (double)SEED_MAX,
	    .expect = "a whole number from 0 to 9007199254740991",
	    .shape = 1 },
	{ .key = "radius", .flag = "radius", .type = PARAM_INT,
	    .offset = FIELD(radius), .lo = 1, .hi = 10,
	    .expect = "a whole number from 1 to 10" },
	{ .key = "min_similar", .flag = "min-similar", .type = PARAM_INT,
	    .offset = FIELD(min_similar), .lo = -1, .hi = 440,
	    .expect = "a whole number of alike neighbours from 0 to 440 (-1: "
	    "" "use the share)" },
	{ .key = "move_rule", .flag = "move-rule", .type = PARAM_ENUM,
	    .offset = FIELD(move_rule), .names = move_rule_names,
	    .expect = "random, satisfying or nearest-satisfying" },
	{ .key = "boundary", .flag = "boundary", .type = PARAM_ENUM,
	    .offset = FIELD(boundary), .names = boundary_names,
	    .expect = "bounded or torus" },
	{ .key = "metrics", .flag = "metrics", .type = PARAM_ENUM,
	    .offset = FIELD(metrics), .names = metrics_when_names,
	    .expect = "every, end or none" },
	{ .key = "movers", .flag = "movers", .type = PARAM_ENUM,
	    .offset = FIELD(movers), .names = movers_names,
	    .expect = "unhappy or anyone" },
	{ .key = "isolated", .flag = "isolated", .type = PARAM_ENUM,
	    .offset = FIELD(isolated), .names = isolated_names,
	    .expect = "move or stay" },
	{ .key = "update", .flag = "update", .type = PARAM_ENUM,
	    .offset = FIELD(update), .names = update_names,
	    .expect = "sequential or synchronous" },
	{ .key = "threshold_arithmetic", .flag = "threshold-arithmetic",
	    .type = PARAM_ENUM, .offset = FIELD(threshold_arithmetic),
	    .names = arithmetic_names, .expect = "exact or predecessor" },
	{ .key = "model_metrics", .flag = "model-metrics", .type = PARAM_ENUM,
	    .offset = FIELD(model_metrics), .names = off_on_names,
	    .expect = "off or on" },
	{ .key = "frames", .flag = "frames", .type = PARAM_BOOL,
	    .offset = FIELD(frames), .hi = 1, .expect = "true or false" },
	/* utility agents (config/params.c: a part of its own from "utility") */
	{ .key = "utility", .flag = "utility", .type = PARAM_ENUM,
	    .offset = FIELD(utility), .names = utility_names,
	    .expect = "predecessor, flat, peaked or asymmetric" },
	{ .key = "dynamics", .flag = "dynamics", .type = PARAM_ENUM,
	    .offset = FIELD(dynamics), .names = dynamics_names,
	    .expect = "best-response or logit" },
	{ .key = "best_response", .flag = "best-response", .type = PARAM_ENUM,
	    .offset = FIELD(best_response), .names = best_response_names,
	    .expect = "predecessor or exact" },
	{ .key = "logit_temperature", .flag = "logit-temperature",
	    .type = PARAM_DOUBLE, .offset = FIELD(logit_temperature),
	    .lo = 1e-9, .hi = 1e9,
	    .expect = "a number from 1e-9 to 1e9 (the logit rule's noise)" },
	{ .key = "utility_peak_m", .flag = "utility-peak-m",
	    .type = PARAM_DOUBLE, .offset = FIELD(utility_peak_m), .hi = 1,
	    .expect = "a number from 0 to 1 with at most 9 decimals" },
};
const size_t model_param_count = sizeof(model_param_specs) /
    sizeof(model_param_specs[0]);

void
model_params_defaults(struct model_params *p)
{
	memset(p, 0, sizeof(*p));
	p->grid_size = 20;
	p->num_type_a = 160;
	p->num_type_b = 160;
	p->similarity_threshold = 0.5;
	p->no_move_threshold = 5;
	p->max_steps = 1000;
	p->seed = 0;
	p->radius = 1;
	p->min_similar = -1;
	p->logit_temperature = LOGIT_TEMPERATURE_DEFAULT;
	p->utility_peak_m = UTILITY_PEAK_M_DEFAULT;
}

int
model_params_check_fit(const struct model_params *p, char *err,
    size_t errlen)
{
	long cells = (long)p->grid_size * p->grid_size;
	long agents = (long)p->num_type_a + p->num_type_b;

	if (agents <= cells)
		return 0;
	snprintf(err, errlen, "num_type_a + num_type_b = %ld agents do not "
	    "fit on a %dx%d grid of %ld cells; lower the counts or raise "
	    "grid_size", agents, p->grid_size, p->grid_size, cells);
	return -1;
}

int
model_params_check(const struct model_params *p, char *err, size_t errlen)
{
	int side = 2 * p->radius + 1;

	if (p->min_similar >= 0 && p->similarity_threshold != 0.5) {
		snprintf(err, errlen, "--min-similar %d and "
		    "--similarity-threshold %g are two happiness rules; give "
		    "one of them", p->min_similar, p->similarity_threshold);
		return -1;
	}
	if (p->min_similar > side * side - 1) {
		snprintf(err, errlen, "--min-similar %d can never be met: radius "
		    "%d has %d neighbours; lower it or raise --radius",
		    p->min_similar, p->radius, side * side - 1);
		return -1;
	}
	if (p->boundary == BOUNDARY_TORUS && p->grid_size < side) {
		snprintf(err, errlen, "a %dx%d torus is smaller than a radius %d "
		    "neighbourhood (%dx%d): cells would count twice; raise "
		    "--grid-size or use --boundary bounded", p->grid_size,
		    p->grid_size, p->radius, side, side);
		return -1;
	}
	return 0;
}
