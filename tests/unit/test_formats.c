/* The text formats: JSON writer, run id lists, parameter values. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "io/jsonw.h"
#include "config/params.h"
#include "config/runids.h"

static void
line_of(struct jw *w, char *out, size_t len)
{
	FILE *f = fmemopen(out, len, "w");

	if (f == NULL || jw_write_line(w, f) != 0 || fclose(f) != 0) {
		fprintf(stderr, "fmemopen failed\n");
		exit(2);
	}
}

static void
structure(void)
{
	struct jw w;
	char out[256];

	jw_init(&w);
	jw_object_begin(&w);
	jw_kv_string(&w, "event", "end");
	jw_kv_int(&w, "n", -3);
	jw_key(&w, "m");
	jw_object_begin(&w);
	jw_kv_bool(&w, "t", 1);
	jw_key(&w, "z");
	jw_null(&w);
	jw_object_end(&w);
	jw_kv_double(&w, "d", 0.5);
	jw_object_end(&w);
	line_of(&w, out, sizeof(out));
	CHECK(strcmp(out, "{\"event\":\"end\",\"n\":-3,\"m\":{\"t\":true,"
	    "\"z\":null},\"d\":0.5}\n") == 0, "nested object with commas");
	jw_object_begin(&w);
	jw_kv_string(&w, "s", "q\"b\\n\nt\t\x01");
	jw_object_end(&w);
	line_of(&w, out, sizeof(out));
	CHECK(strcmp(out, "{\"s\":\"q\\\"b\\\\n\\nt\\t\\u0001\"}\n") == 0,
	    "strings are escaped");
	jw_free(&w);
}

static void
doubles_round_trip(void)
{
	double values[] = { 0.1, 1.0 / 3, 0.35000000000000003, 1e-300,
	    2.5e15, 0.19999999999999998, 123456.789, 0 };
	char buf[40];
	int ok = 1;

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		jw_format_double(values[i], buf, sizeof(buf));
		ok &= strtod(buf, NULL) == values[i];
	}
	CHECK(ok, "doubles read back exactly");
	jw_format_double(0.1, buf, sizeof(buf));
	CHECK(strcmp(buf, "0.1") == 0, "0.1 prints shortest (%s)", buf);
	jw_format_double(NAN, buf, sizeof(buf));
	CHECK(strcmp(buf, "null") == 0, "NaN prints as null");
}

static void
run_ids(void)
{
	struct runids ids;

	CHECK(runids_parse("7", &ids) == 0 && runids_total(&ids) == 1,
	    "run id N");
	runids_free(&ids);
	CHECK(runids_parse("0-999", &ids) == 0 && runids_total(&ids) == 1000,
	    "run ids N-M");
	runids_free(&ids);
	CHECK(runids_parse("1,5,7-9", &ids) == 0 && runids_total(&ids) == 5 &&
	    ids.ranges[2].first == 7 && ids.ranges[2].last == 9,
	    "a comma list of ids and ranges");
	runids_free(&ids);
	CHECK(runids_parse("", &ids) == -1 && runids_parse("-1", &ids) == -1 &&
	    runids_parse("5-3", &ids) == -1 && runids_parse("1,,2", &ids) == -1 &&
	    runids_parse("1,", &ids) == -1 && runids_parse("x", &ids) == -1 &&
	    runids_parse("1-2-3", &ids) == -1 && runids_parse(" 1", &ids) == -1 &&
	    runids_parse("99999999999", &ids) == -1, "malformed lists rejected");
}

static void
parameters(void)
{
	struct sim_params p;
	const struct param_spec *g = param_by_flag("grid-size");
	const struct param_spec *t = param_by_flag("similarity-threshold");
	const struct param_spec *s = param_by_flag("seed");

	params_defaults(&p);
	CHECK(p.model.grid_size == 20 && p.model.num_type_a == 160 && p.model.num_type_b == 160 &&
	    p.model.max_steps == 1000 && p.model.no_move_threshold == 5,
	    "defaults are the production geometry");
	CHECK(param_set_text(&p, g, "0") == -1 && param_set_text(&p, g, "-3") == -1 &&
	    param_set_text(&p, g, "10x") == -1 && param_set_text(&p, g, "") == -1 &&
	    param_set_text(&p, g, " 10") == -1 && param_set_text(&p, g, "+10") == -1,
	    "bad grid sizes rejected");
	CHECK(param_set_text(&p, g, "10") == 0 && p.model.grid_size == 10, "grid 10");
	CHECK(param_set_text(&p, t, "1.5") == -1 && param_set_text(&p, t, "nan") == -1 &&
	    param_set_text(&p, t, "0.25") == 0 && p.model.similarity_threshold == 0.25,
	    "threshold must lie in [0, 1]");
	CHECK(param_set_text(&p, s, "9007199254740992") == -1 &&
	    param_set_text(&p, s, "9007199254740991") == 0,
	    "seeds stop at 2^53-1");
	p.model.num_type_a = 60;
	p.model.num_type_b = 41;
	{
		char err[256];

		CHECK(params_check(&p, err, sizeof(err)) == -1 &&
		    strstr(err, "101 agents") != NULL,
		    "A+B > G^2 is refused: %s", err);
	}
}

int
main(void)
{
	structure();
	doubles_round_trip();
	run_ids();
	parameters();
	return check_done();
}
