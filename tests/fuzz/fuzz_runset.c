/*
 * libFuzzer target: run JSON Lines read by sim/runset, then aggregated
 * (agg/report: summary, runs of mixed parameters grouped), runs packed
 * in memory (compact) or kept whole.
 */
#include "fuzz.h"
#include "agg/summary.h"
#include "runfile/runset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct runset a;
	struct aggregate rep;
	FILE *f;

	if (size == 0)
		return 0;              /* fmemopen refuses an empty buffer */
	if ((f = fmemopen((void *)data, size, "r")) == NULL)
		abort();
	runset_init(&a, "fuzz");
	a.compact = (size / 2) % 2;   /* runs packed (simagg's way) or whole */
	if (runset_read_stream(&a, f, "input") == 0 && a.nslots > 0) {
		memset(&rep, 0, sizeof(rep));
		rep.prog = "fuzz";
		rep.allow_mixed = size % 2;   /* both ways */
		if (aggregate_make(&a, &rep) == 0) {
			for (size_t i = 0; i < rep.nruns; i++) {
				struct run tmp;

				(void)run_is_ok(runset_run(&a, rep.runs[i], &tmp));
			}
			aggregate_free(&rep);
		}
	}
	runset_free(&a);
	fclose(f);
	return 0;
}
