/*
 * The body of one request, in the words of the API and the server kind:
 * what each server takes, as its reference says (body.c), and nothing it
 * did not document.  Part of the client (llm.c); no I/O.
 */
#ifndef SIM_LLM_BODY_H
#define SIM_LLM_BODY_H

#include <stddef.h>
#include <stdint.h>

#include "io/jsonw.h"
#include "llm/family.h"
#include "llm/llm.h"

/* Optional fields the client adds on its own, which a server may refuse. */
enum llm_field {
	FIELD_REASONING_EFFORT = 1,
	FIELD_TEMPLATE_KWARGS = 2,   /* chat_template_kwargs.enable_thinking */
	FIELD_THINK = 4,             /* Ollama's native think */
	FIELD_THINKING = 8,          /* Anthropic's thinking */
	FIELD_COUNT = 4
};

/* The name a server's error text uses for field (one bit). */
const char *llm_field_name(unsigned field);

/* What the client sends, decided when it starts (llm_shape_init). */
struct llm_shape {
	struct llm_family fam;
	int level;                 /* enum family_think, -1 for --think auto */
	int max_tokens;            /* the cap sent */
	long reasoning_room;       /* of it, left for reasoning */
	int mct;                   /* send max_completion_tokens */
	int json_answer;           /* the answer comes as {"answer": ...} */
	unsigned dropped;          /* fields the server refused (enum llm_field) */
	unsigned sent;             /* optional fields of the last body */
	int choices;               /* > 0: the answer is a number 1..choices
	                              (a choosing mover), not MOVE or STAY */
};

/*
 * The shape of cfg's requests: the family's rules (refused here when
 * they cannot be kept: -1 with err), the token cap (auto: room for the
 * reasoning and the answer) and the name of its field.
 */
int llm_shape_init(struct llm_shape *sh, const struct llm_config *cfg,
    char *err, size_t errlen);

/* The body of one request into w; NULL when out of memory. */
const char *llm_body(struct jw *w, const struct llm_config *cfg,
    struct llm_shape *sh, const char *prompt, uint32_t seed, int seeded,
    size_t *len);

#endif
