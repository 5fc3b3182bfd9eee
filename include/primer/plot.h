/* primer/plot.h — SVG figures for every picture in the book.
 *
 * A figure is a grid of panels (axes). Each axes collects artists — lines,
 * scatter points, contour lines, filled contours, heatmaps, images, filled
 * bands, reference lines, text and arrows — and draws them with ticks, labels,
 * a title, a legend and an optional colour bar. Data arrays are copied when an
 * artist is added, so the caller may free them at once. Saving writes one
 * self-contained SVG file (raster artists are embedded as PNG) that opens in
 * any browser.
 *
 * Text may contain simple math between $...$: _x or _{xy} for subscripts,
 * ^x or ^{xy} for superscripts, and \alpha, \beta, \lambda, \nabla, ... for
 * Greek letters and symbols ("$w_1$", "$\sigma^2$").
 *
 *     pr_figure *fig;
 *     pr_figure_new(&fig, 1, 1, 800, 600);
 *     pr_axes *ax = pr_figure_axes(fig, 0, 0);
 *     pr_axes_line(ax, x, y, n, &(pr_style){.color = "red", .label = "path"});
 *     pr_axes_set_title(ax, "Gradient descent");
 *     pr_figure_save_svg(fig, "gd.svg");
 *     pr_figure_free(fig);
 */
#ifndef PRIMER_PLOT_H
#define PRIMER_PLOT_H

#include "primer/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pr_figure pr_figure;
typedef struct pr_axes pr_axes;

typedef enum pr_dash {
    PR_DASH_SOLID,    /* "-"  */
    PR_DASH_DASHED,   /* "--" */
    PR_DASH_DASHDOT,  /* "-." */
    PR_DASH_DOTTED,   /* ":"  */
    PR_DASH_NONE      /* markers only */
} pr_dash;

typedef enum pr_marker {
    PR_MARKER_NONE,
    PR_MARKER_POINT,   /* "." */
    PR_MARKER_CIRCLE,  /* "o" */
    PR_MARKER_SQUARE,  /* "s" */
    PR_MARKER_TRIANGLE,/* "^" */
    PR_MARKER_STAR,    /* "*" */
    PR_MARKER_CROSS    /* "x" */
} pr_marker;

typedef enum pr_colormap {
    PR_CMAP_VIRIDIS,
    PR_CMAP_RDBU_R,  /* red-blue reversed: blue low, red high */
    PR_CMAP_BLUES,
    PR_CMAP_GRAY,
    PR_CMAP_COUNT
} pr_colormap;

/* How an artist looks: overrides of the axes' style, so unlike the configs of the
 * other headers a zero field means "inherit" (a width, size or alpha of 0 would draw
 * nothing). Zero-initialise for the inherited style: the next colour of the
 * axes' cycle, solid line 1.5 px, no markers, opaque, no legend entry. */
typedef struct pr_style {
    const char *color;      /* "#1f77b4", "red", "C0".."C9" (the cycle); NULL: next in cycle */
    const char *edge_color; /* marker/scatter outline; NULL: none */
    double line_width;      /* px; 0: 1.5 */
    pr_dash dash;
    pr_marker marker;
    double marker_size;     /* px (diameter); 0: 6 (scatter 7) */
    double alpha;           /* 0..1; 0 means 1 */
    const char *label;      /* legend text; NULL: no entry */
    double font_size;       /* text only; 0: 12 */
} pr_style;

typedef enum pr_legend_loc {
    PR_LEGEND_BEST,         /* the corner covering the fewest points */
    PR_LEGEND_UPPER_RIGHT,
    PR_LEGEND_UPPER_LEFT,
    PR_LEGEND_LOWER_LEFT,
    PR_LEGEND_LOWER_RIGHT,
    PR_LEGEND_NONE
} pr_legend_loc;

/* A function sampled on a regular grid: z[j * nx + i] is the value at
 * x = x0 + i (x1 - x0) / (nx - 1), y = y0 + j (y1 - y0) / (ny - 1). */
typedef struct pr_grid {
    const double *z;
    int64_t nx, ny;
    double x0, x1, y0, y1;
} pr_grid;

/* ---- figures ---------------------------------------------------------------------- */

/* A figure of rows x cols panels, width x height pixels (the book's 8 x 6 inch
 * figure is 800 x 600). Free with pr_figure_free(). */
pr_status pr_figure_new(pr_figure **out, int rows, int cols, double width, double height);
void pr_figure_free(pr_figure *fig);
/* The panel at (row, col); NULL when out of range. Owned by the figure. */
pr_axes *pr_figure_axes(pr_figure *fig, int row, int col);
/* A title above all panels. */
pr_status pr_figure_suptitle(pr_figure *fig, const char *title);
/* Render to a new NUL-terminated SVG string (free with free()). */
pr_status pr_figure_to_svg(const pr_figure *fig, char **svg, size_t *len);
/* Render and write atomically to `path`. */
pr_status pr_figure_save_svg(const pr_figure *fig, const char *path);

/* ---- axes settings ------------------------------------------------------------------- */

pr_status pr_axes_set_title(pr_axes *ax, const char *title);
pr_status pr_axes_set_xlabel(pr_axes *ax, const char *label);
pr_status pr_axes_set_ylabel(pr_axes *ax, const char *label);
/* Fixed data limits (otherwise fitted to the artists with a 5% margin). */
void pr_axes_set_xlim(pr_axes *ax, double lo, double hi);
void pr_axes_set_ylim(pr_axes *ax, double lo, double hi);
/* Base-10 logarithmic axes; non-positive values are left out. */
void pr_axes_set_log(pr_axes *ax, int log_x, int log_y);
/* Grid lines at the ticks with the given opacity (0: off). */
void pr_axes_set_grid(pr_axes *ax, double alpha);
/* One data unit is as long on x as on y. */
void pr_axes_set_equal_aspect(pr_axes *ax, int on);
/* Hide the frame, ticks and labels (for image panels). */
void pr_axes_set_axis_off(pr_axes *ax, int off);
void pr_axes_set_legend(pr_axes *ax, pr_legend_loc loc);
/* Tick labels from strings at the given positions (NULL positions: 0, 1, 2, ...). */
pr_status pr_axes_set_xticks(pr_axes *ax, int64_t n, const double *positions, const char *const *labels);
pr_status pr_axes_set_yticks(pr_axes *ax, int64_t n, const double *positions, const char *const *labels);

/* ---- artists --------------------------------------------------------------------- */

/* A polyline through (x[i], y[i]); NaN breaks it. With a marker, markers too. */
pr_status pr_axes_line(pr_axes *ax, const double *x, const double *y, int64_t n, const pr_style *style);
/* Points of one colour. */
pr_status pr_axes_scatter(pr_axes *ax, const double *x, const double *y, int64_t n,
                          const pr_style *style);
/* Points coloured by integer class (the 10-colour cycle); one legend entry per
 * class when class_names is given (class_names[c] for class c, n_classes of them). */
pr_status pr_axes_scatter_classes(pr_axes *ax, const double *x, const double *y, const int *classes,
                                  int64_t n, const char *const *class_names, int n_classes,
                                  const pr_style *style);
/* Points coloured by value through a colour map over [vmin, vmax] (vmin == vmax: data range). */
pr_status pr_axes_scatter_values(pr_axes *ax, const double *x, const double *y, const double *values,
                                 int64_t n, pr_colormap cmap, double vmin, double vmax,
                                 const pr_style *style);
/* Contour lines at `levels` (n_levels values; levels NULL: n_levels evenly spaced
 * over the data range). Coloured by `cmap`, or all in style->color when set. */
pr_status pr_axes_contour(pr_axes *ax, const pr_grid *grid, const double *levels, int n_levels,
                          pr_colormap cmap, const pr_style *style);
/* Filled contours: bands between consecutive levels (n_levels + 1 boundaries
 * when levels is NULL: n_levels bands over the data range), drawn as an image. */
pr_status pr_axes_contourf(pr_axes *ax, const pr_grid *grid, const double *levels, int n_levels,
                           pr_colormap cmap, double alpha);
/* A matrix as coloured cells, row 0 at the top, over [vmin, vmax] (equal: data
 * range). cell_format (e.g. "%.2f") writes each value in its cell; NULL: none. */
pr_status pr_axes_heatmap(pr_axes *ax, const double *z, int64_t rows, int64_t cols, pr_colormap cmap,
                          double vmin, double vmax, const char *cell_format);
/* An image (rows x cols intensities), pixels kept sharp, row 0 at the top. */
pr_status pr_axes_image(pr_axes *ax, const double *pixels, int64_t rows, int64_t cols,
                        pr_colormap cmap, double vmin, double vmax);
/* A colour bar for the colour map and range of the last contourf, heatmap,
 * image or value scatter on this axes; `shrink` scales its height (0: 1). */
pr_status pr_axes_colorbar(pr_axes *ax, const char *label, double shrink);
/* Fill between y1 and y2 where where[i] != 0 (where NULL: everywhere). */
pr_status pr_axes_fill_between(pr_axes *ax, const double *x, const double *y1, const double *y2,
                               const unsigned char *where, int64_t n, const pr_style *style);
/* A horizontal line at y / a vertical line at x across the whole axes. */
pr_status pr_axes_hline(pr_axes *ax, double y, const pr_style *style);
pr_status pr_axes_vline(pr_axes *ax, double x, const pr_style *style);
/* Text at data coordinates (x, y), its left end at the point. */
pr_status pr_axes_text(pr_axes *ax, double x, double y, const char *text, const pr_style *style);
/* An arrow from (x0, y0) to (x1, y1), head at the end. */
pr_status pr_axes_arrow(pr_axes *ax, double x0, double y0, double x1, double y1, const pr_style *style);
/* Vertical bars of `width` centred at x[i], from 0 to height[i]. */
pr_status pr_axes_bar(pr_axes *ax, const double *x, const double *height, int64_t n, double width,
                      const pr_style *style);

/* ---- colour maps --------------------------------------------------------------------- */

/* RGB (0..255) of the colour map at t in [0, 1] (clamped). */
void pr_colormap_rgb(pr_colormap cmap, double t, unsigned char rgb[3]);
/* "viridis", "RdBu_r", "Blues", "gray". */
const char *pr_colormap_name(pr_colormap cmap);

#ifdef __cplusplus
}
#endif

#endif /* PRIMER_PLOT_H */
