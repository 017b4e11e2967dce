/*
 * The two layouts of an experiment's runs/ (simrun --store): a file per
 * run (run_N.jsonl), or a shard per batch of runs (shard_A-B.jsonl: the
 * lines of runs A..B in run id order, then one index line giving each
 * run's byte offset).  Both appear under their name only once whole; a
 * shard without its index line, or whose index does not match its size,
 * is torn.  Readers list both alike and read them as JSON Lines.
 */
#ifndef SIM_RUNFILE_STORE_H
#define SIM_RUNFILE_STORE_H

#include <stddef.h>
#include <stdio.h>

#include "io/jsonw.h"
#include "runfile/runset.h"

/* DIR/shard_FIRST-LAST.jsonl into buf; -1 when it does not fit. */
int shard_path(char *buf, size_t len, const char *dir, long long first,
    long long last);

/*
 * A shard's last line: {"event":"index","runs":N,"size":S,"run_ids":[..],
 * "offsets":[..]}, S the bytes before it (the runs' lines), offsets[i]
 * where run_ids[i]'s start line begins.  Written with jw_write_line.
 */
void shard_put_index(struct jw *w, const long long *ids,
    const long long *offsets, size_t n, long long size);

struct shard_index {
	size_t n;
	long long *ids, *offsets;
	long long size;            /* bytes of the runs' lines */
};

/*
 * Reads and checks a shard's index line (only the file's end is read):
 * 0, EX_DATAERR with "torn: why" in err (no index line, or one that does
 * not match the file), EX_NOINPUT, or EX_OSERR.
 */
int shard_index_read(const char *path, struct shard_index *x, char *err,
    size_t errlen);
void shard_index_free(struct shard_index *x);

/* Reads only run id's lines from a shard into a (by its index): 0, or an
 * exit status after a message (EX_DATAERR when the shard lacks it). */
int shard_read_run(struct runset *a, const char *path, long long id);

/*
 * The run files and shards of a runs/ directory (every NAME.jsonl), sorted
 * by name, never a hidden or temporary name: *paths (each "DIR/NAME") and *n.  0, or EX_NOINPUT /
 * EX_OSERR after a message starting with prog.
 */
int store_list(const char *prog, const char *runs_dir, char ***paths,
    size_t *n);
void store_list_free(char **paths, size_t n);

#endif
