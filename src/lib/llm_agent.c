#include <stdlib.h>
#include <string.h>

#include "llm_agent.h"
#include "rng.h"

void
llm_stats_add(struct llm_stats *total, const struct llm_stats *part)
{
	total->calls += part->calls;
	total->time_s += part->time_s;
	total->retries += part->retries;
	total->parse_failures += part->parse_failures;
}

static const char *
answer_name(enum llm_answer a)
{
	return a == LLM_MOVE ? "MOVE" : a == LLM_STAY ? "STAY" : NULL;
}

static int
log_decision(struct llm_agent *a, const struct world *w, int id,
    const struct step_key *key, const char *context, uint32_t seed,
    const struct llm_reply *reply)
{
	struct jw *j = &a->line;
	int type = world_agent_type(w, id);

	jw_object_begin(j);
	jw_kv_string(j, "event", "decision");
	jw_kv_int(j, "run_id", (long long)key->run_id);
	jw_kv_int(j, "step", key->step);
	jw_kv_int(j, "agent_id", id);
	jw_kv_string(j, "group", type == 0 ? "A" : "B");
	jw_kv_string(j, "label", type == 0 ? a->scenario->type_a :
	    a->scenario->type_b);
	jw_kv_string(j, "context", context);
	jw_kv_int(j, "seed", seed);
	jw_kv_string(j, "reply", reply->text);
	jw_key(j, "answer");
	if (answer_name(reply->answer))
		jw_string(j, answer_name(reply->answer));
	else
		jw_null(j);
	jw_kv_bool(j, "parse_failed", reply->answer == LLM_UNPARSED);
	jw_kv_int(j, "attempts", reply->attempts);
	jw_kv_double(j, "latency_s", reply->latency_s);
	jw_object_end(j);
	return jw_write_line(j, a->decision_log);
}

/* A decider: the agent's context goes into the scenario's prompt. */
int
llm_agent_decide(void *agent, const struct world *w, int id,
    const struct step_key *key, int *move)
{
	struct llm_agent *a = agent;
	uint32_t seed = (uint32_t)(rng_key(key->seed, key->run_id,
	    (uint64_t)key->step, (uint64_t)id, RNG_REQUEST_SEED) & 0x7fffffff);
	char context[CONTEXT_LEN + 1];
	struct llm_reply reply;
	char *prompt;

	world_context(w, w->pos[id], context);
	if ((prompt = scenario_prompt(a->scenario, world_agent_type(w, id),
	    context)) == NULL) {
		a->failure = LLM_GAVE_UP;
		snprintf(a->reason, sizeof(a->reason), "out of memory");
		return -1;
	}
	a->failure = llm_ask(a->client, prompt, seed, &reply, &a->step,
	    a->reason, sizeof(a->reason));
	free(prompt);
	if (a->failure != LLM_OK)
		return -1;
	*move = reply.answer == LLM_MOVE;
	if (a->decision_log != NULL && log_decision(a, w, id, key, context,
	    seed, &reply) != 0) {
		a->failure = LLM_GAVE_UP;
		snprintf(a->reason, sizeof(a->reason), "cannot write the "
		    "decision log");
		return -1;
	}
	return 0;
}
