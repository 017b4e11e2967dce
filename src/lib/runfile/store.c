/* The layouts of runs/: run files and shards (see store.h). */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include <jansson.h>

#include "io/msg.h"
#include "runfile/store.h"

/* An index line longer than this is no index simrun wrote (a shard of a
 * million runs has one of about 20 MB). */
#define INDEX_MAX ((long long)64 << 20)

int
shard_path(char *buf, size_t len, const char *dir, long long first,
    long long last)
{
	int n = snprintf(buf, len, "%s/shard_%lld-%lld.jsonl", dir, first, last);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

void
shard_put_index(struct jw *w, const long long *ids, const long long *offsets,
    size_t n, long long size)
{
	jw_object_begin(w);
	jw_kv_string(w, "event", "index");
	jw_kv_int(w, "runs", (long long)n);
	jw_kv_int(w, "size", size);
	jw_key(w, "run_ids");
	jw_array_begin(w);
	for (size_t i = 0; i < n; i++)
		jw_int(w, ids[i]);
	jw_array_end(w);
	jw_key(w, "offsets");
	jw_array_begin(w);
	for (size_t i = 0; i < n; i++)
		jw_int(w, offsets[i]);
	jw_array_end(w);
	jw_object_end(w);
}

void
shard_index_free(struct shard_index *x)
{
	free(x->ids);
	free(x->offsets);
	memset(x, 0, sizeof(*x));
}

/* The file's last line (without its newline) into *line; 0 or a status. */
static int
last_line(FILE *f, long long fsize, char **line, long long *at, char *err,
    size_t errlen)
{
	long long want = fsize < INDEX_MAX ? fsize : INDEX_MAX, start;
	char *buf, *nl;
	size_t got;

	*line = NULL;
	if (fsize == 0) {
		snprintf(err, errlen, "torn: the file is empty");
		return EX_DATAERR;
	}
	if ((buf = malloc((size_t)want + 1)) == NULL)
		return EX_OSERR;
	start = fsize - want;
	if (fseeko(f, (off_t)start, SEEK_SET) != 0 ||
	    (got = fread(buf, 1, (size_t)want, f)) != (size_t)want) {
		snprintf(err, errlen, "cannot read it: %s", strerror(errno));
		free(buf);
		return EX_NOINPUT;
	}
	if (buf[want - 1] != '\n') {
		snprintf(err, errlen, "torn: it does not end with a whole line");
		free(buf);
		return EX_DATAERR;
	}
	buf[want - 1] = '\0';
	nl = strrchr(buf, '\n');
	if (nl == NULL && start > 0) {
		snprintf(err, errlen, "torn: no index line at its end");
		free(buf);
		return EX_DATAERR;
	}
	*at = nl ? start + (nl + 1 - buf) : start;
	memmove(buf, nl ? nl + 1 : buf, strlen(nl ? nl + 1 : buf) + 1);
	*line = buf;
	return 0;
}

/* The array of n integers under key, ascending, into *out. */
static int
take_ints(json_t *o, const char *key, size_t n, long long **out)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) != n)
		return -1;
	if ((*out = calloc(n ? n : 1, sizeof(**out))) == NULL)
		return -2;
	json_array_foreach(a, i, v) {
		if (!json_is_integer(v) || (i > 0 &&
		    json_integer_value(v) <= (*out)[i - 1]))
			return -1;
		(*out)[i] = json_integer_value(v);
	}
	return 0;
}

/* The index line's fields, checked against where it stands. */
static int
take_index(const char *line, long long at, struct shard_index *x, char *err,
    size_t errlen)
{
	json_t *o = json_loads(line, 0, NULL), *runs, *size;
	int rc = EX_DATAERR, got = -1;

	runs = json_object_get(o, "runs");
	size = json_object_get(o, "size");
	if (o == NULL || !json_is_object(o) || !json_is_string(json_object_get(
	    o, "event")) || strcmp(json_string_value(json_object_get(o,
	    "event")), "index") != 0 || !json_is_integer(runs) ||
	    !json_is_integer(size) || json_integer_value(runs) < 1) {
		snprintf(err, errlen, "torn: its last line is no index line");
		goto out;
	}
	x->n = (size_t)json_integer_value(runs);
	x->size = json_integer_value(size);
	if ((got = take_ints(o, "run_ids", x->n, &x->ids)) == 0)
		got = take_ints(o, "offsets", x->n, &x->offsets);
	if (got == -2) {
		rc = EX_OSERR;
		snprintf(err, errlen, "out of memory for its index");
	} else if (got != 0 || x->size != at || x->offsets[0] != 0 ||
	    x->offsets[x->n - 1] >= x->size) {
		snprintf(err, errlen, "torn: its index does not match its %lld "
		    "bytes of runs", at);
	} else {
		rc = 0;
	}
out:
	json_decref(o);
	return rc;
}

int
shard_index_read(const char *path, struct shard_index *x, char *err,
    size_t errlen)
{
	struct stat st;
	FILE *f;
	char *line = NULL;
	long long at = 0;
	int rc;

	memset(x, 0, sizeof(*x));
	if ((f = fopen(path, "r")) == NULL || fstat(fileno(f), &st) != 0) {
		snprintf(err, errlen, "cannot open it: %s", strerror(errno));
		if (f != NULL)
			fclose(f);
		return EX_NOINPUT;
	}
	rc = last_line(f, (long long)st.st_size, &line, &at, err, errlen);
	if (rc == EX_OSERR)
		snprintf(err, errlen, "out of memory for its index");
	if (rc == 0)
		rc = take_index(line, at, x, err, errlen);
	free(line);
	fclose(f);
	if (rc != 0)
		shard_index_free(x);
	return rc;
}

/* Where run id's lines are in the shard: [*from, *to). */
static int
find_run(const struct shard_index *x, long long id, long long *from,
    long long *to)
{
	size_t lo = 0, hi = x->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (x->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == x->n || x->ids[lo] != id)
		return -1;
	*from = x->offsets[lo];
	*to = lo + 1 < x->n ? x->offsets[lo + 1] : x->size;
	return 0;
}

int
shard_read_run(struct runset *a, const char *path, long long id)
{
	struct shard_index x;
	char err[512], *buf = NULL;
	long long from, to;
	FILE *f = NULL, *mem = NULL;
	int rc;

	if ((rc = shard_index_read(path, &x, err, sizeof(err))) != 0) {
		msg(a->prog, "%s: %s", path, err);
		return rc;
	}
	if (find_run(&x, id, &from, &to) != 0) {
		msg(a->prog, "%s holds no run %lld", path, id);
		rc = EX_DATAERR;
	} else if ((buf = malloc((size_t)(to - from))) == NULL) {
		rc = msg_oom(a->prog, NULL);
	} else if ((f = fopen(path, "r")) == NULL ||
	    fseeko(f, (off_t)from, SEEK_SET) != 0 ||
	    fread(buf, 1, (size_t)(to - from), f) != (size_t)(to - from)) {
		msg(a->prog, "cannot read %s: %s", path, strerror(errno));
		rc = EX_NOINPUT;
	} else if ((mem = fmemopen(buf, (size_t)(to - from), "r")) == NULL) {
		rc = msg_oom(a->prog, NULL);
	} else {
		rc = runset_read_stream(a, mem, path);
	}
	if (mem != NULL)
		fclose(mem);
	if (f != NULL)
		fclose(f);
	free(buf);
	shard_index_free(&x);
	return rc;
}

/* A .jsonl file of runs/ (run_N.jsonl, shard_A-B.jsonl, or one a user
 * put there): never a hidden or temporary name (those end in .tmp). */
static int
is_store_name(const char *name)
{
	size_t len = strlen(name);

	return len >= 7 && name[0] != '.' &&
	    strcmp(name + len - 6, ".jsonl") == 0;
}

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

void
store_list_free(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

int
store_list(const char *prog, const char *runs_dir, char ***paths, size_t *n)
{
	char **v = NULL;
	size_t cap = 0, len = 0;
	struct dirent *de;
	DIR *d;

	*paths = NULL;
	*n = 0;
	if ((d = opendir(runs_dir)) == NULL) {
		msg(prog, "cannot read %s: %s", runs_dir, strerror(errno));
		return EX_NOINPUT;
	}
	while ((de = readdir(d)) != NULL) {
		size_t need = strlen(runs_dir) + strlen(de->d_name) + 2;

		if (!is_store_name(de->d_name))
			continue;
		if (len == cap) {
			char **q;

			cap = cap ? cap * 2 : 256;
			if ((q = realloc(v, cap * sizeof(*q))) == NULL)
				goto oom;
			v = q;
		}
		if ((v[len] = malloc(need)) == NULL)
			goto oom;
		snprintf(v[len++], need, "%s/%s", runs_dir, de->d_name);
	}
	closedir(d);
	if (len > 0)
		qsort(v, len, sizeof(*v), cmp_str);
	*paths = v;
	*n = len;
	return 0;
oom:
	closedir(d);
	store_list_free(v, len);
	return msg_oom(prog, NULL);
}
