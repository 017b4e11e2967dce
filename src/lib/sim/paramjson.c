/* Parameters as JSON values (see paramjson.h). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sim/paramjson.h"

void
param_put_value(struct jw *w, const struct sim_params *p,
    const struct param_spec *s)
{
	const char *field = (const char *)p + s->offset;

	switch (s->type) {
	case PARAM_INT:
		jw_int(w, *(const int *)(const void *)field);
		break;
	case PARAM_DOUBLE:
		jw_double(w, *(const double *)(const void *)field);
		break;
	case PARAM_SEED:
		jw_uint(w, *(const uint64_t *)(const void *)field);
		break;
	case PARAM_ENUM:
		jw_string(w, s->names[*(const int *)(const void *)field]);
		break;
	case PARAM_STRING:
		if (*field != '\0')
			jw_string(w, field);
		else
			jw_null(w);
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
		jw_key(w, s->key);
		param_put_value(w, p, s);
	}
}
