/*
 * What each server kind is sent and how its replies are read: the kind a
 * URL names, model families (refusals before any request), request
 * bodies, replies of each API, log-probs of split words.
 */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "llm/body.h"
#include "llm/family.h"
#include "llm/llm.h"
#include "llm/params.h"
#include "llm/reply.h"
#include "param/spec.h"

static void
kinds_from_urls(void)
{
	CHECK(llm_server_guess(LLM_API_OPENAI,
	    "https://api.openai.com/v1/chat/completions") == LLM_SERVER_OPENAI,
	    "api.openai.com is OpenAI");
	CHECK(llm_server_guess(LLM_API_OPENAI,
	    "https://api.anthropic.com/v1/chat/completions") ==
	    LLM_SERVER_ANTHROPIC, "api.anthropic.com is Anthropic (its "
	    "OpenAI layer)");
	CHECK(llm_server_guess(LLM_API_ANTHROPIC,
	    "http://127.0.0.1:9/v1/messages") == LLM_SERVER_ANTHROPIC,
	    "the Messages API is Anthropic whatever the host");
	CHECK(llm_server_guess(LLM_API_OPENAI, "https://generativelanguage."
	    "googleapis.com/v1beta/openai/chat/completions") ==
	    LLM_SERVER_GEMINI, "Google's host is Gemini");
	CHECK(llm_server_guess(LLM_API_OPENAI,
	    "http://API.OpenAI.com:8080/v1/chat/completions") ==
	    LLM_SERVER_OPENAI, "host names are case-insensitive, a port kept");
	CHECK(llm_server_guess(LLM_API_OPENAI,
	    "http://api.openai.com.evil.example/v1/chat/completions") ==
	    LLM_SERVER_GENERIC, "a longer host is not OpenAI's");
	CHECK(llm_server_guess(LLM_API_OPENAI,
	    "http://127.0.0.1:8089/v1/chat/completions") == LLM_SERVER_GENERIC,
	    "a local port says nothing (the server is asked)");
	CHECK(!llm_server_named_by_url(LLM_API_OPENAI,
	    "http://127.0.0.1:8089/v1/chat/completions") &&
	    llm_server_named_by_url(LLM_API_OPENAI,
	    "http://localhost:11434/v1/chat/completions"),
	    "Ollama's port names it");
}

static int
refused(int server, const char *model, int think, double temperature,
    int logprobs, const char *want)
{
	struct llm_family f;
	char err[512] = "";

	llm_family_of(server, model, &f);
	if (llm_family_check(&f, model, think, temperature, 1.0, logprobs,
	    err, sizeof(err)) == 0)
		return want == NULL;
	if (want == NULL || strstr(err, want) == NULL)
		printf("# %s: %s\n", model, err);
	return want != NULL && strstr(err, want) != NULL;
}

static void
families(void)
{
	struct llm_family f;

	llm_family_of(LLM_SERVER_OPENAI, "gpt-5.1", &f);
	CHECK(strcmp(f.effort[FAMILY_OFF], "none") == 0 && !f.cannot_off,
	    "gpt-5.1: effort none turns reasoning off");
	CHECK(refused(LLM_SERVER_OPENAI, "gpt-5.1", THINK_OFF, 0.3, 1, NULL),
	    "gpt-5.1 at none takes temperature and log-probs");
	CHECK(refused(LLM_SERVER_OPENAI, "gpt-5.2-mini", THINK_LOW, 0.3, 0,
	    "unless it reasons at effort none"), "gpt-5.2 reasoning refuses "
	    "temperature");
	llm_family_of(LLM_SERVER_OPENAI, "gpt-5-mini", &f);
	CHECK(f.cannot_off && strcmp(f.effort[FAMILY_LOW], "minimal") == 0,
	    "gpt-5-mini: minimal is its least, it cannot stop");
	CHECK(refused(LLM_SERVER_OPENAI, "gpt-5", THINK_OFF, 0.3, 0,
	    "--think low --temperature default"), "gpt-5 with --think off: "
	    "one line with both fixes");
	llm_family_of(LLM_SERVER_OPENAI, "o4-mini", &f);
	CHECK(f.cannot_off && strcmp(f.effort[FAMILY_LOW], "low") == 0 &&
	    f.budget[FAMILY_LOW] == 25000, "o-series: low, room 25,000");
	llm_family_of(LLM_SERVER_OPENAI, "gpt-5-pro", &f);
	CHECK(f.cannot_off && f.effort[FAMILY_LOW] == NULL &&
	    f.effort[FAMILY_ON] == NULL, "gpt-5-pro: one effort, none sent");
	llm_family_of(LLM_SERVER_OPENAI, "gpt-5.1-chat-latest", &f);
	CHECK(f.cannot_off && f.effort[FAMILY_ON] == NULL,
	    "gpt-5.1-chat-latest: medium only, none sent");
	llm_family_of(LLM_SERVER_OPENAI, "gpt-5-chat-latest", &f);
	CHECK(!f.cannot_off && !f.effort_field, "gpt-5-chat-latest is no "
	    "reasoning model: the field is never sent");
	llm_family_of(LLM_SERVER_OPENAI, "gpt-4o-mini", &f);
	CHECK(!f.effort_field && f.sampling == SAMPLING_YES,
	    "gpt-4o: nothing about reasoning");
	CHECK(refused(LLM_SERVER_ANTHROPIC, "claude-sonnet-4-5", THINK_OFF,
	    0.3, 0, NULL), "Claude: temperature alone is fine");
	{
		struct llm_family a;
		char err[256];

		llm_family_of(LLM_SERVER_ANTHROPIC, "claude-sonnet-4-5", &a);
		CHECK(llm_family_check(&a, "claude-sonnet-4-5", THINK_OFF, 0.3,
		    0.9, 0, err, sizeof(err)) != 0 && strstr(err,
		    "not both") != NULL, "Claude: temperature with top_p 0.9 "
		    "refused (a top_p of 1 is left out)");
	}
	CHECK(refused(LLM_SERVER_ANTHROPIC, "claude-sonnet-4-5", THINK_OFF,
	    1.5, 0, "from 0 to 1"), "Claude: temperature above 1 refused");
	CHECK(refused(LLM_SERVER_ANTHROPIC, "claude-opus-4-7", THINK_OFF,
	    0.3, 0, "--temperature default"), "Opus 4.7: no temperature");
	CHECK(refused(LLM_SERVER_ANTHROPIC, "claude-sonnet-4-5", THINK_LOW,
	    0.3, 0, "thinks only at temperature 1"), "Claude thinking: no "
	    "temperature");
	CHECK(refused(LLM_SERVER_ANTHROPIC, "claude-sonnet-4-5", THINK_OFF,
	    PARAM_WORD_VALUE, 1, "--method samples"), "Claude: no log-probs");
	llm_family_of(LLM_SERVER_GEMINI, "models/gemini-2.5-flash", &f);
	CHECK(strcmp(f.effort[FAMILY_OFF], "none") == 0 && !f.seed,
	    "Gemini flash: none turns thinking off; no seed");
	CHECK(refused(LLM_SERVER_GEMINI, "gemini-2.5-pro", THINK_OFF, 0.3, 0,
	    "cannot turn its thinking off"), "Gemini 2.5 pro cannot stop");
	CHECK(refused(LLM_SERVER_GEMINI, "gemini-3-flash", THINK_OFF, 0.3, 0,
	    "cannot turn its thinking off"), "Gemini 3 cannot stop");
	CHECK(refused(LLM_SERVER_GEMINI, "gemini-2.5-pro", THINK_LOW, 0.3, 0,
	    NULL), "Gemini pro at --think low takes temperature");
}

/* The body of one request of cfg, parsed; NULL when refused. */
static json_t *
body_of(struct llm_config *cfg, struct llm_shape *sh)
{
	struct jw w;
	size_t len;
	char err[256];
	const char *text;
	json_t *root;

	if (llm_shape_init(sh, cfg, err, sizeof(err)) != 0) {
		printf("# refused: %s\n", err);
		return NULL;
	}
	jw_init(&w);
	text = llm_body(&w, cfg, sh, "S O E\nE X S\n# # #", 7, 1, &len);
	root = text ? json_loadb(text, len, 0, NULL) : NULL;
	jw_free(&w);
	return root;
}

static struct llm_config
config(int api, int server, const char *model)
{
	return (struct llm_config){ .url = "http://x/v1/chat/completions",
	    .model = model, .api = api, .server = server, .think = THINK_OFF,
	    .temperature = 0.3, .top_p = 1.0, .max_tokens = 8,
	    .cache_prompt = OOA_AUTO };
}

static int
has(json_t *root, const char *key)
{
	return json_object_get(root, key) != NULL;
}

static const char *
str(json_t *root, const char *key)
{
	const char *v = json_string_value(json_object_get(root, key));

	return v ? v : "";
}

static void
bodies(void)
{
	struct llm_config c;
	struct llm_shape sh;
	json_t *b;

	c = config(LLM_API_OPENAI, LLM_SERVER_OPENAI, "gpt-5.1");
	b = body_of(&c, &sh);
	CHECK(b && strcmp(str(b, "reasoning_effort"), "none") == 0 &&
	    has(b, "temperature") && has(b, "top_p") && has(b, "seed") &&
	    has(b, "max_completion_tokens") && !has(b, "max_tokens"),
	    "gpt-5.1: effort none, sampling, max_completion_tokens");
	json_decref(b);
	c = config(LLM_API_ANTHROPIC, LLM_SERVER_ANTHROPIC,
	    "claude-sonnet-4-5");
	b = body_of(&c, &sh);
	CHECK(b && json_integer_value(json_object_get(b, "max_tokens")) == 8 &&
	    has(b, "temperature") && !has(b, "top_p") && !has(b, "seed") &&
	    !has(b, "stream") && !has(b, "thinking") &&
	    json_array_size(json_object_get(b, "messages")) == 1,
	    "Messages API: max_tokens, temperature alone, no seed");
	json_decref(b);
	c.think = THINK_LOW;
	c.temperature = PARAM_WORD_VALUE;
	c.max_tokens = PARAM_INT_WORD;
	b = body_of(&c, &sh);
	CHECK(b && json_integer_value(json_object_get(json_object_get(b,
	    "thinking"), "budget_tokens")) == 1024 &&
	    json_integer_value(json_object_get(b, "max_tokens")) == 1032 &&
	    !has(b, "temperature"), "Claude --think low --max-tokens auto: "
	    "budget 1024, max_tokens 1032");
	json_decref(b);
	c.max_tokens = 8;
	CHECK(body_of(&c, &sh) == NULL, "Claude thinking with max_tokens 8 "
	    "is refused before any request");
	c = config(LLM_API_OPENAI, LLM_SERVER_ANTHROPIC, "claude-sonnet-4-5");
	c.logprobs = 0;
	c.constrain = CONSTRAIN_AUTO;
	b = body_of(&c, &sh);
	CHECK(b && !has(b, "seed") && !has(b, "response_format") &&
	    !has(b, "reasoning_effort") && has(b, "max_tokens"),
	    "Anthropic's OpenAI layer: nothing it ignores is sent");
	json_decref(b);
	c = config(LLM_API_OPENAI, LLM_SERVER_GEMINI, "gemini-2.5-flash");
	c.constrain = CONSTRAIN_AUTO;
	b = body_of(&c, &sh);
	CHECK(b && strcmp(str(b, "reasoning_effort"), "none") == 0 &&
	    !has(b, "seed") && has(b, "response_format") &&
	    json_integer_value(json_object_get(b, "max_tokens")) == 64,
	    "Gemini flash: none, no seed, a JSON answer gets 64 tokens");
	json_decref(b);
	c = config(LLM_API_OPENAI, LLM_SERVER_GEMINI, "gemini-2.5-pro");
	c.think = THINK_LOW;
	c.max_tokens = PARAM_INT_WORD;
	b = body_of(&c, &sh);
	CHECK(b && strcmp(str(b, "reasoning_effort"), "low") == 0 &&
	    json_integer_value(json_object_get(b, "max_tokens")) == 1032 &&
	    sh.reasoning_room == 1024, "Gemini pro --think low --max-tokens "
	    "auto: 1,024 for reasoning, 8 for the answer");
	json_decref(b);
	c = config(LLM_API_OPENAI, LLM_SERVER_LLAMA, "m");
	b = body_of(&c, &sh);
	CHECK(b && strcmp(str(b, "reasoning_effort"), "none") == 0 &&
	    json_is_false(json_object_get(json_object_get(b,
	    "chat_template_kwargs"), "enable_thinking")) &&
	    json_is_false(json_object_get(b, "cache_prompt")),
	    "llama-server: reasoning_effort none beside enable_thinking, "
	    "cache_prompt false");
	json_decref(b);
	sh.dropped = FIELD_REASONING_EFFORT;
	{
		struct jw w;
		size_t len;
		const char *t;

		jw_init(&w);
		t = llm_body(&w, &c, &sh, "p", 1, 1, &len);
		CHECK(t && strstr(t, "reasoning_effort") == NULL &&
		    strstr(t, "enable_thinking") != NULL, "a dropped field "
		    "stays out, the other switch stays in");
		jw_free(&w);
	}
	c = config(LLM_API_OPENAI, LLM_SERVER_GENERIC, "m");
	c.think = THINK_ON;
	b = body_of(&c, &sh);
	CHECK(b && json_object_size(b) == 7, "a generic server: model, "
	    "messages, stream, temperature, top_p, max_tokens, seed only");
	json_decref(b);
	c = config(LLM_API_OPENAI, LLM_SERVER_LMSTUDIO, "m");
	c.constrain = CONSTRAIN_AUTO;
	c.max_tokens = 100;
	b = body_of(&c, &sh);
	CHECK(b && json_integer_value(json_object_get(b, "max_tokens")) ==
	    100, "a cap above the JSON room is kept");
	json_decref(b);
}

static int
read_reply(int api, int server, int json, const char *body,
    struct llm_reply *r)
{
	struct reply_form f = { api, server, json };
	char err[256];

	memset(r, 0, sizeof(*r));
	return llm_reply_read(&f, body, strlen(body), r, err, sizeof(err));
}

static void
replies(void)
{
	struct llm_reply r;

	CHECK(read_reply(LLM_API_ANTHROPIC, LLM_SERVER_ANTHROPIC, 0,
	    "{\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[{\"type\":"
	    "\"thinking\",\"thinking\":\"hm\"},{\"type\":\"text\",\"text\":"
	    "\"MOVE\"}],\"stop_reason\":\"end_turn\",\"usage\":{"
	    "\"input_tokens\":50,\"output_tokens\":12}}", &r) == 0 &&
	    strcmp(r.text, "MOVE") == 0 && r.reasoned && r.input_tokens == 50 &&
	    r.output_tokens == 12, "Messages API: text blocks, thinking, usage");
	CHECK(read_reply(LLM_API_ANTHROPIC, LLM_SERVER_ANTHROPIC, 0,
	    "{\"content\":[],\"stop_reason\":\"refusal\"}", &r) == 0 &&
	    !r.empty && llm_parse_answer(r.text) == LLM_UNPARSED,
	    "a refusal is no answer, and not an empty reply");
	CHECK(read_reply(LLM_API_ANTHROPIC, LLM_SERVER_ANTHROPIC, 0,
	    "{\"content\":[{\"type\":\"thinking\",\"thinking\":\"x\"}],"
	    "\"stop_reason\":\"max_tokens\"}", &r) == 0 && r.empty && r.cut,
	    "cut off while thinking: empty");
	CHECK(read_reply(LLM_API_OPENAI, LLM_SERVER_LLAMA, 0,
	    "{\"choices\":[{\"message\":{\"content\":\"STAY<\xef\xbd\x9c"
	    "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>\"}}]}", &r) ==
	    0 && strcmp(r.text, "STAY") == 0, "DeepSeek-R1's end token is "
	    "taken off");
	CHECK(read_reply(LLM_API_OPENAI, LLM_SERVER_LLAMA, 0,
	    "{\"choices\":[{\"message\":{\"content\":\"MOVE<|im_end|>\\n\"}}]}",
	    &r) == 0 && strcmp(r.text, "MOVE") == 0, "<|im_end|> too");
	CHECK(read_reply(LLM_API_OPENAI, LLM_SERVER_OPENAI, 0,
	    "{\"choices\":[{\"message\":{\"content\":\"\"},\"finish_reason\":"
	    "\"length\"}],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":"
	    "8,\"completion_tokens_details\":{\"reasoning_tokens\":8}}}", &r) ==
	    0 && r.empty && r.cut && r.reasoning_tokens == 8,
	    "OpenAI: hidden reasoning counted, the reply empty");
	CHECK(read_reply(LLM_API_OPENAI, LLM_SERVER_LMSTUDIO, 1,
	    "{\"choices\":[{\"message\":{\"content\":\"\",\"reasoning_content\":"
	    "\"{\\\"answer\\\": \\\"STAY\\\"}\"}}]}", &r) == 0 &&
	    strcmp(r.text, "STAY") == 0 && r.from_reasoning,
	    "LM Studio: the answer object in reasoning_content is taken");
	CHECK(read_reply(LLM_API_OPENAI, LLM_SERVER_LMSTUDIO, 1,
	    "{\"choices\":[{\"message\":{\"content\":\"\",\"reasoning_content\":"
	    "\"I would say MOVE\"}}]}", &r) == 0 && r.empty &&
	    !r.from_reasoning, "LM Studio: other reasoning stays no answer");
	CHECK(read_reply(LLM_API_OPENAI, LLM_SERVER_OPENAI, 1,
	    "{\"choices\":[{\"message\":{\"content\":\"\",\"reasoning_content\":"
	    "\"{\\\"answer\\\": \\\"STAY\\\"}\"}}]}", &r) == 0 && r.empty,
	    "only LM Studio's bug is worked around");
}

static void
logprobs(void)
{
	double mass[2];
	char first[256];
	/* a vocabulary that splits STAY as ST+A+Y and MOVE as MO+VE */
	const char *split = "{\"choices\":[{\"logprobs\":{\"content\":[{"
	    "\"token\":\"ST\",\"top_logprobs\":[{\"token\":\"ST\",\"logprob\":"
	    "-0.2231},{\"token\":\"MO\",\"logprob\":-1.6094},{\"token\":\" x\","
	    "\"logprob\":-3}]}]}}]}";
	/* the old reading: STAY split, MOVE whole: P(MOVE) 1 */
	const char *half = "{\"choices\":[{\"logprobs\":{\"content\":[{"
	    "\"token\":\"MOVE\",\"top_logprobs\":[{\"token\":\"MOVE\","
	    "\"logprob\":-1.2040},{\"token\":\"ST\",\"logprob\":-0.3567}]}]}}]}";
	const char *chat = "{\"choices\":[{\"logprobs\":{\"content\":[{"
	    "\"token\":\"I\",\"top_logprobs\":[{\"token\":\"MOVE\",\"logprob\":"
	    "-5}]}]}}]}";

	CHECK(llm_reply_logprobs(split, strlen(split), 0, mass, first,
	    sizeof(first)) == 1 && fabs(mass[LLM_STAY] - 0.8) < 1e-3 &&
	    fabs(mass[LLM_MOVE] - 0.2) < 1e-3, "split words count by their "
	    "first token: 0.2 / 0.8");
	CHECK(llm_reply_logprobs(half, strlen(half), 0, mass, first,
	    sizeof(first)) == 1 && fabs(mass[LLM_MOVE] /
	    (mass[LLM_MOVE] + mass[LLM_STAY]) - 0.3) < 1e-3, "MOVE whole, STAY "
	    "split: P(MOVE) 0.3, not 1");
	CHECK(llm_reply_logprobs(chat, strlen(chat), 0, mass, first,
	    sizeof(first)) == 0 && strstr(first, "'I'") != NULL, "a first "
	    "token that starts neither answer carries nothing");
	{
		/* llama-server under a grammar: the log-probs before it */
		const char *pre = "{\"choices\":[{\"logprobs\":{\"content\":[{"
		    "\"token\":\"ST\",\"top_logprobs\":[{\"token\":\" x\","
		    "\"logprob\":-4.9},{\"token\":\" y\",\"logprob\":-5.2}]}]}}]}";
		const char *low = "{\"choices\":[{\"logprobs\":{\"content\":[{"
		    "\"token\":\"ST\",\"top_logprobs\":[{\"token\":\"ST\","
		    "\"logprob\":-3},{\"token\":\" y\",\"logprob\":-4}]}]}}]}";
		const char *sure = "{\"choices\":[{\"logprobs\":{\"content\":[{"
		    "\"token\":\"STAY\",\"top_logprobs\":[{\"token\":\"STAY\","
		    "\"logprob\":-0.001},{\"token\":\" y\",\"logprob\":-9}]}]}}]}";

		CHECK(llm_reply_logprobs(pre, strlen(pre), 0, mass, first,
		    sizeof(first)) == 0 && strstr(first, "before its grammar"),
		    "neither answer listed: nothing read");
		CHECK(llm_reply_logprobs(low, strlen(low), 0, mass, first,
		    sizeof(first)) == 0 && strstr(first, "MOVE is not among"),
		    "one answer listed, the other not bounded: nothing read");
		CHECK(llm_reply_logprobs(sure, strlen(sure), 0, mass, first,
		    sizeof(first)) == 1 && mass[LLM_MOVE] == 0,
		    "STAY far above the least listed: P(MOVE) about 0");
	}
}

/* Retry-After is never shortened: a long one is judged, not capped. */
static void
retry_after(void)
{
	time_t now = 1798761600;  /* Fri, 01 Jan 2027 00:00:00 GMT */

	CHECK(llm_parse_retry_after("86400", 0, now) == 86400000L,
	    "a day is a day");
	CHECK(llm_parse_retry_after("9223372036854775807", 0, now) ==
	    LONG_MAX, "2^63-1 seconds: longer than any wait");
	CHECK(llm_parse_retry_after("99999999999999999999999999", 0, now) ==
	    LONG_MAX, "digits beyond 2^63 too");
	CHECK(llm_parse_retry_after("Fri, 01 Jan 2500 00:00:00 GMT", 0,
	    now) > 86400000L * 365 * 400, "a date centuries ahead");
	CHECK(llm_parse_retry_after("1e3", 0, now) == -1 &&
	    llm_parse_retry_after("inf", 0, now) == -1,
	    "not delay-seconds (RFC 9110: digits only)");
	CHECK(llm_parse_retry_after("2.5", 1, now) == 2,
	    "retry-after-ms with a fraction");
}

int
main(void)
{
	kinds_from_urls();
	families();
	bodies();
	replies();
	logprobs();
	retry_after();
	return check_done();
}
