/*
 * The client keeps one curl easy handle for its whole life, so every
 * request after the first reuses the same TCP connection.  Transient
 * failures (no connection, timeouts, 408, 409, 429, 5xx such as
 * Anthropic's 529 overloaded_error, a reply that is not the JSON we asked
 * for) are retried with exponential backoff and jitter, honouring
 * Retry-After (seconds or an HTTP date) and retry-after-ms up to
 * --max-server-wait; 400, 401, 403, 404 and a 429 for billing are final.
 * Each server kind is sent only the fields its reference documents
 * (body.c); a 400 that names an optional field we added drops that field
 * once, said and recorded, only when the request still says what the
 * user asked (refused_field).
 */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "io/msg.h"
#include "llm/body.h"
#include "llm/kind.h"
#include "llm/llm.h"
#include "llm/params.h"
#include "llm/reply.h"
#include "model/rng.h"

#define REPLY_MAX (1 << 20)
#define SAID_WAIT_MS 5000L        /* a longer wait the server asks is said */
/* Anthropic's versioning page: "you must send an anthropic-version
 * request header. For example, anthropic-version: 2023-06-01" */
#define ANTHROPIC_VERSION "anthropic-version: 2023-06-01"

/* Said once per process: fields dropped, LM Studio's bug. */
static unsigned dropped_fields;
static int lmstudio_warned;

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
	char delay_text[48];      /* the header that asked it, as sent */
	long status;              /* HTTP status of the last response */
	struct llm_shape sh;      /* what it sends (body.h) */
	int unresolved;           /* its kind is still to be asked (kind.h) */
	char found[160];          /* how the kind was found by asking */
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

/* A delay in ms; LONG_MAX when longer than any wait. */
static long
delay_ms(double ms)
{
	return ms >= (double)(LONG_MAX / 2) ? LONG_MAX : (long)ms;
}

/*
 * Retry-After (RFC 9110: delay-seconds = 1*DIGIT, or an HTTP-date) and
 * OpenAI's retry-after-ms (a number of ms, maybe with a fraction).  Never
 * capped here: a number too long for any wait, or a date years ahead, is
 * LONG_MAX, so that the wait is judged (llm_wait_allowed), not shortened.
 */
long
llm_parse_retry_after(const char *value, int ms_form, time_t now)
{
	const char *p;
	double v = 0, scale = 0.1;
	time_t when;

	while (*value == ' ' || *value == '\t')
		value++;
	for (p = value; isdigit((unsigned char)*p); p++)
		v = v * 10 + (*p - '0');
	if (ms_form && *p == '.' && p > value)
		for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
			v += (*p - '0') * scale;
	if (p > value && (*p == '\0' || isspace((unsigned char)*p)))
		return delay_ms(ms_form ? v : v * 1000.0);
	if (ms_form || (when = curl_getdate(value, NULL)) == -1)
		return -1;
	return when > now ? delay_ms((double)(when - now) * 1000.0) : 0;
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
	if (ms || c->retry_after_ms_hdr < 0)
		snprintf(c->delay_text, sizeof(c->delay_text), "%s %.32s", ms ?
		    "retry-after-ms" : "Retry-After", value + strspn(value,
		    " \t"));
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
	if (c->cfg.api == LLM_API_ANTHROPIC &&
	    (l = curl_slist_append(c->headers, ANTHROPIC_VERSION)) == NULL)
		return -1;
	if (c->cfg.api_key == NULL)
		return 0;
	n = strlen(c->cfg.api_key) + sizeof("Authorization: Bearer ");
	if ((auth = malloc(n)) == NULL)
		return -1;
	/* Anthropic's Messages API takes the key as x-api-key, every other
	 * API (Anthropic's OpenAI layer too) as a bearer token */
	if (c->cfg.api == LLM_API_ANTHROPIC)
		snprintf(auth, n, "x-api-key: %s", c->cfg.api_key);
	else
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
	c->unresolved = cfg->server_auto && cfg->server ==
	    LLM_SERVER_GENERIC && cfg->api == LLM_API_OPENAI;
	jw_init(&c->body);
	if (llm_shape_init(&c->sh, cfg, err, errlen) != 0) {
		llm_client_free(c);
		return NULL;
	}
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

/* The server's own words about an error, on one line. */
static void
error_text(const struct buffer *b, char *out, size_t len)
{
	json_t *root = b->data ? json_loadb(b->data, b->len, 0, NULL) : NULL;
	/* Google's errors come as a one-element array */
	json_t *e = json_object_get(json_is_array(root) ?
	    json_array_get(root, 0) : root, "error");
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

/*
 * A 200 reply: the model's text, or a transient error when the reply is
 * not the JSON asked for.  A message whose content is null or missing
 * (vLLM's thinking models put everything in reasoning_content) is an
 * empty reply, not a transient fault.  What the server counted is added
 * to stats.
 */
static enum exchange
read_reply(struct llm_client *c, struct llm_reply *reply,
    struct llm_stats *stats, char *err, size_t errlen)
{
	const struct reply_form f = { c->cfg.api, c->cfg.server,
	    c->sh.json_answer };
	char why[256];

	if (llm_reply_read(&f, c->response.data, c->response.len, reply, why,
	    sizeof(why)) != 0) {
		snprintf(err, errlen, "reply from %s: %s", c->cfg.url, why);
		return EX_TRANSIENT;
	}
	if (reply->from_reasoning && !lmstudio_warned) {
		lmstudio_warned = 1;
		msg(c->cfg.prog, "warning: %s put the constrained answer in "
		    "reasoning_content and left content empty (LM Studio's "
		    "open bug, lmstudio-bug-tracker #1773); taking that answer "
		    "object as the answer (counted as answers_from_reasoning)",
		    c->cfg.url);
	}
	if (stats != NULL) {
		stats->input_tokens += reply->input_tokens;
		stats->output_tokens += reply->output_tokens;
		stats->reasoning_tokens += reply->reasoning_tokens;
		stats->answers_from_reasoning += reply->from_reasoning;
	}
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
	/* Anthropic: a 429 whose error_code is enforced_spend_limit_reached */
	const char *spend = json_string_value(json_object_get(json_object_get(
	    e, "details"), "error_code"));
	int yes = (code && strcmp(code, "insufficient_quota") == 0) ||
	    (type && strcmp(type, "insufficient_quota") == 0) ||
	    (spend && strcmp(spend, "enforced_spend_limit_reached") == 0);

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

static int
ident_char(int ch)
{
	return isalnum((unsigned char)ch) || ch == '_';
}

/*
 * Whether text names field: the name alone, not inside another word nor
 * in a tag (<think> quoted by a grammar error names no field).  A short
 * word (think, thinking) must stand as a field does in error texts:
 * quoted, or followed by '.', ':' or a quote.
 */
static int
names_field(const char *text, const char *name)
{
	size_t n = strlen(name);
	int word = strchr(name, '_') == NULL;

	for (const char *p = text; (p = strstr(p, name)) != NULL; p++) {
		int before = p > text ? p[-1] : ' ', after = p[n];

		if (ident_char(before) || ident_char(after) || before == '<' ||
		    after == '>')
			continue;
		if (!word || strchr("'\"`", before) != NULL ||
		    (after != '\0' && strchr(".:'\"`", after) != NULL))
			return 1;
	}
	return 0;
}

/* The optional field of the last request that text names, or 0. */
static unsigned
named_field(const struct llm_client *c, const char *text)
{
	for (int i = 0; i < FIELD_COUNT; i++) {
		unsigned f = 1u << i;

		if (!(c->sh.sent & f))
			continue;
		if (names_field(text, llm_field_name(f)) ||
		    (f == FIELD_TEMPLATE_KWARGS && names_field(text,
		    "enable_thinking")))
			return f;
		/* Ollama's refusal names the model, not the field */
		if (c->cfg.server == LLM_SERVER_OLLAMA && (f == FIELD_THINK ||
		    f == FIELD_REASONING_EFFORT) &&
		    strstr(text, "does not support thinking") != NULL)
			return f;
	}
	return 0;
}

/*
 * Whether the request may go on without field: when thinking was asked
 * on (the model then thinks as it will, which is said), when the model
 * cannot think at all (Ollama's "does not support thinking"), or when
 * the other switch still carries --think off (vLLM before 0.11 refuses
 * reasoning_effort "none" but takes chat_template_kwargs).  Never when
 * dropping it could turn thinking back on.
 */
static int
may_drop(const struct llm_client *c, unsigned field, const char *text)
{
	unsigned both = FIELD_REASONING_EFFORT | FIELD_TEMPLATE_KWARGS;
	unsigned other = both & ~field;

	/* OpenAI lists the efforts a model takes: another effort is the
	 * user's choice to make (--think), not the model's default */
	if (strstr(text, "Supported values") != NULL)
		return 0;
	if (c->sh.level != FAMILY_OFF)
		return 1;
	if (strstr(text, "does not support thinking") != NULL)
		return 1;
	return (field & both) && (c->sh.sent & other) &&
	    !(c->sh.dropped & other);
}

/* A field dropped: said once per process, recorded for the end line. */
static void
note_dropped(const struct llm_client *c, unsigned field, const char *text)
{
	if (!(dropped_fields & field))
		msg(c->cfg.prog, "warning: %s refused %s (HTTP 400: %.200s); "
		    "asking without it", c->cfg.url, llm_field_name(field), text);
	dropped_fields |= field;
}

int
llm_dropped_fields(char *out, size_t len)
{
	size_t used = 0;

	*out = '\0';
	for (int i = 0; i < FIELD_COUNT && used < len; i++)
		if (dropped_fields & (1u << i))
			used += (size_t)snprintf(out + used, len - used, "%s%s",
			    used ? "," : "", llm_field_name(1u << i));
	return dropped_fields != 0;
}

static void
hint(const struct llm_client *c, const char *text, char *err, size_t errlen)
{
	size_t n = strlen(err);

	if (named_field(c, text) != 0)
		snprintf(err + n, errlen - n, " (the server refused %s; give "
		    "the --think whose effort it takes, or --think auto to "
		    "send nothing about thinking)",
		    llm_field_name(named_field(c, text)));
	else if (mentions(text, "temperature") || mentions(text, "top_p"))
		snprintf(err + n, errlen - n, " (this model takes no sampling "
		    "settings: give --temperature default)");
	else if (mentions(text, "max_tokens"))
		snprintf(err + n, errlen - n, " (give --max-tokens-field "
		    "max_completion_tokens)");
	else if (c->cfg.constrain == CONSTRAIN_AUTO &&
	    (mentions(text, "format") || mentions(text, "grammar") ||
	    mentions(text, "structured") || mentions(text, "schema")))
		snprintf(err + n, errlen - n, " (try --constrain off)");
}

/*
 * A 400.  When it names an optional field we added and may go (may_drop),
 * the field is dropped and the request asked again; when it asks for
 * max_completion_tokens, that name is used; else it is final, with a
 * hint when the reason is a known one.
 */
static enum exchange
refused_field(struct llm_client *c, const char *text, char *err,
    size_t errlen)
{
	unsigned field = named_field(c, text);

	if (field != 0 && may_drop(c, field, text)) {
		c->sh.dropped |= field;
		note_dropped(c, field, text);
		return EX_RESEND;
	}
	if (c->cfg.max_tokens_field == MTF_AUTO && !c->sh.mct &&
	    c->cfg.api == LLM_API_OPENAI &&
	    mentions(text, "max_completion_tokens")) {
		c->sh.mct = 1;
		return EX_RESEND;
	}
	hint(c, text, err, errlen);
	return EX_FINAL;
}

/*
 * Puts one request on the client's handle: EX_REPLY when it is ready;
 * EX_TRANSIENT when the server, asked what it is first, did not answer.
 */
static enum exchange
prepare(struct llm_client *c, const char *prompt, uint32_t seed, int seeded,
    char *err, size_t errlen)
{
	size_t len;
	const char *body;
	int r;

	if (c->unresolved && (r = llm_client_resolve(c, err, errlen)) != 0)
		return r == -1 ? EX_TRANSIENT : EX_FINAL;
	if ((body = llm_body(&c->body, &c->cfg, &c->sh, prompt, seed, seeded,
	    &len)) == NULL) {
		snprintf(err, errlen, "out of memory building a request");
		return EX_FINAL;
	}
	c->response.len = 0;
	c->response.overflow = 0;
	c->retry_after_ms = -1;
	c->retry_after_ms_hdr = -1;
	c->delay_text[0] = '\0';
	c->status = 0;
	c->curl_error[0] = '\0';
	if (curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body) ||
	    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)len)) {
		snprintf(err, errlen, "cannot set up the request");
		return EX_FINAL;
	}
	return EX_REPLY;
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
		return read_reply(c, reply, stats, err, errlen);
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
	enum exchange e = prepare(c, prompt, seed, seeded, err, errlen);

	if (e != EX_REPLY)
		return e;
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
 * A choice: the number alone, 1..choices, with the tolerance of the MOVE
 * or STAY answer (quotes around it, a stop after it); 0 for anything else.
 */
int
llm_parse_choice(const char *text, int choices)
{
	const char *end = text + strlen(text);

	while (*text && (isspace((unsigned char)*text) || strchr("\"'`", *text)))
		text++;
	while (end > text && (isspace((unsigned char)end[-1]) ||
	    strchr("\"'`.!,;:", end[-1])))
		end--;
	if (end - text != 1 || *text < '1' || *text > '0' + choices)
		return 0;
	return *text - '0';
}

/* A wait in words: "42 s", or what the header said when beyond words. */
static void
wait_words(long ms, char *out, size_t len)
{
	if (ms == LONG_MAX)
		snprintf(out, len, "longer than any wait");
	else if (ms < 10000)
		snprintf(out, len, "%.1f s", (double)ms / 1000);
	else
		snprintf(out, len, "%ld s", (ms + 999) / 1000);
}

int
llm_wait_allowed(const struct llm_client *c, long ms, char *err,
    size_t errlen)
{
	char asked[64], until[32];
	long status = 0;
	time_t t;
	struct tm tm;

	if (ms <= 0 || (ms <= SAID_WAIT_MS && (double)ms <=
	    (double)c->cfg.max_server_wait_ms))
		return 0;
	/* the transfer's own status: early requests are judged before
	 * their reply is read */
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	wait_words(ms, asked, sizeof(asked));
	if ((double)ms > (double)c->cfg.max_server_wait_ms) {
		snprintf(err, errlen, "%s asked to wait %s (HTTP %ld, %s), "
		    "beyond --max-server-wait %g s: giving up this request",
		    c->cfg.url, asked, status, c->delay_text,
		    (double)c->cfg.max_server_wait_ms / 1000);
		return -1;
	}
	if (ms <= SAID_WAIT_MS)
		return 0;
	t = time(NULL) + (time_t)((ms + 999) / 1000);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(until, sizeof(until), "%H:%M:%S UTC", &tm) == 0)
		snprintf(until, sizeof(until), "later");
	msg(c->cfg.prog, "%s asked to wait %s (HTTP %ld, %s), until %s; "
	    "waiting", c->cfg.url, asked, status, c->delay_text, until);
	return 0;
}

/*
 * A reply of the server, after as many retries of transient failures as
 * allowed (*transient counts them across calls), with backoff; a wait
 * the server asks beyond --max-server-wait gives up at once.
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
		if (llm_wait_allowed(c, server_delay(c), err, errlen) != 0)
			return LLM_GAVE_UP;
		if (stats != NULL)
			stats->retries++;
		llm_sleep_ms(backoff_ms(c, *transient, backoff_seed));
	}
}

/* The reply's answer: MOVE or STAY, or (choices > 0) the number chosen. */
static int
parsed(struct llm_reply *reply, int choices)
{
	if (choices > 0)
		return (reply->choice = llm_parse_choice(reply->text,
		    choices)) > 0;
	reply->answer = llm_parse_answer(reply->text);
	return reply->answer != LLM_UNPARSED;
}

static enum llm_result
ask_parsed(struct llm_client *c, const char *prompt, uint32_t seed,
    int choices, struct llm_reply *reply, struct llm_stats *stats, char *err,
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
		if (parsed(reply, choices))
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
llm_ask(struct llm_client *c, const char *prompt, uint32_t seed,
    struct llm_reply *reply, struct llm_stats *stats, char *err,
    size_t errlen)
{
	return ask_parsed(c, prompt, seed, 0, reply, stats, err, errlen);
}

/* The body says which numbers may answer while this request is asked. */
enum llm_result
llm_ask_choice(struct llm_client *c, const char *prompt, uint32_t seed,
    int choices, struct llm_reply *reply, struct llm_stats *stats, char *err,
    size_t errlen)
{
	enum llm_result res;

	c->sh.choices = choices;
	res = ask_parsed(c, prompt, seed, choices, reply, stats, err, errlen);
	c->sh.choices = 0;
	return res;
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
llm_config_from(struct llm_config *cfg, const struct llm_params *p,
    const char *prog)
{
	*cfg = (struct llm_config){
		.prog = prog,
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
		.max_server_wait_ms = (long)(p->max_server_wait * 1000),
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
	char err[512];

	return prepare(c, prompt, seed, 1, err, sizeof(err)) == EX_REPLY ? 0 :
	    -1;
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
	    "/chat/completions", "/api/chat", "/v1/messages" };
	static const char *const list[] = { "/v1/models", "/models",
	    "/api/tags", "/v1/models" };
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

/* The key as the API takes it (see add_headers), on the list h. */
static struct curl_slist *
get_headers(const char *api_key, int api)
{
	struct curl_slist *h = NULL, *l;
	char *auth;
	size_t n;

	if (api == LLM_API_ANTHROPIC &&
	    (h = curl_slist_append(NULL, ANTHROPIC_VERSION)) == NULL)
		return NULL;
	if (api_key == NULL)
		return h;
	n = strlen(api_key) + sizeof("Authorization: Bearer ");
	if ((auth = malloc(n)) == NULL) {
		curl_slist_free_all(h);
		return NULL;
	}
	snprintf(auth, n, api == LLM_API_ANTHROPIC ? "x-api-key: %s" :
	    "Authorization: Bearer %s", api_key);
	if ((l = curl_slist_append(h, auth)) == NULL)
		curl_slist_free_all(h);
	memset(auth, 0, n);
	free(auth);
	return l;
}

static int
get_as(const char *url, const char *api_key, int api, long timeout_s,
    char **body, size_t *blen, long *status, char *err, size_t errlen)
{
	struct buffer b = { NULL, 0, 0, 0 };
	struct curl_slist *h = get_headers(api_key, api);
	CURL *curl = curl_easy_init();
	CURLcode rc = CURLE_FAILED_INIT;

	*body = NULL;
	*blen = 0;
	*status = 0;
	if (curl != NULL && (h != NULL || (api_key == NULL &&
	    api != LLM_API_ANTHROPIC)))
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
llm_get(const char *url, const char *api_key, long timeout_s, char **body,
    size_t *blen, long *status, char *err, size_t errlen)
{
	return get_as(url, api_key, LLM_API_OPENAI, timeout_s, body, blen,
	    status, err, errlen);
}

/* The server's model list (GET /v1/models, /api/tags), or NULL. */
static json_t *
model_list(struct llm_client *c)
{
	char url[2048], err[256], *body;
	size_t blen;
	long status;
	json_t *root, *list;

	llm_sibling_url(c->cfg.url, "", 1, url, sizeof(url));
	if (get_as(url, c->cfg.api_key, c->cfg.api, 10, &body, &blen, &status,
	    err, sizeof(err)) != 0)
		return NULL;
	root = status == 200 && body ? json_loadb(body, blen, 0, NULL) : NULL;
	free(body);
	list = json_object_get(root, "data");
	if (list == NULL)
		list = json_object_get(root, "models");
	list = json_is_array(list) ? json_incref(list) : NULL;
	json_decref(root);
	return list;
}

/* An entry's id: OpenAI's id, Ollama's name. */
static const char *
entry_id(json_t *m)
{
	const char *id = json_string_value(json_object_get(m, "id"));

	return id != NULL ? id : json_string_value(json_object_get(m, "name"));
}

/* asked names id: id itself, the last part of its path, without .gguf. */
static int
names_model(const char *asked, const char *id)
{
	const char *base = strrchr(id, '/');
	size_t n;

	if (strcmp(asked, id) == 0)
		return 1;
	base = base != NULL ? base + 1 : id;
	if (strcmp(asked, base) == 0)
		return 1;
	n = strlen(base);
	return n > 5 && strcmp(base + n - 5, ".gguf") == 0 &&
	    strlen(asked) == n - 5 && strncmp(asked, base, n - 5) == 0;
}

int
llm_served_as(struct llm_client *c, const char *asked, const char *served,
    char *listed, size_t listedlen)
{
	json_t *list = model_list(c), *m, *alias;
	size_t i, j, used = 0;
	int yes = 0;

	*listed = '\0';
	json_array_foreach(list, i, m) {
		const char *id = entry_id(m);

		if (id == NULL)
			continue;
		if (used + strlen(id) + 3 < listedlen)
			used += (size_t)snprintf(listed + used, listedlen - used,
			    "%s%s", used ? ", " : "", id);
		if (strcmp(id, served) != 0)
			continue;
		yes |= names_model(asked, id);
		json_array_foreach(json_object_get(m, "aliases"), j, alias)
			if (json_is_string(alias))
				yes |= names_model(asked,
				    json_string_value(alias));
	}
	json_decref(list);
	return yes;
}

int
llm_client_max_tokens(const struct llm_client *c, long *reasoning_room)
{
	*reasoning_room = c->sh.reasoning_room;
	return c->sh.max_tokens;
}

/*
 * kind_get (kind.h) through the client's own handle, so that asking the
 * server what it is opens no other connection.
 */
static int
client_get(void *arg, const char *path, json_t **root, long *status,
    char *err, size_t errlen)
{
	struct llm_client *c = arg;
	long timeout = c->cfg.request_timeout_ms < 5000 ?
	    c->cfg.request_timeout_ms : 5000;
	char url[2048];
	CURLcode rc = CURLE_FAILED_INIT;

	llm_sibling_url(c->cfg.url, path, 0, url, sizeof(url));
	*root = NULL;
	*status = 0;
	c->response.len = 0;
	c->response.overflow = 0;
	c->curl_error[0] = '\0';
	if (curl_easy_setopt(c->curl, CURLOPT_URL, url) == CURLE_OK &&
	    curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L) == CURLE_OK &&
	    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, timeout) == CURLE_OK)
		rc = curl_easy_perform(c->curl);
	if (curl_easy_setopt(c->curl, CURLOPT_URL, c->cfg.url) ||
	    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS,
	    c->cfg.request_timeout_ms)) {
		snprintf(err, errlen, "cannot set up libcurl for %s",
		    c->cfg.url);
		return -1;
	}
	if (rc != CURLE_OK) {
		curl_failure(c, rc, err, errlen);
		return -1;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
	if (c->response.len > 0)
		*root = json_loadb(c->response.data, c->response.len, 0, NULL);
	return 0;
}

int
llm_client_resolve(struct llm_client *c, char *err, size_t errlen)
{
	char why[512];
	int kind;

	if (!c->unresolved)
		return 0;
	if (llm_kind_ask(client_get, c, c->cfg.model, &kind, c->found,
	    sizeof(c->found), why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s (asking it what server it is)", why);
		return -1;
	}
	c->unresolved = 0;
	c->cfg.server = kind;
	return llm_shape_init(&c->sh, &c->cfg, err, errlen) == 0 ? 0 : -2;
}

int
llm_client_server(const struct llm_client *c, const char **found)
{
	*found = c->found;
	return c->unresolved ? LLM_SERVER_AUTO : c->cfg.server;
}


int
llm_list_models(struct llm_client *c, char *out, size_t len)
{
	json_t *list = model_list(c), *m;
	size_t i, used = 0;
	int count = 0;

	*out = '\0';
	json_array_foreach(list, i, m) {
		const char *id = entry_id(m);

		if (id == NULL || used + strlen(id) + 3 >= len)
			continue;
		used += (size_t)snprintf(out + used, len - used, "%s%s",
		    count++ ? ", " : "", id);
	}
	json_decref(list);
	return count > 0 ? 0 : -1;
}

/* Logprobs, for simprobe; kept apart at the end of the file. */

enum llm_result
llm_ask_logprobs(struct llm_client *c, const char *prompt, uint32_t seed,
    double mass[2], int *carried, char *why, size_t whylen,
    struct llm_reply *reply, struct llm_stats *stats, char *err,
    size_t errlen)
{
	int transient = 0;
	enum llm_result res;

	memset(reply, 0, sizeof(*reply));
	mass[0] = mass[1] = 0;
	*carried = 0;
	*why = '\0';
	if (!c->cfg.logprobs) {
		snprintf(err, errlen, "this client asks for no logprobs");
		return LLM_REFUSED;
	}
	if ((res = reply_retrying(c, prompt, seed, seed, &transient, reply,
	    stats, err, errlen)) != LLM_OK)
		return res;
	reply->answer = llm_parse_answer(reply->text);
	*carried = llm_reply_logprobs(c->response.data, c->response.len,
	    c->cfg.api == LLM_API_OLLAMA, mass, why, whylen);
	return LLM_OK;
}
