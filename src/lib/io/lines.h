/*
 * Reading text lines with a cap: getline grows without bound on input
 * without newlines (/dev/zero), so files of lines read through this.
 */
#ifndef SIM_IO_LINES_H
#define SIM_IO_LINES_H

#include <stdio.h>
#include <sys/types.h>

/* The cap on a line of a decision table or shard (they are ~100 bytes). */
#define LINES_TABLE_MAX ((size_t)1 << 20)

/*
 * Like getline (the newline kept, *line NUL-terminated, -1 at the end or
 * on an error), but -2 for a line longer than max bytes, of which max + 1
 * have been read.
 */
ssize_t lines_get(char **line, size_t *cap, FILE *f, size_t max);

#endif
