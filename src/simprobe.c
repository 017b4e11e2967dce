/*
 * simprobe: ask an LLM once for every neighbourhood an agent can see and
 * write its P(MOVE) as a decision table (JSON Lines) for simrun --agent
 * table.  Finished entries go to FILE.partial one line at a time, so a
 * killed probe loses at most the entry in flight and --resume goes on.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "io/atomicfile.h"
#include "io/iostatus.h"
#include "cli/cli.h"
#include "config/flags.h"
#include "io/lines.h"
#include "io/jsonw.h"
#include "llm/llm.h"
#include "config/params.h"
#include "param/number.h"
#include "model/rng.h"
#include "llm/scenario.h"
#include "table/table.h"

#define PROG "simprobe"
#define METHOD_AUTO (-1)
#define PROGRESS_S 2.0

enum {
	OPT_KEY = 256,
	OPT_METHOD,
	OPT_SAMPLES,
	OPT_SHARD,
	OPT_OUTPUT,
	OPT_RESUME,
	OPT_MERGE
};

struct options {
	struct sim_params params;
	int key;                   /* enum table_key */
	int method;                /* enum table_method or METHOD_AUTO */
	int samples;
	int shard_k, shard_n;      /* shard_n 0: every entry */
	const char *output;        /* NULL: stdout */
	int resume;
	int merge;
	char **files;              /* --merge: the shard files */
	int nfiles;
};

/* The entries of one table in table order, as the lines they print as. */
struct entries {
	int key;
	int per_group;
	int slots[TABLE_CONTEXTS];
	long total;
	long filled;
	char **line;               /* [total], NULL until known */
	struct jw w;
};

struct probe {
	const struct options *o;
	struct scenario scenario;
	struct table_header h;
	int method;                /* METHOD_AUTO until the first reply */
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

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " [--config FILE] [simrun LLM parameter flags]\n"
	    "                [--key context|composition]\n"
	    "                [--method auto|logprobs|samples] [--samples N]\n"
	    "                [--shard K/N] [--output FILE [--resume]]\n"
	    "       " PROG " --merge [--output FILE] SHARD...\n"
	    "\n"
	    "Asks the LLM (--scenario, --llm-url, --llm-model, ... as simrun)\n"
	    "for P(MOVE) in every neighbourhood an agent can see, for both\n"
	    "groups, and writes a decision table for simrun --agent table.\n"
	    "\n"
	    "  --key KEY          context (default): each 3x3 context, 7641 per\n"
	    "                     group; composition: each (same, occupied)\n"
	    "                     count of neighbours, 45 per group\n"
	    "  --method M         logprobs: one request per entry, P(MOVE) from\n"
	    "                     the reply's top logprobs (OpenAI API only);\n"
	    "                     samples: --samples requests per entry;\n"
	    "                     auto (default): logprobs if the server gives them\n"
	    "  --samples N        requests per entry for samples (default 20)\n"
	    "  --shard K/N        probe only entries K, K+N, K+2N, ... (0 <= K < N)\n"
	    "  --output FILE      write FILE (finished entries wait in\n"
	    "                     FILE.partial) instead of stdout\n"
	    "  --resume           go on from FILE.partial of an interrupted probe\n"
	    "  --merge            merge the shard files given into one table\n"
	    "  -h, --help         print this help and exit\n"
	    "  -V, --version      print the version and exit\n");
}

static const struct option own_options[] = {
	{ "key", required_argument, NULL, OPT_KEY },
	{ "method", required_argument, NULL, OPT_METHOD },
	{ "samples", required_argument, NULL, OPT_SAMPLES },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "resume", no_argument, NULL, OPT_RESUME },
	{ "merge", no_argument, NULL, OPT_MERGE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
};

static int
usage_error(const char *what, const char *arg)
{
	return cli_usage_error(PROG, what, arg);
}

static int
take_shard(struct options *o, const char *arg)
{
	const char *slash = strchr(arg, '/');
	char k[32];
	long kv, nv;

	if (slash == NULL || (size_t)(slash - arg) >= sizeof(k))
		return usage_error("--shard wants K/N with 0 <= K < N, not", arg);
	memcpy(k, arg, (size_t)(slash - arg));
	k[slash - arg] = '\0';
	if (parse_long_range(slash + 1, 1, 1000000, &nv) != 0 ||
	    parse_long_range(k, 0, nv - 1, &kv) != 0)
		return usage_error("--shard wants K/N with 0 <= K < N, not", arg);
	o->shard_k = (int)kv;
	o->shard_n = (int)nv;
	return 0;
}

static int
take_option(void *options, int c, char *arg)
{
	struct options *o = options;
	long n;

	switch (c) {
	case OPT_KEY:
		if ((o->key = table_key_parse(arg)) < 0)
			return usage_error("--key wants context or composition, "
			    "not", arg);
		return 0;
	case OPT_METHOD:
		if (strcmp(arg, "auto") == 0)
			o->method = METHOD_AUTO;
		else if (strcmp(arg, "logprobs") == 0)
			o->method = TABLE_LOGPROBS;
		else if (strcmp(arg, "samples") == 0)
			o->method = TABLE_SAMPLES;
		else
			return usage_error("--method wants auto, logprobs or "
			    "samples, not", arg);
		return 0;
	case OPT_SAMPLES:
		if (parse_long_range(arg, 1, 100000, &n) != 0)
			return usage_error("--samples wants a whole number from 1 "
			    "to 100000, not", arg);
		o->samples = (int)n;
		return 0;
	case OPT_SHARD:
		return take_shard(o, arg);
	case OPT_OUTPUT:
		o->output = arg;
		return 0;
	case OPT_RESUME:
		o->resume = 1;
		return 0;
	case OPT_MERGE:
		o->merge = 1;
		return 0;
	}
	return cli_usage_error(PROG, "unhandled option", NULL);
}

static int
check_options(struct options *o, int argc, char **argv)
{
	o->files = argv + optind;
	o->nfiles = argc - optind;
	if (o->merge) {
		if (o->nfiles == 0)
			return usage_error("--merge wants the shard files", NULL);
		if (o->resume || o->shard_n > 0)
			return usage_error("--merge takes no --resume or --shard",
			    NULL);
		return 0;
	}
	if (o->nfiles > 0)
		return usage_error("unexpected argument", argv[optind]);
	if (o->resume && o->output == NULL)
		return usage_error("--resume needs --output FILE", NULL);
	return 0;
}

/* Returns -1 when --help or --version was served, else an exit status. */
static int
parse_args(int argc, char **argv, struct options *o)
{
	struct flags f;
	int rc;

	rc = flags_read(&f, PROG, own_options, sizeof(own_options) /
	    sizeof(own_options[0]), usage, take_option, o, argc, argv);
	if (rc == 0)
		rc = flags_apply(&f, &o->params);
	if (rc == 0)
		rc = check_options(o, argc, argv);
	flags_free(&f);
	return rc;
}

static double
seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
utc_now(void)
{
	char stamp[32];
	time_t now = time(NULL);

	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	return strdup(stamp);
}

static int
out_of_memory(void)
{
	fprintf(stderr, PROG ": out of memory\n");
	return EX_OSERR;
}

/* ------------------------------------------------------------- entries */

static int
entries_init(struct entries *es, int key)
{
	memset(es, 0, sizeof(*es));
	jw_init(&es->w);
	es->key = key;
	es->per_group = table_slots(key, es->slots);
	es->total = 2L * es->per_group;
	es->line = calloc((size_t)es->total, sizeof(char *));
	return es->line == NULL ? -1 : 0;
}

static void
entries_free(struct entries *es)
{
	for (long i = 0; es->line != NULL && i < es->total; i++)
		free(es->line[i]);
	free(es->line);
	jw_free(&es->w);
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The entry's place in the table. */
static long
entries_index(const struct entries *es, const struct table_entry *e)
{
	const int *at = bsearch(&e->slot, es->slots, (size_t)es->per_group,
	    sizeof(int), cmp_int);

	return (long)e->group * es->per_group + (at - es->slots);
}

static void
entries_describe(const struct entries *es, long i, char *out, size_t len)
{
	int slot = es->slots[i % es->per_group], same, occupied;
	char context[CONTEXT_LEN + 1];

	if (es->key == TABLE_KEY_CONTEXT) {
		table_context(slot, context);
		for (char *c = context; *c; c++)
			if (*c == '\n')
				*c = '|';
		snprintf(out, len, "group %c context %s", "AB"[i >=
		    es->per_group], context);
	} else {
		table_composition(slot, &same, &occupied);
		snprintf(out, len, "group %c same %d occupied %d", "AB"[i >=
		    es->per_group], same, occupied);
	}
}

static int
entries_put(struct entries *es, long i, const struct table_entry *e)
{
	size_t len;
	const char *text;

	jw_reset(&es->w);
	table_entry_put(&es->w, es->key, e);
	if ((text = jw_text(&es->w, &len)) == NULL ||
	    (es->line[i] = strdup(text)) == NULL)
		return -1;
	es->filled++;
	return 0;
}

/* Places a line of shard k/n (n 0: any entry); 0, or -1 with err. */
static int
entries_take(struct entries *es, const char *line, int k, int n, char *err,
    size_t errlen)
{
	struct table_entry e;
	char what[96];
	long i;

	if (table_entry_read(line, es->key, &e, err, errlen) != 0)
		return -1;
	i = entries_index(es, &e);
	entries_describe(es, i, what, sizeof(what));
	if (n > 0 && i % n != k) {
		snprintf(err, errlen, "%s is not in shard %d/%d", what, k, n);
		return -1;
	}
	if (es->line[i] != NULL) {
		snprintf(err, errlen, "a second entry for %s", what);
		return -1;
	}
	if (entries_put(es, i, &e) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* The header, then the entries of shard k/n that are there, in order. */
static int
entries_write(struct entries *es, const struct table_header *h, FILE *f)
{
	int failed;

	jw_reset(&es->w);
	table_header_put(&es->w, h);
	failed = jw_write_line(&es->w, f) != 0;
	for (long i = 0; i < es->total && !failed; i++)
		if (es->line[i] != NULL)
			failed = fputs(es->line[i], f) == EOF ||
			    putc('\n', f) == EOF;
	return failed ? -1 : 0;
}

static int
write_output(struct entries *es, const struct table_header *h,
    const char *path)
{
	struct atomic_file file;
	int e;

	if (path == NULL) {
		if (entries_write(es, h, stdout) == 0 && fflush(stdout) == 0)
			return 0;
		fprintf(stderr, PROG ": writing the table: %s\n",
		    strerror(errno));
		return EX_IOERR;
	}
	if (atomic_open(&file, path) != 0) {
		fprintf(stderr, PROG ": cannot create %s: %s\n", path,
		    strerror(errno));
		return EX_CANTCREAT;
	}
	if (entries_write(es, h, file.f) == 0 && atomic_commit(&file) == 0)
		return 0;
	e = errno;
	fprintf(stderr, PROG ": cannot write %s: %s\n", path, strerror(e));
	atomic_abort(&file);
	return io_status(e);
}

/* The first field two headers of one table disagree on, or NULL. */
static const char *
header_differs(const struct table_header *a, const struct table_header *b)
{
	if (strcmp(a->scenario, b->scenario) != 0)
		return "scenario";
	if (strcmp(a->type_a, b->type_a) != 0 ||
	    strcmp(a->type_b, b->type_b) != 0)
		return "type_a/type_b";
	if (strcmp(a->prompt_hash, b->prompt_hash) != 0)
		return "prompt_template_fnv1a64";
	if (strcmp(a->model, b->model) != 0)
		return "model";
	if (strcmp(a->url, b->url) != 0 || a->api != b->api)
		return "url/api";
	if (a->temperature != b->temperature)
		return "temperature";
	if (a->max_tokens != b->max_tokens)
		return "max_tokens";
	if (a->method != b->method || a->samples != b->samples)
		return "method/samples";
	if (a->seed != b->seed)
		return "seed";
	if (a->key != b->key)
		return "key";
	return NULL;
}

/* --------------------------------------------------------------- merge */

struct shard_file {
	const char *path;
	struct table_header h;
};

static int
merge_error(const char *path, long line, const char *problem)
{
	if (line > 0)
		fprintf(stderr, PROG ": %s: line %ld: %s\n", path, line, problem);
	else
		fprintf(stderr, PROG ": %s: %s\n", path, problem);
	return EX_DATAERR;
}

/* A shard's header must fit the first one's, and its K must be new. */
static int
check_shard(const struct shard_file *s, int i, int count, char *err,
    size_t errlen)
{
	const struct table_header *h = &s[i].h;
	const char *field;

	if (h->shard_n == 0)
		snprintf(err, errlen, "not a shard (its header has no "
		    "\"shard\")");
	else if (h->shard_n != count)
		snprintf(err, errlen, "shard %d/%d, but %d files are merged",
		    h->shard_k, h->shard_n, count);
	else if ((field = header_differs(&s[0].h, h)) != NULL)
		snprintf(err, errlen, "its %s differs from that of %s", field,
		    s[0].path);
	else {
		for (int j = 0; j < i; j++)
			if (s[j].h.shard_k == h->shard_k) {
				snprintf(err, errlen, "shard %d/%d again (also "
				    "%s)", h->shard_k, count, s[j].path);
				return -1;
			}
		return 0;
	}
	return -1;
}

static int
take_shard_header(struct shard_file *s, int i, int count, struct entries *es,
    const char *line, char *err, size_t errlen)
{
	if (table_header_read(line, &s[i].h, err, errlen) != 0 ||
	    check_shard(s, i, count, err, errlen) != 0)
		return -1;
	if (i == 0 && entries_init(es, s[i].h.key) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* Reads shard i's header into s[i] and its entries into es. */
static int
read_shard(struct shard_file *shards, int i, int count, struct entries *es)
{
	struct shard_file *s = &shards[i];
	char *line = NULL, err[512];
	size_t cap = 0;
	ssize_t n;
	long lineno = 0, before = es->filled;
	FILE *f = fopen(s->path, "r");
	int rc = 0;

	if (f == NULL) {
		fprintf(stderr, PROG ": cannot read %s: %s\n", s->path,
		    strerror(errno));
		return EX_NOINPUT;
	}
	while (rc == 0 && (n = lines_get(&line, &cap, f, LINES_TABLE_MAX)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		rc = ++lineno == 1 ? take_shard_header(shards, i, count, es,
		    line, err, sizeof(err)) : entries_take(es, line,
		    s->h.shard_k, s->h.shard_n, err, sizeof(err));
	}
	free(line);
	if (rc != 0)
		rc = merge_error(s->path, lineno, err);
	else if (n == -2)
		rc = merge_error(s->path, lineno + 1, "a line longer than 1 MiB; "
		    "is this a shard simprobe wrote?");
	else if (ferror(f))
		rc = merge_error(s->path, 0, "read error");
	else if (lineno == 0)
		rc = merge_error(s->path, 0, "empty file");
	else if (es->filled - before != s->h.entries) {
		snprintf(err, sizeof(err), "the header says %ld entries, the "
		    "file has %ld", s->h.entries, es->filled - before);
		rc = merge_error(s->path, 0, err);
	}
	fclose(f);
	return rc;
}

static int
check_gaps(const struct entries *es)
{
	char what[96];

	for (long i = 0; i < es->total; i++)
		if (es->line[i] == NULL) {
			entries_describe(es, i, what, sizeof(what));
			fprintf(stderr, PROG ": the shards have no entry for %s\n",
			    what);
			return EX_DATAERR;
		}
	return 0;
}

/* Into one table; the shards must agree and cover every entry once. */
static int
merge(const struct options *o)
{
	struct shard_file *s = calloc((size_t)o->nfiles, sizeof(*s));
	struct table_header h;
	struct entries es;
	int rc = 0;

	memset(&es, 0, sizeof(es));
	if (s == NULL)
		return out_of_memory();
	for (int i = 0; i < o->nfiles && rc == 0; i++) {
		s[i].path = o->files[i];
		rc = read_shard(s, i, o->nfiles, &es);
	}
	if (rc == 0)
		rc = check_gaps(&es);
	if (rc == 0) {
		h = s[0].h;
		h.shard_k = h.shard_n = 0;
		h.entries = es.total;
		if ((h.created = utc_now()) == NULL)
			rc = out_of_memory();
		else
			rc = write_output(&es, &h, o->output);
		free(h.created);
	}
	for (int i = 0; i < o->nfiles; i++)
		table_header_free(&s[i].h);
	free(s);
	entries_free(&es);
	return rc;
}

/* --------------------------------------------------------------- probe */

static struct llm_client *
new_client(const struct sim_params *p, int logprobs)
{
	struct llm_config cfg;
	struct llm_client *c;
	char err[512], *key;

	llm_config_from(&cfg, &p->llm);
	cfg.logprobs = logprobs;
	if (llm_read_key(p->llm.llm_api_key_file, &key, err, sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return NULL;
	}
	cfg.api_key = key;
	if ((c = llm_client_new(&cfg, err, sizeof(err))) == NULL)
		fprintf(stderr, PROG ": %s\n", err);
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
	const struct sim_params *p = &pr->o->params;
	struct table_header *h = &pr->h;
	const struct scenario *s = &pr->scenario;

	h->scenario = strdup(s->name);
	h->type_a = strdup(s->type_a);
	h->type_b = strdup(s->type_b);
	snprintf(h->prompt_hash, sizeof(h->prompt_hash), "%016" PRIx64,
	    fnv1a64(s->prompt_template));
	h->model = strdup(p->llm.llm_model);
	h->url = strdup(llm_params_url(&p->llm));
	h->api = p->llm.llm_api;
	h->temperature = p->llm.temperature;
	h->max_tokens = p->llm.max_tokens;
	h->seed = p->model.seed;
	h->key = pr->o->key;
	h->entries = pr->selected;
	h->fallbacks = 0;
	h->shard_k = pr->o->shard_k;
	h->shard_n = pr->o->shard_n > 1 ? pr->o->shard_n : 0;
	h->created = utc_now();
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
probe_init(struct probe *pr, const struct options *o)
{
	const struct sim_params *p = &o->params;

	memset(pr, 0, sizeof(*pr));
	pr->o = o;
	pr->start = pr->reported = seconds();
	if (scenario_for(p->llm.scenario, p->llm.scenario_file, &pr->scenario,
	    pr->err, sizeof(pr->err)) != 0) {
		fprintf(stderr, PROG ": %s\n", pr->err);
		return EX_CONFIG;
	}
	if (entries_init(&pr->es, o->key) != 0)
		return out_of_memory();
	if (o->shard_n > pr->es.total)
		return usage_error("--shard K/N: N is larger than the number of "
		    "entries", NULL);
	for (long i = 0; i < pr->es.total; i++)
		pr->selected += selected(pr, i);
	if (fill_header(pr) != 0)
		return out_of_memory();
	/* Ollama's native API has log-probs too (0.12.11) */
	set_method(pr, o->method);
	if ((pr->ask = new_client(p, 0)) == NULL)
		return EX_CONFIG;
	if (pr->method != TABLE_SAMPLES && (pr->lp = new_client(p, 1)) == NULL)
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

	if (pr->method == METHOD_AUTO)
		set_method(pr, h->method);
	if ((field = header_differs(&pr->h, h)) == NULL &&
	    h->entries == pr->h.entries && h->shard_k == pr->h.shard_k &&
	    h->shard_n == pr->h.shard_n)
		return 0;
	fprintf(stderr, PROG ": %s was probed with another %s; use the same "
	    "flags to resume it, or remove it to start over\n",
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
			fprintf(stderr, PROG ": %s: line 1: %s\n",
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
		fprintf(stderr, PROG ": cannot read %s: %s\n", pr->partial_path,
		    strerror(errno));
		rc = EX_NOINPUT;
	}
	return rc;
}

static int
partial_error(struct probe *pr, const char *what)
{
	int e = errno;

	fprintf(stderr, PROG ": cannot %s %s: %s\n", what, pr->partial_path,
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
		fprintf(stderr, PROG ": %s is there from an interrupted probe; "
		    "add --resume to go on with it, or remove it\n",
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
		fprintf(stderr, PROG ": %s is in use by another simprobe\n",
		    pr->partial_path);
		return EX_CANTCREAT;
	}
	if ((rc = read_partial(pr, &end)) != 0)
		return rc;
	if (pr->es.filled > 0)
		fprintf(stderr, PROG ": %ld of %ld entries are in %s already\n",
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
	fprintf(stderr, PROG ": %ld/%ld entries, %.1f s\n", pr->es.filled,
	    pr->selected, now - pr->start);
}

static uint32_t
probe_seed(const struct probe *pr, int group, long j, int sample)
{
	return (uint32_t)(rng_key(pr->o->params.model.seed, (uint64_t)j,
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
	if (res == LLM_REFUSED && pr->method == METHOD_AUTO) {
		fprintf(stderr, PROG ": a request with logprobs was refused "
		    "(%s); probing by samples\n", pr->err);
		set_method(pr, TABLE_SAMPLES);
		return -1;
	}
	if (res != LLM_OK)
		return failure(res);
	if (pr->method == METHOD_AUTO) {
		if (!carried)
			fprintf(stderr, PROG ": the server returns no "
			    "logprobs; probing by samples\n");
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
		return out_of_memory();
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
		return out_of_memory();
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
			fprintf(stderr, PROG ": %s: %s\n", what, pr->err);
		}
		progress(pr, 0);
	}
	if (rc != 0 && pr->partial != NULL && pr->es.filled > 0)
		fprintf(stderr, PROG ": %ld entries are kept in %s; go on with "
		    "--resume\n", pr->es.filled, pr->partial_path);
	return rc;
}

static int
finish(struct probe *pr)
{
	int rc;

	progress(pr, 1);
	if (pr->method == METHOD_AUTO)
		set_method(pr, TABLE_LOGPROBS);
	free(pr->h.created);
	if ((pr->h.created = utc_now()) == NULL)
		return out_of_memory();
	if ((rc = write_output(&pr->es, &pr->h, pr->o->output)) != 0 ||
	    pr->partial == NULL)
		return rc;
	if (unlink(pr->partial_path) != 0)
		return partial_error(pr, "remove");
	return 0;
}

static int
probe_all(const struct options *o)
{
	struct probe pr;
	int rc;

	if ((rc = probe_init(&pr, o)) == 0 && (rc = open_partial(&pr)) == 0 &&
	    (rc = probe_entries(&pr)) == 0)
		rc = finish(&pr);
	probe_free(&pr);
	return rc;
}

int
main(int argc, char **argv)
{
	struct options o = { .key = TABLE_KEY_CONTEXT, .method = METHOD_AUTO,
	    .samples = 20 };
	int rc;

	io_sigpipe_default();
	params_defaults(&o.params);
	if ((rc = parse_args(argc, argv, &o)) == 0)
		rc = o.merge ? merge(&o) : probe_all(&o);
	if (rc == -1)
		rc = 0;
	if (fclose(stdout) != 0 && rc == 0) {
		perror(PROG ": writing the table");
		rc = EX_IOERR;
	}
	return rc;
}
