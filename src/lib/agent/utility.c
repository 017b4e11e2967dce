/* Utility agents' hooks into a run (see utility.h). */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "agent/utility.h"

int
utility_agent_open(struct utility_agent *a, struct world *w,
    const struct model_params *p, char *err, size_t errlen)
{
	struct utility_model um;

	memset(a, 0, sizeof(*a));
	utility_model_from_params(&um, p);
	if (utility_model_check(&um, err, errlen) != 0)
		return EX_USAGE;
	if ((a->u = utility_new(w, &um)) == NULL) {
		snprintf(err, errlen, "out of memory for the utility agents of "
		    "a %dx%d grid", p->grid_size, p->grid_size);
		return EX_OSERR;
	}
	a->step_metrics = p->metrics == METRICS_EVERY;
	return 0;
}

void
utility_agent_close(struct utility_agent *a)
{
	utility_free(a->u);
	a->u = NULL;
}

static int
play(void *ctx, const struct step_key *key, struct step_counts *out)
{
	struct utility_agent *a = ctx;

	utility_step(a->u, key, out);
	return 0;
}

/* The agents were placed: the vacancies' utilities follow. */
static void
run_start(void *ctx, FILE *out)
{
	struct utility_agent *a = ctx;

	(void)out;
	utility_reindex(a->u);
}

static void
put_mean(void *ctx, struct jw *w)
{
	struct utility_agent *a = ctx;

	jw_kv_double(w, "mean_utility", utility_mean(a->u));
}

static void
put_step(void *ctx, struct jw *w)
{
	struct utility_agent *a = ctx;

	if (a->step_metrics)
		put_mean(ctx, w);
}

static void
put_end(void *ctx, struct jw *w, long decisions)
{
	(void)decisions;
	put_mean(ctx, w);
}

void
utility_agent_hooks(struct utility_agent *a, struct agent *out)
{
	memset(out, 0, sizeof(*out));
	out->ctx = a;
	out->play = play;
	out->run_start = run_start;
	out->put_step = put_step;
	out->put_end = put_end;
}
