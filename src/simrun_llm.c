/*
 * simrun_llm: simrun with the LLM client linked in (libcurl, SQLite), for
 * --agent llm and --check-llm.  bin/simrun execs it, after parsing the same
 * flags; it plays every agent kind exactly as simrun does.
 */
#define SIMRUN_LLM 1
#include "simrun.c"
