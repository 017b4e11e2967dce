/*
 * The LLM's parameter table: every parameter of the LLM agent, its flag,
 * config key, type, range and default, and the server kinds (params.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "llm/params.h"
#include "param/number.h"

#define FIELD(name) PARAM_FIELD(struct llm_params, name)
#define TEXT(name) PARAM_TEXT(struct llm_params, name)

const char *const llm_api_names[] = { "openai", "ollama", "anthropic", NULL };
const char *const llm_server_names[] = { "auto", "generic", "ollama", "vllm",
	"llama-server", "openai", "lmstudio", "anthropic", "gemini", NULL };
const char *const think_names[] = { "off", "on", "auto", "low", NULL };
const char *const max_tokens_field_names[] = { "auto", "max_tokens",
	"max_completion_tokens", NULL };
const char *const on_off_auto_names[] = { "auto", "on", "off", NULL };
const char *const constrain_names[] = { "off", "auto", NULL };
const char *const destination_names[] = { "random", "choose", NULL };
static const char *const no_yes_names[] = { "no", "yes", NULL };

static int messages_url(const char *url);

static int
url_ok(const char *text)
{
	return strncmp(text, "http://", 7) == 0 ||
	    strncmp(text, "https://", 8) == 0;
}

static int
slots_ok(const char *text)
{
	long v;

	return strcmp(text, "auto") == 0 ||
	    parse_long_range(text, 1, 4096, &v) == 0;
}

static const char *
shown_url(const void *table)
{
	return llm_params_url(table);
}

/* The agent_block ones are written by the LLM agent's part of a start
 * line (llm/run.c), the shape ones in their order there. */
const struct param_spec llm_param_specs[] = {
	{ .key = "scenario", .flag = "scenario", .type = PARAM_STRING,
	    TEXT(scenario), .expect = "a scenario name such as baseline",
	    .agent_block = 1 },
	{ .key = "scenario_file", .flag = "scenario-file",
	    .type = PARAM_STRING, TEXT(scenario_file),
	    .expect = "a file name" },
	{ .key = "llm_url", .flag = "llm-url", .type = PARAM_STRING,
	    TEXT(llm_url), .expect = "an http:// or https:// URL",
	    .valid = url_ok, .shown = shown_url, .shape = 10,
	    .agent_block = 1 },
	{ .key = "llm_model", .flag = "llm-model", .type = PARAM_STRING,
	    TEXT(llm_model), .expect = "a model name such as llama3.1:8b",
	    .shape = 9, .agent_block = 1 },
	{ .key = "llm_api", .flag = "llm-api", .type = PARAM_ENUM,
	    .offset = FIELD(llm_api), .names = llm_api_names,
	    .expect = "openai, ollama or anthropic", .shape = 11,
	    .agent_block = 1 },
	{ .key = "temperature", .flag = "temperature", .type = PARAM_DOUBLE,
	    .offset = FIELD(temperature), .hi = 2,
	    .expect = "a number from 0 to 2, or default", .word = "default",
	    .shape = 12, .agent_block = 1 },
	{ .key = "max_tokens", .flag = "max-tokens", .type = PARAM_INT,
	    .offset = FIELD(max_tokens), .lo = 1, .hi = 65536,
	    .expect = "a whole number from 1 to 65536, or auto",
	    .word = "auto", .shape = 13, .agent_block = 1 },
	{ .key = "llm_server", .flag = "llm-server", .type = PARAM_ENUM,
	    .offset = FIELD(llm_server), .names = llm_server_names,
	    .expect = "auto, generic, ollama, vllm, llama-server, openai, "
	    "lmstudio, anthropic or gemini", .agent_block = 1 },
	{ .key = "think", .flag = "think", .type = PARAM_ENUM,
	    .offset = FIELD(think), .names = think_names,
	    .expect = "off, low, on or auto", .agent_block = 1 },
	{ .key = "max_tokens_field", .flag = "max-tokens-field",
	    .type = PARAM_ENUM, .offset = FIELD(max_tokens_field),
	    .names = max_tokens_field_names,
	    .expect = "auto, max_tokens or max_completion_tokens" },
	{ .key = "top_p", .flag = "top-p", .type = PARAM_DOUBLE,
	    .offset = FIELD(top_p), .hi = 1,
	    .expect = "a number from 0 to 1, or default", .word = "default",
	    .agent_block = 1 },
	{ .key = "cache_prompt", .flag = "cache-prompt", .type = PARAM_ENUM,
	    .offset = FIELD(cache_prompt), .names = on_off_auto_names,
	    .expect = "auto, on or off" },
	{ .key = "constrain", .flag = "constrain", .type = PARAM_ENUM,
	    .offset = FIELD(constrain), .names = constrain_names,
	    .expect = "off or auto" },
	{ .key = "llm_retries", .flag = "llm-retries", .type = PARAM_INT,
	    .offset = FIELD(llm_retries), .hi = 1000,
	    .expect = "a whole number from 0 to 1000" },
	{ .key = "parse_retries", .flag = "parse-retries", .type = PARAM_INT,
	    .offset = FIELD(parse_retries), .hi = 100,
	    .expect = "a whole number from 0 to 100" },
	{ .key = "connect_timeout", .flag = "connect-timeout",
	    .type = PARAM_DOUBLE, .offset = FIELD(connect_timeout),
	    .lo = 0.001, .hi = 3600, .expect = "seconds, from 0.001 to 3600" },
	{ .key = "request_timeout", .flag = "request-timeout",
	    .type = PARAM_DOUBLE, .offset = FIELD(request_timeout),
	    .lo = 0.001, .hi = 86400,
	    .expect = "seconds, from 0.001 to 86400" },
	{ .key = "retry_base_ms", .flag = "retry-base-ms", .type = PARAM_INT,
	    .offset = FIELD(retry_base_ms), .hi = 600000,
	    .expect = "milliseconds, from 0 to 600000" },
	{ .key = "retry_max_ms", .flag = "retry-max-ms", .type = PARAM_INT,
	    .offset = FIELD(retry_max_ms), .hi = 3600000,
	    .expect = "milliseconds, from 0 to 3600000" },
	{ .key = "llm_api_key_file", .flag = "llm-api-key-file",
	    .type = PARAM_STRING, TEXT(llm_api_key_file),
	    .expect = "a file name" },
	{ .key = "llm_concurrency", .flag = "llm-concurrency",
	    .type = PARAM_INT, .offset = FIELD(llm_concurrency), .lo = 1,
	    .hi = 256, .expect = "a whole number from 1 to 256",
	    .agent_block = 1 },
	{ .key = "llm_slots", .flag = "llm-slots", .type = PARAM_STRING,
	    TEXT(llm_slots),
	    .expect = "a whole number of slots from 1 to 4096, or auto",
	    .valid = slots_ok, .agent_block = 1 },
	{ .key = "llm_cache", .flag = "llm-cache", .type = PARAM_STRING,
	    TEXT(llm_cache), .expect = "a file name", .agent_block = 1 },
	{ .key = "llm_endpoints", .flag = "llm-endpoints",
	    .type = PARAM_STRING, TEXT(llm_endpoints),
	    .expect = "a file of 'URL [SLOTS] [KEY-FILE]' lines",
	    .agent_block = 1 },
	{ .key = "max_parse_failure_share", .flag = "max-parse-failure-share",
	    .type = PARAM_DOUBLE, .offset = FIELD(max_parse_failure_share),
	    .hi = 1, .expect = "a share from 0 to 1 (0.05 is 5%)" },
	{ .key = "llm_cache_reset", .flag = "llm-cache-reset",
	    .type = PARAM_ENUM, .offset = FIELD(llm_cache_reset),
	    .names = no_yes_names, .expect = "no or yes" },
	{ .key = "max_server_wait", .flag = "max-server-wait",
	    .type = PARAM_DOUBLE, .offset = FIELD(max_server_wait),
	    .hi = 86400, .expect = "seconds, from 0 to 86400" },
	/* written (config.json, start line) only with choose: the keys of
	 * runs with random destinations stay what they were */
	{ .key = "destination", .flag = "destination", .type = PARAM_ENUM,
	    .offset = FIELD(destination), .names = destination_names,
	    .expect = "random or choose", .agent_block = 1 },
	{ .key = "destination_choices", .flag = "destination-choices",
	    .type = PARAM_INT, .offset = FIELD(destination_choices), .lo = 2,
	    .hi = 9, .expect = "a whole number from 2 to 9",
	    .agent_block = 1 },
};
const size_t llm_param_count = sizeof(llm_param_specs) /
    sizeof(llm_param_specs[0]);

void
llm_params_defaults(struct llm_params *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->scenario, sizeof(p->scenario), "baseline");
	snprintf(p->llm_model, sizeof(p->llm_model), "llama3.1:8b");
	p->llm_api = LLM_API_OPENAI;
	p->temperature = 0.3;
	p->max_tokens = 8;
	p->top_p = 1.0;
	p->llm_retries = 10;
	p->parse_retries = 3;
	p->connect_timeout = 5;
	p->request_timeout = 60;
	p->retry_base_ms = 500;
	p->retry_max_ms = 30000;
	p->llm_concurrency = 1;
	p->max_parse_failure_share = 0.05;
	p->max_server_wait = 600;
	p->destination_choices = DESTINATION_CHOICES_DEFAULT;
}

int
llm_params_check_cache(const struct llm_params *p, char *err, size_t errlen)
{
	if (p->llm_cache[0] == '\0' || p->temperature == 0)
		return 0;
	snprintf(err, errlen, "--llm-cache needs --temperature 0: at "
	    "temperature %g the same prompt may get another answer",
	    p->temperature);
	return -1;
}

int
llm_params_check(const struct llm_params *p, char *err, size_t errlen)
{
	if (p->cache_prompt != OOA_AUTO &&
	    llm_params_server(p) != LLM_SERVER_LLAMA) {
		snprintf(err, errlen, "--cache-prompt is llama-server's; give "
		    "--llm-server llama-server (other servers refuse or ignore "
		    "the field)");
		return -1;
	}
	if (p->destination == DESTINATION_RANDOM &&
	    p->destination_choices != DESTINATION_CHOICES_DEFAULT) {
		snprintf(err, errlen, "--destination-choices is the number of "
		    "empty houses a choosing mover is offered: add "
		    "--destination choose");
		return -1;
	}
	if (p->llm_url[0] != '\0' && !url_ok(p->llm_url)) {
		snprintf(err, errlen, "llm_url '%s' must start with http:// or "
		    "https://", p->llm_url);
		return -1;
	}
	if (p->llm_api == LLM_API_OPENAI && messages_url(p->llm_url)) {
		snprintf(err, errlen, "%s is Anthropic's Messages API: give "
		    "--llm-api anthropic (or its OpenAI layer, "
		    ".../v1/chat/completions)", p->llm_url);
		return -1;
	}
	return 0;
}

/* Hosts that say what they are (each provider's documented base URL). */
static const struct {
	const char *host;
	int server;
} named_hosts[] = {
	{ "api.openai.com", LLM_SERVER_OPENAI },
	{ "api.anthropic.com", LLM_SERVER_ANTHROPIC },
	{ "generativelanguage.googleapis.com", LLM_SERVER_GEMINI },
};

/* The host of an http(s) URL (*len bytes at the return), or NULL. */
static const char *
url_host(const char *url, size_t *len)
{
	const char *host = strstr(url, "://"), *end, *at;

	if (host == NULL)
		return NULL;
	host += 3;
	end = host + strcspn(host, "/?#");
	/* user:password@host */
	if ((at = memchr(host, '@', (size_t)(end - host))) != NULL)
		host = at + 1;
	*len = strcspn(host, ":/?#");
	return host;
}

/* The port of an http(s) URL, or -1. */
static long
url_port(const char *url)
{
	size_t n;
	const char *host = url_host(url, &n);

	if (host == NULL)
		return -1;
	if (host[n] != ':')
		return strncmp(url, "https", 5) == 0 ? 443 : 80;
	return strtol(host + n + 1, NULL, 10);
}

/* The path of a URL ends in /messages: Anthropic's Messages API. */
static int
messages_url(const char *url)
{
	size_t n = strcspn(url, "?#"), k = strlen("/v1/messages");

	return n >= k && strncmp(url + n - k, "/v1/messages", k) == 0;
}

/*
 * auto: the native Ollama API is Ollama, the Messages API Anthropic; a
 * provider's own host names it; the default ports say Ollama (11434) and
 * LM Studio (1234); anything else is generic, sent only the fields every
 * chat-completions server takes, until the server says what it is.
 */
int
llm_params_server(const struct llm_params *p)
{
	if (p->llm_server != LLM_SERVER_AUTO)
		return p->llm_server;
	return llm_server_guess(p->llm_api, llm_params_url(p));
}

int
llm_server_guess(int api, const char *url)
{
	const char *host;
	size_t n;
	long port;

	if (api == LLM_API_OLLAMA)
		return LLM_SERVER_OLLAMA;
	if (api == LLM_API_ANTHROPIC)
		return LLM_SERVER_ANTHROPIC;
	if ((host = url_host(url, &n)) != NULL)
		for (size_t i = 0; i < sizeof(named_hosts) /
		    sizeof(named_hosts[0]); i++)
			if (n == strlen(named_hosts[i].host) &&
			    strncasecmp(host, named_hosts[i].host, n) == 0)
				return named_hosts[i].server;
	port = url_port(url);
	if (port == 11434)
		return LLM_SERVER_OLLAMA;
	if (port == 1234)
		return LLM_SERVER_LMSTUDIO;
	return LLM_SERVER_GENERIC;
}

int
llm_server_named_by_url(int api, const char *url)
{
	return llm_server_guess(api, url) != LLM_SERVER_GENERIC;
}

/* Ollama's local server, through the chosen API, unless a URL was given. */
const char *
llm_params_url(const struct llm_params *p)
{
	if (p->llm_url[0] != '\0')
		return p->llm_url;
	if (p->llm_api == LLM_API_ANTHROPIC)
		return "https://api.anthropic.com/v1/messages";
	return p->llm_api == LLM_API_OLLAMA ? "http://localhost:11434/api/chat" :
	    "http://localhost:11434/v1/chat/completions";
}
