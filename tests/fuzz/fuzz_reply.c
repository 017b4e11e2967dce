/* libFuzzer target: an LLM reply's words, by llm_parse_answer (llm.c). */
#include "fuzz.h"
#include "llm/llm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	enum llm_answer a;

	if (s == NULL)
		return 0;
	a = llm_parse_answer(s);
	if (a != LLM_MOVE && a != LLM_STAY && a != LLM_UNPARSED)
		abort();
	free(s);
	return 0;
}
