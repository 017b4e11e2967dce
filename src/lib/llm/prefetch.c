/*
 * Early requests on curl's multi interface.  A request holds a server
 * slot (--llm-slots) from the moment it is sent until the server has
 * answered: one abandoned (a stale context, the end of a run) is left to
 * finish, never cut off while the server still works on it, and one
 * answered 429 or 503 keeps its slot for the retry, which waits out the
 * server's delay first; no new early request goes out meanwhile.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "llm/prefetch.h"

/* STALE: unwanted, but left to finish so the server slot stays counted */
enum slot_state { SLOT_IDLE, SLOT_BUSY, SLOT_DONE, SLOT_STALE };

struct slot {
	struct llm_client *client;
	enum slot_state state;
	int step, agent;
	char context[CONTEXT_LEN + 1];
	int curl_code;
	int server_slot;          /* held in `limit` while in flight, or -1 */
};

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct prefetch {
	CURLM *multi;
	struct slot *slots;
	int n;
	struct slots *limit;      /* NULL: no cap across processes */
	long not_before;          /* ms (CLOCK_MONOTONIC): the server's delay */
};

struct prefetch *
prefetch_new(const struct llm_config *cfg, int k, struct slots *limit,
    char *err, size_t errlen)
{
	struct prefetch *p = calloc(1, sizeof(*p));

	if (p == NULL || (p->slots = calloc((size_t)k, sizeof(*p->slots))) ==
	    NULL || (p->multi = curl_multi_init()) == NULL) {
		snprintf(err, errlen, "out of memory for %d requests in flight", k);
		prefetch_free(p);
		return NULL;
	}
	p->limit = limit;
	for (p->n = 0; p->n < k; p->n++)
		if ((p->slots[p->n].client = llm_client_new(cfg, err,
		    errlen)) == NULL) {
			prefetch_free(p);
			return NULL;
		}
	return p;
}

void
prefetch_free(struct prefetch *p)
{
	if (p == NULL)
		return;
	if (p->slots != NULL) {
		prefetch_reset(p);
		for (int i = 0; i < p->n; i++)
			llm_client_free(p->slots[i].client);
	}
	if (p->multi != NULL)
		curl_multi_cleanup(p->multi);
	free(p->slots);
	free(p);
}

/* The transfer is over or abandoned: the server slot is free again. */
static void
finish_transfer(struct prefetch *p, struct slot *s)
{
	curl_multi_remove_handle(p->multi, llm_handle(s->client));
	if (p->limit != NULL)
		slots_release(p->limit, s->server_slot);
	s->server_slot = -1;
}

static int
in_flight(const struct prefetch *p)
{
	for (int i = 0; i < p->n; i++)
		if (p->slots[i].state == SLOT_BUSY ||
		    p->slots[i].state == SLOT_STALE)
			return 1;
	return 0;
}

/*
 * Lets every transfer finish (each is bounded by --request-timeout):
 * cutting one off would free its slot while the server still works on
 * it, and another process would then exceed the cap.
 */
void
prefetch_reset(struct prefetch *p)
{
	for (int i = 0; i < p->n; i++)
		if (p->slots[i].state == SLOT_BUSY)
			p->slots[i].state = SLOT_STALE;
	prefetch_poll(p);
	while (in_flight(p)) {
		curl_multi_poll(p->multi, NULL, 0, 1000, NULL);
		prefetch_poll(p);
	}
	for (int i = 0; i < p->n; i++) {
		if (p->limit != NULL)
			slots_release(p->limit, p->slots[i].server_slot);
		p->slots[i].server_slot = -1;
		p->slots[i].state = SLOT_IDLE;
	}
}

static struct slot *
find(const struct prefetch *p, int step, int agent)
{
	for (int i = 0; i < p->n; i++)
		if ((p->slots[i].state == SLOT_BUSY ||
		    p->slots[i].state == SLOT_DONE) &&
		    p->slots[i].step == step && p->slots[i].agent == agent)
			return &p->slots[i];
	return NULL;
}

const char *
prefetch_context(const struct prefetch *p, int step, int agent)
{
	struct slot *s = find(p, step, agent);

	return s != NULL ? s->context : NULL;
}

void
prefetch_cancel(struct prefetch *p, int step, int agent)
{
	struct slot *s = find(p, step, agent);

	if (s == NULL)
		return;
	if (s->state == SLOT_BUSY && p->limit != NULL) {
		s->state = SLOT_STALE;
		return;
	}
	if (s->state == SLOT_BUSY) {
		finish_transfer(p, s);
	} else if (p->limit != NULL) {
		slots_release(p->limit, s->server_slot);
		s->server_slot = -1;
	}
	s->state = SLOT_IDLE;
}

/*
 * A transfer is over.  A 429 or 503 for a wanted answer keeps its server
 * slot for the retry, and no early request goes out before the server's
 * delay has passed.
 */
static void
finish(struct prefetch *p, struct slot *s, int curl_code)
{
	long status = 0, delay;
	int slot = s->server_slot, wanted = s->state == SLOT_BUSY;

	curl_easy_getinfo(llm_handle(s->client), CURLINFO_RESPONSE_CODE,
	    &status);
	s->curl_code = curl_code;
	s->state = wanted ? SLOT_DONE : SLOT_IDLE;
	if (status == 429 || status == 503) {
		delay = llm_header_delay_ms(s->client);
		if (delay > 0 && now_ms() + delay > p->not_before)
			p->not_before = now_ms() + delay;
		if (wanted)
			s->server_slot = -1;   /* kept: handed on by take */
	}
	finish_transfer(p, s);
	if (wanted && (status == 429 || status == 503))
		s->server_slot = slot;
}

/* Moves transfers along without waiting, and marks the finished ones. */
void
prefetch_poll(void *pool)
{
	struct prefetch *p = pool;
	CURLMsg *msg;
	int running, left;

	if (p == NULL)
		return;
	curl_multi_perform(p->multi, &running);
	while ((msg = curl_multi_info_read(p->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		for (int i = 0; i < p->n; i++) {
			struct slot *s = &p->slots[i];

			if ((s->state == SLOT_BUSY || s->state == SLOT_STALE) &&
			    llm_handle(s->client) == msg->easy_handle) {
				finish(p, s, msg->data.result);
				break;
			}
		}
	}
}

int
prefetch_start(struct prefetch *p, int step, int agent, const char *context,
    const char *prompt, uint32_t seed)
{
	struct slot *s = NULL;

	if (p->not_before > 0 && now_ms() < p->not_before)
		return -1;
	for (int i = 0; i < p->n && s == NULL; i++)
		if (p->slots[i].state == SLOT_IDLE &&
		    p->slots[i].server_slot < 0)
			s = &p->slots[i];
	if (s == NULL || llm_start(s->client, prompt, seed) != 0)
		return -1;
	s->server_slot = -1;
	if (p->limit != NULL && (s->server_slot = slots_try(p->limit)) < 0)
		return -1;
	if (curl_multi_add_handle(p->multi, llm_handle(s->client)) != CURLM_OK) {
		if (p->limit != NULL)
			slots_release(p->limit, s->server_slot);
		return -1;
	}
	s->state = SLOT_BUSY;
	s->step = step;
	s->agent = agent;
	memcpy(s->context, context, sizeof(s->context));
	prefetch_poll(p);
	return 0;
}

enum llm_answer
prefetch_take(struct prefetch *p, int step, int agent, const char *context,
    struct llm_reply *reply, struct llm_stats *stats, int *held,
    long *delay_ms)
{
	struct slot *s = find(p, step, agent);
	enum llm_answer answer;
	int same;

	*held = -1;
	*delay_ms = p->not_before > 0 ? p->not_before - now_ms() : -1;
	if (s == NULL)
		return LLM_UNPARSED;
	prefetch_poll(p);
	while (s->state == SLOT_BUSY) {
		curl_multi_poll(p->multi, NULL, 0, 1000, NULL);
		prefetch_poll(p);
	}
	same = memcmp(s->context, context, CONTEXT_LEN) == 0;
	answer = llm_finish(s->client, s->curl_code, reply, NULL);
	s->state = SLOT_IDLE;
	*held = s->server_slot;
	s->server_slot = -1;
	*delay_ms = p->not_before > 0 ? p->not_before - now_ms() : -1;
	if (answer != LLM_UNPARSED && *held >= 0 && p->limit != NULL) {
		slots_release(p->limit, *held);
		*held = -1;
	}
	if (!same || answer == LLM_UNPARSED) {
		stats->prefetch_wasted++;
		return LLM_UNPARSED;
	}
	/* counted as the one call a sequential run makes for this decision */
	stats->calls++;
	stats->time_s += reply->latency_s;
	return answer;
}
