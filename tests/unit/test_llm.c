/* What the LLM agent sends and reads: context grids, prompts, answers. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "llm/llm.h"
#include "llm/scenario.h"
#include "model/world.h"

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

/* A choosing mover's answer: the number alone, 1..K. */
static void
choices(void)
{
	CHECK(llm_parse_choice("3", 4) == 3, "a bare number");
	CHECK(llm_parse_choice(" \"2.\"\n", 4) == 2, "quotes and a stop trimmed");
	CHECK(llm_parse_choice("4", 4) == 4, "the last option");
	CHECK(llm_parse_choice("5", 4) == 0, "beyond K");
	CHECK(llm_parse_choice("0", 4) == 0, "zero is no option");
	CHECK(llm_parse_choice("12", 9) == 0, "two digits");
	CHECK(llm_parse_choice("Option 2", 4) == 0, "words around it");
	CHECK(llm_parse_choice("", 4) == 0, "empty reply");
	CHECK(llm_parse_choice("MOVE", 4) == 0, "MOVE is no choice");
}

/* Retry-After as seconds or an HTTP date, retry-after-ms (never capped:
 * test_providers.c has the long ones). */
static void
retry_after(void)
{
	time_t now = 1798761600;  /* Fri, 01 Jan 2027 00:00:00 GMT */

	CHECK(llm_parse_retry_after("2", 0, now) == 2000, "seconds");
	CHECK(llm_parse_retry_after(" 0", 0, now) == 0, "zero seconds");
	CHECK(llm_parse_retry_after("1500", 1, now) == 1500, "retry-after-ms");
	CHECK(llm_parse_retry_after("20.5", 1, now) == 20, "fractional ms");
	CHECK(llm_parse_retry_after("Fri, 01 Jan 2027 00:00:07 GMT", 0, now) ==
	    7000, "an HTTP date 7 s ahead");
	CHECK(llm_parse_retry_after("Thu, 31 Dec 2026 23:59:00 GMT", 0, now) ==
	    0, "an HTTP date in the past: no wait");
	CHECK(llm_parse_retry_after("Sat, 02 Jan 2027 00:00:00 GMT", 0, now) ==
	    86400000L, "a date a day ahead: a day");
	CHECK(llm_parse_retry_after("soon", 0, now) == -1, "junk");
	CHECK(llm_parse_retry_after("-3", 0, now) == -1, "negative");
	CHECK(llm_parse_retry_after("Fri, 01 Jan 2027", 1, now) == -1,
	    "no date in the ms form");
}

/* Next to the chat URL: a proxy's prefix kept, each API's model list. */
static void
siblings(void)
{
	char out[256];

	llm_sibling_url("http://h:8080/llm/v1/chat/completions", "/props", 0,
	    out, sizeof(out));
	CHECK(strcmp(out, "http://h:8080/llm/props") == 0, "prefix kept");
	llm_sibling_url("http://h/api/chat", "", 1, out, sizeof(out));
	CHECK(strcmp(out, "http://h/api/tags") == 0, "Ollama's model list");
	llm_sibling_url("https://x.org/openai/chat/completions", "", 1, out,
	    sizeof(out));
	CHECK(strcmp(out, "https://x.org/openai/models") == 0,
	    "a /chat/completions base");
	llm_sibling_url("http://h:1/v1/chat/completions?x=1", "/props", 0, out,
	    sizeof(out));
	CHECK(strcmp(out, "http://h:1/props") == 0, "a query is dropped");
	llm_sibling_url("https://api.anthropic.com/v1/messages", "", 1, out,
	    sizeof(out));
	CHECK(strcmp(out, "https://api.anthropic.com/v1/models") == 0,
	    "the Messages API's model list");
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

/* A scenario file of the given text, loaded into s (exit 2 if not). */
static void
load_text(struct scenario *s, const char *text)
{
	char err[256], path[] = "/tmp/test_llm.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");

	if (f == NULL)
		exit(2);
	fputs(text, f);
	if (fclose(f) != 0 || scenario_load(path, s, err, sizeof(err)) != 0)
		exit(2);
	unlink(path);
}

static void
labels(void)
{
	struct scenario s;
	char *p;

	load_text(&s, "{\"name\":\"t\",\"type_a\":\"cats\",\"type_b\":\"dogs\","
	    "\"prompt_template\":\"{agent_type} vs {opposite_type}:\\n{context}"
	    " ({agent_type})\"}");
	p = scenario_prompt(&s, 1, "S E O\nE X E\nE O E");
	CHECK(p && strcmp(p, "dogs vs cats:\nS E O\nE X E\nE O E (dogs)") == 0,
	    "labels fill in on both sides of the grid");
	free(p);
	scenario_free(&s);
}

/* choose_prompt_template: the MOVE or STAY prompt only once movers
 * choose; without it the prompt_template stays. */
static void
choose_template(void)
{
	struct scenario s;
	char err[256], *p;

	load_text(&s, "{\"name\":\"t\",\"type_a\":\"cats\",\"type_b\":\"dogs\","
	    "\"prompt_template\":\"{agent_type}: random\\n{context}\","
	    "\"choose_prompt_template\":\"{agent_type} chooses, not "
	    "{opposite_type}\\n{context}\"}");
	p = scenario_prompt(&s, 0, "S E O\nE X E\nE O E");
	CHECK(p && strcmp(p, "cats: random\nS E O\nE X E\nE O E") == 0,
	    "before scenario_choose: the prompt_template");
	free(p);
	CHECK(strcmp(scenario_move_template(&s), s.prompt_template) == 0,
	    "the move template is prompt_template until chosen");
	CHECK(scenario_choose(&s) == 0 && scenario_choose(&s) == 0,
	    "scenario_choose, twice");
	p = scenario_prompt(&s, 1, "S E O\nE X E\nE O E");
	CHECK(p && strcmp(p, "dogs chooses, not cats\nS E O\nE X E\nE O E")
	    == 0, "after: the choose_prompt_template, labels filled");
	free(p);
	CHECK(strcmp(scenario_move_template(&s), s.choose_prompt_template) == 0,
	    "the move template is then choose_prompt_template");
	CHECK(strstr(scenario_choice_template(&s), "{options}") != NULL,
	    "no choice_template: the default wording");
	scenario_free(&s);
	/* a shipped scenario without the change of wording it needs */
	if (scenario_load("configs/scenarios/baseline.json", &s, err,
	    sizeof(err)) != 0)
		exit(2);
	CHECK(scenario_choose(&s) == 0 && (p = scenario_prompt(&s, 0,
	    "S E O\nE X E\nE O E")) != NULL && strstr(p, "cannot choose") ==
	    NULL && strstr(p, "choose one of them") != NULL,
	    "baseline under choose: the mover is told it chooses");
	free(p);
	scenario_free(&s);
}

int
main(void)
{
	answers();
	choices();
	retry_after();
	siblings();
	contexts();
	shipped_scenarios();
	labels();
	choose_template();
	return check_done();
}
