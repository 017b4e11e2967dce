/*
 * Requests in flight for the agents whose turn comes next (curl's multi
 * interface, one thread), each about the neighbourhood as it stood when
 * asked.
 */
#ifndef SIM_LLM_PREFETCH_H
#define SIM_LLM_PREFETCH_H

#include "llm/endpoints.h"
#include "llm/llm.h"
#include "llm/scenario.h"
#include "llm/slots.h"

struct prefetch;

/* k clients of their own, each on its own connection; each request
 * holds one of the slots, if given, while in flight. */
struct prefetch *prefetch_new(const struct llm_config *cfg, int k,
    struct slots *slots, char *err, size_t errlen);
/* The same over several endpoints: each request goes to the one with the
 * most free slots (endpoints_pick), holding that slot while in flight. */
struct prefetch *prefetch_new_endpoints(struct endpoints *eps, int k,
    char *err, size_t errlen);
void prefetch_free(struct prefetch *p);

/* Lets whatever is in flight finish, unwanted (a run ends or starts),
 * and frees every slot. */
void prefetch_reset(struct prefetch *p);

/* Moves transfers along without waiting (p may be NULL). */
void prefetch_poll(void *p);

/* The context a request for (step, agent) asked about, or NULL if none. */
const char *prefetch_context(const struct prefetch *p, int step, int agent);

/* Drops the request for (step, agent): its context has changed.  With
 * a slot cap it runs on, unwanted, until the server has answered. */
void prefetch_cancel(struct prefetch *p, int step, int agent);

/* Asks on an idle client; 0, or -1 when no client or slot is free. */
int prefetch_start(struct prefetch *p, int step, int agent,
    const char *context, const char *prompt, uint32_t seed);

/*
 * Waits for the request of (step, agent) and frees its client.  Returns
 * its answer when the context is still the one asked about and the reply
 * was MOVE or STAY (the call then counts in stats); otherwise LLM_UNPARSED,
 * counted in stats->prefetch_wasted.  Then *held is the server slot the
 * request kept because the server said 429 or 503 (-1: none), for the
 * caller's retry, and *delay_ms how long the server asked all requests
 * to wait from now (<= 0: none).
 */
enum llm_answer prefetch_take(struct prefetch *p, int step, int agent,
    const char *context, struct llm_reply *reply, struct llm_stats *stats,
    int *held, long *delay_ms);

#endif
