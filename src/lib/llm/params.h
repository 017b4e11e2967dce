/*
 * The LLM's parameters: the scenario, the server and how it is asked,
 * retries and timeouts, caches and several endpoints; their defaults,
 * limits, flags and config keys (a table of param/spec.h, joined in
 * config/params.h), and the server kinds.
 */
#ifndef SIM_LLM_PARAMS_H
#define SIM_LLM_PARAMS_H

#include <stddef.h>

#include "param/spec.h"

/* The wire format: OpenAI's chat completions, Ollama's /api/chat,
 * Anthropic's Messages API (/v1/messages). */
enum llm_api { LLM_API_OPENAI, LLM_API_OLLAMA, LLM_API_ANTHROPIC };
extern const char *const llm_api_names[];   /* by enum llm_api, NULL-ended */
/* Which server is behind the URL: what request fields it takes. */
enum llm_server { LLM_SERVER_AUTO, LLM_SERVER_GENERIC, LLM_SERVER_OLLAMA,
	LLM_SERVER_VLLM, LLM_SERVER_LLAMA, LLM_SERVER_OPENAI,
	LLM_SERVER_LMSTUDIO, LLM_SERVER_ANTHROPIC, LLM_SERVER_GEMINI };
extern const char *const llm_server_names[];
/* low: the least thinking a model that cannot stop thinking allows */
enum llm_think { THINK_OFF, THINK_ON, THINK_AUTO, THINK_LOW };
extern const char *const think_names[];
enum max_tokens_field { MTF_AUTO, MTF_MAX_TOKENS, MTF_MAX_COMPLETION_TOKENS };
extern const char *const max_tokens_field_names[];
enum on_off_auto { OOA_AUTO, OOA_ON, OOA_OFF };
extern const char *const on_off_auto_names[];
enum constrain { CONSTRAIN_OFF, CONSTRAIN_AUTO };
extern const char *const constrain_names[];
/* where a mover goes: a random empty cell, or one of K it is offered */
enum destination { DESTINATION_RANDOM, DESTINATION_CHOOSE };
extern const char *const destination_names[];
#define DESTINATION_CHOICES_DEFAULT 4

struct llm_params {
	char scenario[64];
	char scenario_file[1024];
	char llm_url[1024];        /* empty: the API's local default */
	char llm_model[256];
	int llm_api;               /* enum llm_api */
	double temperature;        /* PARAM_WORD_VALUE: server's default */
	int max_tokens;            /* PARAM_INT_WORD: auto (llm/budget.h) */
	int llm_server;            /* enum llm_server */
	int think;                 /* enum llm_think */
	int max_tokens_field;      /* enum max_tokens_field */
	double top_p;              /* PARAM_WORD_VALUE: server's default */
	int cache_prompt;          /* enum on_off_auto (llama-server) */
	int constrain;             /* enum constrain */
	int llm_retries;
	int parse_retries;
	double connect_timeout;
	double request_timeout;
	int retry_base_ms;
	int retry_max_ms;
	char llm_api_key_file[1024];
	int llm_concurrency;       /* requests in flight within a run */
	char llm_slots[32];        /* "", a number, or "auto" */
	char llm_cache[1024];      /* decision cache file, "" for none */
	char llm_endpoints[1024];  /* several servers: a file, "" for none */
	double max_parse_failure_share;  /* above it a run ends failed */
	int llm_cache_reset;       /* 1: move a corrupted cache aside */
	double max_server_wait;    /* seconds a server may ask us to wait */
	int destination;           /* enum destination */
	int destination_choices;   /* K, the vacancies a mover is offered */
};

extern const struct param_spec llm_param_specs[];
extern const size_t llm_param_count;

void llm_params_defaults(struct llm_params *p);
/* --llm-cache needs temperature 0; 0, or -1 with err. */
int llm_params_check_cache(const struct llm_params *p, char *err,
    size_t errlen);
/* The rest of what cannot hold together; 0, or -1 with err. */
int llm_params_check(const struct llm_params *p, char *err, size_t errlen);
/* The URL asked: the one given, or the API's local default. */
const char *llm_params_url(const struct llm_params *p);
/* The server kind --llm-server auto means for this API and URL. */
int llm_params_server(const struct llm_params *p);
/*
 * What auto makes of one URL (each of several endpoints has its own): the
 * API, the host (api.openai.com, api.anthropic.com,
 * generativelanguage.googleapis.com), the default ports of Ollama and LM
 * Studio; else generic, which the client may ask the server about
 * (llm/kind.h).
 */
int llm_server_guess(int api, const char *url);
/* 1 when the kind of url is known from the URL itself (not generic). */
int llm_server_named_by_url(int api, const char *url);

#endif
