/*
 * libFuzzer target: a server's reply.  Its words by llm_parse_answer
 * (llm.c); the whole body as each API's reply and as log-probs (reply.c):
 * never a crash, an answer always MOVE, STAY or unparsed, the text always
 * a string within its buffer, masses never negative.
 */
#include "fuzz.h"
#include "llm/llm.h"
#include "llm/params.h"
#include "llm/reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
as_reply(const char *s, size_t size)
{
	static const int apis[] = { LLM_API_OPENAI, LLM_API_OLLAMA,
	    LLM_API_ANTHROPIC };
	struct llm_reply r;
	char err[256], why[256];
	double mass[2];

	for (size_t i = 0; i < sizeof(apis) / sizeof(apis[0]); i++) {
		struct reply_form f = { apis[i], LLM_SERVER_LMSTUDIO, 1 };

		memset(&r, 0, sizeof(r));
		if (llm_reply_read(&f, s, size, &r, err, sizeof(err)) == 0 &&
		    strlen(r.text) >= sizeof(r.text))
			abort();
		if (llm_reply_logprobs(s, size, apis[i] == LLM_API_OLLAMA,
		    mass, why, sizeof(why)) && (mass[0] < 0 || mass[1] < 0))
			abort();
	}
}

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
	as_reply(s, size);
	free(s);
	return 0;
}
