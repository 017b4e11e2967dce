/* The predecessor's seven segregation metrics, each O(G^2). */
#ifndef SIM_MODEL_METRICS_H
#define SIM_MODEL_METRICS_H

#include <stdint.h>

/* The metrics in the order simrun prints them, and which are counts. */
#define METRICS_N 7
extern const char *const metrics_names[METRICS_N];
extern const int metrics_whole[METRICS_N];

struct metrics {
	int clusters;
	double switch_rate;
	double distance;
	double mix_deviation;
	double share;
	int ghetto_rate;
	double dissimilarity_index;
};

/* m's values in metrics_names' order (counts as doubles). */
void metrics_values(const struct metrics *m, double v[METRICS_N]);

/* Scratch space for one grid size, so a step allocates nothing. */
struct metrics_work;

struct metrics_work *metrics_work_new(int size);
void metrics_work_free(struct metrics_work *mw);

/* cell: size*size values, -1 empty, 0 or 1, row-major. */
void metrics_compute(struct metrics_work *mw, const int8_t *cell,
    struct metrics *m);

/* Occupied Moore neighbours of cell i, alike and unlike its occupant. */
void moore_counts(const int8_t *cell, int size, int i, int *like,
    int *unlike);

#endif
