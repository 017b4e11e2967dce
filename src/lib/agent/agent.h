/*
 * An agent kind as a run sees it (run/runner.h): the decider the model
 * asks (model/world.h) and what the kind adds to a run's lines and
 * checks.  Mechanical agents are the model's own rule and add nothing;
 * table agents (table/agent.h) and LLM agents (llm/run.h) fill the hooks.
 * The run loop knows no agent kind but through this.
 */
#ifndef SIM_AGENT_AGENT_H
#define SIM_AGENT_AGENT_H

#include <stddef.h>
#include <stdio.h>

#include "io/jsonw.h"
#include "model/world.h"

struct agent {
	struct decider decider;
	void *ctx;                 /* every hook's first argument */
	/* Each hook may be NULL: the kind has nothing to do there. */
	/* the kind plays a sweep itself (it chooses where movers go),
	 * instead of world_step() with the decider; 0 or -1 as world_step */
	int (*play)(void *ctx, const struct step_key *key,
	    struct step_counts *out);
	/* a run starts (counts reset, agents placed); its lines go to out */
	void (*run_start)(void *ctx, FILE *out);
	/* the kind's keys of a start line, after "version" and "host" */
	void (*put_start)(void *ctx, struct jw *w);
	/* and after "no_steps" */
	void (*put_start_tail)(void *ctx, struct jw *w);
	/* a step was played, its line not yet written: -1 when its
	 * decisions were no answers and the run stops (why() says why) */
	int (*step_check)(void *ctx, const struct step_counts *c);
	/* the kind's keys of a step line */
	void (*put_step)(void *ctx, struct jw *w);
	/* the step is over (its line written, or the run stopped in it) */
	void (*step_done)(void *ctx);
	/* the run played its steps: -1 when it ends failed all the same,
	 * with the reason in buf; decisions: of the steps played */
	int (*run_check)(void *ctx, long decisions, char *buf, size_t len);
	/* the kind's keys of an end line */
	void (*put_end)(void *ctx, struct jw *w, long decisions);
	/* why decide() or step_check() stopped the run; *refused: the
	 * server refused for good (exit 69) rather than gave out (75) */
	const char *(*why)(void *ctx, int *refused);
	/* runs written to files tell a watcher after each step (stdout) */
	int progress;
};

#endif
