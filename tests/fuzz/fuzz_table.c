/* libFuzzer target: a decision table file read by table_load. */
#include "fuzz.h"
#include "table/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct decision_table *t = NULL;
	char err[1024];

	if (table_load(fuzz_file(data, size), "baseline", &t, err,
	    sizeof(err)) == 0)
		table_free(t);
	else if (strchr(err, '\n') != NULL)
		abort();               /* a message is one line */
	return 0;
}
