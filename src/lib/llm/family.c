/*
 * Model families (family.h): what each provider's reference says its
 * models take.  The sources, read for issue 21 (notes/providers.md):
 *
 * OpenAI: API reference, ReasoningEffort: "gpt-5.1 defaults to none,
 *   which does not perform reasoning. The supported reasoning values for
 *   gpt-5.1 are none, low, medium, and high." "All models before gpt-5.1
 *   default to medium reasoning effort, and do not support none." "The
 *   gpt-5-pro model defaults to (and only supports) high reasoning
 *   effort."  Guide "Using GPT-5.2" (developers.openai.com/api/docs/
 *   guides/latest-model): temperature, top_p and logprobs "are only
 *   supported when using GPT-5.2 with reasoning effort set to none";
 *   GPT-5.1 alike; older GPT-5 models refuse them.  Later models may
 *   default to another effort (GPT-5.6: medium), so "none" is always sent.
 *   Reasoning guide ("Allocating space for reasoning"): reserve at least
 *   25,000 tokens for reasoning and outputs.
 * Anthropic: Messages API (platform.claude.com/docs/en/api/messages):
 *   no seed, no log-probs, temperature 0 to 1; migrating to Claude 4
 *   ("Use only temperature OR top_p, not both"); extended thinking is off
 *   unless asked, budget_tokens >= 1024 and below max_tokens, and not
 *   with a temperature other than 1.  OpenAI layer (…/api/openai-sdk):
 *   logprobs, seed, response_format, reasoning_effort "Ignored".
 * Google: Gemini's OpenAI layer (ai.google.dev/gemini-api/docs/openai):
 *   "If you want to disable thinking, you can set reasoning_effort to
 *   "none" for 2.5 models. Reasoning cannot be turned off for Gemini 2.5
 *   Pro or 3 models."; efforts map to budgets low 1,024, medium 8,192;
 *   seed is "Unknown name" (400), log-probs are not enabled.
 * llama-server (tools/server/README.md): reasoning_effort "If none,
 *   reasoning/thinking is disabled"; vLLM's ChatCompletionRequest takes
 *   reasoning_effort "none" since 0.11 (older: low, medium, high; the
 *   client drops it on that 400, llm.c); Ollama's /v1 maps "none" to
 *   think false (ollama/ollama#14820).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/family.h"
#include "llm/params.h"
#include "param/spec.h"

#define OPENAI_REASONING_ROOM 25000L   /* OpenAI's reasoning guide */

static const char *
base_name(const char *model)
{
	const char *slash = strrchr(model, '/');

	return slash != NULL ? slash + 1 : model;
}

/* A model of no provider rule: every field as given, nothing thinks. */
static void
plain(struct llm_family *f, const char *name)
{
	*f = (struct llm_family){ .name = name, .ref = "",
	    .sampling = SAMPLING_YES, .top_p_with_temperature = 1,
	    .temperature_max = 2, .seed = 1, .logprobs = 1, .json_schema = 1,
	    .budget = { 0, -1, -1 } };
}

/* An OpenAI reasoning model that cannot stop reasoning. */
static void
openai_reasoner(struct llm_family *f, const char *name, const char *low,
    const char *on)
{
	plain(f, name);
	f->ref = "OpenAI API reference, ReasoningEffort";
	f->effort[FAMILY_LOW] = low;
	f->effort[FAMILY_ON] = on;
	f->cannot_off = 1;
	f->effort_field = low != NULL || on != NULL;
	f->sampling = SAMPLING_NO;
	f->logprobs = 0;
	f->budget[FAMILY_LOW] = f->budget[FAMILY_ON] = OPENAI_REASONING_ROOM;
}

/* gpt-5.N: N, or 0 for gpt-5 itself (gpt-5, gpt-5-mini, gpt-5-2025-08-07). */
static long
gpt5_minor(const char *m)
{
	return m[5] == '.' && isdigit((unsigned char)m[6]) ?
	    strtol(m + 6, NULL, 10) : 0;
}

static void
openai_family(const char *model, struct llm_family *f)
{
	const char *m = base_name(model);
	long minor;

	if (m[0] == 'o' && isdigit((unsigned char)m[1])) {
		openai_reasoner(f, "OpenAI o-series", "low", "medium");
		return;
	}
	if (strncmp(m, "gpt-5", 5) != 0 || isdigit((unsigned char)m[5])) {
		plain(f, "OpenAI chat model");
		return;
	}
	minor = gpt5_minor(m);
	if (strstr(m, "-chat") != NULL) {
		if (minor == 0)
			plain(f, "OpenAI gpt-5-chat-latest");
		else          /* medium only: nothing to choose */
			openai_reasoner(f, "OpenAI gpt-5.N-chat-latest", NULL,
			    NULL);
	} else if (strstr(m, "-pro") != NULL) {
		if (minor == 0)
			openai_reasoner(f, "OpenAI gpt-5-pro", NULL, NULL);
		else
			openai_reasoner(f, "OpenAI gpt-5.N-pro", "medium",
			    "medium");
	} else if (strstr(m, "-codex") != NULL) {
		openai_reasoner(f, "OpenAI codex", "low", "medium");
	} else if (minor == 0) {
		openai_reasoner(f, "OpenAI gpt-5", "minimal", "medium");
	} else {
		openai_reasoner(f, "OpenAI gpt-5.1 and later", "low",
		    "medium");
		f->ref = "OpenAI guide Using GPT-5.2; API reference, "
		    "ReasoningEffort";
		f->effort[FAMILY_OFF] = "none";
		f->cannot_off = 0;
		f->sampling = SAMPLING_AT_NONE;
		f->logprobs = 1;
		f->budget[FAMILY_OFF] = 0;
	}
}

static void
gemini_family(const char *model, struct llm_family *f)
{
	const char *m = base_name(model);
	int always = strncmp(m, "gemini-2.5-pro", 14) == 0 ||
	    strncmp(m, "gemini-3", 8) == 0;
	int switchable = strncmp(m, "gemini-2.5-flash", 16) == 0;

	plain(f, always ? "Gemini 2.5 Pro and 3" : "Gemini");
	f->ref = "ai.google.dev/gemini-api/docs/openai";
	f->seed = 0;
	f->logprobs = 0;
	f->effort_field = 1;
	f->effort[FAMILY_LOW] = "low";
	f->effort[FAMILY_ON] = "medium";
	f->budget[FAMILY_LOW] = 1024;
	f->budget[FAMILY_ON] = 8192;
	if (always)
		f->cannot_off = 1;
	else if (switchable)
		f->effort[FAMILY_OFF] = "none";
}

/* Claude's version from its ID: claude-sonnet-4-5[-date], claude-3-7-sonnet. */
static void
claude_version(const char *m, int *major, int *minor)
{
	const char *p = strncmp(m, "claude-", 7) == 0 ? m + 7 : m;

	*major = *minor = 0;
	if (!isdigit((unsigned char)*p))
		p = strchr(p, '-') != NULL ? strchr(p, '-') + 1 : p + strlen(p);
	if (!isdigit((unsigned char)*p))
		return;
	*major = *p - '0';
	if (p[1] == '-' && isdigit((unsigned char)p[2]) &&
	    !isdigit((unsigned char)p[3]))
		*minor = p[2] - '0';
}

static void
anthropic_family(const char *model, struct llm_family *f)
{
	const char *m = base_name(model);
	int major, minor;

	plain(f, "Claude");
	f->ref = "platform.claude.com/docs/en/api/messages";
	f->top_p_with_temperature = 0;
	f->temperature_max = 1;
	f->seed = 0;
	f->logprobs = 0;
	f->json_schema = 0;
	f->thinking_fixes_temperature = 1;
	/* Opus 4.7 and later: temperature, top_p and top_k removed (the
	 * migration guide's "Breaking changes") */
	claude_version(m, &major, &minor);
	if (strstr(m, "opus") != NULL && (major > 4 || (major == 4 &&
	    minor >= 7))) {
		f->name = "Claude Opus 4.7 and later";
		f->ref = "platform.claude.com/docs/en/about-claude/models/"
		    "migration-guide";
		f->sampling = SAMPLING_NO;
	}
	/* thinking is off unless asked: budget_tokens 1024 is the least */
	f->budget[FAMILY_LOW] = 1024;
	f->budget[FAMILY_ON] = 4096;
}

void
llm_family_of(int server, const char *model, struct llm_family *f)
{
	switch (server) {
	case LLM_SERVER_OPENAI:
		openai_family(model, f);
		break;
	case LLM_SERVER_GEMINI:
		gemini_family(model, f);
		break;
	case LLM_SERVER_ANTHROPIC:
		anthropic_family(model, f);
		break;
	case LLM_SERVER_VLLM:
	case LLM_SERVER_LLAMA:
		/* beside chat_template_kwargs.enable_thinking */
		plain(f, server == LLM_SERVER_VLLM ? "vLLM" : "llama-server");
		f->effort_field = 1;
		f->effort[FAMILY_OFF] = "none";
		break;
	case LLM_SERVER_OLLAMA:
		plain(f, "Ollama");
		f->effort_field = 1;
		f->effort[FAMILY_OFF] = "none";
		f->effort[FAMILY_LOW] = "low";
		f->effort[FAMILY_ON] = "medium";
		break;
	default:
		plain(f, "chat model");
		break;
	}
}

int
llm_family_think(int think)
{
	switch (think) {
	case THINK_OFF:
		return FAMILY_OFF;
	case THINK_LOW:
		return FAMILY_LOW;
	case THINK_ON:
		return FAMILY_ON;
	default:
		return -1;
	}
}

/* Whether the sampling fields may be sent at this --think. */
static int
sampling_ok(const struct llm_family *f, int think)
{
	if (f->sampling == SAMPLING_YES)
		return 1;
	return f->sampling == SAMPLING_AT_NONE && think == THINK_OFF;
}

int
llm_family_check(const struct llm_family *f, const char *model, int think,
    double temperature, double top_p, int logprobs, char *err,
    size_t errlen)
{
	int sampled = temperature != PARAM_WORD_VALUE;

	if (think == THINK_OFF && f->cannot_off) {
		snprintf(err, errlen, "%s cannot turn its thinking off (%s); "
		    "give --think low%s%s with --max-tokens auto, so that the "
		    "answer fits after the reasoning", model, f->ref,
		    f->effort[FAMILY_LOW] ? "" : " (its only effort)",
		    !sampling_ok(f, THINK_LOW) && sampled ?
		    " --temperature default" : "");
		return -1;
	}
	if (!sampling_ok(f, think) && (sampled || logprobs)) {
		snprintf(err, errlen, "%s takes no %s%s (%s); give %s", model,
		    logprobs && !sampled ? "log-probs" : "temperature or top_p",
		    f->sampling == SAMPLING_AT_NONE ? " unless it reasons at "
		    "effort none (--think off)" : "", f->ref, logprobs &&
		    !sampled ? "--method samples" : "--temperature default");
		return -1;
	}
	if (sampled && think != THINK_OFF && think != THINK_AUTO &&
	    f->thinking_fixes_temperature) {
		snprintf(err, errlen, "%s thinks only at temperature 1 (%s); "
		    "give --temperature default with --think %s", model, f->ref,
		    think_names[think]);
		return -1;
	}
	if (sampled && temperature > f->temperature_max) {
		snprintf(err, errlen, "%s takes a temperature from 0 to %g "
		    "(%s), not %g", model, f->temperature_max, f->ref,
		    temperature);
		return -1;
	}
	if (!f->top_p_with_temperature && sampled && top_p != 1 &&
	    top_p != PARAM_WORD_VALUE) {
		snprintf(err, errlen, "%s takes temperature or top_p, not both "
		    "(%s); give --top-p default or --temperature default",
		    model, f->ref);
		return -1;
	}
	if (logprobs && !f->logprobs) {
		snprintf(err, errlen, "%s gives no log-probs (%s); give "
		    "--method samples", model, f->ref);
		return -1;
	}
	return 0;
}
