/*
 * Request bodies (body.h).  Each server kind is sent only what its
 * reference documents:
 *
 * - OpenAI chat completions (platform.openai.com/docs/api-reference/chat):
 *   max_completion_tokens for reasoning models, reasoning_effort by family
 *   (family.c), response_format json_schema.
 * - Anthropic Messages API (platform.claude.com/docs/en/api/messages):
 *   model, max_tokens (required), messages of role user, temperature or
 *   top_p, thinking {"type":"enabled","budget_tokens":N}; no seed, no
 *   response_format.  Its OpenAI layer (…/api/openai-sdk) takes the
 *   OpenAI body with the same sampling rules and thinking; logprobs,
 *   seed, response_format and reasoning_effort are "Ignored", so not sent.
 * - Gemini's OpenAI layer (ai.google.dev/gemini-api/docs/openai):
 *   reasoning_effort, response_format, max_tokens; no seed (400 "Unknown
 *   name").
 * - vLLM and llama-server: chat_template_kwargs.enable_thinking (Qwen3's
 *   template) beside reasoning_effort "none" (llama.cpp tools/server
 *   README; vLLM's ChatCompletionRequest); constraints by structured_outputs
 *   (vLLM) or a GBNF grammar (llama-server); llama-server's cache_prompt.
 * - Ollama: think (native /api/chat) or reasoning_effort (/v1); format.
 * - LM Studio: response_format; generic servers: the common fields only.
 */
#include <stdio.h>
#include <string.h>

#include "llm/body.h"
#include "llm/params.h"
#include "param/spec.h"

#define ANSWER_ROOM 8             /* MOVE or STAY, with room to spare */
/* {"answer": "MOVE"} is 7 tokens tight; a real llama-server spread it
 * over up to 19 with the whitespace its JSON grammar allows */
#define JSON_ANSWER_ROOM 64
#define UNKNOWN_REASONING_ROOM 4096L

static const char *const field_names[FIELD_COUNT] = { "reasoning_effort",
	"chat_template_kwargs", "think", "thinking" };

const char *
llm_field_name(unsigned field)
{
	for (int i = 0; i < FIELD_COUNT; i++)
		if (field == 1u << i)
			return field_names[i];
	return "?";
}

/* Whether the answer is asked as {"answer": ...} (a JSON schema). */
static int
json_answer(const struct llm_config *cfg, const struct llm_family *fam)
{
	if (cfg->constrain != CONSTRAIN_AUTO)
		return 0;
	switch (cfg->server) {
	case LLM_SERVER_OLLAMA:
	case LLM_SERVER_OPENAI:
	case LLM_SERVER_LMSTUDIO:
	case LLM_SERVER_GEMINI:
		return fam->json_schema;
	default:
		return 0;
	}
}

/* Reasoning tokens to leave room for under --max-tokens auto. */
static long
reasoning_room(const struct llm_shape *sh)
{
	long r = sh->level >= 0 ? sh->fam.budget[sh->level] :
	    sh->fam.budget[FAMILY_ON];

	return r >= 0 ? r : UNKNOWN_REASONING_ROOM;
}

/* Anthropic's thinking budget: budget_tokens of the level asked. */
static long
thinking_budget(const struct llm_shape *sh)
{
	return sh->level == FAMILY_LOW || sh->level == FAMILY_ON ?
	    sh->fam.budget[sh->level] : 0;
}

int
llm_shape_init(struct llm_shape *sh, const struct llm_config *cfg,
    char *err, size_t errlen)
{
	int answer;

	memset(sh, 0, sizeof(*sh));
	llm_family_of(cfg->server, cfg->model, &sh->fam);
	sh->level = llm_family_think(cfg->think);
	if (llm_family_check(&sh->fam, cfg->model, cfg->think,
	    cfg->temperature, cfg->top_p, cfg->logprobs, err, errlen) != 0)
		return -1;
	sh->json_answer = json_answer(cfg, &sh->fam);
	answer = sh->json_answer ? JSON_ANSWER_ROOM : ANSWER_ROOM;
	if (cfg->max_tokens == PARAM_INT_WORD) {
		sh->reasoning_room = reasoning_room(sh);
		sh->max_tokens = (int)sh->reasoning_room + answer;
	} else {
		sh->max_tokens = cfg->max_tokens < answer && sh->json_answer ?
		    answer : cfg->max_tokens;
	}
	if (cfg->server == LLM_SERVER_ANTHROPIC && thinking_budget(sh) > 0 &&
	    sh->max_tokens <= thinking_budget(sh)) {
		snprintf(err, errlen, "Claude's thinking takes budget_tokens "
		    "%ld, and max_tokens must be above it (%s); give "
		    "--max-tokens auto", thinking_budget(sh), sh->fam.ref);
		return -1;
	}
	sh->mct = cfg->max_tokens_field == MTF_MAX_COMPLETION_TOKENS ||
	    (cfg->max_tokens_field == MTF_AUTO &&
	    cfg->server == LLM_SERVER_OPENAI);
	return 0;
}

/* The answer as a JSON object with one enum field (strict schemas want
 * an object at the top). */
/* The answers allowed: MOVE and STAY, or the numbers 1..choices. */
static void
answer_words(struct jw *w, int choices)
{
	char n[12];

	jw_array_begin(w);
	if (choices == 0) {
		jw_string(w, "MOVE");
		jw_string(w, "STAY");
	}
	for (int i = 1; i <= choices; i++) {
		snprintf(n, sizeof(n), "%d", i);
		jw_string(w, n);
	}
	jw_array_end(w);
}

static void
answer_schema(struct jw *w, int choices)
{
	jw_object_begin(w);
	jw_kv_string(w, "type", "object");
	jw_key(w, "properties");
	jw_object_begin(w);
	jw_key(w, "answer");
	jw_object_begin(w);
	jw_kv_string(w, "type", "string");
	jw_key(w, "enum");
	answer_words(w, choices);
	jw_object_end(w);
	jw_object_end(w);
	jw_key(w, "required");
	jw_array_begin(w);
	jw_string(w, "answer");
	jw_array_end(w);
	jw_kv_bool(w, "additionalProperties", 0);
	jw_object_end(w);
}

/* OpenAI's response_format with a JSON schema. */
static void
response_format(struct jw *w, int choices)
{
	jw_key(w, "response_format");
	jw_object_begin(w);
	jw_kv_string(w, "type", "json_schema");
	jw_key(w, "json_schema");
	jw_object_begin(w);
	jw_kv_string(w, "name", "decision");
	jw_kv_bool(w, "strict", 1);
	jw_key(w, "schema");
	answer_schema(w, choices);
	jw_object_end(w);
	jw_object_end(w);
}

/* A field the client adds, unless the server refused it. */
static int
adding(struct llm_shape *sh, unsigned field)
{
	if (sh->dropped & field)
		return 0;
	sh->sent |= field;
	return 1;
}

/*
 * Thinking in each server's words (--think auto: nothing).  The effort
 * of the family (family.c) goes as reasoning_effort; vLLM and
 * llama-server also get chat_template_kwargs.enable_thinking, Ollama's
 * native API its think, Anthropic (both APIs) a thinking object when
 * asked to think.
 */
static void
think_fields(const struct llm_config *cfg, struct llm_shape *sh,
    struct jw *w)
{
	const char *effort;
	int on = sh->level == FAMILY_LOW || sh->level == FAMILY_ON;

	if (sh->level < 0)
		return;
	effort = sh->fam.effort[sh->level];
	if (cfg->server == LLM_SERVER_ANTHROPIC) {
		if (on && adding(sh, FIELD_THINKING)) {
			jw_key(w, "thinking");
			jw_object_begin(w);
			jw_kv_string(w, "type", "enabled");
			jw_kv_int(w, "budget_tokens", thinking_budget(sh));
			jw_object_end(w);
		}
		return;
	}
	if (cfg->server == LLM_SERVER_OLLAMA && cfg->api == LLM_API_OLLAMA) {
		if (adding(sh, FIELD_THINK))
			jw_kv_bool(w, "think", on);
		return;
	}
	if ((cfg->server == LLM_SERVER_VLLM || cfg->server ==
	    LLM_SERVER_LLAMA) && adding(sh, FIELD_TEMPLATE_KWARGS)) {
		jw_key(w, "chat_template_kwargs");
		jw_object_begin(w);
		jw_kv_bool(w, "enable_thinking", on);
		jw_object_end(w);
	}
	if (sh->fam.effort_field && effort != NULL &&
	    adding(sh, FIELD_REASONING_EFFORT))
		jw_kv_string(w, "reasoning_effort", effort);
}

/* The answer constrained to MOVE or STAY (or to the numbers of the
 * choices offered) where the server can: a GBNF grammar (llama-server's
 * grammars/README.md), vLLM's structured_outputs choice, a JSON schema. */
static void
constrain_fields(const struct llm_config *cfg, const struct llm_shape *sh,
    struct jw *w)
{
	if (cfg->constrain != CONSTRAIN_AUTO)
		return;
	if (cfg->server == LLM_SERVER_LLAMA && sh->choices > 0) {
		char g[32];

		snprintf(g, sizeof(g), "root ::= [1-%d]", sh->choices);
		jw_kv_string(w, "grammar", g);
	} else if (cfg->server == LLM_SERVER_LLAMA) {
		jw_kv_string(w, "grammar", "root ::= \"MOVE\" | \"STAY\"");
	} else if (cfg->server == LLM_SERVER_VLLM) {
		jw_key(w, "structured_outputs");
		jw_object_begin(w);
		jw_key(w, "choice");
		answer_words(w, sh->choices);
		jw_object_end(w);
	} else if (sh->json_answer && cfg->api == LLM_API_OLLAMA) {
		jw_key(w, "format");
		answer_schema(w, sh->choices);
	} else if (sh->json_answer) {
		response_format(w, sh->choices);
	}
}

/*
 * temperature and top_p, where the family takes them: top_p beside
 * temperature only where both may be given (a top_p of 1 is the default
 * of every server and is then left out), alone where temperature is not
 * sent and the family takes one of the two.
 */
static void
sampling_fields(const struct llm_config *cfg, const struct llm_shape *sh,
    struct jw *w)
{
	int temp = cfg->temperature != PARAM_WORD_VALUE;
	int top_p = cfg->top_p != PARAM_WORD_VALUE;

	if (temp)
		jw_kv_double(w, "temperature", cfg->temperature);
	if (top_p && (temp ? sh->fam.top_p_with_temperature :
	    !sh->fam.top_p_with_temperature && cfg->top_p != 1))
		jw_kv_double(w, "top_p", cfg->top_p);
}

static void
user_message(struct jw *w, const char *prompt)
{
	jw_key(w, "messages");
	jw_array_begin(w);
	jw_object_begin(w);
	jw_kv_string(w, "role", "user");
	jw_kv_string(w, "content", prompt);
	jw_object_end(w);
	jw_array_end(w);
}

/* Anthropic's Messages API: one user message; no seed, no stream flag
 * needed (false unless asked). */
static void
messages_body(struct jw *w, const struct llm_config *cfg,
    struct llm_shape *sh, const char *prompt)
{
	jw_kv_string(w, "model", cfg->model);
	jw_kv_int(w, "max_tokens", sh->max_tokens);
	user_message(w, prompt);
	sampling_fields(cfg, sh, w);
	think_fields(cfg, sh, w);
}

static void
chat_body(struct jw *w, const struct llm_config *cfg, struct llm_shape *sh,
    const char *prompt, uint32_t seed, int seeded)
{
	int ollama = cfg->api == LLM_API_OLLAMA;

	jw_kv_string(w, "model", cfg->model);
	user_message(w, prompt);
	jw_kv_bool(w, "stream", 0);
	if (ollama) {
		jw_key(w, "options");
		jw_object_begin(w);
	}
	sampling_fields(cfg, sh, w);
	jw_kv_int(w, ollama ? "num_predict" : sh->mct ?
	    "max_completion_tokens" : "max_tokens", sh->max_tokens);
	if (seeded && sh->fam.seed)
		jw_kv_int(w, "seed", seed);
	if (ollama)
		jw_object_end(w);
	think_fields(cfg, sh, w);
	constrain_fields(cfg, sh, w);
	/* the prompt cache makes a slot's answer depend on what it held
	 * before (logits differ in the last bits with the batch size): auto
	 * turns it off so that a seed repeats its words */
	if (cfg->server == LLM_SERVER_LLAMA)
		jw_kv_bool(w, "cache_prompt", cfg->cache_prompt == OOA_ON);
	if (cfg->logprobs) {
		jw_kv_bool(w, "logprobs", 1);
		jw_kv_int(w, "top_logprobs", 20);
	}
}

const char *
llm_body(struct jw *w, const struct llm_config *cfg, struct llm_shape *sh,
    const char *prompt, uint32_t seed, int seeded, size_t *len)
{
	jw_reset(w);
	sh->sent = 0;
	jw_object_begin(w);
	if (cfg->api == LLM_API_ANTHROPIC)
		messages_body(w, cfg, sh, prompt);
	else
		chat_body(w, cfg, sh, prompt, seed, seeded);
	jw_object_end(w);
	return jw_text(w, len);
}
