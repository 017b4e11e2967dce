/* Files that appear under their name only once completely written. */
#ifndef SIM_IO_ATOMICFILE_H
#define SIM_IO_ATOMICFILE_H

#include <stddef.h>
#include <stdio.h>

struct atomic_file {
	FILE *f;
	int unnamed;              /* an O_TMPFILE inode, linked in at commit */
	char path[4096];
	char tmp[4200];           /* else a temporary name, renamed at commit */
};

/* 0, or -1 with errno (the path too long: ENAMETOOLONG). */
int atomic_open(struct atomic_file *a, const char *path);
/* Closes and publishes the file; 0, or -1 with errno and nothing left. */
int atomic_commit(struct atomic_file *a);
/* The same, with "cannot create PATH: why" or "cannot write PATH: why"
 * in err on failure. */
int atomic_open_err(struct atomic_file *a, const char *path, char *err,
    size_t errlen);
int atomic_commit_err(struct atomic_file *a, char *err, size_t errlen);
/* Closes and drops the file. */
void atomic_abort(struct atomic_file *a);

#endif
