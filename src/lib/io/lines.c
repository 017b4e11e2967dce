/* Reading text lines with a cap (see lines.h). */
#include <stdlib.h>

#include "io/lines.h"

ssize_t
lines_get(char **line, size_t *cap, FILE *f, size_t max)
{
	size_t n = 0;
	int c;

	for (;;) {
		if (n + 2 > *cap) {
			size_t want = *cap ? *cap * 2 : 256;
			char *q;

			if (want > max + 2)
				want = max + 2;
			if (want <= *cap || (q = realloc(*line, want)) == NULL)
				return -1;
			*line = q;
			*cap = want;
		}
		if ((c = getc(f)) == EOF)
			break;
		(*line)[n++] = (char)c;
		if (c == '\n')
			break;
		if (n > max) {
			(*line)[n] = '\0';
			return -2;
		}
	}
	if (n == 0)
		return -1;
	(*line)[n] = '\0';
	return (ssize_t)n;
}
