/*
 * A chat client (OpenAI's chat completions, Ollama's /api/chat,
 * Anthropic's Messages API): one reused connection, bounded retries, each
 * server kind sent only what it takes (body.c, family.c).
 */
#ifndef SIM_LLM_LLM_H
#define SIM_LLM_LLM_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "io/jsonw.h"

struct llm_config {
	const char *prog;         /* messages on stderr start with it */
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
	long max_server_wait_ms;  /* a longer Retry-After fails the request */
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
	long input_tokens;        /* as the server counted them (usage) */
	long output_tokens;
	long reasoning_tokens;    /* of the output, spent reasoning */
	long answers_from_reasoning;  /* LM Studio's bug: see reply.c */
	long choices;             /* choice prompts answered (a choosing mover) */
	long choice_failures;     /* of those, no number: a random one taken */
};

enum llm_answer { LLM_STAY = 0, LLM_MOVE = 1, LLM_UNPARSED = -1 };

struct llm_reply {
	char text[256];           /* the model's last reply, truncated, with
	                             any <think> block taken out */
	enum llm_answer answer;   /* LLM_UNPARSED -> treated as STAY */
	int choice;               /* of a choice prompt: 1..n, 0 unparsed */
	int attempts;
	double latency_s;
	int empty;                /* no answer text (a thinking model cut off?) */
	int reasoned;             /* the server sent reasoning/thinking text */
	int cut;                  /* ended by the token cap */
	int from_reasoning;       /* the answer was in reasoning_content */
	long input_tokens, output_tokens, reasoning_tokens;  /* its usage */
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
/* The same for a choice prompt: reply->choice is the number, 0 unparsed
 * (counted in stats->parse_failures, as an unparsed MOVE or STAY). */
enum llm_result llm_ask_choice(struct llm_client *c, const char *prompt,
    uint32_t seed, int choices, struct llm_reply *reply,
    struct llm_stats *stats, char *err, size_t errlen);

/* One request, no retry, for --check-llm. */
enum llm_result llm_probe(struct llm_client *c, const char *prompt,
    struct llm_reply *reply, char *err, size_t errlen);

enum llm_answer llm_parse_answer(const char *text);
/* A choice among 1..choices (at most 9); 0 when it is none of them. */
int llm_parse_choice(const char *text, int choices);

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
/* A Retry-After value in ms (ms_form: retry-after-ms), LONG_MAX when it
 * is longer than any wait (a number that overflows, a far date); -1 when
 * it is neither a number nor an HTTP date. */
long llm_parse_retry_after(const char *value, int ms_form, time_t now);
/*
 * A wait of ms the server asked for, before asking it again: 0 when it
 * is within --max-server-wait (a wait over 5 s is said on stderr: who
 * asked, how long, until when), -1 with the reason in err when beyond.
 */
int llm_wait_allowed(const struct llm_client *c, long ms, char *err,
    size_t errlen);
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
/* The client settings the LLM's parameters ask for (no API key); prog
 * starts the client's messages. */
void llm_config_from(struct llm_config *cfg, const struct llm_params *p,
    const char *prog);

/*
 * A client whose --llm-server is auto and whose URL names no kind asks
 * the server what it is (llm/kind.h) before its first request, through
 * its own connection; llm_client_resolve asks now.  0 when the kind is
 * known (found or not: generic); -1 when the server did not answer (it
 * is asked again before the next request); -2 when the kind found takes
 * none of the settings (family.h).  err says why.
 */
int llm_client_resolve(struct llm_client *c, char *err, size_t errlen);
/* The kind the client speaks to (LLM_SERVER_AUTO while not yet asked);
 * *found: how it was found by asking ("" when it was not asked). */
int llm_client_server(const struct llm_client *c, const char **found);

/* The token cap the client sends, and the part left for reasoning. */
int llm_client_max_tokens(const struct llm_client *c, long *reasoning_room);

/*
 * The optional fields any client of this process dropped after a server
 * refused them (reasoning_effort, ...), comma-separated into out; 0 when
 * none.
 */
int llm_dropped_fields(char *out, size_t len);

/*
 * Whether the server's model list says that served (the model a reply
 * names) is the model asked for: an entry of that id whose id, an alias,
 * or the last part of its path is asked (llama-server reports the alias
 * or the -m path as given).  1 yes, 0 no; listed gets the ids.
 */
int llm_served_as(struct llm_client *c, const char *asked, const char *served,
    char *listed, size_t listedlen);

/*
 * One request with cfg.logprobs set (OpenAI API, or Ollama's native API
 * since 0.12.11), retried like llm_ask but never asked again for its
 * words.  mass[LLM_MOVE] and mass[LLM_STAY] are the probabilities of
 * MOVE and STAY at the first reply token (llm/reply.h: a split word
 * counts by its first token); *carried is 0 when they say nothing about
 * P(MOVE), with the reason in why.
 */
enum llm_result llm_ask_logprobs(struct llm_client *c, const char *prompt,
    uint32_t seed, double mass[2], int *carried, char *why, size_t whylen,
    struct llm_reply *reply, struct llm_stats *stats, char *err,
    size_t errlen);

#endif
