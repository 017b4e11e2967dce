/*
 * A JSON Lines writer: one line built in a buffer, floats in their
 * shortest exact form (see jsonw.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/jsonw.h"

void
jw_init(struct jw *w)
{
	memset(w, 0, sizeof(*w));
}

void
jw_free(struct jw *w)
{
	free(w->buf);
	jw_init(w);
}

void
jw_reset(struct jw *w)
{
	w->len = 0;
	w->depth = 0;
	w->need_comma[0] = 0;
	w->failed = 0;
}

static void
append(struct jw *w, const char *s, size_t n)
{
	if (w->failed)
		return;
	if (w->len + n + 2 > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		char *p;

		while (w->len + n + 2 > cap)
			cap *= 2;
		if ((p = realloc(w->buf, cap)) == NULL) {
			w->failed = 1;
			return;
		}
		w->buf = p;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

/* Every value but a key's starts here: a comma if a sibling came before. */
static void
value_prefix(struct jw *w)
{
	if (w->need_comma[w->depth])
		append(w, ",", 1);
	w->need_comma[w->depth] = 1;
}

static void
open_container(struct jw *w, const char *bracket)
{
	value_prefix(w);
	append(w, bracket, 1);
	if (w->depth + 1 >= JW_MAX_DEPTH) {
		w->failed = 1;
		return;
	}
	w->need_comma[++w->depth] = 0;
}

static void
close_container(struct jw *w, const char *bracket)
{
	append(w, bracket, 1);
	if (w->depth > 0)
		w->depth--;
}

void
jw_object_begin(struct jw *w)
{
	open_container(w, "{");
}

void
jw_object_end(struct jw *w)
{
	close_container(w, "}");
}

void
jw_array_begin(struct jw *w)
{
	open_container(w, "[");
}

void
jw_array_end(struct jw *w)
{
	close_container(w, "]");
}

void
jw_key(struct jw *w, const char *key)
{
	jw_string(w, key);
	append(w, ":", 1);
	/* the value that follows must not add a comma */
	w->need_comma[w->depth] = 0;
}

void
jw_int(struct jw *w, long long v)
{
	char b[32];

	value_prefix(w);
	append(w, b, (size_t)snprintf(b, sizeof(b), "%lld", v));
}

void
jw_uint(struct jw *w, unsigned long long v)
{
	char b[32];

	value_prefix(w);
	append(w, b, (size_t)snprintf(b, sizeof(b), "%llu", v));
}

int
jw_format_double(double v, char *out, size_t outlen)
{
	if (!isfinite(v))
		return snprintf(out, outlen, "null");
	for (int precision = 15; precision < 17; precision++) {
		int n = snprintf(out, outlen, "%.*g", precision, v);

		if (strtod(out, NULL) == v)
			return n;
	}
	return snprintf(out, outlen, "%.17g", v);
}

void
jw_double(struct jw *w, double v)
{
	char b[40];

	value_prefix(w);
	append(w, b, (size_t)jw_format_double(v, b, sizeof(b)));
}

void
jw_bool(struct jw *w, int v)
{
	value_prefix(w);
	if (v)
		append(w, "true", 4);
	else
		append(w, "false", 5);
}

void
jw_null(struct jw *w)
{
	value_prefix(w);
	append(w, "null", 4);
}

void
jw_string(struct jw *w, const char *s)
{
	jw_string_n(w, s, strlen(s));
}

void
jw_string_n(struct jw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	value_prefix(w);
	append(w, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		char esc[7] = { '\\', 0, 0, 0, 0, 0, 0 };
		size_t elen = 2;

		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		append(w, s + run, i - run);
		run = i + 1;
		switch (ch) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[ch >> 4];
			esc[5] = hex[ch & 15];
			elen = 6;
		}
		append(w, esc, elen);
	}
	append(w, s + run, n - run);
	append(w, "\"", 1);
}

void
jw_kv_int(struct jw *w, const char *key, long long v)
{
	jw_key(w, key);
	jw_int(w, v);
}

void
jw_kv_double(struct jw *w, const char *key, double v)
{
	jw_key(w, key);
	jw_double(w, v);
}

void
jw_kv_bool(struct jw *w, const char *key, int v)
{
	jw_key(w, key);
	jw_bool(w, v);
}

void
jw_kv_string(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_string(w, s);
}

const char *
jw_text(struct jw *w, size_t *len)
{
	if (w->failed || w->buf == NULL)
		return NULL;
	w->buf[w->len] = '\0';
	*len = w->len;
	return w->buf;
}

int
jw_write_line(struct jw *w, FILE *f)
{
	int failed;

	append(w, "\n", 1);
	failed = w->failed || fwrite(w->buf, 1, w->len, f) != w->len;
	jw_reset(w);
	return failed ? -1 : 0;
}

void
jw_kv_doubles(struct jw *w, const char *const *keys, const double *v,
    size_t n)
{
	for (size_t i = 0; i < n; i++)
		jw_kv_double(w, keys[i], v[i]);
}

void
jw_kv_ints(struct jw *w, const char *const *keys, const long long *v,
    size_t n)
{
	for (size_t i = 0; i < n; i++)
		jw_kv_int(w, keys[i], v[i]);
}
