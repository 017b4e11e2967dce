/*
 * A program installed next to this one (io/sibling.h): exec'd by the path
 * of this process's own executable, not by PATH.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "io/sibling.h"

int
sibling_exec(const char *name, char **argv, char *err, size_t errlen)
{
	char self[PATH_MAX], path[PATH_MAX], *slash, *given = argv[0];
	int n;

	if (realpath("/proc/self/exe", self) == NULL) {
		snprintf(err, errlen, "cannot find this program's own path "
		    "(/proc/self/exe): %s", strerror(errno));
		return EX_OSERR;
	}
	if ((slash = strrchr(self, '/')) != NULL)
		*slash = '\0';
	n = snprintf(path, sizeof(path), "%s/%s", self, name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(err, errlen, "the path of %s is too long", name);
		return EX_OSERR;
	}
	argv[0] = path;
	execv(path, argv);
	argv[0] = given;
	snprintf(err, errlen, "cannot start %s: %s; it is installed with this "
	    "program (make install)", path, strerror(errno));
	return EX_UNAVAILABLE;
}
