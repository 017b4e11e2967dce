/* A minimal TAP producer for the C unit tests. */
#ifndef CHECK_H
#define CHECK_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

struct check_state {
	int run;
	int failed;
};

static struct check_state check_state;

#define CHECK(cond, ...) check_report(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define CHECK_NEAR(a, b, eps, ...) \
	CHECK(fabs((double)(a) - (double)(b)) <= (eps), __VA_ARGS__)

__attribute__((format(printf, 4, 5)))
static void
check_report(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	check_state.run++;
	if (!ok)
		check_state.failed++;
	printf("%sok %d - ", ok ? "" : "not ", check_state.run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		printf("#   at %s:%d\n", file, line);
}

static int
check_done(void)
{
	printf("1..%d\n", check_state.run);
	return check_state.failed ? 1 : 0;
}

#endif
