/* libFuzzer target: a scenario file read by scenario_load, then used. */
#include "fuzz.h"
#include "llm/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario s;
	char err[1024];

	memset(&s, 0, sizeof(s));
	if (scenario_load(fuzz_file(data, size), &s, err, sizeof(err)) == 0) {
		for (int t = 0; t < 2; t++) {
			char *p = scenario_prompt(&s, t, "S O E\nE X S\n# # #");

			free(p);
		}
	} else if (strchr(err, '\n') != NULL) {
		abort();               /* a message is one line */
	}
	scenario_free(&s);
	return 0;
}
