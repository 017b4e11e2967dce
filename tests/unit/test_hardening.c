/*
 * Issue 13 in the library: the one number grammar, input quoted in
 * one-line messages, exit statuses 73/74, run JSON Lines with a line cap
 * and without step lines, and runs of mixed parameters.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "check.h"
#include "io/iostatus.h"
#include "io/msgtext.h"
#include "param/number.h"
#include "runfile/runset.h"

static void
number_grammar(void)
{
	static const char *const good_int[] = { "0", "7", "-3", "007",
		"4096", NULL };
	static const char *const good_frac[] = { "0.5", ".5", "5.", "-0.25",
		"1e-3", "2.5E+2", "10", NULL };
	static const char *const bad[] = { "", "-", ".", "+1", " 1", "1 ",
		"0x10", "0x0.8p0", "-0x1p0", "inf", "-inf", "nan", "1e",
		"1e+", "1.2.3", "1,5", "e5", "--1", NULL };
	double d;
	long l;

	for (int i = 0; good_int[i]; i++)
		CHECK(number_text_ok(good_int[i], 0) &&
		    number_text_ok(good_int[i], 1), "'%s' is a number",
		    good_int[i]);
	for (int i = 0; good_frac[i]; i++)
		CHECK(number_text_ok(good_frac[i], 1), "'%s' is a decimal",
		    good_frac[i]);
	CHECK(!number_text_ok("0.5", 0) && !number_text_ok("1e3", 0),
	    "a whole number has no fraction or exponent");
	for (int i = 0; bad[i]; i++)
		CHECK(!number_text_ok(bad[i], 0) && !number_text_ok(bad[i], 1),
		    "'%s' is no number", bad[i]);
	CHECK(parse_double_range("0x0.8p0", 0, 1, &d) != 0,
	    "parse_double_range refuses hex floats");
	CHECK(parse_long_range("0x10", 0, 100, &l) != 0,
	    "parse_long_range refuses hex");
	CHECK(parse_double_range("2.5e-1", 0, 1, &d) == 0 && d == 0.25,
	    "2.5e-1 is 0.25");
}

static void
escaping(void)
{
	char out[64];

	CHECK(strcmp(msg_escape("a\nb\tc\x01", 100, out, sizeof(out)),
	    "a\\nb\\tc\\x01") == 0, "control characters escaped: %s", out);
	CHECK(strcmp(msg_escape("abcdef", 3, out, sizeof(out)), "abc") == 0,
	    "at most max bytes of input");
	CHECK(strcmp(msg_escape("\n\n\n", 3, out, 5), "\\n\\n") == 0,
	    "cut to fit without half an escape: %s", out);
}

static void
io_statuses(void)
{
	CHECK(io_status(ENOSPC) == EX_IOERR && io_status(EDQUOT) == EX_IOERR &&
	    io_status(EIO) == EX_IOERR, "writing failed: 74");
	CHECK(io_status(EACCES) == EX_CANTCREAT &&
	    io_status(ENOENT) == EX_CANTCREAT &&
	    io_status(ENOTDIR) == EX_CANTCREAT, "cannot create: 73");
}

static int
read_text(struct runset *a, const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc;

	if (f == NULL)
		return -1;
	rc = runset_read_stream(a, f, "text");
	fclose(f);
	return rc;
}

static void
runsets(void)
{
	struct runset a;
	struct run **runs;
	size_t n, i, j;
	char key[64], v[64];
	char big[3000];

	runset_init(&a, "test");
	CHECK(read_text(&a, "{\"event\":\"start\",\"run_id\":1,\"seed\":0}\n"
	    "{\"event\":\"end\",\"run_id\":1,\"status\":\"ok\"}\n"
	    "{\"event\":\"start\",\"run_id\":0,\"seed\":4,\"version\":\"x\"}\n"
	    "{\"event\":\"end\",\"run_id\":0,\"status\":\"ok\"}") == 0,
	    "runs without step lines read");
	CHECK(runset_sort(&a, &runs, &n) == 0 && n == 2 && a.nsteps == 0,
	    "and sort (no step rows)");
	CHECK(runset_find_mixed(runs, n, &i, &j, key, sizeof(key)) == 1 &&
	    strcmp(key, "seed") == 0 && runs[i]->id == 0 && runs[j]->id == 1,
	    "runs of two seeds are mixed, in \"%s\"", key);
	CHECK(runset_param_text(runs[i], "seed", v, sizeof(v)) == 1 &&
	    strcmp(v, "4") == 0, "the value of a parameter: %s", v);
	free(runs);
	runset_free(&a);

	runset_init(&a, "test");
	a.max_line_bytes = 1024;
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(read_text(&a, big) == EX_DATAERR, "a line over the cap is 65");
	runset_free(&a);
	runset_init(&a, "test");
	CHECK(read_text(&a, "{\"event\":\"step\",") == EX_DATAERR,
	    "a step line that ends after a comma is refused");
	runset_free(&a);
}

int
main(void)
{
	number_grammar();
	escaping();
	io_statuses();
	runsets();
	return check_done();
}
