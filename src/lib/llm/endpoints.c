/*
 * Several LLM servers for one experiment: the endpoints file, the choice
 * of an endpoint per request (most free slots), and failing over from an
 * endpoint that refuses or fails to the others (see endpoints.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "llm/endpoints.h"
#include "llm/params.h"

double
endpoints_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The next blank-separated word of *s, NUL-terminated in place. */
static char *
word(char **s)
{
	char *w = *s, *end;

	while (isspace((unsigned char)*w))
		w++;
	if (*w == '\0')
		return NULL;
	for (end = w; *end != '\0' && !isspace((unsigned char)*end); end++)
		;
	if (*end != '\0')
		*end++ = '\0';
	*s = end;
	return w;
}

static int
add_endpoint(struct endpoints *eps, const struct llm_config *cfg, char *line,
    const char *file, int lineno, char *err, size_t errlen)
{
	struct llm_config c = *cfg;
	struct endpoint *e, *grown;
	/* c.url is set by connect_endpoint, once the array has its size */
	char *url, *slots, *keyfile, *key = NULL, *rest = line, *end;
	long n = 0;

	if ((url = word(&rest)) == NULL)
		return 0;
	slots = word(&rest);
	keyfile = word(&rest);
	if (word(&rest) != NULL || strlen(url) >= sizeof(e->url) ||
	    (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
		snprintf(err, errlen, "%s line %d: want URL [SLOTS] [KEY-FILE] "
		    "with an http:// or https:// URL", file, lineno);
		return -1;
	}
	if (slots != NULL && strcmp(slots, "-") != 0) {
		errno = 0;
		n = strtol(slots, &end, 10);
		if (errno != 0 || *end != '\0' || n < 1 || n > 4096) {
			snprintf(err, errlen, "%s line %d: SLOTS must be a whole "
			    "number from 1 to 4096 or -, not '%s'", file, lineno,
			    slots);
			return -1;
		}
	}
	for (int i = 0; i < eps->n; i++)
		if (strcmp(eps->e[i].url, url) == 0) {
			snprintf(err, errlen, "%s line %d: %s is listed twice",
			    file, lineno, url);
			return -1;
		}
	if ((grown = realloc(eps->e, (size_t)(eps->n + 1) * sizeof(*e))) == NULL) {
		snprintf(err, errlen, "out of memory for the endpoints");
		return -1;
	}
	eps->e = grown;
	e = &eps->e[eps->n];
	memset(e, 0, sizeof(*e));
	eps->n++;
	snprintf(e->url, sizeof(e->url), "%s", url);
	e->nslots = (int)n;
	if (keyfile != NULL && llm_read_key(keyfile, &key, err, errlen) != 0)
		return -1;
	c.retries = 0;            /* failing over is the retry */
	/* each endpoint owns its key (a copy of cfg's when it has none) */
	if (key == NULL && cfg->api_key != NULL &&
	    (key = strdup(cfg->api_key)) == NULL) {
		snprintf(err, errlen, "out of memory for the endpoints");
		return -1;
	}
	c.api_key = key;
	e->key = key;
	e->cfg = c;
	return 0;
}

/* Once the array stops moving: each endpoint's client and slots. */
static int
connect_endpoint(struct endpoint *e, char *err, size_t errlen)
{
	const char *found;
	char why[512];

	e->cfg.url = e->url;
	if (e->cfg.server_auto)
		e->cfg.server = llm_server_guess(e->cfg.api, e->url);
	if ((e->client = llm_client_new(&e->cfg, err, errlen)) == NULL)
		return -1;
	/* a URL that does not say: its server is asked now, or before its
	 * first request if it does not answer now (llm/kind.h) */
	if (llm_client_resolve(e->client, why, sizeof(why)) == -2) {
		snprintf(err, errlen, "endpoint %s: %s", e->url, why);
		return -1;
	}
	e->cfg.server = llm_client_server(e->client, &found);
	if (e->cfg.server == LLM_SERVER_AUTO)
		e->cfg.server = LLM_SERVER_GENERIC;
	else
		e->cfg.server_auto = 0;
	if (e->nslots > 0 && (e->slots = slots_open(e->url, e->nslots, err,
	    errlen)) == NULL)
		return -1;
	return 0;
}

struct endpoints *
endpoints_open(const char *file, const struct llm_config *cfg, char *err,
    size_t errlen)
{
	struct endpoints *eps = calloc(1, sizeof(*eps));
	char line[4096], *hash;
	FILE *f;
	int lineno = 0, rc = 0;

	if (eps == NULL) {
		snprintf(err, errlen, "out of memory for the endpoints");
		return NULL;
	}
	if ((f = fopen(file, "r")) == NULL) {
		snprintf(err, errlen, "cannot read the endpoints file %s: %s",
		    file, strerror(errno));
		free(eps);
		return NULL;
	}
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		rc = add_endpoint(eps, cfg, line, file, lineno, err, errlen);
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "cannot read the endpoints file %s", file);
		rc = -1;
	}
	fclose(f);
	for (int i = 0; rc == 0 && i < eps->n; i++)
		rc = connect_endpoint(&eps->e[i], err, errlen);
	if (rc == 0 && eps->n == 0) {
		snprintf(err, errlen, "the endpoints file %s lists no endpoint "
		    "(one 'URL [SLOTS] [KEY-FILE]' a line)", file);
		rc = -1;
	}
	if (rc != 0) {
		endpoints_close(eps);
		return NULL;
	}
	eps->base_ms = cfg->retry_base_ms > 0 ? cfg->retry_base_ms : 1;
	eps->max_ms = cfg->retry_max_ms > eps->base_ms ? cfg->retry_max_ms :
	    eps->base_ms;
	/* what one endpoint's retries would have waited in all */
	for (long i = 0, d = eps->base_ms; i < cfg->retries; i++, d *= 2)
		eps->budget_ms += d < eps->max_ms ? d : eps->max_ms;
	return eps;
}

void
endpoints_close(struct endpoints *eps)
{
	if (eps == NULL)
		return;
	for (int i = 0; i < eps->n; i++) {
		llm_client_free(eps->e[i].client);
		slots_close(eps->e[i].slots);
		llm_forget_key(eps->e[i].key);
	}
	free(eps->e);
	free(eps);
}

void
endpoints_count_reset(struct endpoints *eps)
{
	for (int i = 0; i < eps->n; i++)
		eps->e[i].calls = 0;
}

/* Free slots across processes; without a cap, fewer the more this
 * process has in flight there. */
static int
free_slots(struct endpoint *e)
{
	int held[4096], n = 0, slot;

	if (e->slots == NULL)
		return 1000000 - e->in_flight;
	while (n < e->nslots && (slot = slots_try(e->slots)) >= 0)
		held[n++] = slot;
	for (int i = 0; i < n; i++)
		slots_release(e->slots, held[i]);
	return n;
}

int
endpoints_pick(struct endpoints *eps, int *slot)
{
	double now = endpoints_now();
	int best = -1, most = 0, f, i;

	*slot = -1;
	/* ties go round: equally free endpoints share the requests */
	eps->next = (eps->next + 1) % eps->n;
	for (int k = 0; k < eps->n; k++) {
		i = (eps->next + k) % eps->n;
		if (eps->e[i].aside_until > now)
			continue;
		f = free_slots(&eps->e[i]);
		if (f > most) {
			most = f;
			best = i;
		}
	}
	if (best < 0)
		return -1;
	if (eps->e[best].slots != NULL &&
	    (*slot = slots_try(eps->e[best].slots)) < 0)
		return -1;
	eps->e[best].in_flight++;
	return best;
}

void
endpoints_put(struct endpoints *eps, int i, int slot)
{
	if (i < 0)
		return;
	if (eps->e[i].slots != NULL)
		slots_release(eps->e[i].slots, slot);
	eps->e[i].in_flight--;
}

void
endpoints_ok(struct endpoints *eps, int i)
{
	eps->e[i].failures = 0;
	eps->e[i].aside_until = 0;
}

void
endpoints_failed(struct endpoints *eps, int i, const char *why)
{
	struct endpoint *e = &eps->e[i];
	long d = eps->base_ms;

	for (int k = 1; k < e->failures && d < eps->max_ms; k++)
		d *= 2;
	if (d > eps->max_ms)
		d = eps->max_ms;
	e->failures++;
	e->aside_until = endpoints_now() + (double)d / 1000.0;
	snprintf(eps->last_error, sizeof(eps->last_error), "%.200s: %.300s", e->url,
	    why);
}

/* Every endpoint set aside right now (not merely full)? */
static int
all_aside(const struct endpoints *eps, double now)
{
	for (int i = 0; i < eps->n; i++)
		if (eps->e[i].aside_until <= now)
			return 0;
	return 1;
}

enum llm_result
endpoints_ask(struct endpoints *eps, const char *prompt, uint32_t seed,
    struct llm_reply *reply, struct llm_stats *stats,
    void (*idle)(void *), void *arg, char *err, size_t errlen)
{
	return endpoints_ask_choice(eps, prompt, seed, 0, reply, stats, idle,
	    arg, err, errlen);
}

enum llm_result
endpoints_ask_choice(struct endpoints *eps, const char *prompt, uint32_t seed,
    int choices, struct llm_reply *reply, struct llm_stats *stats,
    void (*idle)(void *), void *arg, char *err, size_t errlen)
{
	struct timespec pause = { 0, 1000000 };
	double gone_since = 0, now;     /* first failure since an answer */
	enum llm_result res;
	long before;
	int i, slot;

	for (;;) {
		if ((i = endpoints_pick(eps, &slot)) < 0) {
			now = endpoints_now();
			if (all_aside(eps, now) && gone_since != 0) {
				if ((now - gone_since) * 1000.0 > (double)eps->budget_ms) {
					snprintf(err, errlen, "every endpoint failed "
					    "for longer than the retry budget "
					    "(%ld ms); last: %s", eps->budget_ms,
					    eps->last_error);
					return LLM_GAVE_UP;
				}
			}
			if (idle != NULL)
				idle(arg);
			nanosleep(&pause, NULL);
			if (pause.tv_nsec < 16000000)
				pause.tv_nsec *= 2;
			continue;
		}
		pause.tv_nsec = 1000000;
		before = stats->calls;
		res = choices > 0 ? llm_ask_choice(eps->e[i].client, prompt,
		    seed, choices, reply, stats, err, errlen) :
		    llm_ask(eps->e[i].client, prompt, seed, reply, stats, err,
		    errlen);
		endpoints_put(eps, i, slot);
		eps->e[i].calls += stats->calls - before;
		if (res == LLM_OK) {
			endpoints_ok(eps, i);
			return LLM_OK;
		}
		if (res == LLM_REFUSED)
			return res;
		endpoints_failed(eps, i, err);
		if (gone_since == 0)
			gone_since = endpoints_now();
		stats->retries++;
	}
}
