/*
 * A cap on the LLM requests in flight across every process that talks to
 * one server: N lock files, a request holds one with flock(2), and the
 * kernel frees the locks of a process that dies, however it dies.
 */
#ifndef SIM_LLM_SLOTS_H
#define SIM_LLM_SLOTS_H

#include <stddef.h>

struct slots;

/* "auto" asks the server's /props for total_slots; else a number. */
int slots_parse(const char *text, const char *url, const char *key,
    const char *model, int *n, char *err, size_t errlen);
struct slots *slots_open(const char *url, int n, char *err, size_t errlen);
void slots_close(struct slots *s);

/* A free slot's index, or -1 when all are taken. */
int slots_try(struct slots *s);
/* Waits for a slot, calling idle(arg) between tries. */
int slots_wait(struct slots *s, void (*idle)(void *), void *arg);
void slots_release(struct slots *s, int slot);
/* How many slots there are; 0 for none (s NULL). */
int slots_count(const struct slots *s);

#endif
