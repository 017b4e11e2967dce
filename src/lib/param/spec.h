/*
 * One parameter of a table of parameters: its config key, its flag, its
 * type and limits, and how its text and JSON are read and written.  The
 * model (model/params.h) and the LLM (llm/params.h) each have a table of
 * their own; config/params.h joins them into simrun's one table.
 */
#ifndef SIM_PARAM_SPEC_H
#define SIM_PARAM_SPEC_H

#include <stddef.h>

#include "io/jsonw.h"

/* A double parameter that was given as its word ("default"): not sent. */
#define PARAM_WORD_VALUE (-1.0)

enum param_type { PARAM_INT, PARAM_DOUBLE, PARAM_SEED, PARAM_ENUM,
	PARAM_STRING,
	PARAM_BOOL };              /* a flag without a value; true/false in JSON */

/* One parameter: its config key, its flag (key with '-' for '_'), limits. */
struct param_spec {
	const char *key;
	const char *flag;
	enum param_type type;
	size_t offset;             /* in the struct of its table */
	double lo, hi;             /* PARAM_STRING: hi is the buffer size */
	const char *const *names;  /* PARAM_ENUM: value i is names[i] */
	const char *expect;        /* what a valid value looks like */
	const char *word;          /* PARAM_DOUBLE: a word taken instead of a
	                              number, stored as PARAM_WORD_VALUE */
	/* PARAM_STRING: a check of the text beyond its length (NULL: any) */
	int (*valid)(const char *text);
	/* PARAM_STRING: the value shown in JSON and text, given the struct of
	 * its table (a default resolved); NULL: the field, null if empty */
	const char *(*shown)(const void *table);
	/*
	 * > 0: the parameter makes a run what it is.  A run's start line
	 * names it first, in this order, and a resumed experiment's run files
	 * must agree with config.json on it (simcfg --shaping-keys lists them).
	 */
	int shape;
	/* the start line writes it in its agent kind's part (a value as the
	 * agent resolved it, a count), not among the rest */
	int agent_block;
	/* set where tables are joined (config/params.c): where the struct of
	 * its table stands in the joined struct, and which table it is */
	size_t base;
	int part;
};

/* Helpers for tables: a field's offset; a text field's offset and size
 * (designated initializers: .offset, .lo and .hi). */
#define PARAM_FIELD(type, name) offsetof(type, name)
#define PARAM_TEXT(type, name) .offset = offsetof(type, name), .lo = 1, \
	.hi = sizeof(((type *)0)->name)

/*
 * The functions take the struct the spec's offsets are in: a table's own
 * struct, or the joined struct for a spec of the joined table.
 */
/* Sets one parameter from its text form; -1 when the text is not valid. */
int param_set_text(void *params, const struct param_spec *s,
    const char *text);
/* "key": value, as config.json holds it (an empty string is null). */
void param_put_json(struct jw *w, const void *params,
    const struct param_spec *s);
/* The value as a flag would take it, into buf. */
void param_text(const void *params, const struct param_spec *s, char *buf,
    size_t len);
/* 1 when the parameter is a text left empty (and not shown otherwise). */
int param_unset(const void *params, const struct param_spec *s);

/* The highest shape among the n specs of t (shapes are 1, 2, ...). */
int param_shape_max(const struct param_spec *t, size_t n);
/*
 * "key": value for each spec of t that has a shape and whose agent_block
 * is agent_block, in shape order (the first keys of a start line).
 */
void param_put_shape(struct jw *w, const void *params,
    const struct param_spec *t, size_t n, int agent_block);

/* The index of text among NULL-ended names, or -1. */
int param_name_index(const char *const *names, const char *text);

#endif
