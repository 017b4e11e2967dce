/*
 * Reading a 200 reply of each API (reply.c): the answer's text with the
 * reasoning and end-of-turn markers taken out, what the server says about
 * itself (model, fingerprint), the tokens it counted, and the log-probs
 * of MOVE and STAY.  Part of the client (llm.c); no I/O.
 */
#ifndef SIM_LLM_REPLY_H
#define SIM_LLM_REPLY_H

#include <stddef.h>

#include "llm/llm.h"

/* How to read a reply: the API, and what the request asked for. */
struct reply_form {
	int api;                   /* enum llm_api */
	int server;                /* enum llm_server */
	int json_answer;           /* the answer comes as {"answer": ...} */
};

/*
 * The reply in body (len bytes) into reply: 0, or -1 when it is not the
 * JSON of that API (err says why, without the URL).
 */
int llm_reply_read(const struct reply_form *f, const char *body, size_t len,
    struct llm_reply *reply, char *err, size_t errlen);

/*
 * The probability of MOVE and STAY at the first reply token, from its
 * top_logprobs: choices[0].logprobs.content[0] (OpenAI) or logprobs[0]
 * (Ollama's native API).  A candidate counts toward the answer it starts
 * (MO for MOVE, ST for STAY: words a vocabulary splits), so a split word
 * is not read as zero.  Returns 1 when they say P(MOVE): the first token
 * starts an answer, and both answers are listed, or one is and the other
 * is bounded (below the least listed, 99 times below the one listed);
 * else 0 with the reason in why.
 */
int llm_reply_logprobs(const char *body, size_t len, int ollama,
    double mass[2], char *why, size_t whylen);

/* The text with <think>...</think> taken out (an unclosed one: all). */
void llm_strip_think(char *text);
/* A trailing end-of-turn marker a template leaves in (<|im_end|> ...). */
void llm_strip_end_marker(char *text);

#endif
