/* Merging the shards of a decision table into one (see merge.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "io/lines.h"
#include "io/msg.h"
#include "probe/entries.h"
#include "probe/merge.h"

struct shard_file {
	const char *path;
	struct table_header h;
};

static int
merge_error(const char *prog, const char *path, long line,
    const char *problem)
{
	if (line > 0)
		msg(prog, "%s: line %ld: %s", path, line, problem);
	else
		msg(prog, "%s: %s", path, problem);
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
	else if ((field = table_header_differs(&s[0].h, h)) != NULL)
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
read_shard(struct shard_file *shards, int i, int count, struct entries *es,
    const char *prog)
{
	struct shard_file *s = &shards[i];
	char *line = NULL, err[512];
	size_t cap = 0;
	ssize_t n;
	long lineno = 0, before = es->filled;
	FILE *f = fopen(s->path, "r");
	int rc = 0;

	if (f == NULL) {
		msg(prog, "cannot read %s: %s", s->path,
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
		rc = merge_error(prog, s->path, lineno, err);
	else if (n == -2)
		rc = merge_error(prog, s->path, lineno + 1, "a line longer than 1 MiB; "
		    "is this a shard simprobe wrote?");
	else if (ferror(f))
		rc = merge_error(prog, s->path, 0, "read error");
	else if (lineno == 0)
		rc = merge_error(prog, s->path, 0, "empty file");
	else if (es->filled - before != s->h.entries) {
		snprintf(err, sizeof(err), "the header says %ld entries, the "
		    "file has %ld", s->h.entries, es->filled - before);
		rc = merge_error(prog, s->path, 0, err);
	}
	fclose(f);
	return rc;
}

static int
check_gaps(const struct entries *es, const char *prog)
{
	char what[96];

	for (long i = 0; i < es->total; i++)
		if (es->line[i] == NULL) {
			entries_describe(es, i, what, sizeof(what));
			msg(prog, "the shards have no entry for %s",
			    what);
			return EX_DATAERR;
		}
	return 0;
}

/* Into one table; the shards must agree and cover every entry once. */
int
probe_merge(char **files, int nfiles, const char *output, const char *prog)
{
	struct shard_file *s = calloc((size_t)nfiles, sizeof(*s));
	struct table_header h;
	struct entries es;
	int rc = 0;

	memset(&es, 0, sizeof(es));
	if (s == NULL)
		return msg_oom(prog, NULL);
	for (int i = 0; i < nfiles && rc == 0; i++) {
		s[i].path = files[i];
		rc = read_shard(s, i, nfiles, &es, prog);
	}
	if (rc == 0)
		rc = check_gaps(&es, prog);
	if (rc == 0) {
		h = s[0].h;
		h.shard_k = h.shard_n = 0;
		h.entries = es.total;
		if ((h.created = probe_utc_now()) == NULL)
			rc = msg_oom(prog, NULL);
		else
			rc = entries_save(&es, &h, output, prog);
		free(h.created);
	}
	for (int i = 0; i < nfiles; i++)
		table_header_free(&s[i].h);
	free(s);
	entries_free(&es);
	return rc;
}
