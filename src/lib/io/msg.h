/*
 * The one way every program and library module says what went wrong:
 * one line "PROG: text" on stderr.  A library function that fails once
 * returns a status and puts its one line (without PROG) in an error
 * buffer for the program to print; a module that says several things
 * along the way (warnings, progress, a line per failed run) is given the
 * program's name and writes them with msg().  Out of memory is always
 * msg_oom(): "PROG: out of memory[HINT]" and EX_OSERR (71).
 */
#ifndef SIM_IO_MSG_H
#define SIM_IO_MSG_H

/* "prog: text\n" on stderr. */
__attribute__((format(printf, 2, 3)))
void msg(const char *prog, const char *fmt, ...);
/* msg(), then returns status. */
__attribute__((format(printf, 3, 4)))
int msg_fail(const char *prog, int status, const char *fmt, ...);
/* "prog: out of memory" and hint (NULL: none, else e.g. "; read fewer
 * runs at once"); returns EX_OSERR. */
int msg_oom(const char *prog, const char *hint);

#endif
