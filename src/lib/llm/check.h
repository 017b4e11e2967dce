/*
 * --check-llm: one real decision prompt of the scenario to the server (or
 * to every endpoint), which must answer MOVE or STAY from the model asked
 * for.  A report on stdout; each failure one line on stderr after prog.
 */
#ifndef SIM_LLM_CHECK_H
#define SIM_LLM_CHECK_H

#include "llm/llm_agent.h"

/* 0, 69 (a server failed the check) or 71. */
int llm_check(struct llm_agent *a, const char *prog);

#endif
