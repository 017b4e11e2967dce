/* The table agent in a run (see agent.h). */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "table/agent.h"

int
table_agent_open(struct table_agent *a, const char *path,
    const char *scenario, const char *scenario_file, int grid_size,
    double max_unparsed, char *err, size_t errlen)
{
	char worst[160];
	long over;

	memset(a, 0, sizeof(*a));
	a->path = path;
	if (path[0] == '\0') {
		snprintf(err, errlen, "--agent table needs --table FILE (a "
		    "table written by simprobe)");
		return EX_USAGE;
	}
	if (scenario_for(scenario, scenario_file, &a->scenario, err,
	    errlen) != 0)
		return EX_CONFIG;
	if (table_load(path, a->scenario.name, &a->table, err, errlen) != 0 ||
	    table_check_scenario(a->table, &a->scenario, err, errlen) != 0)
		return EX_CONFIG;
	/* entries whose replies were mostly not answers measured nothing:
	 * the live runs' parse-failure rule holds for tables too */
	if ((over = table_unparsed_over(a->table, max_unparsed, worst,
	    sizeof(worst))) > 0) {
		snprintf(err, errlen, "decision table %s: %ld entries were "
		    "measured on replies that were mostly not MOVE or STAY "
		    "(above --max-parse-failure-share %g; worst: %s): they say "
		    "nothing of the model; probe again with --constrain auto "
		    "and the right --llm-server", path, over, max_unparsed,
		    worst);
		return EX_DATAERR;
	}
	/* a 1x1 or 2x2 grid shows contexts no table of contexts has */
	if (table_info(a->table)->key == TABLE_KEY_CONTEXT && grid_size < 3) {
		snprintf(err, errlen, "a table of contexts needs --grid-size 3 "
		    "or more");
		return EX_USAGE;
	}
	return 0;
}

void
table_agent_close(struct table_agent *a)
{
	table_free(a->table);
	scenario_free(&a->scenario);
	a->table = NULL;
}

static void
put_start(void *ctx, struct jw *w)
{
	const struct table_agent *a = ctx;
	const struct table_header *t = table_info(a->table);

	jw_kv_string(w, "scenario", a->scenario.name);
	jw_kv_string(w, "table", a->path);
	jw_kv_string(w, "table_key", table_key_name(t->key));
	jw_kv_string(w, "table_model", t->model);
	jw_kv_string(w, "table_method", table_method_name(t->method));
}

void
table_agent_hooks(struct table_agent *a, struct agent *out)
{
	*out = (struct agent){
		.decider = { table_decide, a->table, NULL, NULL, 0 },
		.ctx = a,
		.put_start = put_start,
	};
}
