/*
 * Where the file system allows, the data goes to an unnamed inode
 * (O_TMPFILE) that is linked in when complete: nothing half-written ever
 * has a name, and a killed writer leaves nothing behind.  Elsewhere a
 * temporary name of the process's own is renamed into place.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io/atomicfile.h"

static int
open_unnamed(struct atomic_file *a)
{
	char dir[4096];
	const char *slash = strrchr(a->path, '/');
	int fd;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - a->path),
		    slash == a->path ? "/" : a->path);
	if ((fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644)) < 0)
		return -1;
	if ((a->f = fdopen(fd, "w")) == NULL) {
		close(fd);
		return -1;
	}
	a->unnamed = 1;
	return 0;
}

int
atomic_open(struct atomic_file *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	if (snprintf(a->path, sizeof(a->path), "%s", path) >=
	    (int)sizeof(a->path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (open_unnamed(a) == 0)
		return 0;
	/* the process id keeps two writers of one file apart */
	snprintf(a->tmp, sizeof(a->tmp), "%s.%ld.tmp", path, (long)getpid());
	if ((a->f = fopen(a->tmp, "w")) == NULL)
		return -1;
	return 0;
}

static int
link_unnamed(struct atomic_file *a)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fileno(a->f));
	if (linkat(AT_FDCWD, proc, AT_FDCWD, a->path, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	/* replacing a file: link beside it, then rename over it */
	snprintf(a->tmp, sizeof(a->tmp), "%s.%ld.tmp", a->path, (long)getpid());
	unlink(a->tmp);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, a->tmp, AT_SYMLINK_FOLLOW) != 0)
		return -1;
	if (rename(a->tmp, a->path) != 0) {
		unlink(a->tmp);
		return -1;
	}
	return 0;
}

int
atomic_commit(struct atomic_file *a)
{
	int rc = fflush(a->f) == 0 && ferror(a->f) == 0 ? 0 : -1;
	int saved;

	if (rc == 0 && a->unnamed)
		rc = link_unnamed(a);
	saved = errno;
	if (fclose(a->f) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	a->f = NULL;
	if (rc == 0 && !a->unnamed && rename(a->tmp, a->path) != 0) {
		rc = -1;
		saved = errno;
	}
	if (rc != 0 && !a->unnamed)
		unlink(a->tmp);
	errno = saved;
	return rc;
}

void
atomic_abort(struct atomic_file *a)
{
	if (a->f != NULL)
		fclose(a->f);
	a->f = NULL;
	if (!a->unnamed && a->tmp[0] != '\0')
		unlink(a->tmp);
}

int
atomic_open_err(struct atomic_file *a, const char *path, char *err,
    size_t errlen)
{
	if (atomic_open(a, path) == 0)
		return 0;
	snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
	return -1;
}

int
atomic_commit_err(struct atomic_file *a, char *err, size_t errlen)
{
	char path[sizeof(a->path)];

	memcpy(path, a->path, sizeof(path));
	if (atomic_commit(a) == 0)
		return 0;
	snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	return -1;
}
