/*
 * The parameter table: every simrun parameter, its flag, config key,
 * type, range and default (see params.h).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/params.h"

#define FIELD(name) offsetof(struct sim_params, name)
#define TEXT(name) FIELD(name), 1, sizeof(((struct sim_params *)0)->name)

static const char *const agent_names[] = { "mechanical", "llm", "table",
	NULL };
const char *const llm_api_names[] = { "openai", "ollama", NULL };
/* by enum move_rule, boundary, metrics_when, movers, isolated, update */
const char *const move_rule_names[] = { "random", "satisfying",
	"nearest-satisfying", NULL };
const char *const boundary_names[] = { "bounded", "torus", NULL };
const char *const metrics_names[] = { "every", "end", "none", NULL };
const char *const movers_names[] = { "unhappy", "anyone", NULL };
const char *const isolated_names[] = { "move", "stay", NULL };
const char *const update_names[] = { "sequential", "synchronous", NULL };
const char *const arithmetic_names[] = { "exact", "predecessor", NULL };
const char *const off_on_names[] = { "off", "on", NULL };
const char *const llm_server_names[] = { "auto", "generic", "ollama", "vllm",
	"llama-server", "openai", "lmstudio", NULL };
const char *const think_names[] = { "off", "on", "auto", NULL };
const char *const max_tokens_field_names[] = { "auto", "max_tokens",
	"max_completion_tokens", NULL };
const char *const on_off_auto_names[] = { "auto", "on", "off", NULL };
const char *const constrain_names[] = { "off", "auto", NULL };
static const char *const no_yes_names[] = { "no", "yes", NULL };

const struct param_spec param_specs[] = {
	{ "grid_size", "grid-size", PARAM_INT, FIELD(grid_size), 1, 4096,
	    NULL, "a whole number from 1 to 4096", 0, NULL },
	{ "num_type_a", "num-type-a", PARAM_INT, FIELD(num_type_a), 0,
	    16777216, NULL, "a whole number of agents from 0 to 16777216", 0, NULL },
	{ "num_type_b", "num-type-b", PARAM_INT, FIELD(num_type_b), 0,
	    16777216, NULL, "a whole number of agents from 0 to 16777216", 0, NULL },
	{ "similarity_threshold", "similarity-threshold", PARAM_DOUBLE,
	    FIELD(similarity_threshold), 0, 1, NULL, "a number from 0 to 1", 0, NULL },
	{ "no_move_threshold", "no-move-threshold", PARAM_INT,
	    FIELD(no_move_threshold), 0, 1000000, NULL,
	    "a whole number from 0 (never stop early) to 1000000", 0, NULL },
	{ "max_steps", "max-steps", PARAM_INT, FIELD(max_steps), 1, 100000000,
	    NULL, "a whole number from 1 to 100000000", 0, NULL },
	{ "seed", "seed", PARAM_SEED, FIELD(seed), 0, (double)SEED_MAX, NULL,
	    "a whole number from 0 to 9007199254740991", 0, NULL },
	{ "agent", "agent", PARAM_ENUM, FIELD(agent), 0, 0, agent_names,
	    "mechanical, llm or table", 0, NULL },
	{ "scenario", "scenario", PARAM_STRING, TEXT(scenario), NULL,
	    "a scenario name such as baseline", 1, NULL },
	{ "scenario_file", "scenario-file", PARAM_STRING, TEXT(scenario_file),
	    NULL, "a file name", 1, NULL },
	{ "llm_url", "llm-url", PARAM_STRING, TEXT(llm_url), NULL,
	    "an http:// or https:// URL", 1, NULL },
	{ "llm_model", "llm-model", PARAM_STRING, TEXT(llm_model), NULL,
	    "a model name such as llama3.1:8b", 1, NULL },
	{ "llm_api", "llm-api", PARAM_ENUM, FIELD(llm_api), 0, 0, llm_api_names,
	    "openai or ollama", 1, NULL },
	{ "temperature", "temperature", PARAM_DOUBLE, FIELD(temperature), 0, 2,
	    NULL, "a number from 0 to 2, or default", 1, "default" },
	{ "max_tokens", "max-tokens", PARAM_INT, FIELD(max_tokens), 1, 65536,
	    NULL, "a whole number from 1 to 65536", 1, NULL },
	{ "llm_server", "llm-server", PARAM_ENUM, FIELD(llm_server), 0, 0,
	    llm_server_names, "auto, generic, ollama, vllm, llama-server, "
	    "openai or lmstudio", 1, NULL },
	{ "think", "think", PARAM_ENUM, FIELD(think), 0, 0, think_names,
	    "off, on or auto", 1, NULL },
	{ "max_tokens_field", "max-tokens-field", PARAM_ENUM,
	    FIELD(max_tokens_field), 0, 0, max_tokens_field_names,
	    "auto, max_tokens or max_completion_tokens", 1, NULL },
	{ "top_p", "top-p", PARAM_DOUBLE, FIELD(top_p), 0, 1, NULL,
	    "a number from 0 to 1, or default", 1, "default" },
	{ "cache_prompt", "cache-prompt", PARAM_ENUM, FIELD(cache_prompt), 0, 0,
	    on_off_auto_names, "auto, on or off", 1, NULL },
	{ "constrain", "constrain", PARAM_ENUM, FIELD(constrain), 0, 0,
	    constrain_names, "off or auto", 1, NULL },
	{ "llm_retries", "llm-retries", PARAM_INT, FIELD(llm_retries), 0, 1000,
	    NULL, "a whole number from 0 to 1000", 1, NULL },
	{ "parse_retries", "parse-retries", PARAM_INT, FIELD(parse_retries), 0,
	    100, NULL, "a whole number from 0 to 100", 1, NULL },
	{ "connect_timeout", "connect-timeout", PARAM_DOUBLE,
	    FIELD(connect_timeout), 0.001, 3600, NULL,
	    "seconds, from 0.001 to 3600", 1, NULL },
	{ "request_timeout", "request-timeout", PARAM_DOUBLE,
	    FIELD(request_timeout), 0.001, 86400, NULL,
	    "seconds, from 0.001 to 86400", 1, NULL },
	{ "retry_base_ms", "retry-base-ms", PARAM_INT, FIELD(retry_base_ms), 0,
	    600000, NULL, "milliseconds, from 0 to 600000", 1, NULL },
	{ "retry_max_ms", "retry-max-ms", PARAM_INT, FIELD(retry_max_ms), 0,
	    3600000, NULL, "milliseconds, from 0 to 3600000", 1, NULL },
	{ "llm_api_key_file", "llm-api-key-file", PARAM_STRING,
	    TEXT(llm_api_key_file), NULL, "a file name", 1, NULL },
	{ "llm_concurrency", "llm-concurrency", PARAM_INT,
	    FIELD(llm_concurrency), 1, 256, NULL, "a whole number from 1 to 256",
	    1, NULL },
	{ "llm_slots", "llm-slots", PARAM_STRING, TEXT(llm_slots), NULL,
	    "a whole number of slots from 1 to 4096, or auto", 1, NULL },
	{ "llm_cache", "llm-cache", PARAM_STRING, TEXT(llm_cache), NULL,
	    "a file name", 1, NULL },
	{ "llm_endpoints", "llm-endpoints", PARAM_STRING, TEXT(llm_endpoints),
	    NULL, "a file of 'URL [SLOTS] [KEY-FILE]' lines", 1, NULL },
	{ "table", "table", PARAM_STRING, TEXT(table), NULL,
	    "a decision table file (simprobe's)", 0, NULL },
	{ "radius", "radius", PARAM_INT, FIELD(radius), 1, 10, NULL,
	    "a whole number from 1 to 10", 0, NULL },
	{ "min_similar", "min-similar", PARAM_INT, FIELD(min_similar), -1, 440,
	    NULL, "a whole number of alike neighbours from 0 to 440 (-1: "
	    "use the share)", 0, NULL },
	{ "move_rule", "move-rule", PARAM_ENUM, FIELD(move_rule), 0, 0,
	    move_rule_names, "random, satisfying or nearest-satisfying", 0, NULL },
	{ "boundary", "boundary", PARAM_ENUM, FIELD(boundary), 0, 0,
	    boundary_names, "bounded or torus", 0, NULL },
	{ "metrics", "metrics", PARAM_ENUM, FIELD(metrics), 0, 0, metrics_names,
	    "every, end or none", 0, NULL },
	{ "movers", "movers", PARAM_ENUM, FIELD(movers), 0, 0, movers_names,
	    "unhappy or anyone", 0, NULL },
	{ "isolated", "isolated", PARAM_ENUM, FIELD(isolated), 0, 0,
	    isolated_names, "move or stay", 0, NULL },
	{ "update", "update", PARAM_ENUM, FIELD(update), 0, 0, update_names,
	    "sequential or synchronous", 0, NULL },
	{ "threshold_arithmetic", "threshold-arithmetic", PARAM_ENUM,
	    FIELD(threshold_arithmetic), 0, 0, arithmetic_names,
	    "exact or predecessor", 0, NULL },
	{ "model_metrics", "model-metrics", PARAM_ENUM, FIELD(model_metrics), 0,
	    0, off_on_names, "off or on", 0, NULL },
	{ "frames", "frames", PARAM_BOOL, FIELD(frames), 0, 1, NULL,
	    "true or false", 0, NULL },
	{ "max_parse_failure_share", "max-parse-failure-share", PARAM_DOUBLE,
	    FIELD(max_parse_failure_share), 0, 1, NULL,
	    "a share from 0 to 1 (0.05 is 5%)", 1, NULL },
	{ "llm_cache_reset", "llm-cache-reset", PARAM_ENUM,
	    FIELD(llm_cache_reset), 0, 0, no_yes_names, "no or yes", 1, NULL },
};
const size_t param_count = sizeof(param_specs) / sizeof(param_specs[0]);

void
params_defaults(struct sim_params *p)
{
	memset(p, 0, sizeof(*p));
	p->grid_size = 20;
	p->num_type_a = 160;
	p->num_type_b = 160;
	p->similarity_threshold = 0.5;
	p->no_move_threshold = 5;
	p->max_steps = 1000;
	p->seed = 0;
	p->agent = AGENT_MECHANICAL;
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
	p->radius = 1;
	p->min_similar = -1;
	p->max_parse_failure_share = 0.05;
}

const struct param_spec *
param_by_flag(const char *flag)
{
	for (size_t i = 0; i < param_count; i++)
		if (strcmp(param_specs[i].flag, flag) == 0)
			return &param_specs[i];
	return NULL;
}

static int
enum_parse(const char *const *names, const char *text, int *out)
{
	for (int i = 0; names[i] != NULL; i++) {
		if (strcmp(names[i], text) == 0) {
			*out = i;
			return 0;
		}
	}
	return -1;
}

/*
 * Values checked on their own, so that a bad one is a usage error (64) on
 * the command line and a config error (78) in a file, like every other.
 */
static int
string_value_ok(const struct param_spec *s, const char *text)
{
	long v;

	if (s->offset == offsetof(struct sim_params, llm_url))
		return strncmp(text, "http://", 7) == 0 ||
		    strncmp(text, "https://", 8) == 0;
	if (s->offset == offsetof(struct sim_params, llm_slots))
		return strcmp(text, "auto") == 0 ||
		    parse_long_range(text, 1, 4096, &v) == 0;
	return 1;
}

/* Sets one parameter from its text form; -1 when the text is not valid. */
int
param_set_text(struct sim_params *p, const struct param_spec *s,
    const char *text)
{
	char *field = (char *)p + s->offset;
	long l;
	uint64_t u;

	switch (s->type) {
	case PARAM_INT:
		if (parse_long_range(text, (long)s->lo, (long)s->hi, &l) != 0)
			return -1;
		*(int *)(void *)field = (int)l;
		return 0;
	case PARAM_DOUBLE:
		if (s->word != NULL && strcmp(text, s->word) == 0) {
			*(double *)(void *)field = PARAM_WORD_VALUE;
			return 0;
		}
		return parse_double_range(text, s->lo, s->hi,
		    (double *)(void *)field);
	case PARAM_SEED:
		if (parse_u64(text, &u) != 0 || u > SEED_MAX)
			return -1;
		*(uint64_t *)(void *)field = u;
		return 0;
	case PARAM_ENUM:
		return enum_parse(s->names, text, (int *)(void *)field);
	case PARAM_BOOL:
		/* the flag itself (no text) turns it on; JSON says which */
		if (text == NULL || strcmp(text, "true") == 0)
			*(int *)(void *)field = 1;
		else if (strcmp(text, "false") == 0)
			*(int *)(void *)field = 0;
		else
			return -1;
		return 0;
	case PARAM_STRING:
		if (*text == '\0' || strlen(text) >= (size_t)s->hi ||
		    !string_value_ok(s, text))
			return -1;
		memcpy(field, text, strlen(text) + 1);
		return 0;
	}
	return -1;
}

/* The model's variants: combinations that cannot hold. */
static int
params_check_model(const struct sim_params *p, char *err, size_t errlen)
{
	int side = 2 * p->radius + 1, agents = p->agent != AGENT_MECHANICAL;

	if (p->min_similar >= 0 && p->similarity_threshold != 0.5) {
		snprintf(err, errlen, "--min-similar %d and "
		    "--similarity-threshold %g are two happiness rules; give "
		    "one of them", p->min_similar, p->similarity_threshold);
		return -1;
	}
	if (p->min_similar > side * side - 1) {
		snprintf(err, errlen, "--min-similar %d can never be met: radius "
		    "%d has %d neighbours; lower it or raise --radius",
		    p->min_similar, p->radius, side * side - 1);
		return -1;
	}
	if (p->boundary == 1 /* BOUNDARY_TORUS */ && p->grid_size < side) {
		snprintf(err, errlen, "a %dx%d torus is smaller than a radius %d "
		    "neighbourhood (%dx%d): cells would count twice; raise "
		    "--grid-size or use --boundary bounded", p->grid_size,
		    p->grid_size, p->radius, side, side);
		return -1;
	}
	if (agents && p->radius != 1) {
		snprintf(err, errlen, "--agent %s sees a 3x3 context: --radius "
		    "%d applies to mechanical agents only", agent_names[p->agent],
		    p->radius);
		return -1;
	}
	if (agents && (p->movers != MOVERS_UNHAPPY ||
	    p->isolated != ISOLATED_MOVE)) {
		snprintf(err, errlen, "--agent %s decides MOVE or STAY itself: "
		    "--movers anyone and --isolated stay are rules of "
		    "mechanical agents", agent_names[p->agent]);
		return -1;
	}
	return 0;
}

int
params_check(const struct sim_params *p, char *err, size_t errlen)
{
	long cells = (long)p->grid_size * p->grid_size;
	long agents = (long)p->num_type_a + p->num_type_b;

	if (agents > cells) {
		snprintf(err, errlen, "num_type_a + num_type_b = %ld agents "
		    "do not fit on a %dx%d grid of %ld cells; lower the "
		    "counts or raise grid_size", agents, p->grid_size,
		    p->grid_size, cells);
		return -1;
	}
	if (p->llm_cache[0] != '\0' && p->temperature != 0) {
		snprintf(err, errlen, "--llm-cache needs --temperature 0: at "
		    "temperature %g the same prompt may get another answer",
		    p->temperature);
		return -1;
	}
	if (params_check_model(p, err, errlen) != 0)
		return -1;
	if (p->cache_prompt != OOA_AUTO &&
	    params_llm_server(p) != LLM_SERVER_LLAMA) {
		snprintf(err, errlen, "--cache-prompt is llama-server's; give "
		    "--llm-server llama-server (other servers refuse or ignore "
		    "the field)");
		return -1;
	}
	if (p->llm_url[0] != '\0' && strncmp(p->llm_url, "http://", 7) != 0 &&
	    strncmp(p->llm_url, "https://", 8) != 0) {
		snprintf(err, errlen, "llm_url '%s' must start with http:// or "
		    "https://", p->llm_url);
		return -1;
	}
	return 0;
}

const char *
agent_kind_name(int kind)
{
	return agent_names[kind];
}

const char *
llm_api_name(int api)
{
	return llm_api_names[api];
}

/* The port of an http(s) URL, or -1. */
static long
url_port(const char *url, int *openai_host)
{
	const char *host = strstr(url, "://"), *end, *colon;

	*openai_host = 0;
	if (host == NULL)
		return -1;
	host += 3;
	end = host + strcspn(host, "/?#");
	*openai_host = (size_t)(end - host) >= 14 &&
	    strncmp(host, "api.openai.com", 14) == 0 &&
	    (host[14] == ':' || host + 14 == end);
	colon = memchr(host, ':', (size_t)(end - host));
	if (colon == NULL)
		return strncmp(url, "https", 5) == 0 ? 443 : 80;
	return strtol(colon + 1, NULL, 10);
}

/*
 * auto: the native Ollama API is Ollama; api.openai.com is OpenAI; the
 * default ports say Ollama (11434) and LM Studio (1234); anything else is
 * generic, sent only the fields every chat-completions server takes.
 */
int
params_llm_server(const struct sim_params *p)
{
	if (p->llm_server != LLM_SERVER_AUTO)
		return p->llm_server;
	return params_llm_server_guess(p->llm_api, params_llm_url(p));
}

/* What auto makes of one URL (each of several endpoints has its own). */
int
params_llm_server_guess(int api, const char *url)
{
	int openai;
	long port;

	if (api == LLM_API_OLLAMA)
		return LLM_SERVER_OLLAMA;
	port = url_port(url, &openai);
	if (openai)
		return LLM_SERVER_OPENAI;
	if (port == 11434)
		return LLM_SERVER_OLLAMA;
	if (port == 1234)
		return LLM_SERVER_LMSTUDIO;
	return LLM_SERVER_GENERIC;
}

/* Ollama's local server, through the chosen API, unless a URL was given. */
const char *
params_llm_url(const struct sim_params *p)
{
	if (p->llm_url[0] != '\0')
		return p->llm_url;
	return p->llm_api == LLM_API_OLLAMA ? "http://localhost:11434/api/chat" :
	    "http://localhost:11434/v1/chat/completions";
}

/*
 * The one number grammar of every flag and config value: decimal digits,
 * an optional leading '-', and for numbers that may have a fraction an
 * optional '.' part and exponent: -?(D+(.D*)?|.D+)([eE][+-]?D+)?.  No
 * blanks, no '+', no hex (0x10, 0x0.8p0), no inf or nan.
 */
int
number_text_ok(const char *s, int fraction)
{
	const char *p = s;
	int digits = 0;

	if (*p == '-')
		p++;
	while (isdigit((unsigned char)*p))
		p++, digits++;
	if (!fraction)
		return digits > 0 && *p == '\0';
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			digits++;
	if (digits == 0)
		return 0;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
	}
	return *p == '\0';
}

/* A whole decimal number in [lo, hi] and nothing else. */
int
parse_long_range(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	/* strtol would skip leading blanks and take a '+' or 0x */
	if (!number_text_ok(s, 0))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0' || errno != 0 || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int
parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s == '-' || !number_text_ok(s, 0))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || errno != 0)
		return -1;
	*out = v;
	return 0;
}

int
parse_double_range(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	if (!number_text_ok(s, 1))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0' || errno != 0 || !isfinite(v) ||
	    v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}
