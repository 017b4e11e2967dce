/* Writing CSV fields (RFC 4180). */
#ifndef SIM_IO_CSVW_H
#define SIM_IO_CSVW_H

#include <stdio.h>

/* s as one field: quoted, quotes doubled, when it holds , " CR or LF; NULL writes nothing. */
void csv_put_text(FILE *f, const char *s);

#endif
