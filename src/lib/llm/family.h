/*
 * What a model takes, by server kind and model name: the reasoning effort
 * that turns its thinking off (or that it cannot), the effort --think low
 * and on ask for, whether temperature, top_p, seed and log-probs may be
 * sent, and how many tokens its reasoning may take.  Each rule cites the
 * provider's reference in family.c; nothing here does I/O.
 */
#ifndef SIM_LLM_FAMILY_H
#define SIM_LLM_FAMILY_H

#include <stddef.h>

/* How the sampling fields (temperature, top_p, logprobs) are taken. */
enum family_sampling {
	SAMPLING_YES,             /* sent as given */
	SAMPLING_NO,              /* refused: only the default (1) */
	SAMPLING_AT_NONE          /* only with reasoning effort "none" */
};

struct llm_family {
	const char *name;          /* for messages: "OpenAI gpt-5.1 and later" */
	const char *ref;           /* the reference that says so */
	/*
	 * reasoning_effort (or the server's own switch) for --think off, low
	 * and on.  NULL: nothing is sent.  cannot_off: the model thinks
	 * whatever is sent, so --think off is refused.
	 */
	const char *effort[3];     /* by family_think */
	int cannot_off;
	int effort_field;          /* 1: the server takes reasoning_effort */
	int sampling;              /* enum family_sampling */
	int top_p_with_temperature;  /* 0: only one of the two */
	double temperature_max;    /* the highest it takes */
	int seed;                  /* 0: seed is refused (or ignored) */
	int logprobs;              /* 0: log-probs refused or ignored */
	int json_schema;           /* response_format json_schema honoured */
	int thinking_fixes_temperature;  /* thinking only at temperature 1 */
	/* reasoning tokens to leave room for (--max-tokens auto), by
	 * family_think; -1: the reference gives no figure */
	long budget[3];
};

enum family_think { FAMILY_OFF, FAMILY_LOW, FAMILY_ON };

/* The family of model on a server kind (enum llm_server, resolved). */
void llm_family_of(int server, const char *model, struct llm_family *f);

/* enum llm_think as a family_think (auto: -1, nothing is asked). */
int llm_family_think(int think);

/*
 * What cannot be asked of this family: --think off of a model that always
 * thinks, sampling settings it refuses, temperature out of its range,
 * top_p beside temperature, log-probs.  temperature and top_p as the
 * parameters hold them (PARAM_WORD_VALUE: not sent); 0, or -1 with one
 * line in err naming the reference and the flag that fixes it.
 */
int llm_family_check(const struct llm_family *f, const char *model, int think,
    double temperature, double top_p, int logprobs, char *err,
    size_t errlen);

#endif
