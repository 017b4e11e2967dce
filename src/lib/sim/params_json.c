/* One parameter's value as JSON and as text (see params_json.h). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sim/params_json.h"

static int
is_word(const struct param_spec *s, const char *field)
{
	return s->word != NULL &&
	    *(const double *)(const void *)field == PARAM_WORD_VALUE;
}

void
params_put_json(struct jw *w, const struct sim_params *p,
    const struct param_spec *s)
{
	const char *field = (const char *)p + s->offset;

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
		if (s->offset == offsetof(struct sim_params, llm_url))
			jw_string(w, params_llm_url(p));
		else if (*field != '\0')
			jw_string(w, field);
		else
			jw_null(w);
		break;
	}
}

void
params_text(const struct sim_params *p, const struct param_spec *s, char *buf,
    size_t len)
{
	const char *field = (const char *)p + s->offset;

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
		if (s->offset == offsetof(struct sim_params, llm_url))
			snprintf(buf, len, "%s", params_llm_url(p));
		else
			snprintf(buf, len, "%s", field);
		break;
	}
}

static int
listed(const char *const *keys, const char *key)
{
	for (; keys != NULL && *keys != NULL; keys++)
		if (strcmp(*keys, key) == 0)
			return 1;
	return 0;
}

void
params_put_shaping(struct jw *w, const struct sim_params *p,
    const char *const *skip)
{
	for (size_t i = 0; i < param_count; i++) {
		const struct param_spec *s = &param_specs[i];

		if (listed(skip, s->key) ||
		    strcmp(s->key, "llm_api_key_file") == 0 ||
		    (s->llm_only && p->agent != AGENT_LLM) ||
		    (s->type == PARAM_STRING &&
		    *((const char *)p + s->offset) == '\0'))
			continue;
		params_put_json(w, p, s);
	}
}
