/*
 * The LLM agent as a run sees it (agent/agent.h): its part of the start,
 * step and end lines (scenario, server, counts, provenance), the checks
 * that end a run whose replies were no answers, and its set-up: the
 * scenario, the client or clients, slots, the decision cache, several
 * endpoints.
 */
#ifndef SIM_LLM_RUN_H
#define SIM_LLM_RUN_H

#include <stddef.h>
#include <stdio.h>

#include "agent/agent.h"
#include "llm/llm_agent.h"
#include "llm/params.h"

/*
 * An LLM agent for runs of p with max_steps steps and nagents agents
 * (0: one request at a time, no early requests); decision_log: where
 * decision lines go (NULL: none).  0, or 78 (the scenario, a key, slots,
 * the cache or endpoints) or 71 with one line in err.  A corrupted cache
 * moved aside (--llm-cache-reset yes) is said in note ("" if not).
 * llm_agent_close() in every case.
 */
int llm_agent_open(struct llm_agent **out, const struct llm_params *p,
    int max_steps, int nagents, FILE *decision_log, char *err,
    size_t errlen, char *note, size_t notelen);
void llm_agent_close(struct llm_agent *a);

/* The hooks of agent a for the run loop. */
void llm_agent_hooks(struct llm_agent *a, struct agent *out);

/* The server kind: each endpoint's when they agree, else "mixed". */
const char *llm_agent_server_label(const struct llm_agent *a);

#endif
