/*
 * The io/ pieces without a test of their own: atomic files (whole or
 * nothing, the _err variants' lines), CSV quoting, the bounded line
 * reader and file names.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "io/atomicfile.h"
#include "io/csvw.h"
#include "io/lines.h"
#include "io/path.h"

static char dir[64];

/* The names in d (not . and ..), joined by spaces into out. */
static int
entries(const char *d, char *out, size_t len)
{
	DIR *dp = opendir(d);
	struct dirent *e;
	int n = 0;

	out[0] = '\0';
	if (dp == NULL)
		return -1;
	while ((e = readdir(dp)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (n++ > 0)
			strncat(out, " ", len - strlen(out) - 1);
		strncat(out, e->d_name, len - strlen(out) - 1);
	}
	closedir(dp);
	return n;
}

/* The whole of a small file, or "" when unreadable (to free). */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 4096);
	size_t n;

	if (buf == NULL)
		exit(2);
	if (f == NULL)
		return buf;
	n = fread(buf, 1, 4095, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
atomic_whole(void)
{
	struct atomic_file a;
	char path[128], names[512], err[256] = "";
	char *text;
	struct stat st;

	snprintf(path, sizeof(path), "%s/out.txt", dir);
	CHECK(atomic_open(&a, path) == 0, "atomic_open in a directory");
	fputs("first\n", a.f);
	fflush(a.f);
	CHECK(stat(path, &st) != 0 && errno == ENOENT,
	    "nothing under the name before the commit");
	CHECK(atomic_commit_err(&a, err, sizeof(err)) == 0 && err[0] == '\0',
	    "commit; err untouched");
	text = slurp(path);
	CHECK(strcmp(text, "first\n") == 0, "the committed text");
	free(text);
	CHECK(entries(dir, names, sizeof(names)) == 1 &&
	    strcmp(names, "out.txt") == 0, "only the file, no temporary: %s",
	    names);

	/* a replacement: the old text stays until the new one is whole */
	CHECK(atomic_open(&a, path) == 0, "open over an existing file");
	fputs("second, longer\n", a.f);
	fflush(a.f);
	text = slurp(path);
	CHECK(strcmp(text, "first\n") == 0, "the old text until the commit");
	free(text);
	CHECK(atomic_commit(&a) == 0, "commit over it");
	text = slurp(path);
	CHECK(strcmp(text, "second, longer\n") == 0, "the new text");
	free(text);
	CHECK(entries(dir, names, sizeof(names)) == 1, "still one file: %s",
	    names);

	/* an abort leaves the old file as it was, and nothing else */
	CHECK(atomic_open(&a, path) == 0, "open a third time");
	fputs("never\n", a.f);
	atomic_abort(&a);
	text = slurp(path);
	CHECK(strcmp(text, "second, longer\n") == 0,
	    "an aborted write changes nothing");
	free(text);
	CHECK(entries(dir, names, sizeof(names)) == 1, "abort leaves no "
	    "temporary: %s", names);
	unlink(path);

	snprintf(path, sizeof(path), "%s/new.txt", dir);
	CHECK(atomic_open(&a, path) == 0, "open a new name");
	atomic_abort(&a);
	CHECK(entries(dir, names, sizeof(names)) == 0,
	    "an aborted new file leaves nothing: '%s'", names);
}

static void
atomic_errors(void)
{
	struct atomic_file a;
	char path[256], names[512], err[512] = "", want[512], sub[128];
	char *longname, *longerr;

	snprintf(path, sizeof(path), "%s/no-such-dir/x.csv", dir);
	CHECK(atomic_open_err(&a, path, err, sizeof(err)) == -1,
	    "a missing directory is refused");
	snprintf(want, sizeof(want), "cannot create %s: %s", path,
	    strerror(ENOENT));
	CHECK(strcmp(err, want) == 0, "open's line: %s", err);
	CHECK(entries(dir, names, sizeof(names)) == 0, "nothing made");

	/* the commit cannot put a file where a directory is */
	snprintf(sub, sizeof(sub), "%s/taken", dir);
	if (mkdir(sub, 0755) != 0)
		exit(2);
	err[0] = '\0';
	CHECK(atomic_open_err(&a, sub, err, sizeof(err)) == 0,
	    "opening over a directory's name succeeds");
	fputs("data\n", a.f);
	CHECK(atomic_commit_err(&a, err, sizeof(err)) == -1,
	    "its commit fails");
	snprintf(want, sizeof(want), "cannot write %s: %s", sub,
	    strerror(EISDIR));
	CHECK(strcmp(err, want) == 0, "commit's line: %s", err);
	CHECK(a.f == NULL, "the stream is closed after a failed commit");
	CHECK(entries(dir, names, sizeof(names)) == 1 &&
	    strcmp(names, "taken") == 0, "no temporary left: %s", names);
	rmdir(sub);

	/* a name too long for the struct */
	if ((longname = malloc(5000)) == NULL)
		exit(2);
	memset(longname, 'n', 4999);
	longname[4999] = '\0';
	errno = 0;
	CHECK(atomic_open(&a, longname) == -1 && errno == ENAMETOOLONG,
	    "a name over 4095 bytes: ENAMETOOLONG");
	if ((longerr = malloc(6000)) == NULL)
		exit(2);
	CHECK(atomic_open_err(&a, longname, longerr, 6000) == -1 &&
	    strstr(longerr, strerror(ENAMETOOLONG)) != NULL &&
	    strncmp(longerr, "cannot create nnn", 17) == 0,
	    "and its line says so");
	free(longerr);
	free(longname);
}

/*
 * A write that fails half way (the file size limit; in a child, whose
 * stdout is not ours): the commit reports it and leaves no file and no
 * temporary behind.
 */
static void
atomic_failed_write(void)
{
	int fd[2], status;
	char path[128], names[512], err[512] = "";
	pid_t pid;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/big.dat", dir);
	if (pipe(fd) != 0 || (pid = fork()) < 0)
		exit(2);
	if (pid == 0) {
		struct rlimit rl = { 4096, 4096 };
		struct atomic_file a;
		char line[100];

		close(fd[0]);
		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0 ||
		    atomic_open_err(&a, path, err, sizeof(err)) != 0)
			_exit(3);
		memset(line, 'x', sizeof(line) - 1);
		line[sizeof(line) - 1] = '\n';
		for (int i = 0; i < 200; i++)
			fwrite(line, 1, sizeof(line), a.f);
		if (atomic_commit_err(&a, err, sizeof(err)) == 0)
			_exit(4);
		if (write(fd[1], err, strlen(err)) < 0)
			_exit(5);
		_exit(0);
	}
	close(fd[1]);
	n = read(fd[0], err, sizeof(err) - 1);
	err[n > 0 ? n : 0] = '\0';
	close(fd[0]);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "a write over the size limit fails its commit (child %d)",
	    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	CHECK(strncmp(err, "cannot write ", 13) == 0 &&
	    strstr(err, path) != NULL && strstr(err, strerror(EFBIG)) != NULL,
	    "the line names the file and why: %s", err);
	CHECK(entries(dir, names, sizeof(names)) == 0,
	    "no file and no temporary: '%s'", names);
}

static void
do_csv(const char *in, const char *want, const char *what)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		exit(2);
	csv_put_text(f, in);
	fclose(f);
	CHECK(strcmp(buf, want) == 0, "csv: %s", what);
	free(buf);
}

static void
csv(void)
{
	do_csv("plain", "plain", "a plain field as is");
	do_csv("", "", "empty as nothing");
	do_csv(NULL, "", "NULL writes nothing");
	do_csv("a,b", "\"a,b\"", "a comma quotes");
	do_csv("say \"hi\"", "\"say \"\"hi\"\"\"", "quotes doubled");
	do_csv("\"", "\"\"\"\"", "a lone quote");
	do_csv("two\nlines", "\"two\nlines\"", "LF quotes");
	do_csv("cr\rhere", "\"cr\rhere\"", "CR quotes");
	do_csv("semi;colon tab\t", "semi;colon tab\t",
	    "; and tab are not special");
	do_csv("don't", "don't", "an apostrophe is not special");
}

/* A file of the given bytes, opened for reading. */
static FILE *
bytes(const char *data, size_t n)
{
	FILE *f = tmpfile();

	if (f == NULL || fwrite(data, 1, n, f) != n)
		exit(2);
	rewind(f);
	return f;
}

static void
lines(void)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	ssize_t n;
	char big[1000];

	f = bytes("one\ntwo\n", 8);
	n = lines_get(&line, &cap, f, 100);
	CHECK(n == 4 && strcmp(line, "one\n") == 0, "first line, newline kept");
	n = lines_get(&line, &cap, f, 100);
	CHECK(n == 4 && strcmp(line, "two\n") == 0, "second line");
	CHECK(lines_get(&line, &cap, f, 100) == -1, "then the end: -1");
	fclose(f);

	f = bytes("last", 4);
	n = lines_get(&line, &cap, f, 100);
	CHECK(n == 4 && strcmp(line, "last") == 0,
	    "no final newline: the line still comes");
	CHECK(lines_get(&line, &cap, f, 100) == -1, "and then the end");
	fclose(f);

	f = bytes("", 0);
	CHECK(lines_get(&line, &cap, f, 100) == -1, "an empty file: -1 at once");
	fclose(f);

	f = bytes("\n\n", 2);
	CHECK(lines_get(&line, &cap, f, 100) == 1 && strcmp(line, "\n") == 0,
	    "an empty line is one byte");
	fclose(f);

	f = bytes("a\0b\nc\n", 6);
	n = lines_get(&line, &cap, f, 100);
	CHECK(n == 4 && memcmp(line, "a\0b\n", 5) == 0,
	    "a NUL is kept and counted: the length tells (%zd)", n);
	n = lines_get(&line, &cap, f, 100);
	CHECK(n == 2 && strcmp(line, "c\n") == 0, "the next line after it");
	fclose(f);

	/* the cap: max bytes before the newline are a line, max + 1 are not */
	memset(big, 'x', sizeof(big));
	big[10] = '\n';
	f = bytes(big, 11);
	n = lines_get(&line, &cap, f, 10);
	CHECK(n == 11 && line[10] == '\n', "exactly max bytes and a newline");
	fclose(f);
	f = bytes(big, 10);
	CHECK(lines_get(&line, &cap, f, 10) == 10,
	    "exactly max bytes without a newline");
	fclose(f);
	big[10] = 'x';
	free(line);
	line = NULL;
	cap = 0;
	f = bytes(big, sizeof(big));
	CHECK(lines_get(&line, &cap, f, 10) == -2, "max + 1 bytes: -2");
	CHECK(ftell(f) == 11 && strlen(line) == 11,
	    "of which max + 1 were read (%ld)", ftell(f));
	CHECK(cap <= 12, "the buffer never grew past max + 2 (%zu)", cap);
	fclose(f);
	free(line);

	/* a long line under a large cap: the buffer grows to hold it */
	line = NULL;
	cap = 0;
	{
		char *longl = malloc(100001);

		if (longl == NULL)
			exit(2);
		memset(longl, 'y', 100000);
		longl[100000] = '\n';
		f = bytes(longl, 100001);
		n = lines_get(&line, &cap, f, LINES_TABLE_MAX);
		CHECK(n == 100001 && line[99999] == 'y' && line[100001] == '\0',
		    "a 100 kB line under the table cap");
		fclose(f);
		f = bytes(longl, 100000);
		n = lines_get(&line, &cap, f, 50000);
		CHECK(n == -2, "the same without newline over a 50 kB cap");
		fclose(f);
		free(longl);
	}
	free(line);
}

static void
paths(void)
{
	struct {
		const char *path, *suffix, *want;
	} last[] = {
		{ "a/b/c.json", ".json", "c" },
		{ "a/b/c.json", NULL, "c.json" },
		{ "a/b/c.json", ".csv", "c.json" },
		{ "exp/", NULL, "exp" },
		{ "/x/exp///", NULL, "exp" },
		{ "plain", NULL, "plain" },
		{ ".json", ".json", ".json" },       /* never empties the name */
		{ "dir/.json", ".json", ".json" },
		{ "", NULL, "" },
		{ "a/b.json/", ".json", "b" },
	};
	char *p;

	p = path_join("dir", "name");
	CHECK(p != NULL && strcmp(p, "dir/name") == 0, "join: dir/name");
	free(p);
	p = path_join("", "name");
	CHECK(p != NULL && strcmp(p, "/name") == 0, "join with an empty dir");
	free(p);
	p = path_join("/", "etc");
	CHECK(p != NULL && strcmp(p, "//etc") == 0,
	    "join does not fold slashes: //etc");
	free(p);
	for (size_t i = 0; i < sizeof(last) / sizeof(last[0]); i++) {
		p = path_last(last[i].path, last[i].suffix);
		CHECK(p != NULL && strcmp(p, last[i].want) == 0,
		    "last of '%s' less '%s': '%s'", last[i].path,
		    last[i].suffix ? last[i].suffix : "", p ? p : "(null)");
		free(p);
	}
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/test_io.XXXXXX",
	    tmp != NULL && strlen(tmp) < 40 ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return 2;
	atomic_whole();
	atomic_errors();
	atomic_failed_write();
	csv();
	lines();
	paths();
	rmdir(dir);
	return check_done();
}
