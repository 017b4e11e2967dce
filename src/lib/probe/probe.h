/*
 * simprobe's probe: ask an LLM once for every neighbourhood an agent can
 * see (or a shard of them) and write its P(MOVE) as a decision table,
 * finished entries kept in FILE.partial so that a killed probe loses at
 * most the entry in flight and --resume goes on.
 */
#ifndef SIM_PROBE_PROBE_H
#define SIM_PROBE_PROBE_H

#include <stdint.h>

#include "llm/params.h"

#define PROBE_METHOD_AUTO (-1)

struct probe_options {
	const struct llm_params *llm;  /* the scenario, the server, ... */
	uint64_t seed;             /* of the requests' seeds */
	int key;                   /* enum table_key */
	int method;                /* enum table_method or PROBE_METHOD_AUTO */
	int samples;               /* requests per entry, by samples */
	int shard_k, shard_n;      /* shard_n 0: every entry */
	const char *output;        /* NULL: stdout */
	int resume;                /* go on from output's FILE.partial */
};

/*
 * The table into o->output; 0, or an exit status after a message
 * (64, 65, 66, 69 refused, 71, 73, 74, 75 gave out, 78).  Progress goes
 * to stderr every two seconds.
 */
int probe_run(const struct probe_options *o, const char *prog);

#endif
