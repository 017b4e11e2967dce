/* A chat-completions client: one reused connection, bounded retries. */
#ifndef SIM_LLM_LLM_H
#define SIM_LLM_LLM_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "io/jsonw.h"

struct llm_config {
	const char *url;
	const char *model;
	int api;                  /* enum llm_api */
	int server;               /* enum llm_server, resolved (never auto) */
	int server_auto;          /* server was guessed from url: guess again
	                             for another URL (several endpoints) */
	int think;                /* enum llm_think */
	int max_tokens_field;     /* enum max_tokens_field */
	int cache_prompt;         /* enum on_off_auto */
	int constrain;            /* enum constrain */
	double temperature;       /* PARAM_WORD_VALUE: not sent */
	double top_p;             /* PARAM_WORD_VALUE: not sent */
	int max_tokens;
	int retries;              /* transient failures retried per request */
	int parse_retries;        /* unparseable replies asked again */
	long connect_timeout_ms;
	long request_timeout_ms;
	long retry_base_ms;
	long retry_max_ms;
	const char *api_key;      /* NULL: no Authorization header */
	int logprobs;             /* ask for the top logprobs (OpenAI API) */
};

/* What a run adds up; callers reset it per step and per run. */
struct llm_stats {
	long calls;               /* HTTP responses received */
	double time_s;            /* time spent on those */
	long retries;             /* requests sent again */
	long parse_failures;      /* decisions that fell back to STAY */
	long empty_replies;       /* of those, replies with no answer text */
	long prefetch_wasted;     /* early answers whose context had changed */
	long cache_hits;
	long cache_misses;
};

enum llm_answer { LLM_STAY = 0, LLM_MOVE = 1, LLM_UNPARSED = -1 };

struct llm_reply {
	char text[256];           /* the model's last reply, truncated, with
	                             any <think> block taken out */
	enum llm_answer answer;   /* LLM_UNPARSED -> treated as STAY */
	int attempts;
	double latency_s;
	int empty;                /* no answer text (a thinking model cut off?) */
	int reasoned;             /* the server sent reasoning/thinking text */
	char model[128];          /* the model the server says answered */
	char fingerprint[128];    /* its system_fingerprint, "" if none */
};

enum llm_result { LLM_OK = 0, LLM_GAVE_UP = -1, LLM_REFUSED = -2 };

/* Words of the server kinds, for messages (enum llm_server). */
const char *llm_server_label(int server);

struct llm_client;

struct llm_client *llm_client_new(const struct llm_config *cfg, char *err,
    size_t errlen);
void llm_client_free(struct llm_client *c);

/*
 * Asks for MOVE or STAY.  LLM_OK fills reply; LLM_GAVE_UP when transient
 * failures outlasted the retries, LLM_REFUSED when the server rejected
 * the request for good (400, 401, 403, 404): err says why, in one line.
 */
enum llm_result llm_ask(struct llm_client *c, const char *prompt,
    uint32_t seed, struct llm_reply *reply, struct llm_stats *stats,
    char *err, size_t errlen);

/* One request, no retry, for --check-llm. */
enum llm_result llm_probe(struct llm_client *c, const char *prompt,
    struct llm_reply *reply, char *err, size_t errlen);

enum llm_answer llm_parse_answer(const char *text);

/*
 * For many requests in flight (curl's multi interface): llm_start puts a
 * request on the client's own handle (llm_handle), and once the transfer
 * is done llm_finish reads its answer; any failure is LLM_UNPARSED, and
 * the caller then asks again with llm_ask, which retries.
 */
void *llm_handle(struct llm_client *c);
int llm_start(struct llm_client *c, const char *prompt, uint32_t seed);
enum llm_answer llm_finish(struct llm_client *c, int curl_code,
    struct llm_reply *reply, struct llm_stats *stats);
/*
 * After llm_finish: the delay the server asked for (Retry-After,
 * retry-after-ms) in ms, or -1; and whether the transfer ended with a
 * status that asks the client to back off (429, 503).
 */
long llm_retry_after_ms(const struct llm_client *c);
/* The same, read from the headers of a transfer not yet settled. */
long llm_header_delay_ms(const struct llm_client *c);
int llm_backing_off(const struct llm_client *c);
/* A Retry-After value in ms (ms_form: retry-after-ms), capped at 600 s;
 * -1 when it is neither a number nor an HTTP date. */
long llm_parse_retry_after(const char *value, int ms_form, time_t now);
/* Waits ms milliseconds (EINTR-safe). */
void llm_sleep_ms(long ms);

/*
 * The models the server lists (GET /v1/models or /api/tags next to the
 * chat URL), comma-separated into out; -1 when it lists none.
 */
int llm_list_models(struct llm_client *c, char *out, size_t len);

/*
 * The URL of path next to a chat URL: the chat suffix (/v1/chat/completions,
 * /chat/completions, /api/chat) is replaced by path, so a proxy's prefix
 * stays ("http://h/x/v1/chat/completions" + "/props" = "http://h/x/props").
 * models: path is the model list of that API instead.
 */
void llm_sibling_url(const char *url, const char *path, int models,
    char *out, size_t len);

/* GET url with the key (may be NULL); the body (malloc'd) and status. */
int llm_get(const char *url, const char *api_key, long timeout_s,
    char **body, size_t *blen, long *status, char *err, size_t errlen);

/* The API key from a file (first line) or LLM_API_KEY; NULL if none. */
int llm_read_key(const char *file, char **key, char *err, size_t errlen);
/* Wipes and frees a key read by llm_read_key. */
void llm_forget_key(char *key);

struct llm_params;
/* The client settings the LLM's parameters ask for (no API key). */
void llm_config_from(struct llm_config *cfg, const struct llm_params *p);

/*
 * One request with cfg.logprobs set (OpenAI API, or Ollama's native API
 * since 0.12.11), retried like
 * llm_ask but never asked again for its words.  mass[LLM_MOVE] and
 * mass[LLM_STAY] are the probabilities of the tokens MOVE and STAY (any
 * case, spaces trimmed, variants summed) among the first reply token's
 * top_logprobs; *carried is 0 when the reply has no top_logprobs at all.
 */
enum llm_result llm_ask_logprobs(struct llm_client *c, const char *prompt,
    uint32_t seed, double mass[2], int *carried, struct llm_reply *reply,
    struct llm_stats *stats, char *err, size_t errlen);

#endif
