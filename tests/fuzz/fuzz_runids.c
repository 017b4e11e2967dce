/* libFuzzer target: run id lists (N, N-M, comma lists) by runids_parse. */
#include "fuzz.h"
#include "config/runids.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct runids ids = { NULL, 0 };
	char *s = fuzz_string(data, size);

	if (s == NULL)
		return 0;
	if (runids_parse(s, &ids) == 0) {
		long total = runids_total(&ids);

		/* every range is in order and within the id limit */
		for (int i = 0; i < ids.count; i++)
			if (ids.ranges[i].first < 0 ||
			    ids.ranges[i].first > ids.ranges[i].last ||
			    ids.ranges[i].last > RUNID_MAX)
				abort();
		if (total < 0)
			abort();
	}
	runids_free(&ids);
	free(s);
	return 0;
}
