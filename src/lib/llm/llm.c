/*
 * The client keeps one curl easy handle for its whole life, so every
 * request after the first reuses the same TCP connection.  Transient
 * failures (no connection, timeouts, 408, 409, 429, 5xx, a reply that is
 * not the JSON we asked for) are retried with exponential backoff and
 * jitter, honouring Retry-After; 400, 401, 403 and 404 are final.
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
#include "sim/params.h"
#include "sim/rng.h"

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
	char curl_error[CURL_ERROR_SIZE];
};

/* What one HTTP exchange came to. */
enum exchange { EX_REPLY, EX_TRANSIENT, EX_FINAL };

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

static size_t
on_header(char *data, size_t size, size_t n, void *arg)
{
	struct llm_client *c = arg;
	size_t len = size * n;
	const char name[] = "retry-after:";
	char value[32];
	long seconds;

	if (len > sizeof(name) - 1 && len - (sizeof(name) - 1) < sizeof(value) &&
	    strncasecmp(data, name, sizeof(name) - 1) == 0) {
		memcpy(value, data + sizeof(name) - 1, len - (sizeof(name) - 1));
		value[len - (sizeof(name) - 1)] = '\0';
		/* the seconds form only; an HTTP date falls back to backoff */
		if (sscanf(value, " %ld", &seconds) == 1 && seconds >= 0)
			c->retry_after_ms = seconds * 1000 < RETRY_AFTER_MAX_MS ?
			    seconds * 1000 : RETRY_AFTER_MAX_MS;
	}
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
	jw_kv_double(w, "temperature", c->cfg.temperature);
	jw_kv_int(w, ollama ? "num_predict" : "max_tokens", c->cfg.max_tokens);
	if (seeded)
		jw_kv_int(w, "seed", seed);
	if (ollama)
		jw_object_end(w);
	if (c->cfg.logprobs && !ollama) {
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

static json_t *
reply_content(struct llm_client *c, json_t *root)
{
	json_t *choices, *first;

	if (c->cfg.api == LLM_API_OLLAMA)
		return json_object_get(json_object_get(root, "message"),
		    "content");
	choices = json_object_get(root, "choices");
	first = json_array_get(choices, 0);
	if (json_object_get(first, "message") == NULL)
		return json_object_get(first, "text");
	return json_object_get(json_object_get(first, "message"), "content");
}

/* A 200 reply: the model's text, or a transient error if it is not there. */
static enum exchange
read_reply(struct llm_client *c, struct llm_reply *reply, char *err,
    size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_loadb(c->response.data ? c->response.data : "",
	    c->response.len, 0, &jerr);
	json_t *content = reply_content(c, root);
	enum exchange result = EX_REPLY;

	if (root == NULL)
		snprintf(err, errlen, "malformed JSON from %s: %s", c->cfg.url,
		    jerr.text);
	else if (!json_is_string(content))
		snprintf(err, errlen, "reply from %s has no message content "
		    "(empty choices?)", c->cfg.url);
	else
		snprintf(reply->text, sizeof(reply->text), "%s",
		    json_string_value(content));
	if (root == NULL || !json_is_string(content))
		result = EX_TRANSIENT;
	json_decref(root);
	return result;
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
	if (status == 200)
		return read_reply(c, reply, err, errlen);
	error_text(&c->response, text, sizeof(text));
	snprintf(err, errlen, "HTTP %ld from %s: %s", status, c->cfg.url, text);
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

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
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
	return c->retry_after_ms > d ? c->retry_after_ms : d;
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
	for (;;) {
		enum exchange e;

		reply->attempts++;
		e = exchange(c, prompt, seed, 1, reply, stats, err, errlen);
		if (e == EX_REPLY)
			return LLM_OK;
		if (e == EX_FINAL)
			return LLM_REFUSED;
		if ((*transient)++ >= c->cfg.retries)
			return LLM_GAVE_UP;
		if (stats != NULL)
			stats->retries++;
		sleep_ms(backoff_ms(c, *transient, backoff_seed));
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
	e = exchange(c, prompt, 0, 0, reply, NULL, err, errlen);
	return e == EX_REPLY ? LLM_OK : e == EX_FINAL ? LLM_REFUSED :
	    LLM_GAVE_UP;
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
llm_config_from(struct llm_config *cfg, const struct sim_params *p)
{
	*cfg = (struct llm_config){
		.url = params_llm_url(p), .model = p->llm_model,
		.api = p->llm_api, .temperature = p->temperature,
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

/* choices[0].logprobs.content[0].top_logprobs; 0 when there is none. */
static int
read_logprobs(const struct buffer *b, double mass[2])
{
	json_t *root = json_loadb(b->data ? b->data : "", b->len, 0, NULL);
	json_t *top = json_object_get(json_array_get(json_object_get(
	    json_object_get(json_array_get(json_object_get(root, "choices"), 0),
	    "logprobs"), "content"), 0), "top_logprobs");
	int carried = json_is_array(top);
	size_t i;
	json_t *entry;

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
	if (c->cfg.api == LLM_API_OLLAMA || !c->cfg.logprobs) {
		snprintf(err, errlen, "logprobs need --llm-api openai: Ollama's "
		    "native API does not return them");
		return LLM_REFUSED;
	}
	if ((res = reply_retrying(c, prompt, seed, seed, &transient, reply,
	    stats, err, errlen)) != LLM_OK)
		return res;
	reply->answer = llm_parse_answer(reply->text);
	*carried = read_logprobs(&c->response, mass);
	return LLM_OK;
}
