/*
 * The LLM agent in a run: its lines, its checks and its set-up (run.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "llm/cache_check.h"
#include "llm/run.h"

const char *
llm_agent_server_label(const struct llm_agent *a)
{
	const struct endpoints *eps = a->endpoints;

	if (eps == NULL || eps->n == 0)
		return llm_server_label(llm_params_server(a->params));
	for (int i = 1; i < eps->n; i++)
		if (eps->e[i].cfg.server != eps->e[0].cfg.server)
			return "mixed";
	return llm_server_label(eps->e[0].cfg.server);
}

/* A new run: its counts start at zero, its decisions go to out. */
static void
run_start(void *ctx, FILE *out)
{
	struct llm_agent *a = ctx;

	memset(&a->run, 0, sizeof(a->run));
	a->server_changes = 0;
	if (a->decision_log != NULL)
		a->decision_log = out;
	if (a->endpoints != NULL)
		endpoints_count_reset(a->endpoints);
	if (a->pool != NULL) {
		prefetch_reset(a->pool);
		a->next_order_step = -1;
	}
}

static void
put_double_or_word(struct jw *w, const char *key, double v)
{
	if (v == PARAM_WORD_VALUE)
		jw_kv_string(w, key, "default");
	else
		jw_kv_double(w, key, v);
}

/* The scenario, the parameters that make the run (llm/params.c's shape
 * ones), then what the run was sent and how. */
static void
put_start(void *ctx, struct jw *w)
{
	struct llm_agent *a = ctx;
	const struct llm_params *p = a->params;

	jw_kv_string(w, "scenario", a->scenario.name);
	jw_kv_string(w, "type_a", a->scenario.type_a);
	jw_kv_string(w, "type_b", a->scenario.type_b);
	param_put_shape(w, p, llm_param_specs, llm_param_count, 1);
	jw_kv_string(w, "llm_server", llm_agent_server_label(a));
	jw_kv_string(w, "think", think_names[p->think]);
	put_double_or_word(w, "top_p", p->top_p);
	jw_kv_int(w, "llm_concurrency", p->llm_concurrency);
	jw_kv_int(w, "llm_slots", slots_count(a->slots));
	if (a->endpoints != NULL) {
		jw_key(w, "llm_endpoints");
		jw_array_begin(w);
		for (int i = 0; i < a->endpoints->n; i++)
			jw_string(w, a->endpoints->e[i].url);
		jw_array_end(w);
	}
	if (a->cache != NULL)
		jw_kv_string(w, "llm_cache", p->llm_cache);
}

static void
put_start_tail(void *ctx, struct jw *w)
{
	const struct llm_agent *a = ctx;

	jw_kv_bool(w, "decision_log", a->decision_log != NULL);
}

static void
put_stats(struct jw *w, const struct llm_agent *a, const struct llm_stats *s)
{
	jw_kv_int(w, "llm_calls", s->calls);
	jw_kv_double(w, "llm_time_s", s->time_s);
	jw_kv_int(w, "parse_failures", s->parse_failures);
	if (s->empty_replies > 0)
		jw_kv_int(w, "empty_replies", s->empty_replies);
	jw_kv_int(w, "retries", s->retries);
	if (a->pool != NULL)
		jw_kv_int(w, "prefetch_wasted", s->prefetch_wasted);
	if (a->cache != NULL) {
		jw_kv_int(w, "cache_hits", s->cache_hits);
		jw_kv_int(w, "cache_misses", s->cache_misses);
	}
}

static void
put_step(void *ctx, struct jw *w)
{
	const struct llm_agent *a = ctx;

	put_stats(w, a, &a->step);
}

static void
step_done(void *ctx)
{
	struct llm_agent *a = ctx;

	llm_stats_add(&a->run, &a->step);
	memset(&a->step, 0, sizeof(a->step));
}

/*
 * Most replies of the step had no answer at all: not answers, so the run
 * stops rather than take them all as STAY.
 */
static int
step_check(void *ctx, const struct step_counts *counts)
{
	struct llm_agent *a = ctx;
	const struct llm_stats *s = &a->step;

	if (s->empty_replies * 2 <= counts->decisions)
		return 0;
	a->failure = LLM_REFUSED;
	snprintf(a->reason, sizeof(a->reason), "%ld of %d replies of the step "
	    "were empty: most likely a thinking model whose answer did not "
	    "fit in --max-tokens %d; give --think off with the right "
	    "--llm-server (now %s), or raise --max-tokens", s->empty_replies,
	    counts->decisions, a->params->max_tokens,
	    llm_agent_server_label(a));
	return 1;
}

/* Parse failures per decision of the run so far (0 without decisions). */
static double
parse_failure_share(const struct llm_agent *a, long decisions)
{
	return decisions > 0 ? (double)a->run.parse_failures /
	    (double)decisions : 0;
}

/*
 * A run whose model did not answer MOVE or STAY in more than the allowed
 * share of its decisions is no result: it ends failed, with the reason.
 */
static int
run_check(void *ctx, long decisions, char *buf, size_t len)
{
	const struct llm_agent *a = ctx;
	double share = parse_failure_share(a, decisions);

	if (share <= a->params->max_parse_failure_share)
		return 0;
	snprintf(buf, len, "%ld of %ld replies were not MOVE or STAY (share "
	    "%.4g, above --max-parse-failure-share %g)", a->run.parse_failures,
	    decisions, share, a->params->max_parse_failure_share);
	return -1;
}

static void
put_end(void *ctx, struct jw *w, long decisions)
{
	const struct llm_agent *a = ctx;
	const struct llm_stats *s = &a->run;

	put_stats(w, a, s);
	jw_kv_double(w, "avg_llm_response_time_s",
	    s->time_s / (double)(s->calls > 0 ? s->calls : 1));
	/* what the server says about itself: honest provenance */
	if (a->served_model[0] != '\0')
		jw_kv_string(w, "served_model", a->served_model);
	if (a->fingerprint[0] != '\0')
		jw_kv_string(w, "system_fingerprint", a->fingerprint);
	if (a->server_changes > 0)
		jw_kv_int(w, "server_changes", a->server_changes);
	jw_kv_double(w, "parse_failure_share", parse_failure_share(a,
	    decisions));
	if (a->endpoints != NULL) {
		jw_key(w, "llm_endpoint_calls");
		jw_array_begin(w);
		for (int i = 0; i < a->endpoints->n; i++)
			jw_int(w, a->endpoints->e[i].calls);
		jw_array_end(w);
	}
}

static const char *
why(void *ctx, int *refused)
{
	const struct llm_agent *a = ctx;

	*refused = a->failure == LLM_REFUSED;
	return a->reason;
}

void
llm_agent_hooks(struct llm_agent *a, struct agent *out)
{
	*out = (struct agent){
		.decider = { llm_agent_decide, a, a->pool != NULL ?
		    llm_agent_lookahead : NULL },
		.ctx = a,
		.run_start = run_start,
		.put_start = put_start,
		.put_start_tail = put_start_tail,
		.step_check = step_check,
		.put_step = put_step,
		.step_done = step_done,
		.run_check = run_check,
		.put_end = put_end,
		.why = why,
		.progress = 1,
	};
}

/* ----------------------------------------------------------- set-up */

/*
 * A corrupted decision cache would fail every run that touches it: it is
 * named at open, and with --llm-cache-reset yes moved aside (kept) so
 * that a new one starts (said in note).  0, or -1 with err.
 */
static int
check_cache(const struct llm_params *p, char *err, size_t errlen,
    char *note, size_t notelen)
{
	char detail[512], moved[4200];
	int bad = cache_check(p->llm_cache, detail, sizeof(detail));

	if (bad == 0)
		return 0;
	if (bad < 0) {
		snprintf(err, errlen, "cannot check the decision cache %s: %s; "
		    "choose another --llm-cache", p->llm_cache, detail);
		return -1;
	}
	if (!p->llm_cache_reset) {
		snprintf(err, errlen, "the decision cache %s is corrupted (%s); "
		    "give --llm-cache-reset yes to move it aside (it is kept) "
		    "and start a new one, or choose another --llm-cache",
		    p->llm_cache, detail);
		return -1;
	}
	if (cache_move_aside(p->llm_cache, moved, sizeof(moved)) != 0) {
		snprintf(err, errlen, "cannot move the corrupted decision cache "
		    "%s aside: %s", p->llm_cache, strerror(errno));
		return -1;
	}
	snprintf(note, notelen, "warning: the decision cache %s was corrupted "
	    "(%s); moved to %s, starting a new one", p->llm_cache, detail,
	    moved);
	return 0;
}

/* The slots, the cache and the endpoints: what the clients share. */
static int
open_shared(struct llm_agent *a, const struct llm_params *p,
    struct llm_config *cfg, const char *key, char *err, size_t errlen,
    char *note, size_t notelen)
{
	int nslots;

	if (slots_parse(p->llm_slots, cfg->url, key, p->llm_model, &nslots,
	    err, errlen) != 0 || (nslots > 0 && (a->slots = slots_open(
	    cfg->url, nslots, err, errlen)) == NULL))
		return -1;
	a->cfg = *cfg;
	if (*p->llm_cache != '\0' && (check_cache(p, err, errlen, note,
	    notelen) != 0 || (a->cache = cache_open(p->llm_cache, err,
	    errlen)) == NULL))
		return -1;
	cfg->api_key = key;
	if (*p->llm_endpoints != '\0' && (a->endpoints = endpoints_open(
	    p->llm_endpoints, cfg, err, errlen)) == NULL)
		return -1;
	return 0;
}

/* The clients of an LLM agent: one, plus a pool for --llm-concurrency. */
static int
new_clients(struct llm_agent *a, const struct llm_params *p, char *err,
    size_t errlen, char *note, size_t notelen)
{
	struct llm_config cfg;
	char *key;
	int rc = 0;

	llm_config_from(&cfg, p);
	if (llm_read_key(p->llm_api_key_file, &key, err, errlen) != 0)
		return EX_CONFIG;
	a->concurrency = p->llm_concurrency;
	if (open_shared(a, p, &cfg, key, err, errlen, note, notelen) != 0 ||
	    (a->client = llm_client_new(&cfg, err, errlen)) == NULL ||
	    (a->concurrency > 1 && (a->pool = a->endpoints != NULL ?
	    prefetch_new_endpoints(a->endpoints, a->concurrency, err,
	    errlen) : prefetch_new(&cfg, a->concurrency, a->slots, err,
	    errlen)) == NULL))
		rc = EX_CONFIG;
	llm_forget_key(key);
	return rc;
}

int
llm_agent_open(struct llm_agent **out, const struct llm_params *p,
    int max_steps, int nagents, FILE *decision_log, char *err,
    size_t errlen, char *note, size_t notelen)
{
	struct llm_agent *a;
	int rc;

	*note = '\0';
	if ((*out = a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return EX_OSERR;
	}
	jw_init(&a->line);
	a->params = p;
	a->max_steps = max_steps;
	a->decision_log = decision_log;
	if (scenario_for(p->scenario, p->scenario_file, &a->scenario, err,
	    errlen) != 0)
		return EX_CONFIG;
	if ((rc = new_clients(a, p, err, errlen, note, notelen)) != 0)
		return rc;
	if (a->pool != NULL) {
		a->next_order_step = -1;
		a->next_order = malloc(((size_t)nagents + 1) * sizeof(int));
		if (a->next_order == NULL) {
			snprintf(err, errlen, "out of memory");
			return EX_OSERR;
		}
	}
	return 0;
}

void
llm_agent_close(struct llm_agent *a)
{
	if (a == NULL)
		return;
	llm_client_free(a->client);
	prefetch_free(a->pool);
	free(a->next_order);
	slots_close(a->slots);
	endpoints_close(a->endpoints);
	cache_close(a->cache);
	jw_free(&a->line);
	scenario_free(&a->scenario);
	free(a);
}
