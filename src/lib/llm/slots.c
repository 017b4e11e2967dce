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

#include "sim/params.h"
#include "sim/rng.h"
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

struct text {
	char *data;
	size_t len;
};

int
slots_count(const struct slots *s)
{
	return s != NULL ? s->n : 0;
}

static size_t
collect(char *data, size_t size, size_t n, void *arg)
{
	struct text *t = arg;
	size_t len = size * n;
	char *p;

	if (t->len + len > (1 << 20) ||
	    (p = realloc(t->data, t->len + len + 1)) == NULL)
		return 0;
	memcpy(p + t->len, data, len);
	t->data = p;
	t->len += len;
	return len;
}

/* llama-server's GET /props: {"total_slots": N, ...} */
static int
server_slots(const char *url, int *n, char *err, size_t errlen)
{
	char props[2048];
	const char *path = strstr(url, "://");
	struct text text = { NULL, 0 };
	json_t *body;
	CURL *h = curl_easy_init();
	CURLcode rc;

	path = path ? strchr(path + 3, '/') : NULL;
	snprintf(props, sizeof(props), "%.*s/props",
	    (int)(path ? (size_t)(path - url) : strlen(url)), url);
	if (h == NULL)
		return -1;
	rc = curl_easy_setopt(h, CURLOPT_URL, props) ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect) ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, &text) ||
	    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L) ||
	    curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L) ?
	    CURLE_FAILED_INIT : curl_easy_perform(h);
	curl_easy_cleanup(h);
	body = text.data ? json_loadb(text.data, text.len, 0, NULL) : NULL;
	*n = (int)json_integer_value(json_object_get(body, "total_slots"));
	json_decref(body);
	free(text.data);
	if (rc != CURLE_OK || *n < 1) {
		snprintf(err, errlen, "--llm-slots auto: %s gives no total_slots "
		    "(%s); give a number instead", props, rc != CURLE_OK ?
		    curl_easy_strerror(rc) : "not llama-server?");
		return -1;
	}
	return 0;
}

int
slots_parse(const char *text, const char *url, int *n, char *err,
    size_t errlen)
{
	long v;

	*n = 0;
	if (*text == '\0')
		return 0;
	if (strcmp(text, "auto") == 0)
		return server_slots(url, n, err, errlen);
	if (parse_long_range(text, 1, 4096, &v) != 0) {
		snprintf(err, errlen, "--llm-slots must be a number from 1 to "
		    "4096 or auto, not %s", text);
		return -1;
	}
	*n = (int)v;
	return 0;
}
