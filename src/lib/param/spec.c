/* One parameter's text and JSON: reading and writing it (spec.h). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "param/number.h"
#include "param/spec.h"

static char *
field_of(void *params, const struct param_spec *s)
{
	return (char *)params + s->base + s->offset;
}

static const char *
cfield_of(const void *params, const struct param_spec *s)
{
	return (const char *)params + s->base + s->offset;
}

int
param_name_index(const char *const *names, const char *text)
{
	for (int i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], text) == 0)
			return i;
	return -1;
}

/*
 * Values checked on their own, so that a bad one is a usage error (64) on
 * the command line and a config error (78) in a file, like every other.
 */
int
param_set_text(void *params, const struct param_spec *s, const char *text)
{
	char *field = field_of(params, s);
	long l;
	uint64_t u;
	int i;

	switch (s->type) {
	case PARAM_INT:
		if (parse_long_range(text, (long)s->lo, (long)s->hi, &l) != 0)
			return -1;
		*(int *)(void *)field = (int)l;
		return 0;
	case PARAM_DOUBLE:
		if (s->word != NULL && strcmp(text, s->word) == 0) {
			*(double *)(void *)field = PARAM_WORD_VALUE;
			return 0;
		}
		return parse_double_range(text, s->lo, s->hi,
		    (double *)(void *)field);
	case PARAM_SEED:
		if (parse_u64(text, &u) != 0 || u > (uint64_t)s->hi)
			return -1;
		*(uint64_t *)(void *)field = u;
		return 0;
	case PARAM_ENUM:
		if ((i = param_name_index(s->names, text)) < 0)
			return -1;
		*(int *)(void *)field = i;
		return 0;
	case PARAM_BOOL:
		/* the flag itself (no text) turns it on; JSON says which */
		if (text == NULL || strcmp(text, "true") == 0)
			*(int *)(void *)field = 1;
		else if (strcmp(text, "false") == 0)
			*(int *)(void *)field = 0;
		else
			return -1;
		return 0;
	case PARAM_STRING:
		if (*text == '\0' || strlen(text) >= (size_t)s->hi ||
		    (s->valid != NULL && !s->valid(text)))
			return -1;
		memcpy(field, text, strlen(text) + 1);
		return 0;
	}
	return -1;
}

static int
is_word(const struct param_spec *s, const char *field)
{
	return s->word != NULL &&
	    *(const double *)(const void *)field == PARAM_WORD_VALUE;
}

/* A text parameter's value as shown: resolved, or the field itself. */
static const char *
shown_text(const void *params, const struct param_spec *s)
{
	if (s->shown != NULL)
		return s->shown((const char *)params + s->base);
	return cfield_of(params, s);
}

int
param_unset(const void *params, const struct param_spec *s)
{
	return s->type == PARAM_STRING && *shown_text(params, s) == '\0';
}

void
param_put_json(struct jw *w, const void *params, const struct param_spec *s)
{
	const char *field = cfield_of(params, s);

	jw_key(w, s->key);
	switch (s->type) {
	case PARAM_INT:
		jw_int(w, *(const int *)(const void *)field);
		break;
	case PARAM_DOUBLE:
		if (is_word(s, field))
			jw_string(w, s->word);
		else
			jw_double(w, *(const double *)(const void *)field);
		break;
	case PARAM_SEED:
		jw_uint(w, *(const uint64_t *)(const void *)field);
		break;
	case PARAM_ENUM:
		jw_string(w, s->names[*(const int *)(const void *)field]);
		break;
	case PARAM_BOOL:
		jw_bool(w, *(const int *)(const void *)field);
		break;
	case PARAM_STRING:
		if (param_unset(params, s))
			jw_null(w);
		else
			jw_string(w, shown_text(params, s));
		break;
	}
}

void
param_text(const void *params, const struct param_spec *s, char *buf,
    size_t len)
{
	const char *field = cfield_of(params, s);

	switch (s->type) {
	case PARAM_INT:
		snprintf(buf, len, "%d", *(const int *)(const void *)field);
		break;
	case PARAM_DOUBLE:
		if (is_word(s, field))
			snprintf(buf, len, "%s", s->word);
		else
			jw_format_double(*(const double *)(const void *)field,
			    buf, len);
		break;
	case PARAM_SEED:
		snprintf(buf, len, "%llu", (unsigned long long)
		    *(const uint64_t *)(const void *)field);
		break;
	case PARAM_ENUM:
		snprintf(buf, len, "%s", s->names[*(const int *)(const void *)
		    field]);
		break;
	case PARAM_BOOL:
		snprintf(buf, len, "%s", *(const int *)(const void *)field ?
		    "true" : "false");
		break;
	case PARAM_STRING:
		snprintf(buf, len, "%s", shown_text(params, s));
		break;
	}
}

int
param_shape_max(const struct param_spec *t, size_t n)
{
	int max = 0;

	for (size_t i = 0; i < n; i++)
		if (t[i].shape > max)
			max = t[i].shape;
	return max;
}

void
param_put_shape(struct jw *w, const void *params, const struct param_spec *t,
    size_t n, int agent_block)
{
	int max = param_shape_max(t, n);

	for (int k = 1; k <= max; k++)
		for (size_t i = 0; i < n; i++)
			if (t[i].shape == k && !t[i].agent_block == !agent_block)
				param_put_json(w, params, &t[i]);
}
