/* What the LLM agent sends and reads: context grids, prompts, answers. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "llm/llm.h"
#include "llm/scenario.h"
#include "sim/world.h"

static void
answers(void)
{
	CHECK(llm_parse_answer("MOVE") == LLM_MOVE, "MOVE");
	CHECK(llm_parse_answer("stay") == LLM_STAY, "stay in lower case");
	CHECK(llm_parse_answer("  \"Move.\"\n") == LLM_MOVE,
	    "quotes, spaces and a full stop are trimmed");
	CHECK(llm_parse_answer("'STAY'!") == LLM_STAY, "single quotes, !");
	CHECK(llm_parse_answer("I think I'd move") == LLM_UNPARSED,
	    "a sentence is not an answer");
	CHECK(llm_parse_answer("MOVE STAY") == LLM_UNPARSED, "two words");
	CHECK(llm_parse_answer("MOVED") == LLM_UNPARSED, "MOVED is not MOVE");
	CHECK(llm_parse_answer("") == LLM_UNPARSED, "empty reply");
	CHECK(llm_parse_answer("**MOVE**") == LLM_UNPARSED, "markdown is not trimmed");
}

static void
contexts(void)
{
	struct world *w = world_new(3, 2, 2);
	char ctx[CONTEXT_LEN + 1];

	if (w == NULL)
		exit(2);
	/* A at 0 and 4, B at 2 and 7; agent ids 0,1 are A, 2,3 are B */
	memset(w->cell, -1, 9);
	w->cell[0] = 0, w->pos[0] = 0;
	w->cell[4] = 0, w->pos[1] = 4;
	w->cell[2] = 1, w->pos[2] = 2;
	w->cell[7] = 1, w->pos[3] = 7;
	world_context(w, 4, ctx);
	CHECK(strcmp(ctx, "S E O\nE X E\nE O E") == 0, "centre agent sees S, O and E");
	world_context(w, 0, ctx);
	CHECK(strcmp(ctx, "# # #\n# X E\n# E S") == 0, "corner agent sees #");
	world_context(w, 7, ctx);
	CHECK(strcmp(ctx, "E O E\nE X E\n# # #") == 0, "bottom edge agent");
	CHECK(strlen(ctx) == CONTEXT_LEN, "a context is 17 characters");
	world_free(w);
}

static void
shipped_scenarios(void)
{
	const char *names[] = { "baseline", "race_white_black",
	    "ethnic_asian_hispanic", "income_high_low",
	    "political_liberal_conservative", "01", "AB", "green_yellow",
	    "gender_man_woman", "conflict" };
	const char *ctx = "S E O\nE X E\nE O E";
	int loaded = 0, rendered = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[256], err[512];
		struct scenario s;

		snprintf(path, sizeof(path), "configs/scenarios/%s.json", names[i]);
		if (scenario_load(path, &s, err, sizeof(err)) != 0) {
			printf("# %s\n", err);
			continue;
		}
		loaded += strcmp(s.name, names[i]) == 0;
		for (int t = 0; t < 2; t++) {
			char *p = scenario_prompt(&s, t, ctx);
			size_t n = p ? strlen(p) : 0;

			rendered += p && n > CONTEXT_LEN &&
			    strcmp(p + n - CONTEXT_LEN, ctx) == 0 &&
			    strstr(p, t ? s.type_b : s.type_a) != NULL &&
			    strchr(p, '{') == NULL;
			free(p);
		}
		scenario_free(&s);
	}
	CHECK(loaded == 10, "the ten shipped scenarios load, names match files");
	CHECK(rendered == 20, "each prompt names the agent's group, has no "
	    "placeholder left and ends with the grid (%d of 20)", rendered);
}

static void
labels(void)
{
	struct scenario s;
	char err[256];
	char *p, path[] = "/tmp/test_llm.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");

	if (f == NULL)
		exit(2);
	fputs("{\"name\":\"t\",\"type_a\":\"cats\",\"type_b\":\"dogs\","
	    "\"prompt_template\":\"{agent_type} vs {opposite_type}:\\n{context}"
	    " ({agent_type})\"}", f);
	if (fclose(f) != 0 || scenario_load(path, &s, err, sizeof(err)) != 0)
		exit(2);
	unlink(path);
	p = scenario_prompt(&s, 1, "S E O\nE X E\nE O E");
	CHECK(p && strcmp(p, "dogs vs cats:\nS E O\nE X E\nE O E (dogs)") == 0,
	    "labels fill in on both sides of the grid");
	free(p);
	scenario_free(&s);
}

int
main(void)
{
	answers();
	contexts();
	shipped_scenarios();
	labels();
	return check_done();
}
