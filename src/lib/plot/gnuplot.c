/* Running gnuplot as a child process on a script file (see gnuplot.h). */
#define _GNU_SOURCE   /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plot/gnuplot.h"

/* exit status of the child when exec failed: gnuplot is not there */
#define NO_EXEC 127

/* Reads all of fd into a NUL-terminated buffer (NULL when out of memory). */
static char *
slurp(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap), *q;
	ssize_t n;

	if (buf == NULL)
		return NULL;
	for (;;) {
		if (len + 1 >= cap) {
			if ((q = realloc(buf, cap * 2)) == NULL)
				break;
			buf = q;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return buf;
}

/*
 * The line of gnuplot's message that says what went wrong: gnuplot echoes
 * the failing command, a caret, then `"FILE" line N: reason`.
 */
static void
first_message(const char *text, char *err, size_t errlen)
{
	const char *line = text, *best = NULL;
	size_t n;

	while (*line != '\0') {
		n = strcspn(line, "\n");
		if (n > 0 && line[0] != ' ' && line[0] != '\t' &&
		    line[0] != '^') {
			if (best == NULL)
				best = line;
			if (memmem(line, n, "line ", 5) != NULL) {
				best = line;
				break;
			}
		}
		line += n + (line[n] == '\n');
	}
	if (best == NULL)
		best = text;
	n = strcspn(best, "\n");
	snprintf(err, errlen, "%.*s", (int)(n < 400 ? n : 400), best);
}

/* gnuplot's messages of a success, but for its count of GIF frames. */
static void
pass_warnings(const char *prog, const char *text)
{
	const char *line = text;
	size_t n;

	while (*line != '\0') {
		n = strcspn(line, "\n");
		if (n > 0 && memmem(line, n, " frames in animation sequence",
		    29) == NULL)
			fprintf(stderr, "%s: gnuplot: %.*s\n", prog, (int)n, line);
		line += n + (line[n] == '\n');
	}
}

int
gnuplot_run(const char *prog, const char *script, int *unavailable,
    char *err, size_t errlen)
{
	const char *bin = getenv("SIM_GNUPLOT");
	char *text;
	int fds[2], status;
	pid_t pid;

	*unavailable = 0;
	if (bin == NULL || *bin == '\0')
		bin = "gnuplot";
	if (pipe(fds) != 0) {
		snprintf(err, errlen, "cannot start gnuplot: %s",
		    strerror(errno));
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) < 0) {
		snprintf(err, errlen, "cannot start gnuplot: %s",
		    strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
		}
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		execlp(bin, bin, "--default-settings", script, (char *)NULL);
		_exit(NO_EXEC);
	}
	close(fds[1]);
	text = slurp(fds[0]);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(err, errlen, "waiting for gnuplot: %s",
			    strerror(errno));
			free(text);
			return -1;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == NO_EXEC &&
	    (text == NULL || *text == '\0')) {
		*unavailable = 1;
		snprintf(err, errlen, "cannot run %s; install gnuplot-nox "
		    "(scripts/install-deps) or set SIM_GNUPLOT", bin);
		free(text);
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char msg[512];

		if (text != NULL && *text != '\0')
			first_message(text, msg, sizeof(msg));
		else if (WIFSIGNALED(status))
			snprintf(msg, sizeof(msg), "killed by signal %d",
			    WTERMSIG(status));
		else
			snprintf(msg, sizeof(msg), "exit status %d",
			    WEXITSTATUS(status));
		snprintf(err, errlen, "gnuplot failed on %s: %s", script, msg);
		free(text);
		return -1;
	}
	if (text != NULL)
		pass_warnings(prog, text);
	free(text);
	return 0;
}
