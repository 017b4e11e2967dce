/*
 * The client keeps one curl easy handle for its whole life, so every
 * request after the first reuses the same TCP connection.  Transient
 * failures (no connection, timeouts, 408, 409, 429, 5xx, a reply that is
 * not the JSON we asked for) are retried with exponential backoff and
 * jitter, honouring Retry-After (seconds or an HTTP date) and
 * retry-after-ms; 400, 401, 403, 404 and a 429 insufficient_quota are
 * final.  Each server kind is sent only the fields its reference
 * documents (see build_body); a 400 about an optional field we added
 * (thinking, max_tokens) drops or renames it once and asks again.
 */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "llm/llm.h"
#include "llm/params.h"
#include "model/rng.h"

#define REPLY_MAX (1 << 20)
#define RETRY_AFTER_MAX_MS 600000L

struct buffer {
	char *data;
	size_t len, cap;
	int overflow;
};

struct llm_client {
	struct llm_config cfg;
	CURL *curl;
	struct curl_slist *headers;
	struct jw body;
	struct buffer response;
	long retry_after_ms;      /* from the last response, -1 if none */
	long retry_after_ms_hdr;  /* retry-after-ms, -1 if none */
	long status;              /* HTTP status of the last response */
	int no_think;             /* the server refused our thinking field */
	int mct;                  /* send max_completion_tokens */
	int json_answer;          /* the answer comes as {"answer": ...} */
	char curl_error[CURL_ERROR_SIZE];
};

/* What one HTTP exchange came to; EX_RESEND: ask again at once, changed. */
enum exchange { EX_REPLY, EX_TRANSIENT, EX_FINAL, EX_RESEND };

const char *
llm_server_label(int server)
{
	return llm_server_names[server];
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct buffer *b = arg;
	size_t len = size * n;

	if (b->len + len + 1 > REPLY_MAX) {
		b->overflow = 1;
		return 0;
	}
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (b->len + len + 1 > cap)
			cap *= 2;
		if ((p = realloc(b->data, cap)) == NULL)
			return 0;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

static long
cap_delay(double ms)
{
	if (!(ms >= 0))
		return -1;
	return ms > (double)RETRY_AFTER_MAX_MS ? RETRY_AFTER_MAX_MS : (long)ms;
}

/*
 * Retry-After (RFC 9110: delay-seconds or an HTTP-date) and OpenAI's
 * retry-after-ms; either capped at 10 minutes.  The ms form wins.
 */
long
llm_parse_retry_after(const char *value, int ms_form, time_t now)
{
	char *end;
	double v;
	time_t when;

	while (*value == ' ' || *value == '\t')
		value++;
	errno = 0;
	v = strtod(value, &end);
	if (end != value && errno == 0 && (*end == '\0' || isspace(
	    (unsigned char)*end)))
		return cap_delay(ms_form ? v : v * 1000.0);
	if (ms_form || (when = curl_getdate(value, NULL)) == -1)
		return -1;
	return cap_delay(when > now ? (double)(when - now) * 1000.0 : 0);
}

static size_t
on_header(char *data, size_t size, size_t n, void *arg)
{
	struct llm_client *c = arg;
	size_t len = size * n, skip;
	char value[128];
	int ms;

	if (len > 15 && strncasecmp(data, "retry-after-ms:", 15) == 0)
		skip = 15, ms = 1;
	else if (len > 12 && strncasecmp(data, "retry-after:", 12) == 0)
		skip = 12, ms = 0;
	else
		return len;
	if (len - skip >= sizeof(value))
		return len;
	memcpy(value, data + skip, len - skip);
	value[len - skip] = '\0';
	value[strcspn(value, "\r\n")] = '\0';
	if (ms)
		c->retry_after_ms_hdr = llm_parse_retry_after(value, 1, 0);
	else
		c->retry_after_ms = llm_parse_retry_after(value, 0, time(NULL));
	return len;
}

static int
set_options(struct llm_client *c)
{
	CURL *h = c->curl;

	return curl_easy_setopt(h, CURLOPT_URL, c->cfg.url) ||
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) ||
	    curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers) ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, &c->response) ||
	    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header) ||
	    curl_easy_setopt(h, CURLOPT_HEADERDATA, c) ||
	    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->curl_error) ||
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
		c->cfg.connect_timeout_ms) ||
	    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->cfg.request_timeout_ms) ||
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") ||
	    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L) ||
	    curl_easy_setopt(h, CURLOPT_USERAGENT, "simrun/" SIM_VERSION);
}

static int
add_headers(struct llm_client *c)
{
	struct curl_slist *l;
	char *auth;
	size_t n;

	if ((l = curl_slist_append(NULL, "Content-Type: application/json")) == NULL)
		return -1;
	c->headers = l;
	if ((l = curl_slist_append(c->headers, "Expect:")) == NULL)
		return -1;
	if (c->cfg.api_key == NULL)
		return 0;
	n = strlen(c->cfg.api_key) + sizeof("Authorization: Bearer ");
	if ((auth = malloc(n)) == NULL)
		return -1;
	snprintf(auth, n, "Authorization: Bearer %s", c->cfg.api_key);
	l = curl_slist_append(c->headers, auth);
	/* the key lives on only inside the header list */
	memset(auth, 0, n);
	free(auth);
	return l == NULL ? -1 : 0;
}

struct llm_client *
llm_client_new(const struct llm_config *cfg, char *err, size_t errlen)
{
	struct llm_client *c = calloc(1, sizeof(*c));

	if (c == NULL || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "cannot start libcurl (out of memory?)");
		free(c);
		return NULL;
	}
	c->cfg = *cfg;
	c->mct = cfg->max_tokens_field == MTF_MAX_COMPLETION_TOKENS ||
	    (cfg->max_tokens_field == MTF_AUTO &&
	    cfg->server == LLM_SERVER_OPENAI);
	jw_init(&c->body);
	if ((c->curl = curl_easy_init()) == NULL || add_headers(c) != 0 ||
	    set_options(c) != 0) {
		snprintf(err, errlen, "cannot set up libcurl for %s", cfg->url);
		llm_client_free(c);
		return NULL;
	}
	return c;
}

void
llm_client_free(struct llm_client *c)
{
	if (c == NULL)
		return;
	curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->headers);
	jw_free(&c->body);
	free(c->response.data);
	free(c);
	curl_global_cleanup();
}

/* OpenAI's reasoning models: o1, o3, o4-mini..., gpt-5... */
static int
reasoning_model(const char *model)
{
	const char *base = strrchr(model, '/');

	base = base ? base + 1 : model;
	return (base[0] == 'o' && isdigit((unsigned char)base[1])) ||
	    strncmp(base, "gpt-5", 5) == 0;
}

/* The answer as a JSON object with one enum field (strict schemas want
 * an object at the top). */
static void
answer_schema(struct jw *w)
{
	jw_object_begin(w);
	jw_kv_string(w, "type", "object");
	jw_key(w, "properties");
	jw_object_begin(w);
	jw_key(w, "answer");
	jw_object_begin(w);
	jw_kv_string(w, "type", "string");
	jw_key(w, "enum");
	jw_array_begin(w);
	jw_string(w, "MOVE");
	jw_string(w, "STAY");
	jw_array_end(w);
	jw_object_end(w);
	jw_object_end(w);
	jw_key(w, "required");
	jw_array_begin(w);
	jw_string(w, "answer");
	jw_array_end(w);
	jw_kv_bool(w, "additionalProperties", 0);
	jw_object_end(w);
}

/* OpenAI's response_format with a JSON schema (OpenAI, LM Studio, Ollama /v1). */
static void
response_format(struct jw *w)
{
	jw_key(w, "response_format");
	jw_object_begin(w);
	jw_kv_string(w, "type", "json_schema");
	jw_key(w, "json_schema");
	jw_object_begin(w);
	jw_kv_string(w, "name", "decision");
	jw_kv_bool(w, "strict", 1);
	jw_key(w, "schema");
	answer_schema(w);
	jw_object_end(w);
	jw_object_end(w);
}

/*
 * Thinking on or off, in the words of each server (--think auto: none).
 * Ollama: "think" (native) or "reasoning_effort" (/v1); vLLM and
 * llama-server: chat_template_kwargs.enable_thinking (Qwen3's template;
 * other templates ignore it); OpenAI: reasoning_effort, for reasoning
 * models only (others refuse it).  LM Studio and generic servers: none.
 */
static void
think_fields(struct llm_client *c, struct jw *w)
{
	int on = c->cfg.think == THINK_ON;

	if (c->cfg.think == THINK_AUTO || c->no_think)
		return;
	switch (c->cfg.server) {
	case LLM_SERVER_OLLAMA:
		if (c->cfg.api == LLM_API_OLLAMA)
			jw_kv_bool(w, "think", on);
		else
			jw_kv_string(w, "reasoning_effort", on ? "medium" :
			    "none");
		break;
	case LLM_SERVER_VLLM:
	case LLM_SERVER_LLAMA:
		jw_key(w, "chat_template_kwargs");
		jw_object_begin(w);
		jw_kv_bool(w, "enable_thinking", on);
		jw_object_end(w);
		break;
	case LLM_SERVER_OPENAI:
		if (reasoning_model(c->cfg.model))
			jw_kv_string(w, "reasoning_effort", on ? "medium" :
			    "low");
		break;
	default:
		break;
	}
}

/* The answer constrained to MOVE or STAY where the server can. */
static void
constrain_fields(struct llm_client *c, struct jw *w)
{
	c->json_answer = 0;
	if (c->cfg.constrain != CONSTRAIN_AUTO)
		return;
	switch (c->cfg.server) {
	case LLM_SERVER_LLAMA:
		jw_kv_string(w, "grammar", "root ::= \"MOVE\" | \"STAY\"");
		break;
	case LLM_SERVER_VLLM:
		jw_key(w, "structured_outputs");
		jw_object_begin(w);
		jw_key(w, "choice");
		jw_array_begin(w);
		jw_string(w, "MOVE");
		jw_string(w, "STAY");
		jw_array_end(w);
		jw_object_end(w);
		break;
	case LLM_SERVER_OLLAMA:
		c->json_answer = 1;
		if (c->cfg.api == LLM_API_OLLAMA) {
			jw_key(w, "format");
			answer_schema(w);
		} else {
			response_format(w);
		}
		break;
	case LLM_SERVER_OPENAI:
	case LLM_SERVER_LMSTUDIO:
		c->json_answer = 1;
		response_format(w);
		break;
	default:
		break;
	}
}

static const char *
build_body(struct llm_client *c, const char *prompt, uint32_t seed,
    int seeded, size_t *len)
{
	struct jw *w = &c->body;
	int ollama = c->cfg.api == LLM_API_OLLAMA;

	jw_reset(w);
	jw_object_begin(w);
	jw_kv_string(w, "model", c->cfg.model);
	jw_key(w, "messages");
	jw_array_begin(w);
	jw_object_begin(w);
	jw_kv_string(w, "role", "user");
	jw_kv_string(w, "content", prompt);
	jw_object_end(w);
	jw_array_end(w);
	jw_kv_bool(w, "stream", 0);
	if (ollama) {
		jw_key(w, "options");
		jw_object_begin(w);
	}
	if (c->cfg.temperature != PARAM_WORD_VALUE)
		jw_kv_double(w, "temperature", c->cfg.temperature);
	/* reasoning models take no sampling parameters */
	if (c->cfg.top_p != PARAM_WORD_VALUE &&
	    c->cfg.temperature != PARAM_WORD_VALUE)
		jw_kv_double(w, "top_p", c->cfg.top_p);
	jw_kv_int(w, ollama ? "num_predict" : c->mct ?
	    "max_completion_tokens" : "max_tokens", c->cfg.max_tokens);
	if (seeded)
		jw_kv_int(w, "seed", seed);
	if (ollama)
		jw_object_end(w);
	think_fields(c, w);
	constrain_fields(c, w);
	if (c->cfg.cache_prompt != OOA_AUTO &&
	    c->cfg.server == LLM_SERVER_LLAMA)
		jw_kv_bool(w, "cache_prompt", c->cfg.cache_prompt == OOA_ON);
	if (c->cfg.logprobs) {
		jw_kv_bool(w, "logprobs", 1);
		jw_kv_int(w, "top_logprobs", 5);
	}
	jw_object_end(w);
	return jw_text(w, len);
}

/* The server's own words about an error, on one line. */
static void
error_text(const struct buffer *b, char *out, size_t len)
{
	json_t *root = b->data ? json_loadb(b->data, b->len, 0, NULL) : NULL;
	json_t *e = json_object_get(root, "error");
	const char *text = NULL;

	if (json_is_string(e))
		text = json_string_value(e);
	else if (json_is_string(json_object_get(e, "message")))
		text = json_string_value(json_object_get(e, "message"));
	else if (b->data != NULL)
		text = b->data;
	snprintf(out, len, "%s", text && *text ? text : "(no error text)");
	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	json_decref(root);
}

/* Copies a JSON string member into out ("" if none). */
static void
copy_member(json_t *obj, const char *key, char *out, size_t len)
{
	const char *v = json_string_value(json_object_get(obj, key));

	snprintf(out, len, "%s", v ? v : "");
}

/*
 * The answer part of a reply's text: a <think>...</think> block (or a
 * lone leading </think>, when the template opened it) is reasoning, not
 * the answer; an unclosed <think> leaves no answer at all.
 */
static void
strip_think(char *text)
{
	for (int i = 0; i < 64; i++) {
		char *open = strstr(text, "<think>");
		char *close = strstr(text, "</think>");
		char *from;

		if (close == NULL) {
			if (open != NULL)
				*open = '\0';
			return;
		}
		from = open != NULL && open < close ? open : text;
		close += strlen("</think>");
		memmove(from, close, strlen(close) + 1);
	}
}

/* {"answer": "MOVE"} as a constrained server sends it: the answer's text. */
static void
unwrap_json_answer(char *text, size_t len)
{
	json_t *root = json_loads(text, 0, NULL);
	const char *v = json_string_value(json_object_get(root, "answer"));

	if (json_is_object(root) && json_object_size(root) == 1 && v != NULL) {
		char copy[256];

		snprintf(copy, sizeof(copy), "%s", v);
		snprintf(text, len, "%s", copy);
	}
	json_decref(root);
}

/*
 * A 200 reply: the model's text, or a transient error when the reply is
 * not the JSON asked for.  A message whose content is null or missing
 * (vLLM's thinking models put everything in reasoning_content) is an
 * empty reply, not a transient fault.
 */
static enum exchange
read_reply(struct llm_client *c, struct llm_reply *reply, char *err,
    size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_loadb(c->response.data ? c->response.data : "",
	    c->response.len, 0, &jerr);
	json_t *msg, *content, *first = NULL;
	const char *text;
	char *p;

	if (root == NULL) {
		snprintf(err, errlen, "malformed JSON from %s: %s", c->cfg.url,
		    jerr.text);
		return EX_TRANSIENT;
	}
	if (c->cfg.api == LLM_API_OLLAMA) {
		msg = json_object_get(root, "message");
	} else {
		first = json_array_get(json_object_get(root, "choices"), 0);
		msg = json_object_get(first, "message");
	}
	content = msg ? json_object_get(msg, "content") :
	    json_object_get(first, "text");
	if (!json_is_object(msg) && !json_is_string(content)) {
		snprintf(err, errlen, "reply from %s has no message "
		    "(empty choices?)", c->cfg.url);
		json_decref(root);
		return EX_TRANSIENT;
	}
	text = json_string_value(content);
	snprintf(reply->text, sizeof(reply->text), "%s", text ? text : "");
	reply->reasoned = json_string_length(json_object_get(msg,
	    "reasoning_content")) > 0 || json_string_length(json_object_get(
	    msg, "reasoning")) > 0 || json_string_length(json_object_get(msg,
	    "thinking")) > 0 || strstr(reply->text, "think>") != NULL;
	copy_member(root, "model", reply->model, sizeof(reply->model));
	copy_member(root, "system_fingerprint", reply->fingerprint,
	    sizeof(reply->fingerprint));
	json_decref(root);
	strip_think(reply->text);
	if (c->json_answer)
		unwrap_json_answer(reply->text, sizeof(reply->text));
	for (p = reply->text; isspace((unsigned char)*p); p++)
		;
	reply->empty = *p == '\0';
	return EX_REPLY;
}

static int
is_transient_status(long status)
{
	return status == 408 || status == 409 || status == 429 || status >= 500;
}

static enum exchange
curl_failure(struct llm_client *c, CURLcode rc, char *err, size_t errlen)
{
	const char *detail = c->curl_error[0] ? c->curl_error :
	    curl_easy_strerror(rc);

	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		snprintf(err, errlen, "cannot connect to %s (%s): is the server "
		    "running? check --llm-url", c->cfg.url, detail);
		return EX_TRANSIENT;
	case CURLE_COULDNT_RESOLVE_HOST:
		snprintf(err, errlen, "DNS: cannot resolve the host of %s (%s)",
		    c->cfg.url, detail);
		return EX_TRANSIENT;
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(err, errlen, "timeout talking to %s (%s); raise "
		    "--request-timeout or --connect-timeout", c->cfg.url, detail);
		return EX_TRANSIENT;
	case CURLE_WRITE_ERROR:
		snprintf(err, errlen, "reply from %s too large or out of memory",
		    c->cfg.url);
		return EX_TRANSIENT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		snprintf(err, errlen, "TLS: %s (%s)", c->cfg.url, detail);
		return EX_FINAL;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		snprintf(err, errlen, "bad --llm-url %s (%s)", c->cfg.url, detail);
		return EX_FINAL;
	default:
		snprintf(err, errlen, "connection to %s failed: %s", c->cfg.url,
		    detail);
		return EX_TRANSIENT;
	}
}

/* OpenAI's 429 with error code or type insufficient_quota. */
static int
quota_exhausted(const struct buffer *b)
{
	json_t *root = b->data ? json_loadb(b->data, b->len, 0, NULL) : NULL;
	json_t *e = json_object_get(root, "error");
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *type = json_string_value(json_object_get(e, "type"));
	int yes = (code && strcmp(code, "insufficient_quota") == 0) ||
	    (type && strcmp(type, "insufficient_quota") == 0);

	json_decref(root);
	return yes;
}

static int
mentions(const char *text, const char *word)
{
	size_t n = strlen(word);

	for (; *text; text++)
		if (strncasecmp(text, word, n) == 0)
			return 1;
	return 0;
}

/*
 * A 400.  When it is about a field we added on our own (thinking, the
 * name of the token cap), change the request once and ask again; else it
 * is final, with a hint when the reason is a known one.
 */
static enum exchange
refused_field(struct llm_client *c, const char *text, char *err,
    size_t errlen)
{
	size_t n = strlen(err);

	if (!c->no_think && c->cfg.think != THINK_AUTO &&
	    (mentions(text, "think") || mentions(text, "reasoning"))) {
		c->no_think = 1;
		return EX_RESEND;
	}
	if (c->cfg.max_tokens_field == MTF_AUTO && !c->mct &&
	    c->cfg.api != LLM_API_OLLAMA &&
	    mentions(text, "max_completion_tokens")) {
		c->mct = 1;
		return EX_RESEND;
	}
	if (mentions(text, "temperature") || mentions(text, "top_p"))
		snprintf(err + n, errlen - n, " (this model takes no sampling "
		    "settings: give --temperature default)");
	else if (mentions(text, "max_tokens"))
		snprintf(err + n, errlen - n, " (give --max-tokens-field "
		    "max_completion_tokens)");
	else if (c->cfg.constrain == CONSTRAIN_AUTO &&
	    (mentions(text, "format") || mentions(text, "grammar") ||
	    mentions(text, "structured") || mentions(text, "schema")))
		snprintf(err + n, errlen - n, " (try --constrain off)");
	return EX_FINAL;
}

/* Puts one request on the client's handle. */
static int
prepare(struct llm_client *c, const char *prompt, uint32_t seed, int seeded,
    char *err, size_t errlen)
{
	size_t len;
	const char *body = build_body(c, prompt, seed, seeded, &len);

	if (body == NULL) {
		snprintf(err, errlen, "out of memory building a request");
		return -1;
	}
	c->response.len = 0;
	c->response.overflow = 0;
	c->retry_after_ms = -1;
	c->retry_after_ms_hdr = -1;
	c->status = 0;
	c->curl_error[0] = '\0';
	if (curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body) ||
	    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)len)) {
		snprintf(err, errlen, "cannot set up the request");
		return -1;
	}
	return 0;
}

/* What a finished transfer came to; counts the call if a response came. */
static enum exchange
settle(struct llm_client *c, CURLcode rc, struct llm_reply *reply,
    struct llm_stats *stats, char *err, size_t errlen)
{
	double elapsed = 0;
	long status = 0;
	char text[384];

	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(c->curl, CURLINFO_TOTAL_TIME, &elapsed);
	reply->latency_s += elapsed;
	if (rc != CURLE_OK)
		return curl_failure(c, rc, err, errlen);
	if (stats != NULL) {
		stats->calls++;
		stats->time_s += elapsed;
	}
	c->status = status;
	if (status == 200)
		return read_reply(c, reply, err, errlen);
	error_text(&c->response, text, sizeof(text));
	snprintf(err, errlen, "HTTP %ld from %s: %s", status, c->cfg.url, text);
	if (status == 400)
		return refused_field(c, text, err, errlen);
	if (status == 429 && quota_exhausted(&c->response)) {
		snprintf(err, errlen, "HTTP 429 from %s: insufficient_quota: %s "
		    "(billing, not a rate limit: waiting will not help; check "
		    "the account's plan and credit)", c->cfg.url, text);
		return EX_FINAL;
	}
	return is_transient_status(status) ? EX_TRANSIENT : EX_FINAL;
}

static enum exchange
exchange(struct llm_client *c, const char *prompt, uint32_t seed, int seeded,
    struct llm_reply *reply, struct llm_stats *stats, char *err,
    size_t errlen)
{
	if (prepare(c, prompt, seed, seeded, err, errlen) != 0)
		return EX_FINAL;
	return settle(c, curl_easy_perform(c->curl), reply, stats, err, errlen);
}

void
llm_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static long
server_delay(const struct llm_client *c)
{
	return c->retry_after_ms_hdr >= 0 ? c->retry_after_ms_hdr :
	    c->retry_after_ms;
}

long
llm_retry_after_ms(const struct llm_client *c)
{
	return server_delay(c);
}

long
llm_header_delay_ms(const struct llm_client *c)
{
	return server_delay(c);
}

int
llm_backing_off(const struct llm_client *c)
{
	return c->status == 429 || c->status == 503;
}

/* Exponential backoff with jitter, or the server's Retry-After if longer. */
static long
backoff_ms(const struct llm_client *c, int retry, uint32_t seed)
{
	long d = c->cfg.retry_base_ms;
	struct rng r;

	for (int i = 1; i < retry && d < c->cfg.retry_max_ms; i++)
		d *= 2;
	if (d > c->cfg.retry_max_ms)
		d = c->cfg.retry_max_ms;
	rng_init(&r, ((uint64_t)seed << 16) ^ (uint64_t)retry);
	d = d / 2 + (long)(rng_uniform(&r) * (double)(d - d / 2));
	return server_delay(c) > d ? server_delay(c) : d;
}

enum llm_answer
llm_parse_answer(const char *text)
{
	const char *end = text + strlen(text);
	size_t n;

	while (*text && (isspace((unsigned char)*text) || strchr("\"'`", *text)))
		text++;
	while (end > text && (isspace((unsigned char)end[-1]) ||
	    strchr("\"'`.!,;:", end[-1])))
		end--;
	n = (size_t)(end - text);
	if (n == 4 && strncasecmp(text, "MOVE", 4) == 0)
		return LLM_MOVE;
	if (n == 4 && strncasecmp(text, "STAY", 4) == 0)
		return LLM_STAY;
	return LLM_UNPARSED;
}

/*
 * A reply of the server, after as many retries of transient failures as
 * allowed (*transient counts them across calls), with backoff.
 */
static enum llm_result
reply_retrying(struct llm_client *c, const char *prompt, uint32_t seed,
    uint32_t backoff_seed, int *transient, struct llm_reply *reply,
    struct llm_stats *stats, char *err, size_t errlen)
{
	for (int resent = 0;;) {
		enum exchange e;

		reply->attempts++;
		e = exchange(c, prompt, seed, 1, reply, stats, err, errlen);
		if (e == EX_REPLY)
			return LLM_OK;
		if (e == EX_RESEND && resent++ < 4)
			continue;
		if (e == EX_FINAL || e == EX_RESEND)
			return LLM_REFUSED;
		if ((*transient)++ >= c->cfg.retries)
			return LLM_GAVE_UP;
		if (stats != NULL)
			stats->retries++;
		llm_sleep_ms(backoff_ms(c, *transient, backoff_seed));
	}
}

enum llm_result
llm_ask(struct llm_client *c, const char *prompt, uint32_t seed,
    struct llm_reply *reply, struct llm_stats *stats, char *err,
    size_t errlen)
{
	int transient = 0, unparsed = 0;
	uint32_t attempt_seed = seed;
	enum llm_result res;

	memset(reply, 0, sizeof(*reply));
	for (;;) {
		if ((res = reply_retrying(c, prompt, attempt_seed, seed,
		    &transient, reply, stats, err, errlen)) != LLM_OK)
			return res;
		reply->answer = llm_parse_answer(reply->text);
		if (reply->answer != LLM_UNPARSED)
			return LLM_OK;
		/* asked again, a thinking model would think as long again */
		if (reply->empty) {
			stats->parse_failures++;
			stats->empty_replies++;
			return LLM_OK;
		}
		if (unparsed++ >= c->cfg.parse_retries) {
			stats->parse_failures++;
			return LLM_OK;
		}
		/* the same seed would get the same words again */
		attempt_seed = (uint32_t)(rng_key(seed, (uint64_t)unparsed, 0, 0,
		    RNG_REQUEST_SEED) & 0x7fffffff);
		stats->retries++;
	}
}

enum llm_result
llm_probe(struct llm_client *c, const char *prompt, struct llm_reply *reply,
    char *err, size_t errlen)
{
	enum exchange e;

	memset(reply, 0, sizeof(*reply));
	reply->attempts = 1;
	for (int i = 0; (e = exchange(c, prompt, 0, 0, reply, NULL, err,
	    errlen)) == EX_RESEND && i < 4; i++)
		reply->attempts++;
	if (e == EX_REPLY)
		reply->answer = llm_parse_answer(reply->text);
	return e == EX_REPLY ? LLM_OK : e == EX_TRANSIENT ? LLM_GAVE_UP :
	    LLM_REFUSED;
}

static int
trim_key(char *key)
{
	size_t n = strlen(key);

	while (n > 0 && isspace((unsigned char)key[n - 1]))
		key[--n] = '\0';
	return n > 0 ? 0 : -1;
}

void
llm_forget_key(char *key)
{
	if (key == NULL)
		return;
	memset(key, 0, strlen(key));
	free(key);
}

void
llm_config_from(struct llm_config *cfg, const struct llm_params *p)
{
	*cfg = (struct llm_config){
		.url = llm_params_url(p), .model = p->llm_model,
		.api = p->llm_api, .server = llm_params_server(p),
		.server_auto = p->llm_server == LLM_SERVER_AUTO,
		.think = p->think, .max_tokens_field = p->max_tokens_field,
		.cache_prompt = p->cache_prompt, .constrain = p->constrain,
		.top_p = p->top_p, .temperature = p->temperature,
		.max_tokens = p->max_tokens, .retries = p->llm_retries,
		.parse_retries = p->parse_retries,
		.connect_timeout_ms = (long)(p->connect_timeout * 1000),
		.request_timeout_ms = (long)(p->request_timeout * 1000),
		.retry_base_ms = p->retry_base_ms,
		.retry_max_ms = p->retry_max_ms,
	};
}

int
llm_read_key(const char *file, char **key, char *err, size_t errlen)
{
	const char *env = getenv("LLM_API_KEY");
	char line[4096];
	FILE *f;

	*key = NULL;
	if (file == NULL || *file == '\0') {
		if (env != NULL && *env != '\0' && (*key = strdup(env)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		return 0;
	}
	if ((f = fopen(file, "r")) == NULL) {
		snprintf(err, errlen, "cannot read the API key file %s: %s",
		    file, strerror(errno));
		return -1;
	}
	if (fgets(line, sizeof(line), f) == NULL || trim_key(line) != 0) {
		snprintf(err, errlen, "the API key file %s is empty; put the key "
		    "on its first line", file);
		fclose(f);
		return -1;
	}
	fclose(f);
	*key = strdup(line);
	memset(line, 0, sizeof(line));
	if (*key == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void *
llm_handle(struct llm_client *c)
{
	return c->curl;
}

int
llm_start(struct llm_client *c, const char *prompt, uint32_t seed)
{
	char err[128];

	return prepare(c, prompt, seed, 1, err, sizeof(err));
}

/* The answer of a transfer started with llm_start, or LLM_UNPARSED. */
enum llm_answer
llm_finish(struct llm_client *c, int curl_code, struct llm_reply *reply,
    struct llm_stats *stats)
{
	char err[512];

	memset(reply, 0, sizeof(*reply));
	reply->attempts = 1;
	if (settle(c, (CURLcode)curl_code, reply, stats, err, sizeof(err)) !=
	    EX_REPLY)
		return reply->answer = LLM_UNPARSED;
	return reply->answer = llm_parse_answer(reply->text);
}

void
llm_sibling_url(const char *url, const char *path, int models, char *out,
    size_t len)
{
	static const char *const suffix[] = { "/v1/chat/completions",
	    "/chat/completions", "/api/chat" };
	static const char *const list[] = { "/v1/models", "/models",
	    "/api/tags" };
	size_t n = strcspn(url, "?#"), k;
	const char *host = strstr(url, "://");

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		k = strlen(suffix[i]);
		if (n >= k && strncmp(url + n - k, suffix[i], k) == 0) {
			snprintf(out, len, "%.*s%s", (int)(n - k), url,
			    models ? list[i] : path);
			return;
		}
	}
	/* an unknown path: next to the host */
	host = host ? strchr(host + 3, '/') : NULL;
	snprintf(out, len, "%.*s%s", (int)(host ? (size_t)(host - url) : n),
	    url, models ? "/v1/models" : path);
}

int
llm_get(const char *url, const char *api_key, long timeout_s, char **body,
    size_t *blen, long *status, char *err, size_t errlen)
{
	struct buffer b = { NULL, 0, 0, 0 };
	struct curl_slist *h = NULL, *l;
	char *auth = NULL;
	CURL *curl = curl_easy_init();
	CURLcode rc = CURLE_FAILED_INIT;
	size_t n;

	*body = NULL;
	*blen = 0;
	*status = 0;
	if (api_key != NULL) {
		n = strlen(api_key) + sizeof("Authorization: Bearer ");
		if ((auth = malloc(n)) != NULL) {
			snprintf(auth, n, "Authorization: Bearer %s", api_key);
			if ((l = curl_slist_append(h, auth)) != NULL)
				h = l;
			memset(auth, 0, n);
			free(auth);
		}
	}
	if (curl != NULL && (api_key == NULL || h != NULL))
		rc = curl_easy_setopt(curl, CURLOPT_URL, url) ||
		    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) ||
		    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h) ||
		    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body) ||
		    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b) ||
		    curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_s) ||
		    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https") ?
		    CURLE_FAILED_INIT : curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(curl);
	curl_slist_free_all(h);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s: %s", url, curl_easy_strerror(rc));
		free(b.data);
		return -1;
	}
	*body = b.data;
	*blen = b.len;
	return 0;
}

int
llm_list_models(struct llm_client *c, char *out, size_t len)
{
	char url[2048], err[256], *body;
	size_t blen, i, used = 0;
	long status;
	json_t *root, *list, *m;
	int count = 0;

	llm_sibling_url(c->cfg.url, "", 1, url, sizeof(url));
	*out = '\0';
	if (llm_get(url, c->cfg.api_key, 10, &body, &blen, &status, err,
	    sizeof(err)) != 0)
		return -1;
	root = status == 200 && body ? json_loadb(body, blen, 0, NULL) : NULL;
	free(body);
	list = json_object_get(root, "data");
	if (list == NULL)
		list = json_object_get(root, "models");
	json_array_foreach(list, i, m) {
		const char *id = json_string_value(json_object_get(m, "id"));

		if (id == NULL)
			id = json_string_value(json_object_get(m, "name"));
		if (id == NULL || used + strlen(id) + 3 >= len)
			continue;
		used += (size_t)snprintf(out + used, len - used, "%s%s",
		    count++ ? ", " : "", id);
	}
	json_decref(root);
	return count > 0 ? 0 : -1;
}

/* Logprobs, for simprobe; kept apart at the end of the file. */

/* Adds the probability of a top_logprobs entry to MOVE's or STAY's mass. */
static void
add_mass(json_t *entry, double mass[2])
{
	const char *token = json_string_value(json_object_get(entry, "token"));
	json_t *lp = json_object_get(entry, "logprob");
	size_t n;

	if (token == NULL || !json_is_number(lp))
		return;
	while (isspace((unsigned char)*token))
		token++;
	n = strlen(token);
	while (n > 0 && isspace((unsigned char)token[n - 1]))
		n--;
	if (n == 4 && strncasecmp(token, "MOVE", 4) == 0)
		mass[LLM_MOVE] += exp(json_number_value(lp));
	else if (n == 4 && strncasecmp(token, "STAY", 4) == 0)
		mass[LLM_STAY] += exp(json_number_value(lp));
}

/*
 * The first reply token's top_logprobs: choices[0].logprobs.content[0]
 * (OpenAI) or logprobs[0] (Ollama's native API).  0 when there are none,
 * or when the first token is not exactly MOVE or STAY (a quote, a space,
 * "M" + "OVE"): its alternatives then say nothing about the answer.
 */
static int
read_logprobs(const struct buffer *b, int ollama, double mass[2])
{
	json_t *root = json_loadb(b->data ? b->data : "", b->len, 0, NULL);
	json_t *first = ollama ? json_array_get(json_object_get(root,
	    "logprobs"), 0) : json_array_get(json_object_get(json_object_get(
	    json_array_get(json_object_get(root, "choices"), 0), "logprobs"),
	    "content"), 0);
	json_t *top = json_object_get(first, "top_logprobs");
	const char *token = json_string_value(json_object_get(first, "token"));
	int carried = json_is_array(top) && token != NULL &&
	    llm_parse_answer(token) != LLM_UNPARSED &&
	    strcspn(token, "\"'`") == strlen(token);
	size_t i;
	json_t *entry;

	if (carried)
		json_array_foreach(top, i, entry)
			add_mass(entry, mass);
	json_decref(root);
	return carried;
}

enum llm_result
llm_ask_logprobs(struct llm_client *c, const char *prompt, uint32_t seed,
    double mass[2], int *carried, struct llm_reply *reply,
    struct llm_stats *stats, char *err, size_t errlen)
{
	int transient = 0;
	enum llm_result res;

	memset(reply, 0, sizeof(*reply));
	mass[0] = mass[1] = 0;
	*carried = 0;
	if (!c->cfg.logprobs) {
		snprintf(err, errlen, "this client asks for no logprobs");
		return LLM_REFUSED;
	}
	if ((res = reply_retrying(c, prompt, seed, seed, &transient, reply,
	    stats, err, errlen)) != LLM_OK)
		return res;
	reply->answer = llm_parse_answer(reply->text);
	*carried = read_logprobs(&c->response, c->cfg.api == LLM_API_OLLAMA,
	    mass);
	return LLM_OK;
}
