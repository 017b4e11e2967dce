/* --check-llm: a decision prompt to each server (see check.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "io/msg.h"
#include "llm/check.h"
#include "llm/run.h"

/*
 * Whether the served model is the one asked for: the same name, a dated
 * snapshot of an alias (Anthropic: claude-sonnet-4-5 answered as
 * claude-sonnet-4-5-20250929), Ollama's :latest, Gemini's models/ prefix.
 */
static int
same_model(const char *asked, const char *served)
{
	size_t n;

	if (strncmp(asked, "models/", 7) == 0)
		asked += 7;
	if (strncmp(served, "models/", 7) == 0)
		served += 7;
	n = strlen(asked);
	if (*served == '\0' || strcmp(asked, served) == 0)
		return 1;
	return strncmp(asked, served, n) == 0 && (strcmp(served + n,
	    ":latest") == 0 || (served[n] == '-' && isdigit(
	    (unsigned char)served[n + 1])));
}

/* What the request may cost, in tokens (prices change; tokens do not). */
static void
say_cost(struct llm_client *client, const struct llm_reply *reply)
{
	long room;
	int cap = llm_client_max_tokens(client, &room);

	printf("Tokens: up to %d output tokens a decision", cap);
	if (room > 0)
		printf(" (%ld left for reasoning, %ld for the answer)", room,
		    (long)cap - room);
	if (reply->output_tokens > 0 || reply->input_tokens > 0)
		printf("; this check used %ld input, %ld output tokens",
		    reply->input_tokens, reply->output_tokens);
	if (reply->reasoning_tokens > 0)
		printf(", %ld of them reasoning", reply->reasoning_tokens);
	printf("\n");
}

/* Why a reply to a decision prompt is no answer, in the user's terms. */
static const char *
no_answer_hint(const struct llm_reply *reply)
{
	if (!reply->empty)
		return " (a chatty model? check the scenario's prompt and "
		    "--max-tokens)";
	return reply->reasoned ? " (the model spent its tokens thinking: give "
	    "--think off with the right --llm-server, or raise --max-tokens)" :
	    " (a thinking model cut off? give --think off with the right "
	    "--llm-server, or raise --max-tokens)";
}

/*
 * One server: a real decision prompt of the scenario must get MOVE or
 * STAY from the model asked for.  0, or 69 with the reason on stderr; `at`
 * names the endpoint in messages ("" for the one server).
 */
static int
check_client(struct llm_agent *a, const char *prog, struct llm_client *client,
    const char *at, struct llm_reply *reply, int *answered)
{
	const char *model = a->params->llm_model;
	char err[768], models[1024], *prompt;
	enum llm_result res;

	*answered = 0;
	memset(reply, 0, sizeof(*reply));
	if ((prompt = scenario_prompt(&a->scenario, 0, "S O E\nE X S\n# # #")) ==
	    NULL)
		return msg_oom(prog, NULL);
	res = llm_probe(client, prompt, reply, err, sizeof(err));
	free(prompt);
	if (res != LLM_OK) {
		msg(prog, "LLM check failed%s: %s", at, err);
		if (strstr(err, "HTTP 404") != NULL &&
		    llm_list_models(client, models, sizeof(models)) == 0)
			msg(prog, "the server has: %s", models);
		return EX_UNAVAILABLE;
	}
	*answered = 1;
	if (!same_model(model, reply->model) && !llm_served_as(client, model,
	    reply->model, models, sizeof(models)))
		return msg_fail(prog, EX_UNAVAILABLE, "LLM check failed%s: the "
		    "server answered with model %s, not %s, and its model list "
		    "(%s) does not name it so (llama-server and LM Studio serve "
		    "what they have loaded, whatever the name asked for); give "
		    "--llm-model %s or load %s", at, reply->model, model,
		    *models ? models : "none", reply->model, model);
	if (reply->answer == LLM_UNPARSED)
		return msg_fail(prog, EX_UNAVAILABLE, "LLM check failed%s: the "
		    "reply to a decision prompt is %s, not MOVE or STAY%s", at,
		    reply->empty ? "empty" : "unparseable",
		    no_answer_hint(reply));
	return 0;
}

/*
 * --destination choose: a choice prompt of the scenario (example houses)
 * must get the number of one of them.  0, or 69 with the reason; `at`
 * names the endpoint in messages ("" for the one server).
 */
static int
check_choice(struct llm_agent *a, const char *prog, struct llm_client *client,
    const char *at)
{
	static const char example[4][CONTEXT_LEN + 1] = { "S S E\nO X S\n# # #",
	    "O O E\nE X O\nS O O", "S E S\nS X E\nO E S", "E O S\nO X O\nE E O" };
	char ctx[9][CONTEXT_LEN + 1], err[768], *prompt;
	int k = a->params->destination_choices;
	struct llm_stats stats;
	struct llm_reply reply;
	enum llm_result res;

	for (int i = 0; i < k; i++)
		memcpy(ctx[i], example[i % 4], sizeof(ctx[i]));
	if ((prompt = scenario_choice_prompt(&a->scenario, 0, ctx, k)) == NULL)
		return msg_oom(prog, NULL);
	memset(&stats, 0, sizeof(stats));
	res = llm_ask_choice(client, prompt, 0, k, &reply, &stats, err,
	    sizeof(err));
	free(prompt);
	if (res != LLM_OK)
		return msg_fail(prog, EX_UNAVAILABLE, "LLM check failed%s: a "
		    "choice prompt: %s", at, err);
	if (reply.choice == 0)
		return msg_fail(prog, EX_UNAVAILABLE, "LLM check failed%s: the "
		    "reply to a choice prompt is %s, not a number from 1 to "
		    "%d%s", at, reply.empty ? "empty" : "unparseable", k,
		    no_answer_hint(&reply));
	printf("%sChoice response: '%s' (house %d of %d)\n", *at ? "  " : "",
	    reply.text, reply.choice, k);
	return 0;
}

/* --check-llm with --llm-endpoints: every endpoint, naming those failing. */
static int
check_endpoints(struct llm_agent *a, const char *prog)
{
	const struct endpoints *eps = a->endpoints;
	struct llm_reply reply;
	char at[1200];
	int bad = 0, rc, answered;

	printf("Checking %d LLM endpoints...\nModel: %s\nServer: %s\n",
	    eps->n, a->params->llm_model, llm_agent_server_label(a));
	for (int i = 0; i < eps->n; i++) {
		snprintf(at, sizeof(at), " for endpoint %d (%s)", i + 1,
		    eps->e[i].url);
		if ((rc = check_client(a, prog, eps->e[i].client, at, &reply,
		    &answered)) != 0) {
			if (rc != EX_UNAVAILABLE)
				return rc;
			bad++;
			continue;
		}
		printf("Endpoint %d: %s: successful (response time: %.3fs)\n",
		    i + 1, eps->e[i].url, reply.latency_s);
		if (a->params->destination == DESTINATION_CHOOSE &&
		    (rc = check_choice(a, prog, eps->e[i].client, at)) != 0) {
			if (rc != EX_UNAVAILABLE)
				return rc;
			bad++;
		}
	}
	if (bad > 0)
		return EX_UNAVAILABLE;
	printf("LLM connection successful\n");
	return 0;
}

int
llm_check(struct llm_agent *a, const char *prog)
{
	const struct llm_params *p = a->params;
	struct llm_reply reply;
	const char *found;
	int rc, answered;

	if (a->endpoints != NULL)
		return check_endpoints(a, prog);
	printf("Checking LLM connection...\nURL: %s\nModel: %s\n",
	    llm_params_url(p), p->llm_model);
	rc = check_client(a, prog, a->client, "", &reply, &answered);
	/* known once asked: before the first request, if it answered */
	printf("Server: %s", llm_server_label(llm_client_server(a->client,
	    &found)));
	if (*found != '\0')
		printf(" (asked: %s)", found);
	printf("\n");
	if (!answered)
		return rc;
	say_cost(a->client, &reply);
	printf("LLM connection successful (response time: %.3fs)\n"
	    "Test response: '%s'\n", reply.latency_s, reply.text);
	if (reply.model[0] != '\0')
		printf("Served model: %s\n", reply.model);
	if (reply.fingerprint[0] != '\0')
		printf("System fingerprint: %s\n", reply.fingerprint);
	if (rc == 0 && p->destination == DESTINATION_CHOOSE)
		rc = check_choice(a, prog, a->client, "");
	return rc;
}
