/* File names (see path.h). */
#include <stdlib.h>
#include <string.h>

#include "io/path.h"

char *
path_join(const char *dir, const char *name)
{
	size_t ld = strlen(dir), ln = strlen(name);
	char *p = malloc(ld + ln + 2);

	if (p == NULL)
		return NULL;
	memcpy(p, dir, ld);
	p[ld] = '/';
	memcpy(p + ld + 1, name, ln + 1);
	return p;
}

char *
path_last(const char *path, const char *suffix)
{
	size_t len = strlen(path), start, ls = suffix ? strlen(suffix) : 0;
	char *l;

	while (len > 1 && path[len - 1] == '/')
		len--;
	start = len;
	while (start > 0 && path[start - 1] != '/')
		start--;
	if (ls > 0 && len - start > ls &&
	    memcmp(path + len - ls, suffix, ls) == 0)
		len -= ls;
	if ((l = malloc(len - start + 1)) == NULL)
		return NULL;
	memcpy(l, path + start, len - start);
	l[len - start] = '\0';
	return l;
}
