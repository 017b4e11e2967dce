/* Reading simulation parameters from a JSON config file (see file.h). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/file.h"

static int
json_type_fits(const struct param_spec *s, const json_t *v)
{
	switch (s->type) {
	case PARAM_INT:
	case PARAM_SEED:
		return json_is_integer(v);
	case PARAM_DOUBLE:
		return json_is_number(v) || (s->word != NULL &&
		    json_is_string(v));
	case PARAM_ENUM:
	case PARAM_STRING:
		return json_is_string(v);
	case PARAM_BOOL:
		return json_is_boolean(v);
	}
	return 0;
}

/* The value's text, so that flags and config share one set of checks. */
static int
json_value_text(const json_t *v, char *buf, size_t len)
{
	int n;

	if (json_is_integer(v))
		n = snprintf(buf, len, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
	else if (json_is_boolean(v))
		n = snprintf(buf, len, "%s", json_is_true(v) ? "true" : "false");
	else if (json_is_real(v))
		n = snprintf(buf, len, "%.17g", json_real_value(v));
	else
		n = snprintf(buf, len, "%s", json_string_value(v));
	return n >= 0 && (size_t)n < len ? 0 : -1;
}

int
config_set_value(struct sim_params *p, const struct param_spec *s,
    const json_t *v)
{
	char text[4096];

	if (json_type_fits(s, v) &&
	    json_value_text(v, text, sizeof(text)) == 0 &&
	    param_set_text(p, s, text) == 0)
		return 0;
	return -1;
}

static int
apply_key(const char *path, json_t *root, const struct param_spec *s,
    struct sim_params *p, char *err, size_t errlen)
{
	json_t *v = json_object_get(root, s->key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (config_set_value(p, s, v) == 0)
		return 0;
	snprintf(err, errlen, "%s: \"%s\" must be %s", path, s->key,
	    s->expect);
	return -1;
}

/*
 * The file's text, at most CONFIG_MAX_BYTES (a config is a few kB; a
 * bigger one is a mistake that would otherwise take gigabytes to parse),
 * with one line naming the problem in err.  NULL on failure.
 */
static char *
read_text(const char *path, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	FILE *f = fopen(path, "rb");
	int e;

	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open the config file: %s",
		    path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory, not a config file; "
		    "give the JSON file (e.g. %s/config.json)", path, path);
		fclose(f);
		return NULL;
	}
	for (;;) {
		size_t got;

		if (n == cap) {
			char *q;

			cap = cap ? cap * 2 : 65536;
			if (cap > CONFIG_MAX_BYTES + 1)
				cap = CONFIG_MAX_BYTES + 1;
			if ((q = realloc(buf, cap + 1)) == NULL) {
				snprintf(err, errlen, "%s: out of memory reading "
				    "the config file", path);
				break;
			}
			buf = q;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n > CONFIG_MAX_BYTES) {
			snprintf(err, errlen, "%s: the config file is larger "
			    "than %d MiB, the most a config may be; give the "
			    "experiment's config.json", path,
			    CONFIG_MAX_BYTES >> 20);
			break;
		}
		if (got == 0) {
			if (!ferror(f)) {
				fclose(f);
				*len = n;
				return buf;
			}
			e = errno;
			snprintf(err, errlen, "%s: cannot read the config file: "
			    "%s", path, strerror(e));
			break;
		}
	}
	free(buf);
	fclose(f);
	return NULL;
}

int
config_load(const char *path, struct sim_params *p, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root;
	size_t len = 0;
	char *text = read_text(path, &len, err, errlen);
	size_t n;
	const struct param_spec *t = params_table(&n);
	int rc = 0;

	if (text == NULL)
		return -1;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	free(text);

	if (root == NULL) {
		if (jerr.line < 0)
			snprintf(err, errlen, "%s: %s", path, jerr.text);
		else
			snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line,
			    jerr.column, jerr.text);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "%s: the config must be a JSON object",
		    path);
		rc = -1;
	}
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = apply_key(path, root, &t[i], p, err, errlen);
	json_decref(root);
	return rc;
}
