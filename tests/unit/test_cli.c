/*
 * The one command-line layer (cli/): full names only, a prefix refused
 * with "did you mean", -h/-V, missing and extra values, the operand
 * count; and the parameters as JSON (config/params_json): params to JSON
 * and back equal, key order, the run-shaping keys.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cli/cli.h"
#include "config/file.h"
#include "config/params.h"
#include "config/params_json.h"
#include "io/jsonw.h"

/* ------------------------------------------------------------- cli/ */

static char taken[256];

static int
take(void *arg, int opt, char *value)
{
	size_t n = strlen(taken);

	(void)arg;
	if (opt == 'x')
		return 65;             /* the program refuses the value */
	snprintf(taken + n, sizeof(taken) - n, "%c=%s;", opt,
	    value ? value : "-");
	return 0;
}

static void
usage(FILE *f)
{
	fputs("usage: prog [--grid-size N] [--quiet] FILE\n", f);
}

static const struct option opts[] = {
	CLI_VALUE("grid-size", 'g'),
	CLI_VALUE("grid-seed", 's'),
	CLI_SWITCH("quiet", 'q'),
	CLI_VALUE("refused", 'x'),
	CLI_END
};

struct outcome {
	int rc;
	int optind;
	char out[512], err[512];
	char line[512];            /* err without its newline, for TAP */
};

/* Reads fd's file from the start into buf. */
static void
read_back(FILE *f, char *buf, size_t len)
{
	size_t n;

	fflush(f);
	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
}

/* cli_read on the words (argv[0] is "prog"), stdout and stderr caught. */
static struct outcome
run(int quoted, int operands, const char *const *words)
{
	struct cli c = { .prog = "prog", .options = opts, .usage = usage,
	    .take = take, .quoted = quoted, .operands = operands };
	char *argv[16];
	int argc = 0, saved_out, saved_err;
	FILE *out = tmpfile(), *err = tmpfile();
	struct outcome o;

	if (out == NULL || err == NULL)
		exit(2);
	argv[argc++] = "prog";
	for (; *words != NULL; words++)
		argv[argc++] = (char *)*words;
	argv[argc] = NULL;
	taken[0] = '\0';
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(1);
	saved_err = dup(2);
	dup2(fileno(out), 1);
	dup2(fileno(err), 2);
	o.rc = cli_read(&c, argc, argv, 1);
	o.optind = optind;
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	read_back(out, o.out, sizeof(o.out));
	read_back(err, o.err, sizeof(o.err));
	snprintf(o.line, sizeof(o.line), "%.*s", (int)strcspn(o.err, "\n"),
	    o.err);
	fclose(out);
	fclose(err);
	return o;
}

#define WORDS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void
cli(void)
{
	struct outcome o;

	o = run(0, 1, WORDS("--grid-size", "5", "--quiet", "in.json"));
	CHECK(o.rc == 0 && strcmp(taken, "g=5;q=-;") == 0 && o.err[0] == '\0',
	    "full names: %s", taken);
	CHECK(o.optind == 4, "the operand from optind (%d)", o.optind);
	o = run(0, 0, WORDS("--grid-size=7"));
	CHECK(o.rc == 0 && strcmp(taken, "g=7;") == 0, "--name=value");
	o = run(0, -1, WORDS("a", "--grid-size", "3", "b"));
	CHECK(o.rc == 0 && strcmp(taken, "g=3;") == 0 && o.optind == 3,
	    "options after operands (getopt's order)");

	o = run(0, 0, WORDS("--grid", "5"));
	CHECK(o.rc == 64 && strcmp(taken, "") == 0, "a prefix is refused: 64");
	o = run(0, 0, WORDS("--grid-si", "5"));
	CHECK(o.rc == 64 && strcmp(o.err, "prog: unknown option --grid-si "
	    "(did you mean --grid-size? flags are never abbreviated); see "
	    "prog --help\n") == 0, "the did-you-mean line: %s", o.line);
	o = run(0, 0, WORDS("--grid-si=5"));
	CHECK(o.rc == 64 && strstr(o.err, "--grid-si (did you mean "
	    "--grid-size?") != NULL && strcmp(taken, "") == 0,
	    "a prefix with =value too");
	o = run(0, 0, WORDS("--qui"));
	CHECK(o.rc == 64 && strstr(o.err, "did you mean --quiet?") != NULL,
	    "a switch's prefix");
	o = run(0, 0, WORDS("--grid", "5"));
	CHECK(o.rc == 64 && strncmp(o.err, "prog: unknown option --grid",
	    27) == 0 && strchr(o.err, '\n') == o.err + strlen(o.err) - 1,
	    "an ambiguous prefix: one line: %s", o.line);

	o = run(0, 0, WORDS("--nope"));
	CHECK(o.rc == 64 && strcmp(o.err, "prog: unknown option --nope; see "
	    "prog --help\n") == 0, "an unknown option: %s", o.line);
	o = run(1, 0, WORDS("--nope"));
	CHECK(o.rc == 64 && strcmp(o.err, "prog: unknown option '--nope' "
	    "(see --help)\n") == 0, "simcompare's wording: %s", o.line);
	o = run(0, 0, WORDS("--grid-size"));
	CHECK(o.rc == 64 && strcmp(o.err, "prog: missing value for "
	    "--grid-size; see prog --help\n") == 0, "a missing value: %s",
	    o.line);
	o = run(1, 0, WORDS("--grid-size"));
	CHECK(o.rc == 64 && strcmp(o.err, "prog: option '--grid-size' needs "
	    "a value (see --help)\n") == 0, "the same, quoted: %s", o.line);
	o = run(0, 0, WORDS("--quiet=yes"));
	CHECK(o.rc == 64 && strcmp(taken, "") == 0 && o.err[0] != '\0',
	    "a switch given a value is refused: %s", o.line);
	o = run(0, 0, WORDS("-z"));
	CHECK(o.rc == 64 && strstr(o.err, "unknown option -z") != NULL,
	    "an unknown short option: %s", o.line);

	o = run(0, 1, WORDS("a", "b"));
	CHECK(o.rc == 64 && strcmp(o.err, "prog: unexpected argument b; see "
	    "prog --help\n") == 0, "one operand too many: %s", o.line);
	o = run(0, 0, WORDS("a"));
	CHECK(o.rc == 64 && strstr(o.err, "unexpected argument a") != NULL,
	    "no operands taken");
	o = run(0, 2, WORDS("a", "b"));
	CHECK(o.rc == 0 && o.err[0] == '\0', "two of two operands");
	o = run(0, -1, WORDS("a", "b", "c"));
	CHECK(o.rc == 0, "any number when the program counts them");

	o = run(0, 0, WORDS("-h"));
	CHECK(o.rc == -1 && strncmp(o.out, "usage: prog", 11) == 0 &&
	    o.err[0] == '\0', "-h: usage on stdout, -1");
	o = run(0, 0, WORDS("--help", "--grid-size", "4"));
	CHECK(o.rc == -1 && strcmp(taken, "") == 0,
	    "--help stops before later options");
	o = run(0, 0, WORDS("-V"));
	CHECK(o.rc == -1 && strcmp(o.out, "prog " SIM_VERSION "\n") == 0,
	    "-V: the version");
	o = run(0, 0, WORDS("--version"));
	CHECK(o.rc == -1 && strcmp(o.out, "prog " SIM_VERSION "\n") == 0,
	    "--version");
	o = run(0, 0, WORDS("--vers"));
	CHECK(o.rc == 64 && strstr(o.err, "did you mean --version?") != NULL,
	    "--version is never abbreviated either");

	o = run(0, 0, WORDS("--refused", "v", "--quiet"));
	CHECK(o.rc == 65 && strcmp(taken, "") == 0,
	    "the program's status from take ends the reading");
}

/* ------------------------------------------------- config/params_json */

/* The writer's text, "" if it failed. */
static const char *
text_of(struct jw *w)
{
	size_t len;
	const char *t = jw_text(w, &len);

	return t != NULL ? t : "";
}

/* The object of p's config.json parameters, as text (to free). */
static char *
config_json(const struct sim_params *p)
{
	struct jw w;
	const char *t;
	char *s;

	jw_init(&w);
	jw_object_begin(&w);
	params_put_config(&w, p);
	jw_object_end(&w);
	t = text_of(&w);
	if (w.failed || t == NULL || (s = strdup(t)) == NULL)
		exit(2);
	jw_free(&w);
	return s;
}

/* 1 when every parameter of p and q reads the same as a flag's text. */
static int
same(const struct sim_params *p, const struct sim_params *q, char *diff,
    size_t len)
{
	size_t n;
	const struct param_spec *t = params_table(&n);
	char a[1100], b[1100];

	for (size_t i = 0; i < n; i++) {
		param_text(p, &t[i], a, sizeof(a));
		param_text(q, &t[i], b, sizeof(b));
		if (strcmp(a, b) != 0) {
			snprintf(diff, len, "%s: %s vs %s", t[i].key, a, b);
			return 0;
		}
	}
	return 1;
}

/* p to JSON and back through config_set_value, as config.json is read. */
static int
round_trip(const struct sim_params *p, char *diff, size_t len)
{
	char *text = config_json(p);
	json_t *root = json_loads(text, 0, NULL);
	struct sim_params q;
	const char *key;
	json_t *v;

	free(text);
	if (root == NULL) {
		snprintf(diff, len, "not JSON");
		return 0;
	}
	params_defaults(&q);
	q.agent = p->agent;
	json_object_foreach(root, key, v) {
		const struct param_spec *s = param_by_key(key);

		if (json_is_null(v))
			continue;          /* an empty text: config_load skips it */
		if (s == NULL || config_set_value(&q, s, v) != 0) {
			snprintf(diff, len, "%s does not read back", key);
			json_decref(root);
			return 0;
		}
	}
	json_decref(root);
	return same(p, &q, diff, len);
}

static void
set(struct sim_params *p, const char *flag, const char *text)
{
	const struct param_spec *s = param_by_flag(flag);

	if (s == NULL || param_set_text(p, s, text) != 0) {
		printf("Bail out! --%s %s\n", flag, text);
		exit(1);
	}
}

/* The start line's other shaping keys for p, as an object (to free). */
static char *
shaping_text(const struct sim_params *p)
{
	struct jw w;
	char *text;

	jw_init(&w);
	jw_object_begin(&w);
	params_put_shaping(&w, p);
	jw_object_end(&w);
	if ((text = strdup(text_of(&w))) == NULL)
		exit(2);
	jw_free(&w);
	return text;
}

/* Flag, value, flag, value, ..., NULL. */
static void
set_all(struct sim_params *p, const char *const *pairs)
{
	for (; pairs[0] != NULL; pairs += 2)
		set(p, pairs[0], pairs[1]);
}

static void
params_json(void)
{
	struct sim_params p;
	char diff[2300] = "", *text, *at;
	const char *last;
	size_t n;
	const struct param_spec *t = params_table(&n);
	struct jw w;
	int in_order = 1, count = 0;

	params_defaults(&p);
	CHECK(round_trip(&p, diff, sizeof(diff)), "defaults: params -> JSON "
	    "-> params equal %s", diff);
	set_all(&p, (const char *const[]){ "grid-size", "17", "num-type-a",
	    "40", "similarity-threshold", "0.1", "no-move-threshold", "3",
	    "seed", "4294967295", "max-steps", "123", NULL });
	CHECK(round_trip(&p, diff, sizeof(diff)), "a changed model, the "
	    "large seed %s", diff);
	set_all(&p, (const char *const[]){ "agent", "llm", "llm-model",
	    "qwen \"3\" 0.6b", "llm-url",
	    "http://127.0.0.1:1/v1/chat/completions", "temperature", "0.7",
	    "max-tokens", "9", "llm-api", "ollama", NULL });
	CHECK(round_trip(&p, diff, sizeof(diff)),
	    "an LLM agent, a quote in a text %s", diff);
	set(&p, "temperature", "default");
	CHECK(round_trip(&p, diff, sizeof(diff)),
	    "the temperature as its word %s", diff);

	/* key order: the table's, and only what the agent kind holds */
	text = config_json(&p);
	last = text;
	for (size_t i = 0; i < n; i++) {
		char quoted[80];

		snprintf(quoted, sizeof(quoted), "\"%s\":", t[i].key);
		at = strstr(text, quoted);
		if (params_in_config(&p, &t[i]) != (at != NULL))
			in_order = 0;
		if (at == NULL)
			continue;
		count++;
		if (at < last)
			in_order = 0;
		last = at;
	}
	CHECK(in_order && count > 20, "config keys in table order (%d)", count);
	CHECK(strncmp(text, "{\"grid_size\":17,", 16) == 0,
	    "grid_size first: %.30s", text);
	CHECK(strstr(text, "\"llm_model\":\"qwen \\\"3\\\" 0.6b\"") != NULL,
	    "a text's quotes escaped");
	free(text);
	p.agent = AGENT_MECHANICAL;
	text = config_json(&p);
	CHECK(strstr(text, "\"llm_model\"") == NULL &&
	    strstr(text, "\"temperature\"") == NULL,
	    "a mechanical agent's config holds no LLM key");
	free(text);

	/* the run-shaping keys, in their order */
	jw_init(&w);
	params_put_shape_keys(&w);
	CHECK(strcmp(text_of(&w), "[\"seed\",\"grid_size\",\"num_type_a\","
	    "\"num_type_b\",\"agent\",\"similarity_threshold\","
	    "\"no_move_threshold\",\"max_steps\",\"llm_model\",\"llm_url\","
	    "\"llm_api\",\"temperature\",\"max_tokens\"]") == 0,
	    "the shaping keys: %s", text_of(&w));
	jw_free(&w);

	/* what the start line adds: no shape or agent_block key, no key
	 * file, LLM keys only for an LLM agent, no empty text */
	text = shaping_text(&p);
	CHECK(strstr(text, "\"radius\":") != NULL &&
	    strstr(text, "\"move_rule\":") != NULL,
	    "the model's other parameters are there");
	CHECK(strstr(text, "\"seed\"") == NULL && strstr(text,
	    "\"grid_size\"") == NULL && strstr(text, "\"agent\"") == NULL,
	    "not the shape keys (the start line writes them first)");
	CHECK(strstr(text, "\"retries\"") == NULL &&
	    strstr(text, "\"llm_") == NULL && strstr(text, "\"top_p\"") == NULL,
	    "no LLM key for a mechanical agent");
	free(text);
	p.agent = AGENT_LLM;
	snprintf(p.llm.llm_api_key_file, sizeof(p.llm.llm_api_key_file),
	    "/secret/key");
	text = shaping_text(&p);
	CHECK(strstr(text, "\"llm_retries\"") != NULL,
	    "an LLM agent's retries shape its runs");
	CHECK(strstr(text, "/secret/key") == NULL &&
	    strstr(text, "llm_api_key_file") == NULL, "never the key file");
	CHECK(strstr(text, "\"llm_model\"") == NULL &&
	    strstr(text, "\"llm_cache\"") == NULL,
	    "not the agent's own block, nor an empty text");
	free(text);

	/* the flags of a config: argv words, read back as simrun would */
	jw_init(&w);
	params_put_flags(&w, &p);
	text = strdup(text_of(&w));
	jw_free(&w);
	if (text == NULL)
		exit(2);
	CHECK(strstr(text, "\"--grid-size\",\"17\"") != NULL &&
	    strstr(text, "\"--temperature\",\"default\"") != NULL &&
	    strstr(text, "\"--llm-api\",\"ollama\"") != NULL,
	    "flags and values as argv words");
	CHECK(strstr(text, "\"--frames\"") == NULL,
	    "a switch that is off is not given");
	free(text);
}

int
main(void)
{
	cli();
	params_json();
	return check_done();
}
