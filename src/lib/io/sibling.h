/*
 * A program installed next to this one: the path of NAME in the directory
 * of this process's own executable (/proc/self/exe, links resolved), so
 * that a build tree, an installed PREFIX and a copy shipped to a host all
 * find the program that came with them, never one on PATH.
 */
#ifndef SIM_IO_SIBLING_H
#define SIM_IO_SIBLING_H

#include <stddef.h>

/*
 * Replaces this process with sibling program name, given argv (argv[0]
 * becomes its path).  Returns only on failure: EX_UNAVAILABLE (69) when it
 * is missing or cannot be run, EX_OSERR (71) when this executable's own
 * path cannot be read, with one line in err.
 */
int sibling_exec(const char *name, char **argv, char *err, size_t errlen);

#endif
