/* Playing runs and writing their JSON Lines (see runner.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sysexits.h>

#include "config/params_json.h"
#include "io/atomicfile.h"
#include "io/iostatus.h"
#include "io/msg.h"
#include "model/model_metrics.h"
#include "run/runner.h"
#include "runfile/store.h"

struct run_outcome {
	int failed;               /* the run stopped: no decision could be had */
	int step;                 /* the step being played */
	int converged;
	int convergence_step;
	int final_step;
	long total_moves;
	int has_final;            /* final holds the metrics (not --metrics none) */
	struct metrics final;
	struct model_metrics model;   /* with --model-metrics on */
	long decisions;           /* of the steps played, for progress and shares */
	long choices;             /* movers that chose (--destination choose) */
	int parse_failed;         /* the agent's answers were no answers */
	char parse_reason[160];
};

static void
put_metrics(struct jw *w, const struct metrics *m)
{
	double v[METRICS_N];

	metrics_values(m, v);
	for (int i = 0; i < METRICS_N; i++)
		if (metrics_whole[i])
			jw_kv_int(w, metrics_names[i], (long long)v[i]);
		else
			jw_kv_double(w, metrics_names[i], v[i]);
}

static void
put_metrics_object(struct jw *w, const char *key, const struct metrics *m)
{
	jw_key(w, key);
	jw_object_begin(w);
	put_metrics(w, m);
	jw_object_end(w);
}

static void
put_model_metrics(struct jw *w, const struct model_metrics *m)
{
	static const char *const keys[] = { "like_share_mean",
		"like_share_pooled", "unhappy_share", "segregation_coefficient" };

	jw_key(w, "model_metrics");
	jw_object_begin(w);
	jw_kv_doubles(w, keys, (const double[]){ m->like_share_mean,
	    m->like_share_pooled, m->unhappy_share,
	    m->segregation_coefficient }, 4);
	jw_object_end(w);
}

static void
put_grid(struct runner *r)
{
	world_grid_string(r->world, r->grid);
	jw_kv_string(&r->line, "grid", r->grid);
}

/*
 * The parameters that make the run what it is come first (the agent
 * kind's own after version and host), then every other that shapes it,
 * then the flags that change which lines the file holds.
 */
static int
print_start(struct runner *r, long run_id, const struct metrics *initial)
{
	const struct agent *a = &r->agent;
	struct jw *w = &r->line;
	size_t n;
	const struct param_spec *t = params_table(&n);

	jw_object_begin(w);
	jw_kv_string(w, "event", "start");
	jw_kv_int(w, "run_id", run_id);
	param_put_shape(w, r->params, t, n, 0);
	jw_kv_string(w, "version", SIM_VERSION);
	if (r->host != NULL)
		jw_kv_string(w, "host", r->host);
	if (a->put_start != NULL)
		a->put_start(a->ctx, w);
	params_put_shaping(w, r->params);
	jw_kv_bool(w, "no_steps", !r->step_lines);
	if (a->put_start_tail != NULL)
		a->put_start_tail(a->ctx, w);
	if (initial != NULL)
		put_metrics_object(w, "initial", initial);
	put_grid(r);
	jw_object_end(w);
	return jw_write_line(w, r->out);
}

static int
print_step(struct runner *r, long run_id, int step,
    const struct step_counts *counts, const struct metrics *m)
{
	struct jw *w = &r->line;

	jw_object_begin(w);
	jw_kv_string(w, "event", "step");
	jw_kv_int(w, "run_id", run_id);
	jw_kv_int(w, "step", step);
	jw_kv_int(w, "decisions", counts->decisions);
	jw_kv_int(w, "moves", counts->moves);
	if (m != NULL)
		put_metrics(w, m);
	if (r->agent.put_step != NULL)
		r->agent.put_step(r->agent.ctx, w);
	if (r->params->model.frames)
		put_grid(r);
	jw_object_end(w);
	return jw_write_line(w, r->out);
}

static const char *
why(const struct runner *r, int *refused)
{
	*refused = 0;
	return r->agent.why != NULL ? r->agent.why(r->agent.ctx, refused) :
	    "no decision";
}

static int
print_end(struct runner *r, long run_id, const struct run_outcome *o)
{
	struct jw *w = &r->line;
	int refused;

	jw_object_begin(w);
	jw_kv_string(w, "event", "end");
	jw_kv_int(w, "run_id", run_id);
	jw_kv_string(w, "status", o->failed || o->parse_failed ? "failed" :
	    "ok");
	if (o->failed) {
		jw_kv_string(w, "reason", why(r, &refused));
		jw_kv_int(w, "failed_step", o->step);
	} else if (o->parse_failed) {
		jw_kv_string(w, "reason", o->parse_reason);
	}
	jw_kv_bool(w, "converged", o->converged);
	jw_key(w, "convergence_step");
	if (o->converged)
		jw_int(w, o->convergence_step);
	else
		jw_null(w);
	jw_kv_int(w, "final_step", o->final_step);
	jw_kv_int(w, "n_steps", o->final_step + 1);
	jw_kv_string(w, "stop_reason", o->failed ? "failed" :
	    o->parse_failed ? "parse_failures" :
	    o->converged ? "converged" : "max_steps");
	jw_kv_int(w, "total_moves", o->total_moves);
	if (r->agent.put_end != NULL)
		r->agent.put_end(r->agent.ctx, w, o->decisions);
	if (o->has_final)
		put_metrics_object(w, "metrics", &o->final);
	if (r->params->model.model_metrics)
		put_model_metrics(w, &o->model);
	put_grid(r);
	jw_object_end(w);
	return jw_write_line(w, r->out);
}

static void
step_done(struct runner *r)
{
	if (r->agent.step_done != NULL)
		r->agent.step_done(r->agent.ctx);
}

/* The exit status of a run that could not go on. */
static int
failed_run(struct runner *r, long run_id, struct run_outcome *out)
{
	const char *reason;
	int refused;

	out->failed = 1;
	out->final_step = out->step - 1;
	step_done(r);
	reason = why(r, &refused);
	msg(r->prog, "run %ld failed at step %d: %s", run_id, out->step,
	    reason);
	if (print_end(r, run_id, out) != 0)
		return EX_IOERR;
	return refused ? EX_UNAVAILABLE : EX_TEMPFAIL;
}

/*
 * With --output-dir, runs of agents that say so (LLM agents) tell a
 * watcher (the runner's progress bar) after each step how far they are:
 * one small write per step.  Movers that choose (a second kind of
 * prompt) are counted too, as choices.
 */
static int
print_progress(long run_id, int step, const struct run_outcome *o,
    int choosing)
{
	printf("{\"event\":\"progress\",\"run_id\":%ld,\"step\":%d,"
	    "\"decisions\":%ld", run_id, step, o->decisions);
	if (choosing)
		printf(",\"choices\":%ld", o->choices);
	printf("}\n");
	return fflush(stdout) != 0 ? -1 : 0;
}

/* A run whose answers were not answers ends failed, with the reason. */
static void
check_run(struct runner *r, struct run_outcome *o)
{
	if (r->agent.run_check == NULL || o->failed ||
	    r->agent.run_check(r->agent.ctx, o->decisions, o->parse_reason,
	    sizeof(o->parse_reason)) == 0)
		return;
	o->parse_failed = 1;
	o->converged = 0;
}

/* Places the agents; the initial metrics unless --metrics none. */
static void
start_run(struct runner *r, long run_id, struct run_outcome *out)
{
	const struct model_params *p = &r->params->model;
	struct metrics m = { 0 };

	world_place(r->world, p->seed, (uint64_t)run_id);
	out->has_final = p->metrics != METRICS_NONE;
	if (out->has_final)
		metrics_compute(r->metrics, r->world->cell, &m);
	out->final = m;
	if (r->agent.run_start != NULL)
		r->agent.run_start(r->agent.ctx, r->out);
}

/* One step and its line; 0, 1 when the run is over, or a status. */
static int
play_step(struct runner *r, long run_id, struct step_key *key,
    struct convergence *conv, struct run_outcome *out)
{
	const struct model_params *p = &r->params->model;
	const struct agent *a = &r->agent;
	struct step_counts counts;
	int every = p->metrics == METRICS_EVERY;
	int choosing = a->play == NULL && a->decider.destination != NULL &&
	    p->move_rule == MOVE_RANDOM;

	out->step = key->step;
	if ((a->play != NULL ? a->play(a->ctx, key, &counts) :
	    world_step(r->world, &a->decider, key, &counts)) != 0 ||
	    (a->step_check != NULL && a->step_check(a->ctx, &counts) != 0))
		return failed_run(r, run_id, out);
	if (every)
		metrics_compute(r->metrics, r->world->cell, &out->final);
	out->total_moves += counts.moves;
	out->decisions += counts.decisions;
	/* every mover chooses, once, when the decider chooses (world.c) */
	if (choosing)
		out->choices += counts.moves;
	if (r->step_lines && print_step(r, run_id, key->step, &counts,
	    every ? &out->final : NULL) != 0)
		return EX_IOERR;
	if (a->progress && r->output_dir != NULL &&
	    print_progress(run_id, key->step, out, choosing) != 0)
		return EX_IOERR;
	step_done(r);
	if (!convergence_update(conv, counts.moves))
		return 0;
	out->converged = 1;
	out->final_step = key->step;
	out->convergence_step = key->step - (conv->threshold - 1);
	return 1;
}

/*
 * One run: place, then sweep until K zero-move steps or the step cap.
 * Returns 0 or an exit status.
 */
static int
play_run(struct runner *r, long run_id)
{
	const struct model_params *p = &r->params->model;
	struct step_key key = { p->seed, (uint64_t)run_id, 0 };
	struct convergence conv = { p->no_move_threshold, 0 };
	struct run_outcome out = { 0, 0, 0, 0, p->max_steps - 1, 0, 0, { 0 },
	    { 0, 0, 0, 0 }, 0, 0, 0, "" };
	int rc = 0;

	start_run(r, run_id, &out);
	if (print_start(r, run_id, out.has_final ? &out.final : NULL) != 0)
		return EX_IOERR;
	for (key.step = 0; key.step < p->max_steps && rc == 0; key.step++)
		rc = play_step(r, run_id, &key, &conv, &out);
	if (rc > 1 || rc < 0)
		return rc;
	if (p->metrics == METRICS_END)
		metrics_compute(r->metrics, r->world->cell, &out.final);
	if (p->model_metrics &&
	    model_metrics_compute(r->world, &out.model) != 0)
		return msg_oom(r->prog, " for the model metrics");
	check_run(r, &out);
	if (out.parse_failed)
		msg(r->prog, "run %ld failed: %s", run_id, out.parse_reason);
	if (print_end(r, run_id, &out) != 0)
		return EX_IOERR;
	return out.parse_failed ? EX_DATAERR : 0;
}

/* 73 when the file cannot be made, 74 when writing it failed. */
static int
file_error(struct runner *r, const char *what, const char *path)
{
	int e = errno;

	r->io_reported = 1;
	msg(r->prog, "cannot %s %s: %s", what, path, strerror(e));
	return io_status(e);
}

/*
 * A run written to its own file appears under its name only once complete
 * (a failed run's file ends with its failed end line); then a done line
 * on stdout, one write, tells a watcher.
 */
static int
play_run_to_file(struct runner *r, long run_id)
{
	struct atomic_file file;
	char path[4096];
	int rc;

	snprintf(path, sizeof(path), "%s/run_%ld.jsonl", r->output_dir, run_id);
	if (atomic_open(&file, path) != 0)
		return file_error(r, "create", path);
	r->out = file.f;
	rc = play_run(r, run_id);
	r->out = stdout;
	if (rc == EX_IOERR) {
		int e = errno;

		atomic_abort(&file);
		errno = e;
		file_error(r, "write", path);
		return EX_IOERR;
	}
	if (atomic_commit(&file) != 0)
		return file_error(r, "write", path);
	printf("{\"event\":\"done\",\"run_id\":%ld,\"status\":\"%s\"}\n",
	    run_id, rc == 0 ? "ok" : "failed");
	if (fflush(stdout) != 0)
		return EX_IOERR;
	return rc;
}

/* The runs of a shard, and where each begins in it. */
struct shard_runs {
	long long *ids, *offsets;
	size_t n, cap;
};

static int
shard_note(struct shard_runs *s, long id, long long offset)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		long long *i = realloc(s->ids, cap * sizeof(*i)), *o;

		if (i == NULL)
			return -1;
		s->ids = i;
		if ((o = realloc(s->offsets, cap * sizeof(*o))) == NULL)
			return -1;
		s->offsets = o;
		s->cap = cap;
	}
	s->ids[s->n] = id;
	s->offsets[s->n++] = offset;
	return 0;
}

/* The runs in order into the open shard; 0 or the first failure. */
static int
play_shard_runs(struct runner *r, const struct runids *ids,
    struct shard_runs *s)
{
	int rc = 0;

	for (int i = 0; i < ids->count && rc == 0; i++)
		for (long id = ids->ranges[i].first;
		    id <= ids->ranges[i].last && rc == 0; id++) {
			off_t at = ftello(r->out);

			if (at < 0)
				return EX_IOERR;
			if (shard_note(s, id, (long long)at) != 0)
				return msg_oom(r->prog, " for a shard's index");
			rc = play_run(r, id);
		}
	return rc;
}

/*
 * Every run into one shard, which appears under its name only once whole,
 * its index line last (a run that fails ends the shard there, as it ends
 * the runs); then one done line on stdout for all of them.
 */
static int
play_shard(struct runner *r, const struct runids *ids)
{
	struct shard_runs s = { 0 };
	struct atomic_file file;
	char path[4096];
	long long first;
	off_t size;
	int rc;

	if (shard_path(path, sizeof(path), r->output_dir, ids->ranges[0].first,
	    ids->ranges[ids->count - 1].last) != 0) {
		errno = ENAMETOOLONG;
		return file_error(r, "create", r->output_dir);
	}
	if (atomic_open(&file, path) != 0)
		return file_error(r, "create", path);
	r->out = file.f;
	rc = play_shard_runs(r, ids, &s);
	if (rc != EX_IOERR && rc != EX_OSERR && (size = ftello(file.f)) >= 0) {
		shard_put_index(&r->line, s.ids, s.offsets, s.n, (long long)size);
		if (jw_write_line(&r->line, file.f) != 0)
			rc = EX_IOERR;
	} else if (rc != EX_OSERR) {
		rc = EX_IOERR;
	}
	r->out = stdout;
	first = s.n > 0 ? s.ids[0] : 0;
	free(s.ids);
	free(s.offsets);
	if (rc == EX_IOERR || rc == EX_OSERR) {
		int e = errno;

		atomic_abort(&file);
		errno = e;
		return rc == EX_OSERR ? rc : file_error(r, "write", path);
	}
	if (atomic_commit(&file) != 0)
		return file_error(r, "write", path);
	printf("{\"event\":\"done\",\"run_id\":%lld,\"runs\":%zu,"
	    "\"status\":\"%s\"}\n", first, s.n,
	    rc == 0 ? "ok" : "failed");
	return fflush(stdout) != 0 ? EX_IOERR : rc;
}

int
runner_play(struct runner *r, const struct runids *ids)
{
	int rc = 0;

	if (r->output_dir != NULL && r->shards)
		return play_shard(r, ids);
	for (int i = 0; i < ids->count && rc == 0; i++)
		for (long id = ids->ranges[i].first;
		    id <= ids->ranges[i].last && rc == 0; id++)
			rc = r->output_dir ? play_run_to_file(r, id) :
			    play_run(r, id);
	return rc;
}

int
runner_init(struct runner *r, const char *prog, const struct sim_params *p,
    int step_lines, const char *output_dir, const char *host)
{
	const struct model_params *m = &p->model;
	struct model model;

	memset(r, 0, sizeof(*r));
	r->prog = prog;
	r->params = p;
	r->step_lines = step_lines;
	r->out = stdout;
	r->output_dir = output_dir;
	r->host = host;
	r->agent.decider.decide = mechanical_decide;
	r->agent.decider.ctx = (void *)&m->similarity_threshold;
	jw_init(&r->line);
	r->world = world_new(m->grid_size, m->num_type_a, m->num_type_b);
	r->metrics = metrics_work_new(m->grid_size);
	r->grid = malloc((size_t)m->grid_size * (size_t)m->grid_size + 1);
	model_from_params(&model, m);
	if (!r->world || !r->metrics || !r->grid ||
	    world_set_model(r->world, &model) != 0) {
		msg(r->prog, "out of memory for a %dx%d grid", m->grid_size,
		    m->grid_size);
		return EX_OSERR;
	}
	return 0;
}

void
runner_set_agent(struct runner *r, const struct agent *a)
{
	r->agent = *a;
}

void
runner_free(struct runner *r)
{
	world_free(r->world);
	metrics_work_free(r->metrics);
	jw_free(&r->line);
	free(r->grid);
	r->world = NULL;
	r->metrics = NULL;
	r->grid = NULL;
}
