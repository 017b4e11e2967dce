/*
 * An exact decision cache for temperature 0, shared by every process of
 * an experiment: SQLite in WAL mode (readers never wait, writers queue,
 * a killed writer leaves a consistent file).  The key is everything that
 * decides the answer: URL, model, API style, max tokens and the prompt.
 */
#ifndef SIM_LLM_CACHE_H
#define SIM_LLM_CACHE_H

#include <stddef.h>

#include "llm/llm.h"

struct llm_cache;

struct llm_cache *cache_open(const char *path, char *err, size_t errlen);
void cache_close(struct llm_cache *c);

/* 1 and *answer on a hit, 0 on a miss, -1 on an error (err says). */
int cache_get(struct llm_cache *c, const struct llm_config *cfg,
    const char *prompt, enum llm_answer *answer, char *err, size_t errlen);
/* Keeps a MOVE or STAY; 0, or -1 on an error. */
int cache_put(struct llm_cache *c, const struct llm_config *cfg,
    const char *prompt, enum llm_answer answer, char *err, size_t errlen);
/* The same for a choice prompt's number (1..choices). */
int cache_get_choice(struct llm_cache *c, const struct llm_config *cfg,
    const char *prompt, int choices, int *choice, char *err, size_t errlen);
int cache_put_choice(struct llm_cache *c, const struct llm_config *cfg,
    const char *prompt, int choice, char *err, size_t errlen);

#endif
