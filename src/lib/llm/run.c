/*
 * The LLM agent in a run: its lines, its checks and its set-up (run.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "llm/cache_check.h"
#include "llm/run.h"

/*
 * The kind as configured: given, named by the URL, or "auto" when the
 * server is asked what it is (what it said goes in the end line), so
 * that every run of an experiment says the same whenever it started.
 */
static int
configured(const struct llm_params *p, const char *url)
{
	if (p->llm_server != LLM_SERVER_AUTO)
		return p->llm_server;
	return llm_server_named_by_url(p->llm_api, url) ?
	    llm_server_guess(p->llm_api, url) : LLM_SERVER_AUTO;
}

const char *
llm_agent_server_label(const struct llm_agent *a)
{
	const struct endpoints *eps = a->endpoints;

	if (eps == NULL || eps->n == 0)
		return llm_server_label(configured(a->params,
		    llm_params_url(a->params)));
	for (int i = 1; i < eps->n; i++)
		if (configured(a->params, eps->e[i].url) !=
		    configured(a->params, eps->e[0].url))
			return "mixed";
	return llm_server_label(configured(a->params, eps->e[0].url));
}

/* The kind requests go to now (one server: as found by asking). */
static const char *
server_now(const struct llm_agent *a)
{
	const char *found;

	if (a->endpoints != NULL)
		return llm_agent_server_label(a);
	return llm_server_label(llm_client_server(a->client, &found));
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
	if (p->destination == DESTINATION_CHOOSE) {
		jw_kv_string(w, "destination", destination_names[p->destination]);
		jw_kv_int(w, "destination_choices", p->destination_choices);
		/* which wording the movers saw: the scenario's own or not */
		jw_kv_string(w, "move_prompt", a->scenario.choosing ?
		    "choose_prompt_template" : "prompt_template");
		jw_kv_string(w, "choice_prompt", a->scenario.choice_template ?
		    "choice_template" : "default");
	}
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
	if (a->params->destination == DESTINATION_CHOOSE) {
		jw_kv_int(w, "choices", s->choices);
		jw_kv_int(w, "choice_failures", s->choice_failures);
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
	    "fit in the token cap%s; give --think off with the right "
	    "--llm-server (now %s), or --max-tokens auto", s->empty_replies,
	    counts->decisions, s->reasoning_tokens > 0 ? " (the server "
	    "counted reasoning tokens)" : "", server_now(a));
	return 1;
}

/* Parse failures per reply the run asked for so far: decisions, and the
 * choices of choosing movers (0 without any). */
static double
parse_failure_share(const struct llm_agent *a, long decisions)
{
	long asked = decisions + a->run.choices;

	return asked > 0 ? (double)a->run.parse_failures / (double)asked : 0;
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
	snprintf(buf, len, "%ld of %ld replies were not MOVE or STAY%s (share "
	    "%.4g, above --max-parse-failure-share %g)", a->run.parse_failures,
	    decisions + a->run.choices, a->run.choices > 0 ? " or the number "
	    "of a house offered" : "", share,
	    a->params->max_parse_failure_share);
	return -1;
}

/*
 * What the server counted, when it did (usage), the answers taken from
 * reasoning_content (LM Studio's bug) and the fields a server refused.
 */
static void
put_usage(struct jw *w, const struct llm_stats *s)
{
	char dropped[128];

	if (s->input_tokens > 0 || s->output_tokens > 0) {
		jw_kv_int(w, "llm_input_tokens", s->input_tokens);
		jw_kv_int(w, "llm_output_tokens", s->output_tokens);
	}
	if (s->reasoning_tokens > 0)
		jw_kv_int(w, "llm_reasoning_tokens", s->reasoning_tokens);
	if (s->answers_from_reasoning > 0)
		jw_kv_int(w, "answers_from_reasoning",
		    s->answers_from_reasoning);
	if (llm_dropped_fields(dropped, sizeof(dropped))) {
		jw_key(w, "dropped_fields");
		jw_array_begin(w);
		for (char *f = strtok(dropped, ","); f != NULL;
		    f = strtok(NULL, ","))
			jw_string(w, f);
		jw_array_end(w);
	}
}

static void
put_end(void *ctx, struct jw *w, long decisions)
{
	const struct llm_agent *a = ctx;
	const struct llm_stats *s = &a->run;
	const char *found;

	put_stats(w, a, s);
	/* a server asked what it is: what it said, now that it is known */
	if (a->endpoints == NULL && (llm_client_server(a->client, &found),
	    *found != '\0')) {
		char said[256];

		snprintf(said, sizeof(said), "%s: %s", server_now(a), found);
		jw_kv_string(w, "llm_server_found", said);
	}
	jw_kv_double(w, "avg_llm_response_time_s",
	    s->time_s / (double)(s->calls > 0 ? s->calls : 1));
	/* what the server says about itself: honest provenance */
	if (a->served_model[0] != '\0')
		jw_kv_string(w, "served_model", a->served_model);
	if (a->fingerprint[0] != '\0')
		jw_kv_string(w, "system_fingerprint", a->fingerprint);
	if (a->server_changes > 0)
		jw_kv_int(w, "server_changes", a->server_changes);
	put_usage(w, s);
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
		    llm_agent_lookahead : NULL,
		    a->params->destination == DESTINATION_CHOOSE ?
		    llm_agent_destination : NULL,
		    a->params->destination_choices },
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

/*
 * One server whose URL does not say what it is: asked now (llm/kind.h),
 * so that the pool's clients are made for the kind found; a server that
 * does not answer now is asked again before the first request.  0, or
 * 78 when the kind found takes none of the settings.
 */
static int
resolve_server(struct llm_agent *a, struct llm_config *cfg, char *err,
    size_t errlen)
{
	const char *found;
	char why[512];

	if (llm_client_resolve(a->client, why, sizeof(why)) == -2) {
		snprintf(err, errlen, "%s", why);
		return EX_CONFIG;
	}
	if ((cfg->server = llm_client_server(a->client, &found)) ==
	    LLM_SERVER_AUTO)
		cfg->server = LLM_SERVER_GENERIC;
	else
		cfg->server_auto = 0;
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

	llm_config_from(&cfg, p, a->prog);
	if (llm_read_key(p->llm_api_key_file, &key, err, errlen) != 0)
		return EX_CONFIG;
	a->concurrency = p->llm_concurrency;
	if (open_shared(a, p, &cfg, key, err, errlen, note, notelen) != 0 ||
	    (a->client = llm_client_new(&cfg, err, errlen)) == NULL)
		rc = EX_CONFIG;
	else if (a->endpoints == NULL)
		rc = resolve_server(a, &cfg, err, errlen);
	if (rc == 0 && (a->concurrency > 1 && (a->pool = a->endpoints != NULL ?
	    prefetch_new_endpoints(a->endpoints, a->concurrency, err,
	    errlen) : prefetch_new(&cfg, a->concurrency, a->slots, err,
	    errlen)) == NULL))
		rc = EX_CONFIG;
	llm_forget_key(key);
	return rc;
}

int
llm_agent_open(struct llm_agent **out, const char *prog,
    const struct llm_params *p, int max_steps, int nagents,
    FILE *decision_log, char *err, size_t errlen, char *note,
    size_t notelen)
{
	struct llm_agent *a;
	int rc;

	*note = '\0';
	if ((*out = a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return EX_OSERR;
	}
	jw_init(&a->line);
	a->prog = prog;
	a->params = p;
	a->max_steps = max_steps;
	a->decision_log = decision_log;
	if (scenario_for(p->scenario, p->scenario_file, &a->scenario, err,
	    errlen) != 0)
		return EX_CONFIG;
	if (p->destination == DESTINATION_CHOOSE &&
	    scenario_choose(&a->scenario) != 0) {
		snprintf(err, errlen, "out of memory");
		return EX_OSERR;
	}
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
