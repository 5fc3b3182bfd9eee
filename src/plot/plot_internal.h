/* Private pieces of the figure module, exposed to its tests. */
#ifndef PRIMER_PLOT_INTERNAL_H
#define PRIMER_PLOT_INTERNAL_H

#include "core/internal.h"
#include "primer/plot.h"

/* ---- colours ---------------------------------------------------------------- */

/* Parse "#rgb", "#rrggbb", a named colour ("red", "tab:blue", "k") or "C0".."C9".
 * Returns 1 on success. */
int pr__parse_color(const char *s, unsigned char rgb[3]);
/* Colour i of the 10-colour cycle (matplotlib's tab10). */
void pr__cycle_color(int i, unsigned char rgb[3]);

/* ---- PNG and base64 (for raster artists embedded in SVG) ---------------------------- */

uint32_t pr__crc32(const unsigned char *data, size_t len);
uint32_t pr__adler32(const unsigned char *data, size_t len);
/* Encode w x h RGBA pixels (row 0 at the top) as a PNG (uncompressed deflate blocks). */
pr_status pr__png_encode_rgba(const unsigned char *rgba, int64_t w, int64_t h, unsigned char **out,
                              size_t *len);
void pr__base64_append(pr_strbuf *sb, const unsigned char *data, size_t len);

/* ---- contours ------------------------------------------------------------------ */

typedef struct pr__segment {
    double x0, y0, x1, y1;
} pr__segment;

/* Marching squares: the line segments where the grid's function crosses `level`
 * (saddles resolved by the cell's centre value; cells with NaN skipped). */
pr_status pr__contour_segments(const pr_grid *grid, double level, pr__segment **segs, size_t *n);

/* ---- text and ticks ---------------------------------------------------------------- */

/* Append text as SVG character data: XML-escaped, with $...$ math turned into
 * tspans (sub/superscripts) and Greek letters. */
void pr__svg_text_markup(pr_strbuf *sb, const char *text);
/* Approximate rendered width in px of text at font size `size`. */
double pr__text_width(const char *text, double size);
/* "Nice" ticks covering [lo, hi]: about `target` multiples of 1, 2, 2.5 or 5 x 10^k.
 * Writes at most max ticks; returns the count and the step. */
int pr__nice_ticks(double lo, double hi, int target, double *ticks, int max, double *step);
/* Tick label for v on an axis whose ticks are `step` apart. */
void pr__tick_label(double v, double step, char *buf, size_t len);

#endif
