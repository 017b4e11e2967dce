/* A small JSON Lines writer: build one line in memory, then write it. */
#ifndef SIM_IO_JSONW_H
#define SIM_IO_JSONW_H

#include <stddef.h>
#include <stdio.h>

#define JW_MAX_DEPTH 16

struct jw {
	char *buf;
	size_t len, cap;
	int depth;
	int need_comma[JW_MAX_DEPTH];
	int failed;       /* an allocation failed or nesting went too deep */
};

void jw_init(struct jw *w);
void jw_free(struct jw *w);
void jw_reset(struct jw *w);

void jw_object_begin(struct jw *w);
void jw_object_end(struct jw *w);
void jw_array_begin(struct jw *w);
void jw_array_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_int(struct jw *w, long long v);
void jw_uint(struct jw *w, unsigned long long v);
void jw_double(struct jw *w, double v);
void jw_bool(struct jw *w, int v);
void jw_null(struct jw *w);
void jw_string(struct jw *w, const char *s);
void jw_string_n(struct jw *w, const char *s, size_t n);

void jw_kv_int(struct jw *w, const char *key, long long v);
void jw_kv_double(struct jw *w, const char *key, double v);
void jw_kv_bool(struct jw *w, const char *key, int v);
void jw_kv_string(struct jw *w, const char *key, const char *s);
/* n keys and their values, in order. */
void jw_kv_doubles(struct jw *w, const char *const *keys, const double *v,
    size_t n);
void jw_kv_ints(struct jw *w, const char *const *keys, const long long *v,
    size_t n);

/* Shortest decimal that reads back as the same double; "null" if none. */
int jw_format_double(double v, char *out, size_t outlen);

/* The text built so far, NUL-terminated (for request bodies). */
const char *jw_text(struct jw *w, size_t *len);

/* Writes the line and a newline, resets the writer; -1 on any failure. */
int jw_write_line(struct jw *w, FILE *f);

#endif
