/* Exit status 73 or 74 from the errno of a failed output (iostatus.h). */
#include <errno.h>
#include <signal.h>
#include <sysexits.h>

#include "io/iostatus.h"

int
io_status(int err)
{
	switch (err) {
	case ENOSPC:
	case EDQUOT:
	case EIO:
	case EFBIG:
	case EPIPE:
		return EX_IOERR;
	}
	return EX_CANTCREAT;
}

void
io_sigpipe_default(void)
{
	signal(SIGPIPE, SIG_DFL);
}
