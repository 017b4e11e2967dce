/* Run id lists: "N", "N-M", or a comma list of those. */
#ifndef SIM_CONFIG_RUNIDS_H
#define SIM_CONFIG_RUNIDS_H

#define RUNID_MAX 2147483647L

struct runid_range {
	long first, last;
};

struct runids {
	struct runid_range *ranges;
	int count;
};

int runids_parse(const char *s, struct runids *out);
void runids_free(struct runids *ids);
long runids_total(const struct runids *ids);

#endif
