/*
 * The table agent as a run sees it (agent/agent.h): it moves with the
 * P(MOVE) that simprobe measured for what it sees, and names its table
 * and how the table was made in the start line.
 */
#ifndef SIM_TABLE_AGENT_H
#define SIM_TABLE_AGENT_H

#include <stddef.h>

#include "agent/agent.h"
#include "llm/scenario.h"
#include "table/table.h"

struct table_agent {
	struct decision_table *table;
	struct scenario scenario;
	const char *path;
};

/*
 * The agent of table file path for the scenario (its file if given, else
 * the named one) on a grid of grid_size.  0, 64 (no table given, a grid
 * too small for a table of contexts) or 78 (the scenario, the table) with
 * one line in err.  table_agent_close() in every case.
 */
int table_agent_open(struct table_agent *a, const char *path,
    const char *scenario, const char *scenario_file, int grid_size,
    char *err, size_t errlen);
void table_agent_close(struct table_agent *a);
void table_agent_hooks(struct table_agent *a, struct agent *out);

#endif
