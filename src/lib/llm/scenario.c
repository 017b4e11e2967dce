/*
 * A scenario file is a JSON object: name, type_a, type_b, prompt_template
 * (and an optional description, choose_prompt_template and
 * choice_template).  The template uses {agent_type}, {opposite_type} and,
 * exactly once, {context}; no other braces.  choose_prompt_template is
 * the MOVE or STAY prompt of runs whose movers choose (--destination
 * choose), the same placeholders; choice_template (a mover choosing among
 * empty houses; the default wording below when absent) has {options} in
 * place of {context}.
 */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/msgtext.h"
#include "llm/scenario.h"

static const char *const placeholders[] = { "{agent_type}",
	"{opposite_type}", "{context}", "{options}" };

static const char default_choice[] = "You are a {agent_type} living in a "
    "residential area, and you have decided to move. You can choose one of "
    "the empty houses below. Each is shown as its 3x3 neighbourhood as it "
    "would be if you lived there. Legend:\n"
    "X = the empty house you would live in (the centre)\n"
    "S = a neighbour from your own group ({agent_type})\n"
    "O = a neighbour from the other group ({opposite_type})\n"
    "E = an empty house\n"
    "# = outside the area (no house)\n\n"
    "{options}\n\n"
    "Reply with the number of the option you choose, and nothing else.";

static char *
dup_field(json_t *root, const char *key, int required, const char *path,
    char *err, size_t errlen, int *failed)
{
	json_t *v = json_object_get(root, key);
	char *copy;

	if (*failed)
		return NULL;
	if (v == NULL && !required)
		return NULL;
	if (!json_is_string(v) || json_string_length(v) == 0) {
		snprintf(err, errlen, "scenario file %s: %s field \"%s\" (a "
		    "non-empty string)", path, v ? "bad" : "missing", key);
		*failed = 1;
		return NULL;
	}
	if ((copy = strdup(json_string_value(v))) == NULL) {
		snprintf(err, errlen, "out of memory reading %s", path);
		*failed = 1;
	}
	return copy;
}

/* -1 unless every brace opens a known placeholder and the field's own
 * (placeholders[own]: {context} or {options}) is there once. */
static int
check_template(const char *t, const char *field, int own, const char *path,
    char *err, size_t errlen)
{
	int contexts = 0;

	for (const char *p = t; *p; p++) {
		size_t k;

		if (*p != '{' && *p != '}')
			continue;
		for (k = 0; k < 2; k++)
			if (strncmp(p, placeholders[k], strlen(placeholders[k])) == 0)
				break;
		if (k == 2 && strncmp(p, placeholders[own],
		    strlen(placeholders[own])) == 0)
			k = (size_t)own;
		else if (k == 2)
			k = 4;          /* none of this field's */
		if (*p == '}' || k == 4) {
			char at[96];

			snprintf(err, errlen, "scenario file %s: bad field "
			    "\"%s\": unknown placeholder at \"%s\" "
			    "(use {agent_type}, {opposite_type}, %s)", path,
			    field, msg_escape(p, 20, at, sizeof(at)),
			    placeholders[own]);
			return -1;
		}
		contexts += k == (size_t)own;
		p += strlen(placeholders[k]) - 1;
	}
	if (contexts != 1) {
		snprintf(err, errlen, "scenario file %s: bad field "
		    "\"%s\": %s must appear exactly once", path, field,
		    placeholders[own]);
		return -1;
	}
	return 0;
}

/* Copies t[0..n) with the group labels filled in. */
static char *
fill_labels(const char *t, size_t n, const char *own, const char *other)
{
	size_t cap = n + 1, len = 0;
	char *out;

	for (const char *p = t; p < t + n; p++)
		if (*p == '{')
			cap += strlen(own) + strlen(other);
	if ((out = malloc(cap)) == NULL)
		return NULL;
	for (const char *p = t; p < t + n;) {
		const char *label = NULL;

		if (strncmp(p, placeholders[0], strlen(placeholders[0])) == 0)
			label = own, p += strlen(placeholders[0]);
		else if (strncmp(p, placeholders[1], strlen(placeholders[1])) == 0)
			label = other, p += strlen(placeholders[1]);
		if (label != NULL) {
			memcpy(out + len, label, strlen(label));
			len += strlen(label);
		} else {
			out[len++] = *p++;
		}
	}
	out[len] = '\0';
	return out;
}

/* A template split around placeholders[own], labels filled in by type. */
static int
split(const struct scenario *s, const char *tpl, int own, char *head[2],
    char *tail[2])
{
	const char *cut = strstr(tpl, placeholders[own]);
	const char *after = cut + strlen(placeholders[own]);
	const char *label[2] = { s->type_a, s->type_b };

	for (int t = 0; t < 2; t++) {
		head[t] = fill_labels(tpl, (size_t)(cut - tpl), label[t],
		    label[1 - t]);
		tail[t] = fill_labels(after, strlen(after), label[t],
		    label[1 - t]);
		if (head[t] == NULL || tail[t] == NULL)
			return -1;
	}
	return 0;
}

static int
render(struct scenario *s)
{
	return split(s, s->prompt_template, 2, s->head, s->tail) != 0 ||
	    split(s, s->choice_template ? s->choice_template : default_choice,
	    3, s->choice_head, s->choice_tail) != 0 ? -1 : 0;
}

int
scenario_load(const char *path, struct scenario *s, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	int failed = 0;

	memset(s, 0, sizeof(*s));
	if (root == NULL) {
		snprintf(err, errlen, "scenario file %s: %s%s", path, jerr.text,
		    jerr.line > 0 ? " (line " : "");
		if (jerr.line > 0)
			snprintf(err + strlen(err), errlen - strlen(err), "%d)",
			    jerr.line);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "scenario file %s: must be a JSON object",
		    path);
		json_decref(root);
		return -1;
	}
	s->name = dup_field(root, "name", 1, path, err, errlen, &failed);
	s->type_a = dup_field(root, "type_a", 1, path, err, errlen, &failed);
	s->type_b = dup_field(root, "type_b", 1, path, err, errlen, &failed);
	s->prompt_template = dup_field(root, "prompt_template", 1, path, err,
	    errlen, &failed);
	s->description = dup_field(root, "description", 0, path, err, errlen,
	    &failed);
	s->choice_template = dup_field(root, "choice_template", 0, path, err,
	    errlen, &failed);
	s->choose_prompt_template = dup_field(root, "choose_prompt_template",
	    0, path, err, errlen, &failed);
	json_decref(root);
	if (!failed && check_template(s->prompt_template, "prompt_template", 2,
	    path, err, errlen))
		failed = 1;
	if (!failed && s->choose_prompt_template != NULL && check_template(
	    s->choose_prompt_template, "choose_prompt_template", 2, path, err,
	    errlen))
		failed = 1;
	if (!failed && s->choice_template != NULL && check_template(
	    s->choice_template, "choice_template", 3, path, err, errlen))
		failed = 1;
	if (!failed && render(s) != 0) {
		snprintf(err, errlen, "out of memory reading %s", path);
		failed = 1;
	}
	if (failed)
		scenario_free(s);
	return failed ? -1 : 0;
}

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * Scenarios live in $SIM_SCENARIO_DIR, else next to the program:
 * ../configs/scenarios in a checkout, ../share/simtools/scenarios installed.
 */
static int
scenario_dir(char *dir, size_t len)
{
	const char *env = getenv("SIM_SCENARIO_DIR");
	const char *rel[] = { "../configs/scenarios", "../share/simtools/scenarios" };
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env != NULL && *env != '\0')
		return snprintf(dir, len, "%s", env) < (int)len ? 0 : -1;
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) < 0)
		return -1;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) != NULL)
		*slash = '\0';
	for (int i = 0; i < 2; i++)
		if (snprintf(dir, len, "%s/%s", exe, rel[i]) < (int)len &&
		    is_dir(dir))
			return 0;
	return -1;
}

int
scenario_path(const char *name, char *path, size_t len, char *err,
    size_t errlen)
{
	char dir[PATH_MAX];

	if (name[strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")] != '\0') {
		snprintf(err, errlen, "--scenario '%s': a name has only "
		    "letters, digits, '_' and '-'; use --scenario-file for a "
		    "file", name);
		return -1;
	}
	if (scenario_dir(dir, sizeof(dir)) != 0) {
		snprintf(err, errlen, "cannot find the scenarios directory; set "
		    "SIM_SCENARIO_DIR or use --scenario-file");
		return -1;
	}
	if (snprintf(path, len, "%s/%s.json", dir, name) >= (int)len ||
	    access(path, R_OK) != 0) {
		snprintf(err, errlen, "unknown scenario '%s': no %s/%s.json; "
		    "list them with ls %s", name, dir, name, dir);
		return -1;
	}
	return 0;
}

int
scenario_for(const char *name, const char *file, struct scenario *s,
    char *err, size_t errlen)
{
	char path[PATH_MAX];

	if (file == NULL || *file == '\0') {
		if (scenario_path(name, path, sizeof(path), err, errlen) != 0)
			return -1;
		file = path;
	}
	return scenario_load(file, s, err, errlen);
}

void
scenario_free(struct scenario *s)
{
	free(s->name);
	free(s->description);
	free(s->type_a);
	free(s->type_b);
	free(s->prompt_template);
	free(s->choice_template);
	free(s->choose_prompt_template);
	for (int t = 0; t < 2; t++) {
		free(s->head[t]);
		free(s->tail[t]);
		free(s->choice_head[t]);
		free(s->choice_tail[t]);
	}
	memset(s, 0, sizeof(*s));
}

int
scenario_choose(struct scenario *s)
{
	if (s->choose_prompt_template == NULL || s->choosing)
		return 0;
	for (int t = 0; t < 2; t++) {
		free(s->head[t]);
		free(s->tail[t]);
		s->head[t] = s->tail[t] = NULL;
	}
	s->choosing = 1;
	return split(s, s->choose_prompt_template, 2, s->head, s->tail);
}

const char *
scenario_move_template(const struct scenario *s)
{
	return s->choosing ? s->choose_prompt_template : s->prompt_template;
}

const char *
scenario_choice_template(const struct scenario *s)
{
	return s->choice_template ? s->choice_template : default_choice;
}

/* The prompt for an agent of the given type; the caller frees it. */
char *
scenario_prompt(const struct scenario *s, int type, const char *context)
{
	size_t h = strlen(s->head[type]), t = strlen(s->tail[type]);
	char *p = malloc(h + CONTEXT_LEN + t + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s->head[type], h);
	memcpy(p + h, context, CONTEXT_LEN);
	memcpy(p + h + CONTEXT_LEN, s->tail[type], t + 1);
	return p;
}

/*
 * The choice prompt for an agent of the given type offered n empty
 * houses, each a context (CONTEXT_LEN characters): "Option i:" and its
 * grid, a blank line between.  The caller frees it.
 */
char *
scenario_choice_prompt(const struct scenario *s, int type,
    const char contexts[][CONTEXT_LEN + 1], int n)
{
	size_t h = strlen(s->choice_head[type]), t = strlen(s->choice_tail[type]);
	size_t cap = h + t + (size_t)n * (CONTEXT_LEN + 16) + 1, len = h;
	char *p = malloc(cap);

	if (p == NULL)
		return NULL;
	memcpy(p, s->choice_head[type], h);
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(p + len, cap - len, "%sOption %d:\n%.*s",
		    i > 0 ? "\n\n" : "", i + 1, CONTEXT_LEN, contexts[i]);
	memcpy(p + len, s->choice_tail[type], t + 1);
	return p;
}
