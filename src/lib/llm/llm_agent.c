/* The LLM agent: the cache, early requests and the server, in that order. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/msg.h"
#include "llm/llm_agent.h"
#include "model/rng.h"

void
llm_stats_add(struct llm_stats *total, const struct llm_stats *part)
{
	total->calls += part->calls;
	total->time_s += part->time_s;
	total->retries += part->retries;
	total->parse_failures += part->parse_failures;
	total->empty_replies += part->empty_replies;
	total->prefetch_wasted += part->prefetch_wasted;
	total->cache_hits += part->cache_hits;
	total->cache_misses += part->cache_misses;
	total->input_tokens += part->input_tokens;
	total->output_tokens += part->output_tokens;
	total->reasoning_tokens += part->reasoning_tokens;
	total->answers_from_reasoning += part->answers_from_reasoning;
	total->choices += part->choices;
	total->choice_failures += part->choice_failures;
}

static uint32_t
request_seed(const struct step_key *key, int id)
{
	return (uint32_t)(rng_key(key->seed, key->run_id, (uint64_t)key->step,
	    (uint64_t)id, RNG_REQUEST_SEED) & 0x7fffffff);
}

static int
is_cached(struct llm_agent *a, const char *prompt)
{
	enum llm_answer answer;
	char err[128];

	return a->cache != NULL && cache_get(a->cache, &a->cfg, prompt,
	    &answer, err, sizeof(err)) == 1;
}

/* Asks early for agent id at the step of key, unless asked or cached. */
static int
ask_early(struct llm_agent *a, const struct world *w, int id,
    const struct step_key *key)
{
	char context[CONTEXT_LEN + 1], *prompt;
	const char *asked = prefetch_context(a->pool, key->step, id);
	int rc;

	world_context(w, w->pos[id], context);
	if (asked != NULL && memcmp(asked, context, CONTEXT_LEN) == 0)
		return 0;
	if (asked != NULL) {
		prefetch_cancel(a->pool, key->step, id);
		a->step.prefetch_wasted++;
	}
	if ((prompt = scenario_prompt(&a->scenario, world_agent_type(w, id),
	    context)) == NULL)
		return -1;
	rc = is_cached(a, prompt) ? 0 : prefetch_start(a->pool, key->step, id,
	    context, prompt, request_seed(key, id));
	free(prompt);
	return rc;
}

/*
 * Keeps requests in flight for the next agents, about the grid as it
 * stands now: a request whose agent's neighbourhood has changed since it
 * was sent (an earlier mover) is sent again at once.  Near the end of a
 * step, the first agents of the next step are asked too.
 */
void
llm_agent_lookahead(void *agent, const struct world *w, const int *next,
    int count, const struct step_key *key)
{
	struct llm_agent *a = agent;
	struct step_key following = *key;
	int j;

	for (j = 0; j < count && j < a->concurrency; j++)
		if (ask_early(a, w, next[j], key) != 0)
			return;
	if (j == a->concurrency || a->next_order == NULL ||
	    key->step + 1 >= a->max_steps)
		return;
	following.step++;
	if (a->next_order_step != following.step) {
		world_order(w, &following, a->next_order);
		a->next_order_step = following.step;
	}
	for (int k = 0; j < a->concurrency && k < w->nagents; j++, k++)
		if (ask_early(a, w, a->next_order[k], &following) != 0)
			return;
}

static const char *
answer_name(enum llm_answer a)
{
	return a == LLM_MOVE ? "MOVE" : a == LLM_STAY ? "STAY" : NULL;
}

/* A decision-log line begun: which event, whose, when. */
static struct jw *
log_head(struct llm_agent *a, const char *event, const struct world *w,
    int id, const struct step_key *key)
{
	struct jw *j = &a->line;
	int type = world_agent_type(w, id);

	jw_object_begin(j);
	jw_kv_string(j, "event", event);
	jw_kv_int(j, "run_id", (long long)key->run_id);
	jw_kv_int(j, "step", key->step);
	jw_kv_int(j, "agent_id", id);
	jw_kv_string(j, "group", type == 0 ? "A" : "B");
	jw_kv_string(j, "label", type == 0 ? a->scenario.type_a :
	    a->scenario.type_b);
	return j;
}

static int
log_decision(struct llm_agent *a, const struct world *w, int id,
    const struct step_key *key, const char *context, uint32_t seed,
    const struct llm_reply *reply)
{
	struct jw *j = log_head(a, "decision", w, id, key);

	jw_kv_string(j, "context", context);
	jw_kv_int(j, "seed", seed);
	jw_kv_string(j, "reply", reply->text);
	jw_key(j, "answer");
	if (answer_name(reply->answer))
		jw_string(j, answer_name(reply->answer));
	else
		jw_null(j);
	jw_kv_bool(j, "parse_failed", reply->answer == LLM_UNPARSED);
	jw_kv_bool(j, "empty", reply->empty);
	jw_kv_int(j, "attempts", reply->attempts);
	jw_kv_double(j, "latency_s", reply->latency_s);
	if (reply->model[0] != '\0')
		jw_kv_string(j, "model", reply->model);
	if (reply->fingerprint[0] != '\0')
		jw_kv_string(j, "system_fingerprint", reply->fingerprint);
	jw_object_end(j);
	return jw_write_line(j, a->decision_log);
}

void
llm_agent_note_server(struct llm_agent *a, const struct llm_reply *r)
{
	if (r->model[0] != '\0' && strcmp(r->model, a->served_model) != 0) {
		if (a->served_model[0] != '\0') {
			a->server_changes++;
			msg(a->prog, "warning: the server's model changed "
			    "from %s to %s within the run", a->served_model,
			    r->model);
		}
		snprintf(a->served_model, sizeof(a->served_model), "%s",
		    r->model);
	}
	if (r->fingerprint[0] != '\0' &&
	    strcmp(r->fingerprint, a->fingerprint) != 0) {
		if (a->fingerprint[0] != '\0') {
			a->server_changes++;
			msg(a->prog, "warning: the server's "
			    "system_fingerprint changed from %s to %s within "
			    "the run: answers may differ from before",
			    a->fingerprint, r->fingerprint);
		}
		snprintf(a->fingerprint, sizeof(a->fingerprint), "%s",
		    r->fingerprint);
	}
}

static int
take_answer(struct llm_agent *a, const struct world *w, int id,
    const struct step_key *key, const char *context, uint32_t seed,
    const struct llm_reply *reply, int *move)
{
	*move = reply->answer == LLM_MOVE;
	llm_agent_note_server(a, reply);
	if (a->decision_log != NULL && log_decision(a, w, id, key, context,
	    seed, reply) != 0) {
		a->failure = LLM_GAVE_UP;
		snprintf(a->reason, sizeof(a->reason), "cannot write the "
		    "decision log");
		return -1;
	}
	return 0;
}

static int
fail(struct llm_agent *a, enum llm_result why, const char *reason)
{
	a->failure = why;
	if (reason != NULL)
		snprintf(a->reason, sizeof(a->reason), "%s", reason);
	return -1;
}

/* The answer from the cache, an early request, or a request now. */
static int
ask(struct llm_agent *a, int id, const struct step_key *key,
    const char *context, const char *prompt, uint32_t seed,
    struct llm_reply *reply)
{
	enum llm_answer cached;
	int slot, held = -1, hit = 0, need;
	long delay = -1;

	if (a->cache != NULL && (hit = cache_get(a->cache, &a->cfg, prompt,
	    &cached, a->reason, sizeof(a->reason))) < 0)
		return fail(a, LLM_GAVE_UP, NULL);
	if (hit) {
		memset(reply, 0, sizeof(*reply));
		reply->answer = cached;
		snprintf(reply->text, sizeof(reply->text), "%s",
		    cached == LLM_MOVE ? "MOVE" : "STAY");
		a->step.cache_hits++;
		return 0;
	}
	a->step.cache_misses += a->cache != NULL;
	need = a->pool == NULL || prefetch_take(a->pool, key->step, id, context,
	    reply, &a->step, &held, &delay) == LLM_UNPARSED;
	if (need && a->endpoints != NULL) {
		/* endpoints keep their own slots; a failing one is set aside */
		a->failure = endpoints_ask(a->endpoints, prompt, seed, reply,
		    &a->step, prefetch_poll, a->pool, a->reason,
		    sizeof(a->reason));
		if (a->failure != LLM_OK)
			return -1;
	} else if (need) {
		/* the slot is kept through the backoff: the server gets a rest */
		slot = held >= 0 ? held : a->slots ? slots_wait(a->slots,
		    prefetch_poll, a->pool) : -1;
		/* and the server's Retry-After is waited out first (said,
		 * and judged against --max-server-wait, by prefetch.c) */
		if (delay == LONG_MAX) {
			if (a->slots != NULL)
				slots_release(a->slots, slot);
			return fail(a, LLM_GAVE_UP, prefetch_beyond(a->pool));
		}
		if (delay > 0) {
			a->step.retries++;
			llm_sleep_ms(delay);
		}
		a->failure = llm_ask(a->client, prompt, seed, reply, &a->step,
		    a->reason, sizeof(a->reason));
		if (a->slots != NULL)
			slots_release(a->slots, slot);
		if (a->failure != LLM_OK)
			return -1;
	}
	if (a->cache != NULL && reply->answer != LLM_UNPARSED &&
	    cache_put(a->cache, &a->cfg, prompt, reply->answer, a->reason,
	    sizeof(a->reason)) != 0)
		return fail(a, LLM_GAVE_UP, NULL);
	return 0;
}

/* A decider: the agent's context goes into the scenario's prompt. */
int
llm_agent_decide(void *agent, const struct world *w, int id,
    const struct step_key *key, int *move)
{
	struct llm_agent *a = agent;
	uint32_t seed = request_seed(key, id);
	char context[CONTEXT_LEN + 1];
	struct llm_reply reply;
	char *prompt;
	int rc;

	world_context(w, w->pos[id], context);
	if ((prompt = scenario_prompt(&a->scenario, world_agent_type(w, id),
	    context)) == NULL)
		return fail(a, LLM_GAVE_UP, "out of memory");
	rc = ask(a, id, key, context, prompt, seed, &reply);
	free(prompt);
	if (rc != 0)
		return -1;
	return take_answer(a, w, id, key, context, seed, &reply, move);
}

/* The choice from the cache, or asked now (one request, not early), of
 * the one server or over the endpoints. */
static int
ask_choice(struct llm_agent *a, const char *prompt, uint32_t seed, int n,
    struct llm_reply *reply)
{
	int hit = 0, slot;

	memset(reply, 0, sizeof(*reply));
	if (a->cache != NULL && (hit = cache_get_choice(a->cache, &a->cfg,
	    prompt, n, &reply->choice, a->reason, sizeof(a->reason))) < 0)
		return fail(a, LLM_GAVE_UP, NULL);
	if (hit) {
		snprintf(reply->text, sizeof(reply->text), "%d", reply->choice);
		a->step.cache_hits++;
		return 0;
	}
	a->step.cache_misses += a->cache != NULL;
	if (a->endpoints != NULL) {
		/* where a decision would go: the freest usable endpoint */
		a->failure = endpoints_ask_choice(a->endpoints, prompt, seed, n,
		    reply, &a->step, prefetch_poll, a->pool, a->reason,
		    sizeof(a->reason));
	} else {
		slot = a->slots ? slots_wait(a->slots, prefetch_poll,
		    a->pool) : -1;
		a->failure = llm_ask_choice(a->client, prompt, seed, n, reply,
		    &a->step, a->reason, sizeof(a->reason));
		if (a->slots != NULL)
			slots_release(a->slots, slot);
	}
	if (a->failure != LLM_OK)
		return -1;
	if (a->cache != NULL && reply->choice > 0 && cache_put_choice(a->cache,
	    &a->cfg, prompt, reply->choice, a->reason, sizeof(a->reason)) != 0)
		return fail(a, LLM_GAVE_UP, NULL);
	return 0;
}

static int
log_choice(struct llm_agent *a, const struct world *w, int id,
    const struct step_key *key, char ctx[][CONTEXT_LEN + 1], int n,
    uint32_t seed, const struct llm_reply *reply, int pick)
{
	struct jw *j = log_head(a, "choice", w, id, key);

	jw_key(j, "options");
	jw_array_begin(j);
	for (int i = 0; i < n; i++)
		jw_string(j, ctx[i]);
	jw_array_end(j);
	jw_kv_int(j, "seed", seed);
	jw_kv_string(j, "reply", reply->text);
	jw_key(j, "choice");
	if (reply->choice > 0)
		jw_int(j, reply->choice);
	else
		jw_null(j);
	jw_kv_bool(j, "parse_failed", reply->choice == 0);
	jw_kv_int(j, "taken", pick + 1);
	jw_kv_int(j, "attempts", reply->attempts);
	jw_kv_double(j, "latency_s", reply->latency_s);
	if (reply->model[0] != '\0')
		jw_kv_string(j, "model", reply->model);
	jw_object_end(j);
	return jw_write_line(j, a->decision_log);
}

/*
 * A choosing mover (--destination choose): the n empty houses offered,
 * each as its neighbourhood would be, go into the scenario's choice
 * prompt; the number answered is taken.  A reply that is no number
 * (counted in choice_failures and parse_failures) takes the option the
 * choice's keyed seed names, so a run stays what its key makes it.
 */
int
llm_agent_destination(void *agent, const struct world *w, int id,
    const int *cells, int n, const struct step_key *key, int *pick)
{
	struct llm_agent *a = agent;
	char ctx[16][CONTEXT_LEN + 1];
	uint32_t seed = (uint32_t)(rng_key(key->seed, key->run_id,
	    (uint64_t)key->step, (uint64_t)id, RNG_CHOICE_SEED) & 0x7fffffff);
	struct llm_reply reply;
	char *prompt;
	int rc;

	for (int i = 0; i < n; i++)
		world_context_for(w, cells[i], id, ctx[i]);
	if ((prompt = scenario_choice_prompt(&a->scenario,
	    world_agent_type(w, id), ctx, n)) == NULL)
		return fail(a, LLM_GAVE_UP, "out of memory");
	rc = ask_choice(a, prompt, seed, n, &reply);
	free(prompt);
	if (rc != 0)
		return -1;
	a->step.choices++;
	a->step.choice_failures += reply.choice == 0;
	*pick = reply.choice > 0 ? reply.choice - 1 : (int)(seed % (uint32_t)n);
	llm_agent_note_server(a, &reply);
	if (a->decision_log != NULL && log_choice(a, w, id, key, ctx, n, seed,
	    &reply, *pick) != 0)
		return fail(a, LLM_GAVE_UP, "cannot write the decision log");
	return 0;
}
