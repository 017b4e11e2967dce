/*
 * The LLM agent's pieces without a test of their own: the decision cache
 * (SQLite), the slot cap across processes (flock'ed files) and early
 * requests (prefetch), these against the tests' fake server
 * (build/fakellm, started here on a free loopback port and stopped at
 * the end) and against a port nothing listens on.
 */
#define _XOPEN_SOURCE 700     /* nftw */
#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "llm/cache.h"
#include "llm/llm.h"
#include "llm/params.h"
#include "llm/prefetch.h"
#include "llm/scenario.h"
#include "llm/slots.h"

static char dir[64];

/* The two neighbourhoods: the fake's mechanical rule (threshold 0.5)
 * moves from the first (1 alike of 3) and stays in the second (4 of 5). */
static const char ctx_move[] = "S E O\nE X E\nE O E";
static const char ctx_stay[] = "S S S\nS X E\nE E O";

static void
config(struct llm_params *lp, struct llm_config *cfg, const char *url)
{
	llm_params_defaults(lp);
	snprintf(lp->llm_url, sizeof(lp->llm_url), "%s", url);
	snprintf(lp->llm_model, sizeof(lp->llm_model), "fake-model");
	lp->llm_server = LLM_SERVER_GENERIC;
	lp->temperature = 0;
	lp->request_timeout = 30;
	llm_config_from(cfg, lp, "test_llmparts");
}

static void
cache(void)
{
	struct llm_params lp;
	struct llm_config cfg, other;
	struct llm_cache *c, *c2;
	enum llm_answer a = LLM_UNPARSED;
	char path[128], err[512] = "";
	FILE *f;

	config(&lp, &cfg, "http://127.0.0.1:1/v1/chat/completions");
	snprintf(path, sizeof(path), "%s/cache.sqlite", dir);
	c = cache_open(path, err, sizeof(err));
	CHECK(c != NULL, "a new cache file opens %s", err);
	if (c == NULL)
		return;
	CHECK(cache_get(c, &cfg, "prompt one", &a, err, sizeof(err)) == 0,
	    "an empty cache misses");
	CHECK(cache_put(c, &cfg, "prompt one", LLM_MOVE, err,
	    sizeof(err)) == 0, "put MOVE");
	CHECK(cache_put(c, &cfg, "prompt two", LLM_STAY, err,
	    sizeof(err)) == 0, "put STAY");
	CHECK(cache_get(c, &cfg, "prompt one", &a, err, sizeof(err)) == 1 &&
	    a == LLM_MOVE, "get MOVE back");
	CHECK(cache_get(c, &cfg, "prompt two", &a, err, sizeof(err)) == 1 &&
	    a == LLM_STAY, "get STAY back");
	CHECK(cache_get(c, &cfg, "prompt three", &a, err, sizeof(err)) == 0,
	    "another prompt misses");
	CHECK(cache_put(c, &cfg, "prompt one", LLM_STAY, err,
	    sizeof(err)) == 0 && cache_get(c, &cfg, "prompt one", &a, err,
	    sizeof(err)) == 1 && a == LLM_MOVE,
	    "the first answer kept stays (a second put changes nothing)");

	/* everything that decides an answer is in the key; retries and
	 * timeouts are not (a hit) */
	for (int i = 0; i < 7; i++) {
		static const char *const what[] = { "another model",
		    "another URL", "another API", "other max tokens",
		    "thinking on", "another top_p", "other retries, timeouts" };

		other = cfg;
		switch (i) {
		case 0: other.model = "another-model"; break;
		case 1: other.url = "http://127.0.0.1:2/v1/chat/completions";
			break;
		case 2: other.api = LLM_API_OLLAMA; break;
		case 3: other.max_tokens = cfg.max_tokens + 1; break;
		case 4: other.think = THINK_ON; break;
		case 5: other.top_p = 0.5; break;
		default:
			other.retries = cfg.retries + 3;
			other.request_timeout_ms = 1;
		}
		CHECK(cache_get(c, &other, "prompt one", &a, err,
		    sizeof(err)) == (i == 6), "%s: %s", what[i],
		    i == 6 ? "a hit" : "a miss");
	}

	/* a second handle on the file (another process would open it so) */
	c2 = cache_open(path, err, sizeof(err));
	CHECK(c2 != NULL, "a second open of the same file");
	if (c2 != NULL) {
		CHECK(cache_get(c2, &cfg, "prompt two", &a, err,
		    sizeof(err)) == 1 && a == LLM_STAY,
		    "the second handle sees the first one's answers");
		CHECK(cache_put(c2, &cfg, "prompt four", LLM_MOVE, err,
		    sizeof(err)) == 0 && cache_get(c, &cfg, "prompt four", &a,
		    err, sizeof(err)) == 1 && a == LLM_MOVE,
		    "and the first sees the second's");
		cache_close(c2);
	}
	cache_close(c);
	c = cache_open(path, err, sizeof(err));
	CHECK(c != NULL && cache_get(c, &cfg, "prompt one", &a, err,
	    sizeof(err)) == 1 && a == LLM_MOVE, "answers survive a reopen");
	cache_close(c);

	/* a file that is not a database is refused with one line */
	snprintf(path, sizeof(path), "%s/corrupt.sqlite", dir);
	if ((f = fopen(path, "w")) == NULL)
		exit(2);
	for (int i = 0; i < 200; i++)
		fputs("this is not an SQLite database at all\n", f);
	fclose(f);
	err[0] = '\0';
	c = cache_open(path, err, sizeof(err));
	CHECK(c == NULL, "a corrupt file is refused");
	CHECK(strstr(err, "cannot use ") != NULL && strstr(err, path) != NULL &&
	    strstr(err, "as a decision cache: file is not a database") != NULL,
	    "with a line naming it: %s", err);
	CHECK(strchr(err, '\n') == NULL, "one line");
	cache_close(c);

	snprintf(path, sizeof(path), "%s/no-such-dir/c.sqlite", dir);
	err[0] = '\0';
	c = cache_open(path, err, sizeof(err));
	CHECK(c == NULL && strstr(err, path) != NULL,
	    "a cache in a missing directory is refused: %s", err);
	cache_close(c);
}

static void
slots(void)
{
	const char *url = "http://127.0.0.1:9/slots-test";
	struct slots *a, *b;
	char err[512] = "";
	int n = -1, s0, s1;

	CHECK(slots_parse("", url, NULL, "m", &n, err, sizeof(err)) == 0 &&
	    n == 0, "an empty text: no cap");
	CHECK(slots_parse("3", url, NULL, "m", &n, err, sizeof(err)) == 0 &&
	    n == 3, "a number");
	CHECK(slots_parse("4096", url, NULL, "m", &n, err, sizeof(err)) == 0 &&
	    n == 4096, "4096, the largest");
	CHECK(slots_parse("0", url, NULL, "m", &n, err, sizeof(err)) == -1 &&
	    strcmp(err, "--llm-slots must be a number from 1 to 4096 or "
	    "auto, not 0") == 0, "0 is refused: %s", err);
	CHECK(slots_parse("4097", url, NULL, "m", &n, err, sizeof(err)) == -1,
	    "4097 is refused");
	CHECK(slots_parse("two", url, NULL, "m", &n, err, sizeof(err)) == -1 &&
	    strstr(err, "not two") != NULL, "a word is refused");
	CHECK(slots_parse("Auto", url, NULL, "m", &n, err, sizeof(err)) == -1,
	    "Auto is not auto");

	CHECK(slots_count(NULL) == 0, "no slots: a count of 0");
	a = slots_open(url, 2, err, sizeof(err));
	b = slots_open(url, 2, err, sizeof(err));
	CHECK(a != NULL && b != NULL, "two holders of one server's slots");
	if (a == NULL || b == NULL)
		exit(1);
	CHECK(slots_count(a) == 2, "two slots");
	s0 = slots_try(a);
	s1 = slots_try(a);
	CHECK(s0 >= 0 && s1 >= 0 && s0 != s1, "the first takes both");
	CHECK(slots_try(a) == -1, "then it has none");
	CHECK(slots_try(b) == -1, "nor has the second: the cap is shared");
	slots_release(a, s1);
	CHECK(slots_try(b) == s1, "a released slot goes to the second");
	CHECK(slots_try(a) == -1, "and the first cannot take it back");
	slots_release(a, s1);
	CHECK(slots_try(a) == -1, "releasing a slot not held changes nothing");
	slots_release(b, s1);
	slots_release(a, -1);
	CHECK(slots_wait(a, NULL, NULL) == s1,
	    "waiting finds the free slot");
	slots_close(a);
	CHECK(slots_try(b) == s0 && slots_try(b) == s1,
	    "a closed holder's slots are free again");
	slots_close(b);
	b = slots_open("http://127.0.0.1:9/another-server", 1, err,
	    sizeof(err));
	CHECK(b != NULL && slots_try(b) == 0,
	    "another server's slots are its own");
	slots_close(b);
}

/* ------------------------------------------------ against the fake server */

static pid_t fake_pid;

/* build/fakellm on a free port with extra flags; the chat URL in url. */
static int
start_fake(const char *const *flags, char *url, size_t len)
{
	char portfile[128], log[128];
	const char *argv[24];
	int n = 0;
	FILE *f;
	int port = 0;

	snprintf(portfile, sizeof(portfile), "%s/port", dir);
	unlink(portfile);
	argv[n++] = "build/fakellm";
	argv[n++] = "--port-file";
	argv[n++] = portfile;
	argv[n++] = "--max-lifetime";
	argv[n++] = "120";
	argv[n++] = "--model";
	argv[n++] = "fake-model";
	for (; *flags != NULL && n < 22; flags++)
		argv[n++] = *flags;
	argv[n] = NULL;
	if ((fake_pid = fork()) < 0)
		return -1;
	if (fake_pid == 0) {
		/* its "listening" line into a file, out of the TAP */
		snprintf(log, sizeof(log), "%s/fakellm.stderr", dir);
		if (freopen(log, "a", stderr) == NULL)
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	/* up to 10 s for the port file (it is written once listening) */
	for (int i = 0; i < 200; i++) {
		struct timespec t = { 0, 50000000 };

		if ((f = fopen(portfile, "r")) != NULL) {
			if (fscanf(f, "%d", &port) != 1)
				port = 0;
			fclose(f);
			if (port > 0)
				break;
		}
		nanosleep(&t, NULL);
	}
	if (port <= 0) {
		printf("# build/fakellm gave no port within 10 s\n");
		return -1;
	}
	snprintf(url, len, "http://127.0.0.1:%d/v1/chat/completions", port);
	return 0;
}

static void
stop_fake(void)
{
	if (fake_pid > 0) {
		kill(fake_pid, SIGTERM);
		waitpid(fake_pid, NULL, 0);
	}
	fake_pid = 0;
}

/* A loopback port nothing listens on (bound, then closed). */
static int
closed_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
		exit(2);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static struct scenario scen;
static char *prompt_move, *prompt_stay;

static void
prompts(void)
{
	char err[512];

	if (scenario_load("configs/scenarios/baseline.json", &scen, err,
	    sizeof(err)) != 0) {
		printf("Bail out! %s\n", err);
		exit(1);
	}
	prompt_move = scenario_prompt(&scen, 0, ctx_move);
	prompt_stay = scenario_prompt(&scen, 0, ctx_stay);
	if (prompt_move == NULL || prompt_stay == NULL)
		exit(2);
}

static void
slots_auto(void)
{
	const char *plain[] = { "--slots", "3", NULL };
	const char *router[] = { "--router", NULL };
	char url[256], err[1024] = "";
	int n = 0, rc;

	if (start_fake(plain, url, sizeof(url)) != 0) {
		CHECK(0, "the fake server started");
		return;
	}
	rc = slots_parse("auto", url, NULL, "fake-model", &n, err,
	    sizeof(err));
	CHECK(rc == 0 && n == 3, "auto: the server's total_slots (%d) %s", n,
	    rc ? err : "");
	stop_fake();

	if (start_fake(router, url, sizeof(url)) != 0) {
		CHECK(0, "the fake router started");
		return;
	}
	n = 0;
	rc = slots_parse("auto", url, NULL, "fake-model", &n, err,
	    sizeof(err));
	CHECK(rc == 0 && n == 4, "a router is asked again with ?model= (%d) %s",
	    n, rc ? err : "");
	stop_fake();

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/chat/completions",
	    closed_port());
	err[0] = '\0';
	CHECK(slots_parse("auto", url, NULL, "fake-model", &n, err,
	    sizeof(err)) == -1 && strncmp(err, "--llm-slots auto: ", 18) == 0 &&
	    strstr(err, "/props gives no total_slots") != NULL &&
	    strstr(err, "give a number instead") != NULL,
	    "no server: one line saying what to do: %s", err);
}

static void
prefetch_plain(const char *url)
{
	struct llm_params lp;
	struct llm_config cfg;
	struct llm_stats st = { 0 };
	struct llm_reply reply;
	struct prefetch *p;
	char err[512] = "";
	int held = 7;
	long delay = 0;

	config(&lp, &cfg, url);
	p = prefetch_new(&cfg, 2, NULL, err, sizeof(err));
	CHECK(p != NULL, "two clients for early requests %s", err);
	if (p == NULL)
		return;
	CHECK(prefetch_context(p, 0, 1) == NULL, "nothing asked yet");
	CHECK(prefetch_start(p, 0, 1, ctx_move, prompt_move, 1) == 0,
	    "ask for agent 1");
	CHECK(prefetch_start(p, 0, 2, ctx_stay, prompt_stay, 2) == 0,
	    "ask for agent 2");
	CHECK(prefetch_start(p, 0, 3, ctx_stay, prompt_stay, 3) == -1,
	    "a third request finds no idle client");
	CHECK(prefetch_context(p, 0, 1) != NULL &&
	    strcmp(prefetch_context(p, 0, 1), ctx_move) == 0,
	    "the context agent 1 was asked about");
	CHECK(prefetch_context(p, 1, 1) == NULL, "(step 1, agent 1): none");

	CHECK(prefetch_take(p, 0, 1, ctx_move, &reply, &st, &held,
	    &delay) == LLM_MOVE, "agent 1's answer: MOVE");
	CHECK(held == -1 && delay == -1, "no slot held, no delay asked");
	CHECK(st.calls == 1 && st.prefetch_wasted == 0,
	    "counted as one call");
	CHECK(prefetch_take(p, 0, 2, ctx_move, &reply, &st, &held,
	    &delay) == LLM_UNPARSED, "agent 2's context changed: not used");
	CHECK(st.calls == 1 && st.prefetch_wasted == 1, "counted as wasted");
	CHECK(prefetch_take(p, 0, 9, ctx_move, &reply, &st, &held,
	    &delay) == LLM_UNPARSED && held == -1 && st.prefetch_wasted == 1,
	    "never asked: no answer, nothing counted");

	CHECK(prefetch_start(p, 1, 4, ctx_stay, prompt_stay, 4) == 0,
	    "ask again on a freed client");
	prefetch_cancel(p, 1, 4);
	CHECK(prefetch_context(p, 1, 4) == NULL, "a cancelled request is gone");
	CHECK(prefetch_take(p, 1, 4, ctx_stay, &reply, &st, &held,
	    &delay) == LLM_UNPARSED, "and has no answer");
	CHECK(prefetch_start(p, 1, 5, ctx_stay, prompt_stay, 5) == 0 &&
	    prefetch_start(p, 1, 6, ctx_move, prompt_move, 6) == 0,
	    "both clients are free again");
	CHECK(prefetch_take(p, 1, 5, ctx_stay, &reply, &st, &held,
	    &delay) == LLM_STAY && strcmp(reply.text, "STAY") == 0,
	    "agent 5 stays (the reply's text: %s)", reply.text);
	prefetch_reset(p);
	CHECK(prefetch_context(p, 1, 6) == NULL, "a reset drops what was asked");
	CHECK(st.calls == 2, "two answers used in all");
	prefetch_free(p);
}

/* A cap of one slot across processes: a request holds it in flight. */
static void
prefetch_capped(const char *url)
{
	struct llm_params lp;
	struct llm_config cfg;
	struct llm_stats st = { 0 };
	struct llm_reply reply;
	struct prefetch *p;
	struct slots *mine, *theirs;
	char err[512] = "";
	int held = 7;
	long delay = 0;

	config(&lp, &cfg, url);
	mine = slots_open(url, 1, err, sizeof(err));
	theirs = slots_open(url, 1, err, sizeof(err));
	p = mine ? prefetch_new(&cfg, 2, mine, err, sizeof(err)) : NULL;
	CHECK(p != NULL && theirs != NULL, "early requests under a cap of 1");
	if (p == NULL || theirs == NULL)
		exit(1);
	CHECK(prefetch_start(p, 0, 1, ctx_move, prompt_move, 1) == 0,
	    "the first request takes the slot");
	CHECK(prefetch_start(p, 0, 2, ctx_move, prompt_move, 2) == -1,
	    "a second finds the slot taken");
	CHECK(slots_try(theirs) == -1, "another process finds it taken too");
	CHECK(prefetch_take(p, 0, 1, ctx_move, &reply, &st, &held,
	    &delay) == LLM_MOVE && held == -1, "answered: MOVE");
	CHECK(slots_try(theirs) == 0, "the slot is free once answered");
	slots_release(theirs, 0);

	/* a cancelled request keeps its slot until the server has answered */
	CHECK(prefetch_start(p, 0, 3, ctx_stay, prompt_stay, 3) == 0,
	    "ask again");
	prefetch_cancel(p, 0, 3);
	CHECK(prefetch_context(p, 0, 3) == NULL, "cancelled");
	CHECK(slots_try(theirs) == -1, "its slot still held while in flight");
	prefetch_reset(p);
	CHECK(slots_try(theirs) == 0, "freed by the reset");
	slots_release(theirs, 0);
	prefetch_free(p);
	slots_close(mine);
	slots_close(theirs);
}

/* The server says 429 with Retry-After: the slot is kept for the retry,
 * and no early request goes out before the delay. */
static void
prefetch_busy(void)
{
	const char *flags[] = { "--fault", "429", "--retry-after", "120", NULL };
	struct llm_params lp;
	struct llm_config cfg;
	struct llm_stats st = { 0 };
	struct llm_reply reply;
	struct prefetch *p;
	struct slots *mine, *theirs;
	char url[256], err[512] = "";
	int held = -1;
	long delay = 0;

	if (start_fake(flags, url, sizeof(url)) != 0) {
		CHECK(0, "the fake server (429) started");
		return;
	}
	config(&lp, &cfg, url);
	mine = slots_open(url, 1, err, sizeof(err));
	theirs = slots_open(url, 1, err, sizeof(err));
	p = mine ? prefetch_new(&cfg, 1, mine, err, sizeof(err)) : NULL;
	if (p == NULL || theirs == NULL)
		exit(1);
	CHECK(prefetch_start(p, 0, 1, ctx_move, prompt_move, 1) == 0,
	    "ask a busy server");
	CHECK(prefetch_take(p, 0, 1, ctx_move, &reply, &st, &held,
	    &delay) == LLM_UNPARSED, "429: no answer");
	CHECK(held == 0, "the slot is handed on for the retry (%d)", held);
	CHECK(delay > 60000 && delay <= 120000,
	    "the server's delay is passed on (%ld ms)", delay);
	CHECK(slots_try(theirs) == -1, "so another process cannot take it");
	slots_release(mine, held);
	CHECK(prefetch_start(p, 0, 2, ctx_move, prompt_move, 2) == -1,
	    "no early request before the delay has passed");
	prefetch_free(p);
	slots_close(mine);
	slots_close(theirs);
	stop_fake();
}

static void
prefetch_no_server(void)
{
	struct llm_params lp;
	struct llm_config cfg;
	struct llm_stats st = { 0 };
	struct llm_reply reply;
	struct prefetch *p;
	char url[256], err[512] = "";
	int held = 7;
	long delay = 0;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/chat/completions",
	    closed_port());
	config(&lp, &cfg, url);
	p = prefetch_new(&cfg, 1, NULL, err, sizeof(err));
	if (p == NULL)
		exit(1);
	CHECK(prefetch_start(p, 0, 1, ctx_move, prompt_move, 1) == 0,
	    "a request to a closed port starts");
	CHECK(prefetch_take(p, 0, 1, ctx_move, &reply, &st, &held,
	    &delay) == LLM_UNPARSED && held == -1,
	    "refused connection: no answer, no slot held");
	CHECK(st.calls == 0 && st.prefetch_wasted == 1,
	    "counted as wasted, not as a call");
	prefetch_free(p);
}

static int
rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	const char *plain[] = { "--latency-ms", "100", NULL };
	char url[256];

	snprintf(dir, sizeof(dir), "%s/test_llmparts.XXXXXX",
	    tmp != NULL && strlen(tmp) < 32 ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return 2;
	setenv("SIM_SLOTS_DIR", dir, 1);
	cache();
	slots();
	prompts();
	slots_auto();
	if (start_fake(plain, url, sizeof(url)) != 0) {
		CHECK(0, "the fake server started");
	} else {
		prefetch_plain(url);
		prefetch_capped(url);
		stop_fake();
	}
	prefetch_busy();
	prefetch_no_server();
	free(prompt_move);
	free(prompt_stay);
	scenario_free(&scen);
	nftw(dir, rm, 8, FTW_DEPTH | FTW_PHYS);
	return check_done();
}
