/*
 * Utility agents: each agent values a neighbourhood by a utility of its
 * like share and moves by best response or by the logit rule (Pancs &
 * Vriend 2007; Zhang 2004; Grauwin, Goffette-Nagot & Jensen 2009; the
 * predecessor's Agent.best_response).  See notes/utility-design.md.
 */
#ifndef UTILITY_H
#define UTILITY_H

#include <stddef.h>
#include <stdint.h>

#include "model/world.h"

/*
 * The utility of a neighbourhood with `like` alike and `unlike` other
 * occupied neighbours (s = like / (like + unlike); s = 0 without any):
 *   predecessor  x = 100 (1 - s): 1 + x for x <= 50, else 0 (u = 0 alone)
 *   threshold    1 when the world's happiness rule holds, else 0
 *   peaked       2s for s <= 1/2, 2(1 - s) above
 *   asymmetric   2s for s <= 1/2, m + 2(1 - m)(1 - s) above (m = peak_m)
 * (enum utility_kind, utility_dynamics and best_response_rule are in
 * model/params.h, with the parameters.)  Best response, predecessor
 * rule: each vacancy judged as the agent would see it with its old cell
 * still occupied by itself, the first best one in row-major order; exact
 * rule: as it would see it after leaving, ties drawn uniformly from the
 * agent's keyed stream.
 */

struct utility_model {
	int kind;           /* enum utility_kind */
	int dynamics;       /* enum utility_dynamics */
	int rule;           /* enum best_response_rule */
	double peak_m;      /* asymmetric: the utility of an all-alike place */
	double temperature; /* logit: T > 0 */
};

/* The utility model of a run's parameters. */
void utility_model_from_params(struct utility_model *um,
    const struct model_params *p);

/* Predecessor utility, best response, predecessor rule; m 0.5, T 0.1. */
void utility_model_default(struct utility_model *um);
/* 0, or -1 with a sentence in err (m outside [0, 1] or finer than 1e-9,
 * T not positive and finite, an unknown kind). */
int utility_model_check(const struct utility_model *um, char *err,
    size_t errlen);

struct utility;

/*
 * The utility agents of a world whose model (radius, boundary, threshold)
 * is set; NULL when memory is short.  Call utility_reindex() after
 * world_place() or world_reindex().
 */
struct utility *utility_new(struct world *w, const struct utility_model *um);
void utility_free(struct utility *u);
void utility_reindex(struct utility *u);

/* An agent's utility with these neighbours, and its rank among the
 * utilities (equal utilities, equal ranks; exact, not floating). */
double utility_value(const struct utility *u, int like, int unlike);
int utility_level(const struct utility *u, int like, int unlike);
/* Mean utility over the agents as they stand (collective utility / N). */
double utility_mean(const struct utility *u);

/*
 * The cell the agent moves to under the dynamics, drawn from the stream
 * keyed by (seed, run, step, agent), or -1 to stay.  The grid is left as
 * it was.
 */
int utility_choose(struct utility *u, int agent, const struct step_key *key);
/* One sweep: every agent, in the step's random order, chooses and moves. */
void utility_step(struct utility *u, const struct step_key *key,
    struct step_counts *out);

#endif
