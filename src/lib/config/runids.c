/*
 * Run-id lists: N, N-M and comma lists of those, parsed and walked (see
 * runids.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "config/runids.h"

static const char *
parse_id(const char *s, long *out)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return NULL;
	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno != 0 || *out > RUNID_MAX)
		return NULL;
	return end;
}

/* 0, -1 for a malformed list, -2 out of memory; nothing kept on error. */
int
runids_parse(const char *s, struct runids *out)
{
	int n = 1;

	out->ranges = NULL;
	out->count = 0;
	for (const char *p = s; *p; p++)
		n += *p == ',';
	if ((out->ranges = calloc((size_t)n, sizeof(*out->ranges))) == NULL)
		return -2;
	for (const char *p = s;; p++) {
		struct runid_range *r = &out->ranges[out->count++];

		if ((p = parse_id(p, &r->first)) == NULL)
			break;
		r->last = r->first;
		if (*p == '-' && ((p = parse_id(p + 1, &r->last)) == NULL ||
		    r->last < r->first))
			break;
		if (*p == '\0')
			return 0;
		if (*p != ',')
			break;
	}
	runids_free(out);
	return -1;
}

void
runids_free(struct runids *ids)
{
	free(ids->ranges);
	ids->ranges = NULL;
	ids->count = 0;
}

long
runids_total(const struct runids *ids)
{
	long total = 0;

	for (int i = 0; i < ids->count; i++)
		total += ids->ranges[i].last - ids->ranges[i].first + 1;
	return total;
}
