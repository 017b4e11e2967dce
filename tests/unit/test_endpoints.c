/* Unit tests of src/lib/llm/endpoints.c: the endpoints file, the choice by
 * free slots, setting aside with backoff (no server is contacted). */
#define _XOPEN_SOURCE 700     /* nftw */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "llm/endpoints.h"

static char dir[] = "/tmp/test_endpoints.XXXXXX";

static const char *
write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	return path;
}

static struct llm_config
config(void)
{
	struct llm_config c;

	memset(&c, 0, sizeof(c));
	c.url = "http://127.0.0.1:1/v1/chat/completions";
	c.model = "m";
	c.max_tokens = 8;
	c.retries = 3;
	c.connect_timeout_ms = 1000;
	c.request_timeout_ms = 1000;
	c.retry_base_ms = 100;
	c.retry_max_ms = 300;
	return c;
}

static void
test_file(void)
{
	struct llm_config c = config();
	struct endpoints *eps;
	char err[512];
	const char *path;

	path = write_file("ok", "# two servers\n"
	    "http://127.0.0.1:9/a 2\n"
	    "\n"
	    "https://127.0.0.1:10/b -   # no cap\n"
	    "http://127.0.0.1:11/c\n");
	eps = endpoints_open(path, &c, err, sizeof(err));
	CHECK(eps != NULL, "a file of three endpoints opens (%s)", eps ? "" : err);
	if (eps == NULL)
		return;
	CHECK(eps->n == 3, "three endpoints");
	CHECK(strcmp(eps->e[1].url, "https://127.0.0.1:10/b") == 0, "URLs kept");
	CHECK(eps->e[0].nslots == 2 && eps->e[1].nslots == 0 &&
	    eps->e[2].nslots == 0, "slots: 2, none, none");
	CHECK(eps->e[0].cfg.url == eps->e[0].url && eps->e[2].cfg.url ==
	    eps->e[2].url, "each endpoint's settings point at its own URL");
	CHECK(eps->e[0].cfg.retries == 0, "an endpoint does not retry itself");
	/* 100 + 200 + 300 (capped) */
	CHECK(eps->budget_ms == 600, "retry budget is what 3 retries wait (%ld)",
	    eps->budget_ms);
	endpoints_close(eps);

	CHECK(endpoints_open(write_file("dup", "http://x/a\nhttp://x/a\n"), &c,
	    err, sizeof(err)) == NULL && strstr(err, "listed twice"),
	    "an endpoint listed twice is refused: %s", err);
	CHECK(endpoints_open(write_file("bad", "ftp://x/a\n"), &c, err,
	    sizeof(err)) == NULL && strstr(err, "line 1"),
	    "a URL that is not http(s) is refused, naming the line: %s", err);
	CHECK(endpoints_open(write_file("slots", "http://x/a 0\n"), &c, err,
	    sizeof(err)) == NULL && strstr(err, "SLOTS"),
	    "slots 0 is refused: %s", err);
	CHECK(endpoints_open(write_file("empty", "# nothing\n"), &c, err,
	    sizeof(err)) == NULL && strstr(err, "no endpoint"),
	    "an empty file is refused: %s", err);
	CHECK(endpoints_open(write_file("key", "http://x/a 1 /nonexistent/key\n"),
	    &c, err, sizeof(err)) == NULL, "an unreadable key file is refused");
}

static void
test_choice(void)
{
	struct llm_config c = config();
	struct endpoints *eps;
	char err[512];
	int i, j, k, slot[8], picks[2] = { 0, 0 };
	double aside;

	eps = endpoints_open(write_file("two", "http://127.0.0.1:9/a 2\n"
	    "http://127.0.0.1:10/b 3\n"), &c, err, sizeof(err));
	CHECK(eps != NULL, "two capped endpoints open");
	if (eps == NULL)
		return;
	/* 2 + 3 slots: the freest first, then full */
	for (k = 0; k < 5; k++) {
		i = endpoints_pick(eps, &slot[k]);
		CHECK(i >= 0, "pick %d finds a slot", k);
		if (i >= 0)
			picks[i]++;
		slot[k] = slot[k] * 2 + i;  /* remember both */
	}
	CHECK(picks[0] == 2 && picks[1] == 3, "all 5 slots taken (%d + %d)",
	    picks[0], picks[1]);
	CHECK(endpoints_pick(eps, &j) < 0, "no slot left: none picked");
	for (k = 0; k < 5; k++)
		endpoints_put(eps, slot[k] % 2, slot[k] / 2);
	CHECK(eps->e[0].in_flight == 0 && eps->e[1].in_flight == 0,
	    "every slot back");

	/* set aside: the other takes everything; then it is tried again */
	endpoints_failed(eps, 1, "connection refused");
	for (k = 0; k < 4; k++) {
		i = endpoints_pick(eps, &j);
		CHECK(i == 0, "endpoint 2 set aside: endpoint 1 (%d)", i);
		endpoints_put(eps, i, j);
	}
	CHECK(strstr(eps->last_error, "10/b: connection refused") != NULL,
	    "the last error names the endpoint: %s", eps->last_error);
	usleep(150 * 1000);
	for (k = 0, picks[1] = 0; k < 4; k++) {
		i = endpoints_pick(eps, &j);
		picks[1] += i == 1;
		endpoints_put(eps, i, j);
	}
	CHECK(picks[1] > 0, "after its backoff endpoint 2 is tried again");
	endpoints_failed(eps, 1, "503");
	aside = eps->e[1].aside_until;
	endpoints_failed(eps, 1, "503");
	/* 2nd failure 200 ms, 3rd 300 ms (the cap): at least 100 ms later */
	CHECK(eps->e[1].failures == 3 && eps->e[1].aside_until - aside >= 0.0999,
	    "the backoff grows on failures in a row, up to the cap");
	endpoints_ok(eps, 1);
	CHECK(eps->e[1].failures == 0 && eps->e[1].aside_until == 0,
	    "an answer clears it");
	endpoints_close(eps);
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

int
main(void)
{
	int rc;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	setenv("SIM_SLOTS_DIR", dir, 1);
	test_file();
	test_choice();
	rc = check_done();
	/* the files and slot directories made here go with it */
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
