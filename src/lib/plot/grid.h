/*
 * The grid picture: cells as coloured squares (A and B in the
 * colour-blind-safe pair, empty cells light), from a matrix data file of
 * 0 (empty), 1 (A), 2 (B), row 0 on top.  Up to 100x100 every cell is its
 * own square; larger grids are drawn as one image.
 */
#ifndef SIM_PLOT_GRID_H
#define SIM_PLOT_GRID_H

#include <stddef.h>
#include <stdio.h>

#include "plot/batch.h"

/* Grids up to this side are drawn cell by cell (`with image pixels`). */
#define PLOT_GRID_CELLS_MAX 100

/* The side of a grid string of G*G cells of '.', 'A', 'B'; 0 if not one. */
int plot_grid_side(const char *grid);

/* Appends grid to f as a matrix block (G lines of G numbers). */
void plot_grid_matrix(FILE *f, const char *grid, int side);

/* The settings every grid figure shares (palette, ranges, key). */
void plot_grid_setup(FILE *script, int side);

/* The plot command of block `index` of data (-1: the whole file). */
void plot_grid_command(FILE *script, const char *data, int index, int side);

/* The plot command of frame i of a binary file of G*G bytes a frame. */
void plot_grid_frame(FILE *script, const char *bin, size_t i, int side);

/*
 * One grid figure: writes data (the matrix) and adds the figure to the
 * batch.  title and caption are shown; 0, or -1 with err.
 */
int plot_grid(struct plot_batch *b, const char *out, const char *data,
    const char *grid, const char *title, const char *caption, int width,
    int height, char *err, size_t errlen);

#endif
