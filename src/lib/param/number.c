/* The one number grammar of flags, config and study values (number.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "param/number.h"

/*
 * The one number grammar of every flag and config value: decimal digits,
 * an optional leading '-', and for numbers that may have a fraction an
 * optional '.' part and exponent: -?(D+(.D*)?|.D+)([eE][+-]?D+)?.  No
 * blanks, no '+', no hex (0x10, 0x0.8p0), no inf or nan.
 */
int
number_text_ok(const char *s, int fraction)
{
	const char *p = s;
	int digits = 0;

	if (*p == '-')
		p++;
	while (isdigit((unsigned char)*p))
		p++, digits++;
	if (!fraction)
		return digits > 0 && *p == '\0';
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			digits++;
	if (digits == 0)
		return 0;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
	}
	return *p == '\0';
}

/*
 * The number s in the one grammar (a fraction allowed or not), converted
 * as a double or a whole number; -1 when it is not one or does not fit.
 * strtol would skip leading blanks and take a '+' or 0x, hence the check
 * of the text first.
 */
static int
convert(const char *s, int fraction, double *d, long long *l)
{
	char *end;

	if (!number_text_ok(s, fraction))
		return -1;
	errno = 0;
	if (fraction)
		*d = strtod(s, &end);
	else
		*l = strtoll(s, &end, 10);
	return *end == '\0' && errno == 0 ? 0 : -1;
}

/* A whole decimal number in [lo, hi] and nothing else. */
int
parse_long_range(const char *s, long lo, long hi, long *out)
{
	long long v;

	if (convert(s, 0, NULL, &v) != 0 || v < lo || v > hi)
		return -1;
	*out = (long)v;
	return 0;
}

int
parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s == '-' || !number_text_ok(s, 0))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || errno != 0)
		return -1;
	*out = v;
	return 0;
}

int
parse_double_range(const char *s, double lo, double hi, double *out)
{
	double v;

	if (convert(s, 1, &v, NULL) != 0 || !isfinite(v) || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}
