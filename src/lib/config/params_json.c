/* Parameters as JSON: config.json's keys and a start line's (see
 * params_json.h). */
#include <stdio.h>
#include <string.h>

#include "config/params_json.h"

void
params_put_config(struct jw *w, const struct sim_params *p)
{
	size_t n;
	const struct param_spec *t = params_table(&n);

	for (size_t i = 0; i < n; i++)
		if (params_in_config(p, &t[i]))
			param_put_json(w, p, &t[i]);
}

void
params_put_flags(struct jw *w, const struct sim_params *p)
{
	size_t n;
	const struct param_spec *t = params_table(&n);
	char flag[64], text[1100];

	jw_array_begin(w);
	for (size_t i = 0; i < n; i++) {
		const struct param_spec *s = &t[i];
		const char *field = (const char *)p + s->base + s->offset;

		if (!params_in_config(p, s) || param_unset(p, s))
			continue;
		/* a switch is given or not; it takes no value */
		if (s->type == PARAM_BOOL && !*(const int *)(const void *)field)
			continue;
		snprintf(flag, sizeof(flag), "--%s", s->flag);
		jw_string(w, flag);
		if (s->type == PARAM_BOOL)
			continue;
		param_text(p, s, text, sizeof(text));
		jw_string(w, text);
	}
	jw_array_end(w);
}

void
params_put_shaping(struct jw *w, const struct sim_params *p)
{
	size_t n;
	const struct param_spec *t = params_table(&n);

	for (size_t i = 0; i < n; i++) {
		const struct param_spec *s = &t[i];

		if (s->shape > 0 || s->agent_block ||
		    strcmp(s->key, "llm_api_key_file") == 0 ||
		    (s->part == PART_LLM && p->agent != AGENT_LLM) ||
		    (s->part == PART_UTILITY && p->agent != AGENT_UTILITY) ||
		    (s->type == PARAM_STRING &&
		    *((const char *)p + s->base + s->offset) == '\0'))
			continue;
		param_put_json(w, p, s);
	}
}

void
params_put_shape_keys(struct jw *w)
{
	size_t n;
	const struct param_spec *t = params_table(&n);

	jw_array_begin(w);
	for (int k = 1; k <= param_shape_max(t, n); k++)
		for (size_t i = 0; i < n; i++)
			if (t[i].shape == k)
				jw_string(w, t[i].key);
	jw_array_end(w);
}
