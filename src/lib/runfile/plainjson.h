/*
 * Plain JSON: scanning the values simrun writes in place, without
 * building jansson objects.  Each scanner takes a value only when it is
 * plain (no escape, control or non-ASCII byte in a string; a number
 * jansson would read to the same double; a flat object) and returns
 * NULL (or 0) otherwise, so that its caller hands the line to jansson,
 * whose checks and messages stay the only ones users see.
 */
#ifndef RUNFILE_PLAINJSON_H
#define RUNFILE_PLAINJSON_H

#include <stddef.h>

#include "model/metrics.h"   /* METRICS_N, metrics_names */

/* s[0..len-1] is only JSON whitespace. */
int plain_blank(const char *s, size_t len);

/* The end of a JSON number token at p, or NULL; *integral if no . or e. */
const char *plain_scan_number(const char *p, int *integral);

/* A string's end (its closing quote) from after its opening one; NULL
 * for an escape, a control or a non-ASCII byte (jansson's to judge). */
const char *plain_string(const char *p);

/* A scalar value: its end; *kind 's', 'n', 't', 'f' or 'z' (null), *v
 * the number's value as jansson would take it. */
const char *plain_value(const char *p, int *kind, double *v);

/* "initial" or "metrics": an object of numbers or null, or null; m[] in
 * metrics_names' order, NaN for a metric absent or null. */
const char *plain_metrics(const char *p, double *m);

/* A number token without a fraction or exponent: jansson's integer. */
int plain_integer(const char *p, const char *end);

/* key[0..len-1] is name. */
int plain_key_is(const char *key, size_t len, const char *name);

#endif
