/*
 * Plain JSON: the scalars, strings and flat objects simrun writes,
 * scanned in place without building jansson objects (see plainjson.h).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runfile/plainjson.h"

/* s[0..len-1] is only JSON whitespace. */
int
plain_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

/* The end of a JSON number token at p, or NULL; *integral if no . or e. */
const char *
plain_scan_number(const char *p, int *integral)
{
	*integral = 1;
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {
		*integral = 0;
		if (*++p < '0' || *p > '9')
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		*integral = 0;
		if (*++p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return p;
}


/* A string's end (its closing quote) from after its opening one; NULL
 * for an escape, a control or a non-ASCII byte (jansson's to judge). */
const char *
plain_string(const char *p)
{
	for (;; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"')
			return p;
		if (c < 0x20 || c >= 0x80 || c == '\\')
			return NULL;
	}
}

/*
 * A decimal of at most 15 significant digits and a power of ten within
 * 10^22 is exactly m * 10^e or m / 10^-e, both exact, in one rounding:
 * strtod's result (Clinger's fast path); 0 when it is not such a number.
 */
static int
exact_decimal(const char *p, const char *end, double *v)
{
	static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6,
	    1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
	    1e18, 1e19, 1e20, 1e21, 1e22 };
	uint64_t m = 0;
	int digits = 0, e = 0, after = 0;

	for (; p < end && *p != 'e' && *p != 'E'; p++) {
		if (*p == '.') {
			after = 1;
			continue;
		}
		if (m == 0 && *p == '0') {
			e -= after;
			continue;
		}
		if (++digits > 15)
			return 0;
		m = m * 10 + (uint64_t)(*p - '0');
		e -= after;
	}
	if (p < end) {
		int x = 0, neg = 0;

		if (*++p == '-' || *p == '+')
			neg = *p++ == '-';
		for (; p < end; p++)
			if ((x = x * 10 + (*p - '0')) > 400)
				return 0;
		e += neg ? -x : x;
	}
	if (m == 0) {
		*v = 0;
		return 1;
	}
	if (e < -22 || e > 22)
		return 0;
	*v = e < 0 ? (double)m / pow10[-e] : (double)m * pow10[e];
	return 1;
}

/* A number's end and value, as jansson would take it; NULL otherwise. */
static const char *
plain_number(const char *p, double *v)
{
	int integral;
	const char *end = plain_scan_number(p, &integral);

	if (end == NULL)
		return NULL;
	if (*p != '-' && exact_decimal(p, end, v))
		return end;
	errno = 0;
	*v = strtod(p, NULL);
	if (errno != 0 || isinf(*v) ||
	    (integral && (fabs(*v) > 9e15 || *v == 0)))
		return NULL;
	return end;
}

/* A scalar value: its end; *kind 's', 'n', 't', 'f' or 'z' (null). */
const char *
plain_value(const char *p, int *kind, double *v)
{
	if (*p == '"') {
		*kind = 's';
		p = plain_string(p + 1);
		return p ? p + 1 : NULL;
	}
	if (strncmp(p, "true", 4) == 0)
		return *kind = 't', p + 4;
	if (strncmp(p, "false", 5) == 0)
		return *kind = 'f', p + 5;
	if (strncmp(p, "null", 4) == 0)
		return *kind = 'z', p + 4;
	*kind = 'n';
	return plain_number(p, v);
}

/* "initial" or "metrics": an object of numbers or null, or null. */
const char *
plain_metrics(const char *p, double *m)
{
	for (int i = 0; i < METRICS_N; i++)
		m[i] = NAN;
	if (strncmp(p, "null", 4) == 0)
		return p + 4;
	if (*p != '{')
		return NULL;
	if (p[1] == '}')
		return p + 2;
	do {
		const char *key = ++p, *close;
		int kind, i;
		double v = NAN;

		if (*key != '"' || (close = plain_string(key + 1)) == NULL ||
		    close[1] != ':')
			return NULL;
		if ((p = plain_value(close + 2, &kind, &v)) == NULL ||
		    (kind != 'n' && kind != 'z'))
			return NULL;
		for (i = 0; i < METRICS_N; i++)
			if ((size_t)(close - key - 1) == strlen(metrics_names[i]) &&
			    memcmp(key + 1, metrics_names[i],
			    (size_t)(close - key - 1)) == 0)
				break;
		if (i < METRICS_N)
			m[i] = kind == 'n' ? v : NAN;
	} while (*p == ',');
	return *p == '}' ? p + 1 : NULL;
}

/* A number token without a fraction or exponent: jansson's integer. */
int
plain_integer(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p == '.' || *p == 'e' || *p == 'E')
			return 0;
	return 1;
}

/* key[0..len-1] is name. */
int
plain_key_is(const char *key, size_t len, const char *name)
{
	return strlen(name) == len && memcmp(key, name, len) == 0;
}
