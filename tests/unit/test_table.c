/* Decision tables: enumeration, codes, intervals, the file, the agent. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "model/metrics.h"
#include "model/rng.h"
#include "table/table.h"
#include "model/world.h"

static int slots[TABLE_CONTEXTS];

static int
count_char(const char *s, char c)
{
	int n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

static void
enumeration(void)
{
	int n = table_slots(TABLE_KEY_CONTEXT, slots), by_off[9] = { 0 };
	int ascending = 1, round_trip = 1, seeable = 0;
	char ctx[CONTEXT_LEN + 1];

	CHECK(n == 7641, "7641 contexts per group (%d)", n);
	for (int i = 0; i < n; i++) {
		table_context(slots[i], ctx);
		by_off[count_char(ctx, '#')]++;
		ascending &= i == 0 || slots[i] > slots[i - 1];
	}
	CHECK(by_off[0] == 6561 && by_off[3] == 4 * 243 && by_off[5] == 4 * 27,
	    "6561 interior, 972 edge, 108 corner contexts");
	CHECK(ascending, "codes ascend, so they are unique");
	for (int code = 0; code < TABLE_CODES; code++) {
		table_context(code, ctx);
		round_trip &= strlen(ctx) == CONTEXT_LEN &&
		    table_code(ctx) == code && ctx[8] == 'X';
		seeable += table_seeable(code);
	}
	CHECK(round_trip, "each of the 4^8 codes is one context and back");
	CHECK(seeable == 7641, "only the enumerated codes are seeable");
	CHECK(table_code("S S S\nS X S\nS S S") == 0, "all S is code 0");
	CHECK(table_code("# # #\n# X #\n# # #") == TABLE_CODES - 1,
	    "all # is the last code");
	CHECK(table_code("S O E\nE X S\n# # #") ==
	    ((((((0 * 4 + 1) * 4 + 2) * 4 + 2) * 4 + 0) * 4 + 3) * 4 + 3) * 4 + 3,
	    "the top-left neighbour is the most significant digit");
	CHECK(table_code("S S S\nS Y S\nS S S") == -1 &&
	    table_code("S S S S\nX S\nS S S") == -1 &&
	    table_code("S S S\nS X S\nS S") == -1 &&
	    table_code("s S S\nS X S\nS S S") == -1, "malformed contexts: -1");
	CHECK(!table_seeable(table_code("# # #\nS X S\n# # #")),
	    "top and bottom off the grid at once is not seeable");
	CHECK(table_slots(TABLE_KEY_COMPOSITION, slots) == 45,
	    "45 compositions per group");
}

/* Every agent of a grid of size 3 or more sees an enumerated context. */
static void
worlds_see_enumerated(void)
{
	int all = 1, seen = 0;
	char ctx[CONTEXT_LEN + 1];

	for (int g = 3; g <= 7; g++)
		for (int run = 0; run < 20; run++) {
			struct world *w = world_new(g, g * g / 3, g * g / 3);

			if (w == NULL)
				exit(2);
			world_place(w, 11, (uint64_t)run);
			for (int a = 0; a < w->nagents; a++) {
				world_context(w, w->pos[a], ctx);
				all &= table_seeable(table_code(ctx));
				seen++;
			}
			world_free(w);
		}
	CHECK(all && seen > 0, "%d contexts of placed worlds, 3x3 to 7x7, "
	    "all enumerated", seen);
}

static void
compositions(void)
{
	int ok = 1, index_ok = 1;
	char ctx[CONTEXT_LEN + 1], want[9];

	for (int i = 0; i < TABLE_COMPOSITIONS; i++) {
		int s, o, k = 0;

		table_composition(i, &s, &o);
		index_ok &= 0 <= s && s <= o && o <= 8 &&
		    table_composition_index(s, o) == i;
		table_context(table_slot_code(TABLE_KEY_COMPOSITION, i), ctx);
		for (int c = 0; c < 9; c++)
			if (c != 4)
				want[k++] = ctx[2 * c];
		for (k = 0; k < 8; k++)
			ok &= want[k] == (k < s ? 'S' : k < o ? 'O' : 'E');
	}
	CHECK(index_ok, "composition indices 0..44 are (same, occupied), "
	    "0 <= same <= occupied <= 8, and back");
	table_context(table_slot_code(TABLE_KEY_COMPOSITION,
	    table_composition_index(2, 5)), ctx);
	CHECK(strcmp(ctx, "S S O\nO X O\nE E E") == 0,
	    "(2, 5) is shown as S S O / O X O / E E E");
	CHECK(ok, "each composition's context: S, then O, then E, row-major");
}

static void
wilson(void)
{
	double lo, hi;

	table_wilson(0, 20, &lo, &hi);
	CHECK(lo == 0 && fabs(hi - 0.16113) < 1e-4, "k 0 of 20: [0, %.5f]", hi);
	table_wilson(10, 20, &lo, &hi);
	CHECK(fabs(lo - 0.29930) < 1e-4 && fabs(hi - 0.70070) < 1e-4,
	    "k 10 of 20: [%.5f, %.5f]", lo, hi);
	table_wilson(20, 20, &lo, &hi);
	CHECK(fabs(lo - 0.83887) < 1e-4 && hi == 1, "k 20 of 20: [%.5f, 1]",
	    lo);
	table_wilson(3, 40, &lo, &hi);
	CHECK(fabs(lo - 0.02585) < 1e-4 && fabs(hi - 0.19861) < 1e-4,
	    "k 3 of 40: [%.5f, %.5f]", lo, hi);
}

static void
fnv(void)
{
	CHECK(fnv1a64("") == 0xcbf29ce484222325ULL, "FNV-1a 64 of \"\"");
	CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cULL, "FNV-1a 64 of \"a\"");
}

/* A table file of composition entries, p_move from p(same, occupied). */
static void
write_table(const char *path, const char *scenario, int skip,
    double (*p)(int, int, int), const char *extra)
{
	struct table_header h = { .scenario = (char *)scenario,
	    .type_a = "a", .type_b = "b", .prompt_hash = "0123456789abcdef",
	    .model = "m", .url = "http://x", .max_tokens = 8,
	    .method = TABLE_LOGPROBS, .key = TABLE_KEY_COMPOSITION,
	    .entries = 90 - (skip >= 0), .created = "2026-01-01T00:00:00Z",
	    .version_tool = "t" };
	FILE *f = fopen(path, "w");
	struct jw w;

	if (f == NULL)
		exit(2);
	jw_init(&w);
	table_header_put(&w, &h);
	jw_write_line(&w, f);
	for (int i = 0; i < 90; i++) {
		struct table_entry e = { i / 45, i % 45, 0, 0, 0, 1, 0, 0, -1 };
		int s, o;

		if (i == skip)
			continue;
		table_composition(e.slot, &s, &o);
		e.p_move = e.lo = e.hi = p(e.group, s, o);
		table_entry_put(&w, TABLE_KEY_COMPOSITION, &e);
		jw_write_line(&w, f);
	}
	if (extra != NULL)
		fputs(extra, f);
	jw_free(&w);
	if (fclose(f) != 0)
		exit(2);
}

static double
p_other(int g, int s, int o)
{
	(void)g;
	return (o - s + 1.0) / (o + 2.0);
}

static double
p_third(int g, int s, int o)
{
	(void)g, (void)s, (void)o;
	return 0.3;
}

static double
p_group_b(int g, int s, int o)
{
	(void)s, (void)o;
	return g;
}

static int
loads(const char *path, const char *scenario, const char *want_in_err)
{
	struct decision_table *t;
	char err[1024];
	int ok;

	if (table_load(path, scenario, &t, err, sizeof(err)) == 0) {
		table_free(t);
		return want_in_err == NULL;
	}
	ok = want_in_err != NULL && strstr(err, want_in_err) != NULL &&
	    strstr(err, path) != NULL && strchr(err, '\n') == NULL;
	if (!ok)
		printf("# %s\n", err);
	return ok;
}

static void
load_errors(const char *path)
{
	write_table(path, "baseline", -1, p_other, NULL);
	CHECK(loads(path, "baseline", NULL), "a complete table loads");
	CHECK(loads(path, "conflict", "'baseline', not 'conflict'"),
	    "another scenario is refused, naming the file");
	write_table(path, "baseline", 50, p_other, NULL);
	CHECK(loads(path, "baseline", "no entry for group B same 2 occupied 2"),
	    "a missing entry is named");
	write_table(path, "baseline", -1, p_other,
	    "{\"group\":\"A\",\"same\":0,\"occupied\":0,\"p_move\":0.5,"
	    "\"lo\":0.5,\"hi\":0.5,\"n\":1,\"moves\":0,\"unparsed\":0}\n");
	CHECK(loads(path, "baseline", "line 92: a second entry"),
	    "a duplicate entry is refused with its line");
	write_table(path, "baseline", -1, p_other, "{\"group\":\"A\",\"same\"");
	CHECK(loads(path, "baseline", "line 92: not JSON"), "malformed JSON");
	write_table(path, "baseline", -1, p_other,
	    "{\"group\":\"A\",\"same\":3,\"occupied\":2,\"p_move\":0.5,"
	    "\"lo\":0.5,\"hi\":0.5,\"n\":1,\"moves\":0,\"unparsed\":0}\n");
	CHECK(loads(path, "baseline", "\"occupied\""), "same > occupied");
}

static double
p_bad(int g, int s, int o)
{
	(void)g;
	return s == 1 && o == 3 ? 1.5 : 0.5;
}

static void
load_ranges(const char *path)
{
	FILE *f;

	write_table(path, "baseline", -1, p_bad, NULL);
	CHECK(loads(path, "baseline", "\"p_move\" (a number from 0 to 1)"),
	    "p_move outside [0, 1] is refused");
	if ((f = fopen(path, "w")) == NULL)
		exit(2);
	fputs("{\"event\":\"table\",\"version\":1}\n", f);
	if (fclose(f) != 0)
		exit(2);
	CHECK(loads(path, "baseline", "line 1: bad or missing field"),
	    "a header without its fields");
	CHECK(loads("/nonexistent/t.jsonl", "baseline", "cannot read"),
	    "a file that is not there");
}

/* The agent draws u per (seed, run, step, agent) and moves iff u < p. */
static void
decisions(const char *path)
{
	struct decision_table *t;
	struct world *w = world_new(10, 40, 40);
	struct step_key key = { 5, 2, 0 };
	char err[1024];
	long moves = 0, draws = 0, agree = 1, same = 1;

	write_table(path, "baseline", -1, p_third, NULL);
	if (w == NULL || table_load(path, "baseline", &t, err, sizeof(err)))
		exit(2);
	world_place(w, 5, 2);
	for (key.step = 0; key.step < 500; key.step++)
		for (int a = 0; a < w->nagents; a++) {
			struct rng r;
			int move, again;

			table_decide(t, w, a, &key, &move);
			table_decide(t, w, a, &key, &again);
			rng_init(&r, rng_key(5, 2, (uint64_t)key.step,
			    (uint64_t)a, RNG_TABLE));
			agree &= move == (rng_uniform(&r) < 0.3);
			same &= move == again;
			moves += move;
			draws++;
		}
	CHECK(agree && same, "a decision is u < p with u from its key");
	CHECK(fabs((double)moves / (double)draws - 0.3) < 0.01,
	    "the share of moves is p (%.4f of %ld)",
	    (double)moves / (double)draws, draws);
	CHECK(table_info(t)->key == TABLE_KEY_COMPOSITION &&
	    strcmp(table_info(t)->model, "m") == 0 &&
	    table_info(t)->method == TABLE_LOGPROBS, "the header's accessors");
	table_free(t);
	world_free(w);
}

static void
groups(const char *path)
{
	struct decision_table *t;
	struct world *w = world_new(10, 40, 40);
	struct step_key key = { 1, 1, 3 };
	char err[1024];
	int right = 1;

	write_table(path, "baseline", -1, p_group_b, NULL);
	if (w == NULL || table_load(path, "baseline", &t, err, sizeof(err)))
		exit(2);
	world_place(w, 1, 1);
	for (int a = 0; a < w->nagents; a++) {
		int move;

		table_decide(t, w, a, &key, &move);
		right &= move == world_agent_type(w, a);
	}
	CHECK(right, "group A's entries decide for type A, B's for type B");
	table_free(t);
	world_free(w);
}

int
main(void)
{
	char path[] = "/tmp/test_table.XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		return 2;
	close(fd);
	enumeration();
	worlds_see_enumerated();
	compositions();
	wilson();
	fnv();
	load_errors(path);
	load_ranges(path);
	decisions(path);
	groups(path);
	unlink(path);
	return check_done();
}
