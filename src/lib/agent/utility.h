/*
 * Utility agents as a run sees them (agent/agent.h): each sweep is the
 * utility dynamics of model/utility.h (best response or logit), which
 * choose where an agent goes; the step (with --metrics every) and end
 * lines carry the mean utility (not the start line: simagg reads its
 * keys as the run's settings).
 */
#ifndef SIM_AGENT_UTILITY_H
#define SIM_AGENT_UTILITY_H

#include <stddef.h>

#include "agent/agent.h"
#include "model/utility.h"

struct utility_agent {
	struct utility *u;
	int step_metrics;       /* step lines carry the mean utility */
};

/*
 * The utility agents of world w (its model set) under the run parameters
 * p.  0, 64 (a utility model that cannot hold) or 71 (out of memory) with
 * one line in err.  utility_agent_close() in every case.
 */
int utility_agent_open(struct utility_agent *a, struct world *w,
    const struct model_params *p, char *err, size_t errlen);
void utility_agent_close(struct utility_agent *a);
void utility_agent_hooks(struct utility_agent *a, struct agent *out);

#endif
