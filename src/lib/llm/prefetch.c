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
	struct llm_client **clients;  /* one per endpoint, or NULL */
	int endpoint;                 /* whose client is in flight */
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
	struct endpoints *eps;    /* NULL: one server */
};

/* A pool of k slots without clients yet, or NULL with err. */
static struct prefetch *
prefetch_alloc(int k, char *err, size_t errlen)
{
	struct prefetch *p = calloc(1, sizeof(*p));

	if (p == NULL || (p->slots = calloc((size_t)k, sizeof(*p->slots))) ==
	    NULL || (p->multi = curl_multi_init()) == NULL) {
		snprintf(err, errlen, "out of memory for %d requests in flight", k);
		prefetch_free(p);
		return NULL;
	}
	return p;
}

struct prefetch *
prefetch_new(const struct llm_config *cfg, int k, struct slots *limit,
    char *err, size_t errlen)
{
	struct prefetch *p = prefetch_alloc(k, err, errlen);

	if (p == NULL)
		return NULL;
	p->limit = limit;
	for (p->n = 0; p->n < k; p->n++)
		if ((p->slots[p->n].client = llm_client_new(cfg, err,
		    errlen)) == NULL) {
			prefetch_free(p);
			return NULL;
		}
	return p;
}

struct prefetch *
prefetch_new_endpoints(struct endpoints *eps, int k, char *err, size_t errlen)
{
	struct prefetch *p = prefetch_alloc(k, err, errlen);

	if (p == NULL)
		return NULL;
	p->eps = eps;
	for (p->n = 0; p->n < k; p->n++) {
		struct slot *s = &p->slots[p->n];

		if ((s->clients = calloc((size_t)eps->n,
		    sizeof(*s->clients))) == NULL) {
			snprintf(err, errlen, "out of memory for %d requests "
			    "in flight", k);
			prefetch_free(p);
			return NULL;
		}
		for (int j = 0; j < eps->n; j++)
			if ((s->clients[j] = llm_client_new(&eps->e[j].cfg, err,
			    errlen)) == NULL) {
				p->n++;
				prefetch_free(p);
				return NULL;
			}
		s->client = s->clients[0];
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
		for (int i = 0; i < p->n; i++) {
			if (p->slots[i].clients == NULL) {
				llm_client_free(p->slots[i].client);
				continue;
			}
			for (int j = 0; j < p->eps->n; j++)
				llm_client_free(p->slots[i].clients[j]);
			free(p->slots[i].clients);
		}
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
	if (p->eps != NULL)
		endpoints_put(p->eps, s->endpoint, s->server_slot);
	else if (p->limit != NULL)
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
	if (s->state == SLOT_BUSY && (p->limit != NULL || p->eps != NULL)) {
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

/* Several endpoints: one that refused or failed is set aside. */
static void
judge_endpoint(struct prefetch *p, struct slot *s, CURL *h)
{
	long http = 0;
	char why[64];

	if (s->curl_code != CURLE_OK) {
		endpoints_failed(p->eps, s->endpoint,
		    curl_easy_strerror((CURLcode)s->curl_code));
		return;
	}
	if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http) == CURLE_OK &&
	    (http >= 500 || http == 429)) {
		snprintf(why, sizeof(why), "HTTP %ld", http);
		endpoints_failed(p->eps, s->endpoint, why);
	}
}

/*
 * A transfer is over.  One server: a 429 or 503 for a wanted answer keeps
 * its server slot for the retry, and no early request goes out before the
 * server's delay has passed.  Several endpoints: a failing one is set
 * aside and its slot freed; the retry goes to the others.
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
	if (p->eps != NULL) {
		judge_endpoint(p, s, llm_handle(s->client));
		finish_transfer(p, s);
		return;
	}
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

/* Several endpoints: the one with the most free slots takes it. */
static int
start_on_endpoint(struct prefetch *p, struct slot *s, const char *prompt,
    uint32_t seed)
{
	int j = endpoints_pick(p->eps, &s->server_slot);

	if (j < 0)
		return -1;
	s->endpoint = j;
	s->client = s->clients[j];
	if (llm_start(s->client, prompt, seed) != 0 ||
	    curl_multi_add_handle(p->multi, llm_handle(s->client)) != CURLM_OK) {
		endpoints_put(p->eps, j, s->server_slot);
		return -1;
	}
	return 0;
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
	if (s == NULL)
		return -1;
	if (p->eps != NULL) {
		if (start_on_endpoint(p, s, prompt, seed) != 0)
			return -1;
	} else {
		if (llm_start(s->client, prompt, seed) != 0)
			return -1;
		s->server_slot = -1;
		if (p->limit != NULL && (s->server_slot = slots_try(p->limit)) < 0)
			return -1;
		if (curl_multi_add_handle(p->multi, llm_handle(s->client)) !=
		    CURLM_OK) {
			if (p->limit != NULL)
				slots_release(p->limit, s->server_slot);
			return -1;
		}
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
	if (p->eps != NULL) {
		p->eps->e[s->endpoint].calls++;
		endpoints_ok(p->eps, s->endpoint);
	}
	stats->time_s += reply->latency_s;
	return answer;
}
