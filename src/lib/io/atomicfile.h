/* Files that appear under their name only once completely written. */
#ifndef SIM_IO_ATOMICFILE_H
#define SIM_IO_ATOMICFILE_H

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
/* Closes and drops the file. */
void atomic_abort(struct atomic_file *a);

#endif
