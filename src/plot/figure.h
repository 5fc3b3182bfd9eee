/* The figure's data model, shared by figure.c (building) and render.c (drawing). */
#ifndef PRIMER_PLOT_FIGURE_H
#define PRIMER_PLOT_FIGURE_H

#include "plot/plot_internal.h"

typedef enum artist_kind {
    ART_LINE,
    ART_SCATTER,
    ART_CONTOUR,
    ART_RASTER, /* contourf, heatmap, image: an RGBA picture over an extent */
    ART_FILL,
    ART_HLINE,
    ART_VLINE,
    ART_TEXT,
    ART_ARROW,
    ART_BAR
} artist_kind;

typedef struct artist {
    artist_kind kind;
    pr_style style;          /* string fields point into the owned copies below */
    unsigned char rgb[3];    /* resolved main colour */
    unsigned char edge[3];
    int has_edge;
    char *label, *text;
    int64_t n;
    double *x, *y, *y2;      /* points; y2 is the lower curve of a fill */
    unsigned char *point_rgb; /* per-point colours (3 bytes each) for class/value scatter */
    unsigned char *mask;      /* fill_between: where to fill (NULL: everywhere) */
    /* contour lines: the grid, levels and one colour per level */
    double *z;
    pr_grid grid;
    double *levels;
    int n_levels;
    unsigned char *level_rgb;
    /* raster: RGBA pixels and the data extent they cover */
    unsigned char *rgba;
    int64_t pw, ph;
    double ex0, ex1, ey0, ey1;
    int pixelated;
    char *cell_format;       /* heatmap annotations: values in z, pw x ph cells */
    double width;            /* bars */
} artist;

typedef struct legend_entry {
    char *text;
    size_t artist;           /* index of the artist it samples */
    unsigned char rgb[3];    /* colour (class entries of a scatter differ per entry) */
} legend_entry;

struct pr_axes {
    artist *arts;
    size_t n_arts, cap_arts;
    legend_entry *legend;
    size_t n_legend, cap_legend;
    char *title, *xlabel, *ylabel;
    int has_xlim, has_ylim;
    double xlim[2], ylim[2];
    int log_x, log_y;
    double grid_alpha;
    int equal_aspect, axis_off, invert_y;
    pr_legend_loc legend_loc;
    int64_t n_xticks, n_yticks;
    double *xtick_pos, *ytick_pos;
    char **xtick_labels, **ytick_labels;
    int next_color;
    /* the colour scale of the last mappable artist, and the colour bar */
    int has_mappable;
    pr_colormap map_cmap;
    double map_lo, map_hi;
    double *map_levels; /* band boundaries of a contourf, else NULL */
    int map_n_levels;
    int has_colorbar;
    char *colorbar_label;
    double colorbar_shrink;
};

struct pr_figure {
    int rows, cols;
    double width, height;
    char *suptitle;
    pr_axes *axes; /* rows * cols, row-major */
};

#endif
