/* Directories and whole files (see fs.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/fs.h"

int
fs_mkdir_p(const char *dir)
{
	char *p = strdup(dir);
	int rc = 0;

	if (p == NULL)
		return -1;
	for (char *q = p + 1; *q != '\0' && rc == 0; q++)
		if (*q == '/') {
			*q = '\0';
			if (mkdir(p, 0777) != 0 && errno != EEXIST)
				rc = -1;
			*q = '/';
		}
	if (rc == 0 && mkdir(p, 0777) != 0 && errno != EEXIST)
		rc = -1;
	if (rc == 0) {
		struct stat sb;

		if (stat(p, &sb) != 0)
			rc = -1;
		else if (!S_ISDIR(sb.st_mode)) {
			errno = ENOTDIR;
			rc = -1;
		}
	}
	free(p);
	return rc;
}

int
fs_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int
fs_is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *
fs_read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;
	size_t n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)len + 1)) ==
	    NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, (size_t)len, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}
