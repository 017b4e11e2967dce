/*
 * Asking a server what it is (kind.h).  The signatures, each from the
 * server's own source or reference:
 *
 * - llama-server: GET /props answers total_slots, model_path, build_info,
 *   chat_template... (llama.cpp tools/server/server-context.cpp,
 *   get_res_props); 503 "Loading model" while it loads; a router
 *   (--models-dir) wants ?model=.  It has no /version or /api/version.
 * - Ollama: GET /api/version answers {"version":"0.5.1"} (docs/api.md,
 *   "Version").
 * - vLLM: GET /version answers {"version": "0.x.y"} (its api_server).
 *
 * A route that answers 404, or something that is not that JSON, says
 * nothing: the server stays generic, sent only the common fields.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "llm/kind.h"
#include "llm/params.h"

/* llama-server's /props: total_slots with build_info or model_path. */
static int
is_llama_props(json_t *root, long status, char *found, size_t len)
{
	const char *build = json_string_value(json_object_get(root,
	    "build_info"));
	json_t *e = json_object_get(root, "error");

	if (status == 503 && json_is_string(json_object_get(e, "message")) &&
	    strstr(json_string_value(json_object_get(e, "message")),
	    "Loading model") != NULL) {
		snprintf(found, len, "GET /props (loading its model)");
		return 1;
	}
	if (status != 200 || !json_is_integer(json_object_get(root,
	    "total_slots")) || (build == NULL &&
	    !json_is_string(json_object_get(root, "model_path"))))
		return 0;
	snprintf(found, len, "GET /props (build %s)", build ? build : "?");
	return 1;
}

/* {"version": "..."} from path. */
static int
is_version(json_t *root, long status, const char *path, char *found,
    size_t len)
{
	const char *v = json_string_value(json_object_get(root, "version"));

	if (status != 200 || v == NULL)
		return 0;
	snprintf(found, len, "GET %s (version %.40s)", path, v);
	return 1;
}

/* /props?model=M, for a llama-server router. */
static void
routed_props(const char *model, char *out, size_t len)
{
	CURL *h = curl_easy_init();
	char *esc = h != NULL ? curl_easy_escape(h, model, 0) : NULL;

	snprintf(out, len, "/props?model=%s", esc ? esc : "");
	curl_free(esc);
	curl_easy_cleanup(h);
}

int
llm_kind_ask(kind_get get, void *arg, const char *model, int *kind,
    char *found, size_t foundlen, char *err, size_t errlen)
{
	char routed[600];
	json_t *root;
	long status;
	int yes;

	*kind = LLM_SERVER_GENERIC;
	snprintf(found, foundlen, "GET /props, /api/version, /version: "
	    "none known");
	/* no answer at all: not running, and nothing more to ask */
	if (get(arg, "/props", &root, &status, err, errlen) != 0)
		return -1;
	yes = is_llama_props(root, status, found, foundlen);
	json_decref(root);
	if (!yes && status == 400 && model != NULL) {
		routed_props(model, routed, sizeof(routed));
		if (get(arg, routed, &root, &status, err, errlen) == 0)
			yes = is_llama_props(root, status, found, foundlen);
		json_decref(root);
	}
	if (yes) {
		*kind = LLM_SERVER_LLAMA;
		return 0;
	}
	if (get(arg, "/api/version", &root, &status, err, errlen) == 0) {
		yes = is_version(root, status, "/api/version", found, foundlen);
		json_decref(root);
		if (yes) {
			*kind = LLM_SERVER_OLLAMA;
			return 0;
		}
	}
	if (get(arg, "/version", &root, &status, err, errlen) == 0) {
		yes = is_version(root, status, "/version", found, foundlen);
		json_decref(root);
		if (yes)
			*kind = LLM_SERVER_VLLM;
	}
	return 0;
}
