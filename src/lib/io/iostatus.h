/*
 * One meaning for exit statuses 73 and 74 in every program: 73 (cannot
 * create) when a file or directory cannot be made or put in place (open,
 * mkdir, rename, link refused: permissions, missing directory); 74
 * (input/output error) when writing failed: the disk or quota is full,
 * an I/O error, a file too large, a closed pipe.
 */
#ifndef SIM_IO_IOSTATUS_H
#define SIM_IO_IOSTATUS_H

/* 74 for errors of writing (ENOSPC, EDQUOT, EIO, EFBIG, EPIPE), else 73. */
int io_status(int err);

/*
 * A closed pipe on the output ends the program by SIGPIPE (status 141 in
 * the shell), quietly, like any filter; set whatever the parent left
 * (an ignored SIGPIPE would turn it into exit 74 instead).
 */
void io_sigpipe_default(void);

#endif
