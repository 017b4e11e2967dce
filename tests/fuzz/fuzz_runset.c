/* libFuzzer target: run JSON Lines read by sim/runset, then sorted. */
#include "fuzz.h"
#include "sim/runset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct runset a;
	struct run **runs = NULL;
	size_t n = 0;
	FILE *f;

	if (size == 0)
		return 0;              /* fmemopen refuses an empty buffer */
	if ((f = fmemopen((void *)data, size, "r")) == NULL)
		abort();
	runset_init(&a, "fuzz");
	if (runset_read_stream(&a, f, "input") == 0 &&
	    runset_sort(&a, &runs, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			(void)run_is_ok(runs[i]);
		free(runs);
	}
	runset_free(&a);
	fclose(f);
	return 0;
}
