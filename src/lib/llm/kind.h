/*
 * What server is behind a URL that does not say (a local port): asked of
 * the server itself, by the routes only one kind has.  llama-server's GET
 * /props (total_slots with build_info or model_path), Ollama's GET
 * /api/version, vLLM's GET /version ({"version": ...}).
 */
#ifndef SIM_LLM_KIND_H
#define SIM_LLM_KIND_H

#include <jansson.h>
#include <stddef.h>

/*
 * One GET of path next to the chat URL (llm_sibling_url): 0 with the
 * status and the JSON (NULL when the body is not JSON; json_decref'd by
 * the caller), or -1 with err when no HTTP answer came.
 */
typedef int (*kind_get)(void *arg, const char *path, json_t **root,
    long *status, char *err, size_t errlen);

/*
 * The kind of the server get asks (enum llm_server): llama-server,
 * ollama, vllm, or generic when no route answers as one of them; found
 * says how ("GET /props (build b1234)").  model: for a llama-server
 * router's /props?model=.  0, or -1 with err when the server gave no HTTP
 * answer at all (not running?).
 */
int llm_kind_ask(kind_get get, void *arg, const char *model, int *kind,
    char *found, size_t foundlen, char *err, size_t errlen);

#endif
