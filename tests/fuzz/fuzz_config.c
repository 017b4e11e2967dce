/* libFuzzer target: a config file read by config_load (sim/config.c). */
#include "fuzz.h"
#include "config/file.h"
#include "config/params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_params p;
	char err[512];

	params_defaults(&p);
	if (config_load(fuzz_file(data, size), &p, err, sizeof(err)) == 0)
		(void)params_check(&p, err, sizeof(err));
	/* a message is one line */
	else if (strchr(err, '\n') != NULL)
		abort();
	return 0;
}
