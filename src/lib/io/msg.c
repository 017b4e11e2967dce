/* One line "PROG: text" on stderr (see msg.h). */
#include <stdarg.h>
#include <stdio.h>
#include <sysexits.h>

#include "io/msg.h"

static void
vmsg(const char *prog, const char *fmt, va_list ap)
{
	char line[4096];

	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "%s: %s\n", prog, line);
}

void
msg(const char *prog, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(prog, fmt, ap);
	va_end(ap);
}

int
msg_fail(const char *prog, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(prog, fmt, ap);
	va_end(ap);
	return status;
}

int
msg_oom(const char *prog, const char *hint)
{
	fprintf(stderr, "%s: out of memory%s\n", prog, hint != NULL ? hint : "");
	return EX_OSERR;
}
