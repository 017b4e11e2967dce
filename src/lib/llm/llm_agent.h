/* The LLM agent kind: asks a chat model MOVE or STAY for each decision. */
#ifndef SIM_LLM_LLM_AGENT_H
#define SIM_LLM_LLM_AGENT_H

#include <stdio.h>

#include "llm/cache.h"
#include "llm/endpoints.h"
#include "io/jsonw.h"
#include "llm/llm.h"
#include "llm/params.h"
#include "llm/prefetch.h"
#include "llm/scenario.h"
#include "model/world.h"

struct llm_agent {
	const char *prog;          /* messages start with it */
	struct llm_client *client;
	struct prefetch *pool;     /* NULL: one request at a time */
	int concurrency;
	int *next_order;           /* the next step's order, once known */
	int next_order_step;
	struct slots *slots;       /* NULL: no cap across processes */
	struct endpoints *endpoints;  /* NULL: one server (client, slots) */
	struct llm_cache *cache;   /* NULL: no decision cache */
	struct llm_config cfg;     /* what the cache key needs; no key */
	const struct llm_params *params;
	struct scenario scenario;
	FILE *decision_log;        /* NULL: no decision lines */
	struct jw line;
	struct llm_stats step;     /* since the step began */
	struct llm_stats run;      /* since the run began */
	enum llm_result failure;   /* why the last decision failed */
	char reason[512];
	int max_steps;             /* no early request past the last step */
	char served_model[128];    /* what the server says answered, last */
	char fingerprint[128];     /* its system_fingerprint, last */
	long server_changes;       /* times either changed within the run */
};

/* Notes the model and fingerprint a reply names; warns on a change. */
void llm_agent_note_server(struct llm_agent *a, const struct llm_reply *r);

int llm_agent_decide(void *agent, const struct world *w, int id,
    const struct step_key *key, int *move);
void llm_agent_lookahead(void *agent, const struct world *w, const int *next,
    int count, const struct step_key *key);
int llm_agent_destination(void *agent, const struct world *w, int id,
    const int *cells, int n, const struct step_key *key, int *pick);
void llm_stats_add(struct llm_stats *total, const struct llm_stats *part);

#endif
