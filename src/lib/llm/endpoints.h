/*
 * Several LLM servers for one experiment (--llm-endpoints FILE): every
 * request goes to the usable endpoint with the most free slots; an
 * endpoint that refuses connections or fails (5xx, timeouts) is set aside
 * with a doubling backoff and tried again when that has passed.  Request
 * seeds do not depend on the endpoint, so deterministic servers give the
 * same answers whichever one answered.
 */
#ifndef SIM_LLM_ENDPOINTS_H
#define SIM_LLM_ENDPOINTS_H

#include <stddef.h>
#include <stdint.h>

#include "llm/llm.h"
#include "llm/slots.h"

struct endpoint {
	char url[1024];
	int nslots;               /* cap across processes; 0: none */
	struct slots *slots;      /* NULL without a cap */
	struct llm_client *client;
	struct llm_config cfg;    /* url is this url, api_key is key */
	char *key;                /* this endpoint's key (or a copy of cfg's) */
	int in_flight;            /* this process's requests there now */
	long calls;               /* HTTP responses since endpoints_count_reset */
	int failures;             /* in a row */
	double aside_until;       /* monotonic seconds; usable after that */
};

struct endpoints {
	int n;
	struct endpoint *e;
	long base_ms, max_ms;     /* backoff of an endpoint set aside */
	long budget_ms;           /* all set aside longer than this: give up */
	int next;                 /* where the search for the freest starts */
	char last_error[512];
};

/*
 * Reads FILE: one endpoint a line, "URL [SLOTS] [KEY-FILE]" ('#' starts a
 * comment); SLOTS is a number or "-" for none; a key file's first line is
 * that endpoint's key (else cfg's key).  Each endpoint gets a client of
 * cfg's settings with its URL and key, and no retries of its own.
 */
struct endpoints *endpoints_open(const char *file, const struct llm_config *cfg,
    char *err, size_t errlen);
void endpoints_close(struct endpoints *eps);

/* The URLs (for a start line) and the calls since the last reset. */
void endpoints_count_reset(struct endpoints *eps);

/* Seconds on a clock that never goes back. */
double endpoints_now(void);

/*
 * Chooses the usable endpoint with the most free slots and takes one of
 * them; *slot is the slot (or -1 without a cap).  Returns its index, or
 * -1 when every endpoint is set aside or full right now.
 */
int endpoints_pick(struct endpoints *eps, int *slot);
void endpoints_put(struct endpoints *eps, int i, int slot);
/* An answer or a failure from endpoint i. */
void endpoints_ok(struct endpoints *eps, int i);
void endpoints_failed(struct endpoints *eps, int i, const char *why);

/*
 * llm_ask over the endpoints: a transient failure sets the endpoint aside
 * and the request goes to another; LLM_GAVE_UP only when every endpoint
 * has been set aside for longer than the budget; LLM_REFUSED at once
 * (400, 401, 403, 404 are the request's fault, not the server's).
 * idle(arg) runs while waiting.
 */
enum llm_result endpoints_ask(struct endpoints *eps, const char *prompt,
    uint32_t seed, struct llm_reply *reply, struct llm_stats *stats,
    void (*idle)(void *), void *arg, char *err, size_t errlen);
/* The same for a choice among `choices` options (llm_ask_choice): a
 * choosing mover's request goes where a decision's would, and its seed
 * does not depend on the endpoint either. */
enum llm_result endpoints_ask_choice(struct endpoints *eps, const char *prompt,
    uint32_t seed, int choices, struct llm_reply *reply,
    struct llm_stats *stats, void (*idle)(void *), void *arg, char *err,
    size_t errlen);

#endif
