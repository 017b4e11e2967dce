/*
 * Quoting text taken from input into a one-line message: control bytes
 * become escapes (\n, \t, \xNN) so that an error stays on one line.
 */
#ifndef SIM_IO_MSGTEXT_H
#define SIM_IO_MSGTEXT_H

#include <stddef.h>

/*
 * The first max bytes of in (all of it if shorter), escaped, into out
 * (always terminated, cut to fit).  Returns out.
 */
char *msg_escape(const char *in, size_t max, char *out, size_t outlen);

#endif
