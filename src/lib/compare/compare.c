/* A comparison: its tests and its four files (see compare.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "compare/read.h"
#include "compare/tests.h"
#include "io/atomicfile.h"
#include "io/fs.h"
#include "io/msg.h"
#include "io/path.h"

enum { OUT_COMPARISON, OUT_TESTS, OUT_RANKING, OUT_MD, N_OUT };

static const char *const out_names[N_OUT] = {
	"comparison.csv", "tests.csv", "ranking.csv", "comparison.md"
};

static int
write_outputs(const struct comparison *s, const struct compare_options *o,
    const struct metric_result *mrs)
{
	struct atomic_file af[N_OUT];
	int opened = 0, rc = 0;
	struct stat sb;

	if (stat(o->outdir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		if (fs_mkdir_p(o->outdir) != 0) {
			msg(s->prog, "cannot create output directory %s: %s", o->outdir,
			    strerror(errno));
			return EX_CANTCREAT;
		}
	}
	for (; opened < N_OUT; opened++) {
		char *path = path_join(o->outdir, out_names[opened]);

		if (path == NULL) {
			rc = msg_oom(s->prog, NULL);
			break;
		}
		if (atomic_open(&af[opened], path) != 0) {
			msg(s->prog, "cannot create %s: %s", path, strerror(errno));
			free(path);
			rc = EX_CANTCREAT;
			break;
		}
		free(path);
	}
	if (rc == 0) {
		write_comparison_csv(af[OUT_COMPARISON].f, s, o);
		write_tests_csv(af[OUT_TESTS].f, s, mrs, o->nmetric);
		write_ranking_csv(af[OUT_RANKING].f, s, mrs, o->nmetric);
		write_markdown(af[OUT_MD].f, s, o, mrs);
		for (int i = 0; i < N_OUT; i++)
			if (ferror(af[i].f)) {
				msg(s->prog, "cannot write %s/%s: %s", o->outdir,
				    out_names[i], strerror(errno));
				rc = EX_IOERR;
			}
	}
	for (int i = 0; i < opened; i++) {
		if (rc != 0) {
			atomic_abort(&af[i]);
		} else if (atomic_commit(&af[i]) != 0) {
			msg(s->prog, "cannot write %s/%s: %s", o->outdir, out_names[i],
			    strerror(errno));
			rc = EX_IOERR;
		}
	}
	return rc;
}

int
comparison_run(struct comparison *s, const struct compare_options *o)
{
	struct metric_result *mrs;
	size_t failed = 0, incomplete = 0;
	int rc = 0, nm = 0;

	for (size_t i = 0; i < s->n && rc == 0; i++)
		if ((rc = compare_read_experiment(&s->e[i])) == 0)
			rc = compare_collect(&s->e[i]);
	if (rc != 0)
		return rc == -1 ? msg_oom(s->prog, NULL) : rc;
	if ((mrs = calloc((size_t)o->nmetric, sizeof(*mrs))) == NULL)
		return msg_oom(s->prog, NULL);
	for (; nm < o->nmetric; nm++)
		if (compute_metric(s, o->metric[nm], &mrs[nm], o->alpha) != 0) {
			free_metric(s, &mrs[nm]);
			rc = msg_oom(s->prog, NULL);
			break;
		}
	if (rc == 0)
		rc = write_outputs(s, o, mrs);
	for (int i = 0; i < nm; i++)
		free_metric(s, &mrs[i]);
	free(mrs);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < s->n; i++) {
		failed += s->e[i].failed;
		incomplete += s->e[i].incomplete;
		if (s->e[i].failed || s->e[i].incomplete)
			msg(s->prog, "%s: %zu failed and %zu incomplete "
			    "runs left out of the comparison (finish them with "
			    "bin/llm_runner --resume %s)", s->e[i].dir,
			    s->e[i].failed, s->e[i].incomplete, s->e[i].dir);
	}
	printf("Compared %zu experiment%s on %d metric%s. Results saved to: %s\n",
	    s->n, s->n == 1 ? "" : "s", o->nmetric, o->nmetric == 1 ? "" : "s",
	    o->outdir);
	return failed || incomplete ? EX_TEMPFAIL : 0;
}
