/* The entries of a decision table being made (see entries.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "io/atomicfile.h"
#include "io/iostatus.h"
#include "io/msg.h"
#include "probe/entries.h"

char *
probe_utc_now(void)
{
	char stamp[32];
	time_t now = time(NULL);

	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	return strdup(stamp);
}

int
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

void
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
long
entries_index(const struct entries *es, const struct table_entry *e)
{
	const int *at = bsearch(&e->slot, es->slots, (size_t)es->per_group,
	    sizeof(int), cmp_int);

	return (long)e->group * es->per_group + (at - es->slots);
}

void
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

int
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
int
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
int
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

int
entries_save(struct entries *es, const struct table_header *h,
    const char *path, const char *prog)
{
	struct atomic_file file;
	int e;

	if (path == NULL) {
		if (entries_write(es, h, stdout) == 0 && fflush(stdout) == 0)
			return 0;
		msg(prog, "writing the table: %s",
		    strerror(errno));
		return EX_IOERR;
	}
	if (atomic_open(&file, path) != 0) {
		msg(prog, "cannot create %s: %s", path,
		    strerror(errno));
		return EX_CANTCREAT;
	}
	if (entries_write(es, h, file.f) == 0 && atomic_commit(&file) == 0)
		return 0;
	e = errno;
	msg(prog, "cannot write %s: %s", path, strerror(e));
	atomic_abort(&file);
	return io_status(e);
}
