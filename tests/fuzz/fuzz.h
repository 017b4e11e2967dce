/*
 * Shared by the libFuzzer targets: the input as a NUL-terminated string,
 * or written to a private temporary file for parsers that read files.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A copy of data with a NUL after it; NULL when out of memory. */
static inline char *
fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s != NULL) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* data in a file of this process's own (one name reused per process). */
static inline const char *
fuzz_file(const uint8_t *data, size_t size)
{
	static char path[256];
	FILE *f;

	if (path[0] == '\0') {
		const char *dir = getenv("TMPDIR");

		snprintf(path, sizeof(path), "%s/fuzz-%ld.input",
		    dir != NULL && *dir != '\0' ? dir : "/tmp", (long)getpid());
	}
	if ((f = fopen(path, "wb")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	if (fclose(f) != 0)
		abort();
	return path;
}

#endif
