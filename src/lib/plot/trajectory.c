/* The trajectory of a metric, mean and 95% band (see trajectory.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/atomicfile.h"
#include "plot/trajectory.h"
#include "stats/stats.h"

/* Writes one series' block: sweeps, mean, ci_lo, ci_hi, n. */
static int
write_series(FILE *f, const struct plot_series *s, int m, int until)
{
	size_t sweeps = 0, n;
	double *x = malloc((s->nruns + 1) * sizeof(double));
	struct stats st;

	if (x == NULL)
		return -1;
	for (size_t i = 0; i < s->nruns; i++)
		if (run_is_ok(s->runs[i]) && s->count[i] > sweeps)
			sweeps = s->count[i];
	fprintf(f, "# series: %s\n# sweeps mean ci_lo ci_hi n\n", s->label);
	for (size_t k = 0; k <= sweeps; k++) {
		n = 0;
		for (size_t i = 0; i < s->nruns; i++) {
			const struct run *r = s->runs[i];
			size_t c = s->count[i];

			if (!run_is_ok(r))
				continue;
			if (k == 0)
				x[n++] = r->initial[m];
			else if (k <= c)
				x[n++] = s->set.steps[s->first[i] + k - 1].m[m];
			else if (!until && c > 0)
				x[n++] = s->set.steps[s->first[i] + c - 1].m[m];
			else if (!until)
				x[n++] = r->final[m];
		}
		stats_compute(x, n, &st);
		if (st.n == 0)
			continue;
		if (st.n < 2)
			st.ci_lo = st.ci_hi = st.mean;
		fprintf(f, "%zu %.17g %.17g %.17g %zu\n", k, st.mean, st.ci_lo,
		    st.ci_hi, st.n);
	}
	free(x);
	return 0;
}

int
plot_trajectory(struct plot_batch *b, const char *out, const char *data,
    const struct plot_series *series, size_t nseries, int metric,
    int until_converged, const char *title, int width, int height,
    char *err, size_t errlen)
{
	const char *name = metrics_names[metric];
	struct atomic_file f;
	FILE *s = b->script;
	size_t runs = 0;

	if (atomic_open_err(&f, data, err, errlen) != 0)
		return -1;
	fprintf(f.f, "# %s: mean over ok runs and its 95%% confidence "
	    "interval by sweeps done (0 = initial grid); %s; one block per "
	    "series, blocks separated by two blank lines\n", name,
	    until_converged ? "a run counts only until it stops" :
	    "a run that stopped keeps its final value");
	for (size_t i = 0; i < nseries; i++) {
		if (i > 0)
			fputs("\n\n", f.f);
		if (write_series(f.f, &series[i], metric,
		    until_converged) != 0) {
			atomic_abort(&f);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		runs += plot_series_ok(&series[i]);
	}
	if (atomic_commit_err(&f, err, errlen) != 0)
		return -1;
	if (plot_figure(b, out, width, height, 0, err, errlen) != 0)
		return -1;
	fputs("set title ", s);
	plot_str(s, title);
	fprintf(s, "\nset xlabel 'sweeps done (0 = initial grid)'\n"
	    "set ylabel '%s'\nset grid\nset key %s\nset bmargin 6\n"
	    "set autoscale xfix\n"
	    "set style fill transparent solid 0.25 noborder\n", name,
	    nseries > 1 ? "outside right top" : "top right");
	{
		char cap[512];

		snprintf(cap, sizeof(cap), "Mean of %zu ok run%s with its 95%% "
		    "confidence band.\n%s", runs, runs == 1 ? "" : "s",
		    until_converged ? "Each run counts only until it stops "
		    "(--until-converged)." : "Runs that converged early keep "
		    "their final value after they stop.");
		plot_caption(s, cap);
	}
	fputs("plot ", s);
	for (size_t i = 0; i < nseries; i++) {
		const char *c = plot_series_colour(i);

		fputs(i ? ", \\\n  " : "", s);
		plot_str(s, data);
		fprintf(s, " index %zu using 1:3:4 with filledcurves "
		    "fc rgb '%s' notitle, ", i, c);
		plot_str(s, data);
		fprintf(s, " index %zu using 1:2 with lines lw 2 lc rgb '%s' "
		    "title ", i, c);
		plot_str(s, nseries > 1 ? series[i].label : "mean");
	}
	fputc('\n', s);
	return 0;
}
