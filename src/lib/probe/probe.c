/*
 * Probing an LLM for a decision table (see probe.h): each entry's prompt
 * asked by logprobs or by samples, each finished entry appended to
 * FILE.partial before the next request, so that --resume goes on.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "io/iostatus.h"
#include "io/lines.h"
#include "io/msg.h"
#include "llm/llm.h"
#include "llm/scenario.h"
#include "model/rng.h"
#include "probe/entries.h"
#include "probe/probe.h"

#define PROGRESS_S 2.0

struct probe {
	const struct probe_options *o;
	const char *prog;          /* messages start with it */
	struct scenario scenario;
	struct table_header h;
	int method;                /* PROBE_METHOD_AUTO until the first reply */
	struct llm_client *ask;    /* plain requests (samples) */
	struct llm_client *lp;     /* with logprobs; NULL for samples */
	struct llm_stats stats;
	struct entries es;
	long selected;
	FILE *partial;
	char partial_path[4200];
	int header_written;
	double start, reported;
	char err[1024];
};

static double
seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct llm_client *
new_client(const struct probe *pr, int logprobs)
{
	const struct llm_params *p = pr->o->llm;
	struct llm_config cfg;
	struct llm_client *c;
	char err[512], *key;

	llm_config_from(&cfg, p);
	cfg.logprobs = logprobs;
	if (llm_read_key(p->llm_api_key_file, &key, err, sizeof(err)) != 0) {
		msg(pr->prog, "%s", err);
		return NULL;
	}
	cfg.api_key = key;
	if ((c = llm_client_new(&cfg, err, sizeof(err))) == NULL)
		msg(pr->prog, "%s", err);
	llm_forget_key(key);
	return c;
}

static void
set_method(struct probe *pr, int method)
{
	pr->method = pr->h.method = method;
	pr->h.samples = method == TABLE_SAMPLES ? pr->o->samples : 0;
}

static int
fill_header(struct probe *pr)
{
	const struct llm_params *p = pr->o->llm;
	struct table_header *h = &pr->h;
	const struct scenario *s = &pr->scenario;

	h->scenario = strdup(s->name);
	h->type_a = strdup(s->type_a);
	h->type_b = strdup(s->type_b);
	snprintf(h->prompt_hash, sizeof(h->prompt_hash), "%016" PRIx64,
	    fnv1a64(s->prompt_template));
	h->model = strdup(p->llm_model);
	h->url = strdup(llm_params_url(p));
	h->api = p->llm_api;
	h->temperature = p->temperature;
	h->max_tokens = p->max_tokens;
	h->seed = pr->o->seed;
	h->key = pr->o->key;
	h->entries = pr->selected;
	h->fallbacks = 0;
	h->shard_k = pr->o->shard_k;
	h->shard_n = pr->o->shard_n > 1 ? pr->o->shard_n : 0;
	h->created = probe_utc_now();
	h->version_tool = strdup(SIM_VERSION);
	return h->scenario && h->type_a && h->type_b && h->model && h->url &&
	    h->created && h->version_tool ? 0 : -1;
}

static int
selected(const struct probe *pr, long i)
{
	return pr->o->shard_n == 0 || i % pr->o->shard_n == pr->o->shard_k;
}

static int
probe_init(struct probe *pr, const struct probe_options *o, const char *prog)
{
	const struct llm_params *p = o->llm;

	memset(pr, 0, sizeof(*pr));
	pr->o = o;
	pr->prog = prog;
	pr->start = pr->reported = seconds();
	if (scenario_for(p->scenario, p->scenario_file, &pr->scenario,
	    pr->err, sizeof(pr->err)) != 0) {
		msg(pr->prog, "%s", pr->err);
		return EX_CONFIG;
	}
	if (entries_init(&pr->es, o->key) != 0)
		return msg_oom(pr->prog, NULL);
	if (o->shard_n > pr->es.total)
		return cli_usage_error(pr->prog, "--shard K/N: N is larger than "
		    "the number of "
		    "entries", NULL);
	for (long i = 0; i < pr->es.total; i++)
		pr->selected += selected(pr, i);
	if (fill_header(pr) != 0)
		return msg_oom(pr->prog, NULL);
	/* Ollama's native API has log-probs too (0.12.11) */
	set_method(pr, o->method);
	if ((pr->ask = new_client(pr, 0)) == NULL)
		return EX_CONFIG;
	if (pr->method != TABLE_SAMPLES && (pr->lp = new_client(pr, 1)) == NULL)
		return EX_CONFIG;
	return 0;
}

static void
probe_free(struct probe *pr)
{
	if (pr->partial != NULL)
		fclose(pr->partial);
	llm_client_free(pr->ask);
	llm_client_free(pr->lp);
	entries_free(&pr->es);
	table_header_free(&pr->h);
	scenario_free(&pr->scenario);
}

/* A header read back from FILE.partial must be this probe's. */
static int
adopt_header(struct probe *pr, const struct table_header *h)
{
	const char *field;

	if (pr->method == PROBE_METHOD_AUTO)
		set_method(pr, h->method);
	if ((field = table_header_differs(&pr->h, h)) == NULL &&
	    h->entries == pr->h.entries && h->shard_k == pr->h.shard_k &&
	    h->shard_n == pr->h.shard_n)
		return 0;
	msg(pr->prog, "%s was probed with another %s; use the same "
	    "flags to resume it, or remove it to start over",
	    pr->partial_path, field ? field : "--shard");
	return EX_USAGE;
}

/*
 * Takes the complete lines of FILE.partial; a line cut short by a kill,
 * and anything after it, is dropped.  *end is where the good part ends.
 */
static int
read_partial(struct probe *pr, off_t *end)
{
	struct table_header h;
	char *line = NULL, err[512];
	size_t cap = 0;
	ssize_t n;
	int rc = 0, ok = 1;

	*end = 0;
	while (rc == 0 && ok && (n = lines_get(&line, &cap, pr->partial,
	    LINES_TABLE_MAX)) > 0 &&
	    line[n - 1] == '\n') {
		line[n - 1] = '\0';
		if (pr->header_written) {
			ok = entries_take(&pr->es, line, pr->h.shard_k,
			    pr->h.shard_n, err, sizeof(err)) == 0;
		} else if (table_header_read(line, &h, err, sizeof(err)) != 0) {
			msg(pr->prog, "%s: line 1: %s",
			    pr->partial_path, err);
			rc = EX_DATAERR;
		} else {
			rc = adopt_header(pr, &h);
			table_header_free(&h);
			pr->header_written = rc == 0;
		}
		if (rc == 0 && ok)
			*end += n;
	}
	free(line);
	if (rc == 0 && ferror(pr->partial)) {
		msg(pr->prog, "cannot read %s: %s", pr->partial_path,
		    strerror(errno));
		rc = EX_NOINPUT;
	}
	return rc;
}

static int
partial_error(struct probe *pr, const char *what)
{
	int e = errno;

	msg(pr->prog, "cannot %s %s: %s", what, pr->partial_path,
	    strerror(e));
	return strcmp(what, "write") == 0 ? EX_IOERR : io_status(e);
}

/* FILE.partial, locked against a second simprobe, read back on --resume. */
static int
open_partial(struct probe *pr)
{
	off_t end;
	int fd, rc;

	if (pr->o->output == NULL)
		return 0;
	snprintf(pr->partial_path, sizeof(pr->partial_path), "%s.partial",
	    pr->o->output);
	if (!pr->o->resume && access(pr->partial_path, F_OK) == 0) {
		msg(pr->prog, "%s is there from an interrupted probe; "
		    "add --resume to go on with it, or remove it",
		    pr->partial_path);
		return EX_CANTCREAT;
	}
	if ((fd = open(pr->partial_path, O_RDWR | O_CREAT | O_CLOEXEC,
	    0644)) < 0)
		return partial_error(pr, "create");
	if ((pr->partial = fdopen(fd, "r+")) == NULL) {
		close(fd);
		return partial_error(pr, "open");
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		msg(pr->prog, "%s is in use by another simprobe",
		    pr->partial_path);
		return EX_CANTCREAT;
	}
	if ((rc = read_partial(pr, &end)) != 0)
		return rc;
	if (pr->es.filled > 0)
		msg(pr->prog, "%ld of %ld entries are in %s already",
		    pr->es.filled, pr->selected, pr->partial_path);
	if (ftruncate(fd, end) != 0 || fseeko(pr->partial, end, SEEK_SET) != 0)
		return partial_error(pr, "truncate");
	return 0;
}

static void
progress(struct probe *pr, int last)
{
	double now = seconds();

	if (!last && now - pr->reported < PROGRESS_S)
		return;
	pr->reported = now;
	msg(pr->prog, "%ld/%ld entries, %.1f s", pr->es.filled,
	    pr->selected, now - pr->start);
}

static uint32_t
probe_seed(const struct probe *pr, int group, long j, int sample)
{
	return (uint32_t)(rng_key(pr->o->seed, (uint64_t)j,
	    (uint64_t)sample, (uint64_t)group, RNG_PROBE) & 0x7fffffff);
}

static int
failure(enum llm_result res)
{
	return res == LLM_REFUSED ? EX_UNAVAILABLE : EX_TEMPFAIL;
}

/* 0 with e filled, -1 to fall back to samples, or an exit status. */
static int
by_logprobs(struct probe *pr, const char *prompt, int group, long j,
    struct table_entry *e)
{
	struct llm_reply reply;
	enum llm_result res;
	double mass[2];
	int carried;

	res = llm_ask_logprobs(pr->lp, prompt, probe_seed(pr, group, j, 0),
	    mass, &carried, &reply, &pr->stats, pr->err, sizeof(pr->err));
	if (res == LLM_REFUSED && pr->method == PROBE_METHOD_AUTO) {
		msg(pr->prog, "a request with logprobs was refused "
		    "(%s); probing by samples", pr->err);
		set_method(pr, TABLE_SAMPLES);
		return -1;
	}
	if (res != LLM_OK)
		return failure(res);
	if (pr->method == PROBE_METHOD_AUTO) {
		if (!carried)
			msg(pr->prog, "the server returns no "
			    "logprobs; probing by samples");
		set_method(pr, carried ? TABLE_LOGPROBS : TABLE_SAMPLES);
	}
	if (mass[LLM_MOVE] + mass[LLM_STAY] <= 0)
		return -1;
	e->p_move = e->lo = e->hi = mass[LLM_MOVE] /
	    (mass[LLM_MOVE] + mass[LLM_STAY]);
	e->n = 1;
	e->moves = reply.answer == LLM_MOVE;
	e->unparsed = reply.answer == LLM_UNPARSED;
	return 0;
}

/* An unparseable answer counts as STAY, as in live runs. */
static int
by_samples(struct probe *pr, const char *prompt, int group, long j,
    struct table_entry *e)
{
	struct llm_reply reply;
	enum llm_result res;
	int n = pr->o->samples;

	e->n = n;
	e->moves = e->unparsed = 0;
	for (int i = 0; i < n; i++) {
		res = llm_ask(pr->ask, prompt, probe_seed(pr, group, j, i),
		    &reply, &pr->stats, pr->err, sizeof(pr->err));
		if (res != LLM_OK)
			return failure(res);
		e->moves += reply.answer == LLM_MOVE;
		e->unparsed += reply.answer == LLM_UNPARSED;
	}
	e->p_move = (double)e->moves / n;
	table_wilson(e->moves, n, &e->lo, &e->hi);
	return 0;
}

static int
probe_entry(struct probe *pr, long i, struct table_entry *e)
{
	int group = i >= pr->es.per_group;
	long j = i % pr->es.per_group;
	char context[CONTEXT_LEN + 1], *prompt;
	int rc = -1;

	e->group = group;
	e->slot = pr->es.slots[j];
	table_context(table_slot_code(pr->es.key, e->slot), context);
	if ((prompt = scenario_prompt(&pr->scenario, group, context)) == NULL)
		return msg_oom(pr->prog, NULL);
	e->method = TABLE_LOGPROBS;
	if (pr->method != TABLE_SAMPLES && (rc = by_logprobs(pr, prompt, group,
	    j, e)) == -1)
		pr->h.fallbacks++;
	if (rc == -1) {
		e->method = TABLE_SAMPLES;
		rc = by_samples(pr, prompt, group, j, e);
	}
	free(prompt);
	return rc;
}

/* The entry is kept, and on disk before the next request goes out. */
static int
save_entry(struct probe *pr, long i, const struct table_entry *e)
{
	if (entries_put(&pr->es, i, e) != 0)
		return msg_oom(pr->prog, NULL);
	if (pr->partial == NULL)
		return 0;
	if (!pr->header_written) {
		jw_reset(&pr->es.w);
		table_header_put(&pr->es.w, &pr->h);
		if (jw_write_line(&pr->es.w, pr->partial) != 0)
			return partial_error(pr, "write");
		pr->header_written = 1;
	}
	if (fputs(pr->es.line[i], pr->partial) == EOF ||
	    putc('\n', pr->partial) == EOF || fflush(pr->partial) != 0)
		return partial_error(pr, "write");
	return 0;
}

static int
probe_entries(struct probe *pr)
{
	struct table_entry e;
	char what[96];
	int rc = 0;

	for (long i = 0; i < pr->es.total && rc == 0; i++) {
		if (!selected(pr, i) || pr->es.line[i] != NULL)
			continue;
		if ((rc = probe_entry(pr, i, &e)) == 0)
			rc = save_entry(pr, i, &e);
		else if (rc == EX_UNAVAILABLE || rc == EX_TEMPFAIL) {
			entries_describe(&pr->es, i, what, sizeof(what));
			msg(pr->prog, "%s: %s", what, pr->err);
		}
		progress(pr, 0);
	}
	if (rc != 0 && pr->partial != NULL && pr->es.filled > 0)
		msg(pr->prog, "%ld entries are kept in %s; go on with "
		    "--resume", pr->es.filled, pr->partial_path);
	return rc;
}

static int
finish(struct probe *pr)
{
	int rc;

	progress(pr, 1);
	if (pr->method == PROBE_METHOD_AUTO)
		set_method(pr, TABLE_LOGPROBS);
	free(pr->h.created);
	if ((pr->h.created = probe_utc_now()) == NULL)
		return msg_oom(pr->prog, NULL);
	if ((rc = entries_save(&pr->es, &pr->h, pr->o->output, pr->prog)) != 0 ||
	    pr->partial == NULL)
		return rc;
	if (unlink(pr->partial_path) != 0)
		return partial_error(pr, "remove");
	return 0;
}

int
probe_run(const struct probe_options *o, const char *prog)
{
	struct probe pr;
	int rc;

	if ((rc = probe_init(&pr, o, prog)) == 0 && (rc = open_partial(&pr)) == 0 &&
	    (rc = probe_entries(&pr)) == 0)
		rc = finish(&pr);
	probe_free(&pr);
	return rc;
}
