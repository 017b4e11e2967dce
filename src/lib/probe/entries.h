/*
 * The entries of a decision table being made (simprobe): each in its
 * place in table order, kept as the line it prints as, and written after
 * the header.
 */
#ifndef SIM_PROBE_ENTRIES_H
#define SIM_PROBE_ENTRIES_H

#include <stddef.h>
#include <stdio.h>

#include "io/jsonw.h"
#include "table/table.h"

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

/* 0, or -1 out of memory. */
int entries_init(struct entries *es, int key);
void entries_free(struct entries *es);
/* The entry's place in the table. */
long entries_index(const struct entries *es, const struct table_entry *e);
/* Entry i in words ("group A context S O E|E X S|# # #"). */
void entries_describe(const struct entries *es, long i, char *out,
    size_t len);
/* Keeps entry i; 0, or -1 out of memory. */
int entries_put(struct entries *es, long i, const struct table_entry *e);
/* Places a line of shard k/n (n 0: any entry); 0, or -1 with err. */
int entries_take(struct entries *es, const char *line, int k, int n,
    char *err, size_t errlen);
/* The header, then the entries that are there, in order; 0 or -1. */
int entries_write(struct entries *es, const struct table_header *h, FILE *f);
/*
 * The table into path (via a temporary name) or stdout (NULL): 0, or 73,
 * 74 after a message.
 */
int entries_save(struct entries *es, const struct table_header *h,
    const char *path, const char *prog);
/* The time now as the tables record it (malloc'd), or NULL. */
char *probe_utc_now(void);

#endif
