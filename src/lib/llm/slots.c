/*
 * Slots: a cap on the requests in flight to one server across processes,
 * flock'ed lock files (see slots.h).
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "param/number.h"
#include "model/rng.h"
#include "llm/llm.h"
#include "llm/slots.h"

struct slots {
	int n;
	int *fd;
	char *held;
};

/* The directory every process of one server shares: keyed by its URL. */
static void
slots_dir(const char *url, char *dir, size_t len)
{
	const char *base = getenv("SIM_SLOTS_DIR");
	uint64_t h = fnv1a64(url);

	if (base == NULL || *base == '\0')
		base = getenv("XDG_RUNTIME_DIR");
	if (base == NULL || *base == '\0')
		base = "/tmp";
	snprintf(dir, len, "%s/simtools-slots-%016llx", base,
	    (unsigned long long)h);
}

struct slots *
slots_open(const char *url, int n, char *err, size_t errlen)
{
	struct slots *s = calloc(1, sizeof(*s));
	char dir[4096], path[4200];

	slots_dir(url, dir, sizeof(dir));
	if (s == NULL || (s->fd = malloc((size_t)n * sizeof(int))) == NULL ||
	    (s->held = calloc((size_t)n, 1)) == NULL) {
		snprintf(err, errlen, "out of memory for %d slots", n);
		slots_close(s);
		return NULL;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot make the slot directory %s: %s",
		    dir, strerror(errno));
		slots_close(s);
		return NULL;
	}
	for (; s->n < n; s->n++) {
		snprintf(path, sizeof(path), "%s/slot.%d", dir, s->n);
		if ((s->fd[s->n] = open(path, O_RDWR | O_CREAT | O_CLOEXEC,
		    0600)) < 0) {
			snprintf(err, errlen, "cannot open %s: %s", path,
			    strerror(errno));
			slots_close(s);
			return NULL;
		}
	}
	return s;
}

void
slots_close(struct slots *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < s->n; i++)
		close(s->fd[i]);
	free(s->fd);
	free(s->held);
	free(s);
}

int
slots_try(struct slots *s)
{
	for (int i = 0; i < s->n; i++) {
		if (s->held[i] || flock(s->fd[i], LOCK_EX | LOCK_NB) != 0)
			continue;
		s->held[i] = 1;
		return i;
	}
	return -1;
}

int
slots_wait(struct slots *s, void (*idle)(void *), void *arg)
{
	struct timespec pause = { 0, 1000000 };
	int slot;

	while ((slot = slots_try(s)) < 0) {
		if (idle != NULL)
			idle(arg);
		nanosleep(&pause, NULL);
		if (pause.tv_nsec < 16000000)
			pause.tv_nsec *= 2;
	}
	return slot;
}

void
slots_release(struct slots *s, int slot)
{
	if (slot < 0 || !s->held[slot])
		return;
	flock(s->fd[slot], LOCK_UN);
	s->held[slot] = 0;
}

int
slots_count(const struct slots *s)
{
	return s != NULL ? s->n : 0;
}

/* total_slots from one GET of /props: 1 found, 0 none, -2 loading,
 * -3 no answer at all. */
static int
props_once(const char *props, const char *key, int *n, char *why,
    size_t whylen)
{
	char *body, err[512];
	size_t blen;
	long status;
	json_t *root;
	int found;

	if (llm_get(props, key, 10, &body, &blen, &status, err,
	    sizeof(err)) != 0) {
		snprintf(why, whylen, "%s", err);
		return -3;
	}
	root = body ? json_loadb(body, blen, 0, NULL) : NULL;
	*n = (int)json_integer_value(json_object_get(root, "total_slots"));
	found = status == 200 && *n >= 1;
	if (!found)
		snprintf(why, whylen, "HTTP %ld: %.200s", status,
		    body ? body : "");
	for (char *p = why; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	json_decref(root);
	free(body);
	return found ? 1 : status == 503 ? -2 : 0;
}

/*
 * llama-server's GET /props ({"total_slots": N, ...}) next to the chat
 * URL (a proxy's path prefix kept), with the key; while the server
 * answers 503 (loading the model) it is asked again, for up to a minute;
 * a router (llama-server --models-dir) wants ?model=.
 */
static int
server_slots(const char *url, const char *key, const char *model, int *n,
    char *err, size_t errlen)
{
	char props[2048], routed[2600], why[512] = "";
	char *esc;
	CURL *h;
	int rc = 0;

	llm_sibling_url(url, "/props", 0, props, sizeof(props));
	for (int i = 0; i < 120 && (rc = props_once(props, key, n, why,
	    sizeof(why))) == -2; i++)
		llm_sleep_ms(500);
	if (rc == 1)
		return 0;
	if (rc == 0 && (h = curl_easy_init()) != NULL) {
		esc = curl_easy_escape(h, model, 0);
		snprintf(routed, sizeof(routed), "%s?model=%s", props,
		    esc ? esc : model);
		curl_free(esc);
		curl_easy_cleanup(h);
		for (int i = 0; i < 120 && (rc = props_once(routed, key, n,
		    why, sizeof(why))) == -2; i++)
			llm_sleep_ms(500);
		if (rc == 1)
			return 0;
		if (rc == 0 && strstr(why, "model") != NULL) {
			snprintf(err, errlen, "--llm-slots auto: %s is a router "
			    "(llama-server with several models): it needs "
			    "?model= and %s gives no total_slots either (%s); "
			    "give a number instead", props, routed, why);
			return -1;
		}
	}
	snprintf(err, errlen, "--llm-slots auto: %s gives no total_slots "
	    "(%s%s); give a number instead", props, rc == -2 ? "still loading "
	    "the model after a minute: " : "", why[0] ? why : "not "
	    "llama-server?");
	return -1;
}

int
slots_parse(const char *text, const char *url, const char *key,
    const char *model, int *n, char *err, size_t errlen)
{
	long v;

	*n = 0;
	if (*text == '\0')
		return 0;
	if (strcmp(text, "auto") == 0)
		return server_slots(url, key, model, n, err, errlen);
	if (parse_long_range(text, 1, 4096, &v) != 0) {
		snprintf(err, errlen, "--llm-slots must be a number from 1 to "
		    "4096 or auto, not %s", text);
		return -1;
	}
	*n = (int)v;
	return 0;
}
