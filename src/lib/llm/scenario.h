/* LLM prompt scenarios: two group labels and a prompt template. */
#ifndef SIM_LLM_SCENARIO_H
#define SIM_LLM_SCENARIO_H

#include <stddef.h>

struct scenario {
	char *name;
	char *description;
	char *type_a;
	char *type_b;
	char *prompt_template;
	char *choice_template;     /* NULL: the default wording */
	/* the MOVE or STAY prompt when movers choose (NULL: prompt_template) */
	char *choose_prompt_template;
	int choosing;              /* scenario_choose: head, tail are it */
	/* the template with labels filled in for an agent of type 0 / 1,
	 * split around {context}: prompt = head + context + tail */
	char *head[2];
	char *tail[2];
	/* the choice template (or the default) so, split around {options} */
	char *choice_head[2];
	char *choice_tail[2];
};

/* Context grid of an agent: X self, S same, O other, E empty, # off-grid. */
#define CONTEXT_LEN 17

int scenario_load(const char *path, struct scenario *s, char *err,
    size_t errlen);
int scenario_path(const char *name, char *path, size_t len, char *err,
    size_t errlen);
void scenario_free(struct scenario *s);
/* The scenario a run uses: its file if given, else the named one. */
int scenario_for(const char *name, const char *file, struct scenario *s,
    char *err, size_t errlen);
/* Movers choose (--destination choose): the MOVE or STAY prompt becomes
 * choose_prompt_template, if the scenario has one.  -1: out of memory. */
int scenario_choose(struct scenario *s);
/* The MOVE or STAY template a run uses (prompt_template unless chosen). */
const char *scenario_move_template(const struct scenario *s);
/* The choice template a run uses: the scenario's, else the default. */
const char *scenario_choice_template(const struct scenario *s);
char *scenario_prompt(const struct scenario *s, int type, const char *context);
/* A mover's choice among n (at most 16) empty houses, each a context. */
char *scenario_choice_prompt(const struct scenario *s, int type,
    const char contexts[][CONTEXT_LEN + 1], int n);

#endif
