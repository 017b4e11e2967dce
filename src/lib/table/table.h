/*
 * Decision tables: P(MOVE) of an LLM for every neighbourhood an agent can
 * see, probed once by simprobe and looked up by the table agent.
 *
 * A neighbourhood is coded in base 4, one digit per neighbour in row-major
 * order (the top-left neighbour is the most significant digit): S = 0,
 * O = 1, E = 2, # = 3.  Entries come in a fixed order: group A then B;
 * within a group, key "context" takes the codes an agent can see on a grid
 * of size 3 or more in ascending order, key "composition" the pairs
 * (same, occupied) by occupied, then same.  The prompt for a composition
 * shows an interior context with its S first, then its O, then E, in
 * row-major order (2 same of 5 occupied: S S O / O X O / E E E).
 */
#ifndef SIM_TABLE_TABLE_H
#define SIM_TABLE_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "io/jsonw.h"
#include "llm/scenario.h"
#include "model/world.h"

#define TABLE_VERSION 1
#define TABLE_CODES 65536          /* 4^8 */
#define TABLE_CONTEXTS 7641        /* 3^8 + 4 * 3^5 + 4 * 3^3, per group */
#define TABLE_COMPOSITIONS 45      /* 0 <= same <= occupied <= 8 */

enum table_key { TABLE_KEY_CONTEXT, TABLE_KEY_COMPOSITION };
enum table_method { TABLE_LOGPROBS, TABLE_SAMPLES };

/* The first line of a table file. */
struct table_header {
	char *scenario;
	char *type_a;
	char *type_b;
	char prompt_hash[17];      /* FNV-1a 64 of the prompt template, hex */
	char *model;
	char *url;
	int api;                   /* enum llm_api */
	double temperature;
	int max_tokens;
	int method;                /* enum table_method */
	int samples;               /* per entry; 0 for logprobs */
	uint64_t seed;             /* of the requests' seeds */
	int key;                   /* enum table_key */
	long entries;
	int shard_k, shard_n;      /* shard_n 0: the whole table */
	char *created;
	char *version_tool;
	long fallbacks;            /* entries asked by logprobs that had to
	                              be sampled (first token not MOVE/STAY,
	                              or no logprobs); -1: not recorded */
};

/*
 * One entry.  slot: the base-4 code for key "context", the composition
 * index for "composition".  A logprobs entry has n 1, lo = hi = p_move;
 * its moves and unparsed describe the one reply.
 */
struct table_entry {
	int group;                 /* 0 A, 1 B */
	int slot;
	double p_move, lo, hi;
	long n, moves, unparsed;
	int method;                /* how it was measured, enum table_method;
	                              -1: not recorded (an older table) */
};

struct decision_table;

/* Neighbourhoods and entries. */
int table_code(const char *context);
void table_context(int code, char *out);
int table_seeable(int code);
int table_slots(int key, int *slots);
int table_slot_code(int key, int slot);
int table_composition_index(int same, int occupied);
void table_composition(int index, int *same, int *occupied);
const char *table_key_name(int key);
const char *table_method_name(int method);
int table_key_parse(const char *text);

/* Estimates. */
void table_wilson(long k, long n, double *lo, double *hi);

/* Lines of a table file; err gets the problem, without the file name. */
int table_header_read(const char *line, struct table_header *h, char *err,
    size_t errlen);
void table_header_put(struct jw *w, const struct table_header *h);
void table_header_free(struct table_header *h);
/* The first field two headers of one table disagree on, or NULL. */
const char *table_header_differs(const struct table_header *a,
    const struct table_header *b);
int table_entry_read(const char *line, int key, struct table_entry *e,
    char *err, size_t errlen);
void table_entry_put(struct jw *w, int key, const struct table_entry *e);

/* The table agent. */
int table_load(const char *path, const char *scenario,
    struct decision_table **out, char *err, size_t errlen);
void table_free(struct decision_table *t);
int table_decide(void *table, const struct world *w, int agent,
    const struct step_key *key, int *move);
const struct table_header *table_info(const struct decision_table *t);
int table_check_scenario(const struct decision_table *t,
    const struct scenario *s, char *err, size_t errlen);
double table_p_move(const struct decision_table *t, int group, int slot);

#endif
