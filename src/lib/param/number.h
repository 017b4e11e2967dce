/*
 * The one number grammar of every flag, config value and study value:
 * decimal digits, an optional leading '-', and for numbers that may have
 * a fraction an optional '.' part and exponent.
 */
#ifndef SIM_PARAM_NUMBER_H
#define SIM_PARAM_NUMBER_H

#include <stdint.h>

/* 1 when s is -?(D+(.D*)?|.D+)([eE][+-]?D+)? (no exponent or fraction
 * unless fraction is set); no blanks, '+', hex, inf or nan. */
int number_text_ok(const char *s, int fraction);
/* 0 and *out for a whole number in [lo, hi] and nothing else; else -1. */
int parse_long_range(const char *s, long lo, long hi, long *out);
int parse_u64(const char *s, uint64_t *out);
int parse_double_range(const char *s, double lo, double hi, double *out);

#endif
