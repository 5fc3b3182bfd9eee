/* Drawing a figure as SVG: layout, scales, ticks, artists, legend, colour bar. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot/figure.h"

#define MAX_TICKS 64
#define TICK_FONT 11.0
#define LABEL_FONT 12.5
#define TITLE_FONT 14.0

/* Where one axes is drawn and how data maps onto it. Limits are in the scale's
 * space (log10 of the data for a log axis). */
typedef struct frame {
    double bx, by, bw, bh; /* plot box, px */
    double xlo, xhi, ylo, yhi;
    int log_x, log_y, invert_y;
    int index;             /* panel number, for unique clip ids */
} frame;

typedef struct tick_set {
    int n;
    double pos[MAX_TICKS]; /* in data units */
    char label[MAX_TICKS][64];
    double step;
} tick_set;

static double scale_value(double v, int log_scale) {
    if (!log_scale) return v;
    return v > 0 ? log10(v) : NAN;
}

static double px_x(const frame *f, double x) {
    return f->bx + (scale_value(x, f->log_x) - f->xlo) / (f->xhi - f->xlo) * f->bw;
}

static double px_y(const frame *f, double y) {
    double t = (scale_value(y, f->log_y) - f->ylo) / (f->yhi - f->ylo);
    return f->invert_y ? f->by + t * f->bh : f->by + (1 - t) * f->bh;
}

static void rgb_hex(const unsigned char rgb[3], char out[8]) {
    snprintf(out, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

/* ---- limits ----------------------------------------------------------------------------- */

typedef struct bounds {
    int any;
    double lo, hi;
} bounds;

static void extend(bounds *b, double v, int log_scale) {
    v = scale_value(v, log_scale);
    if (!isfinite(v)) return;
    if (!b->any || v < b->lo) b->lo = v;
    if (!b->any || v > b->hi) b->hi = v;
    b->any = 1;
}

/* Limits of one axis (0: x, 1: y): raster and contour extents are "sticky" (no
 * margin past them); points get a 5% margin, as matplotlib does. */
static void axis_limits(const pr_axes *ax, int axis, double *lo, double *hi) {
    int log_scale = axis ? ax->log_y : ax->log_x;
    if (axis == 0 && ax->has_xlim) {
        *lo = scale_value(ax->xlim[0], log_scale);
        *hi = scale_value(ax->xlim[1], log_scale);
        if (isfinite(*lo) && isfinite(*hi)) return;
    }
    if (axis == 1 && ax->has_ylim) {
        *lo = scale_value(ax->ylim[0], log_scale);
        *hi = scale_value(ax->ylim[1], log_scale);
        if (isfinite(*lo) && isfinite(*hi)) return;
    }
    bounds sticky = {0}, loose = {0};
    for (size_t k = 0; k < ax->n_arts; k++) {
        const artist *a = &ax->arts[k];
        switch (a->kind) {
        case ART_CONTOUR:
            extend(&sticky, axis ? a->grid.y0 : a->grid.x0, log_scale);
            extend(&sticky, axis ? a->grid.y1 : a->grid.x1, log_scale);
            break;
        case ART_RASTER:
            extend(&sticky, axis ? a->ey0 : a->ex0, log_scale);
            extend(&sticky, axis ? a->ey1 : a->ex1, log_scale);
            break;
        case ART_HLINE:
            if (axis) extend(&loose, a->x[0], log_scale);
            break;
        case ART_VLINE:
            if (!axis) extend(&loose, a->x[0], log_scale);
            break;
        case ART_BAR:
            for (int64_t i = 0; i < a->n; i++) {
                if (axis) {
                    extend(&loose, a->y[i], log_scale);
                    if (!log_scale) extend(&sticky, 0, 0);
                } else {
                    extend(&loose, a->x[i] - a->width / 2, log_scale);
                    extend(&loose, a->x[i] + a->width / 2, log_scale);
                }
            }
            break;
        default:
            for (int64_t i = 0; i < a->n; i++) {
                extend(&loose, axis ? a->y[i] : a->x[i], log_scale);
                if (a->kind == ART_FILL && axis) extend(&loose, a->y2[i], log_scale);
            }
        }
    }
    if (!sticky.any && !loose.any) {
        *lo = log_scale ? 0 : 0;
        *hi = 1;
        return;
    }
    double l, h;
    if (loose.any) {
        double m = 0.05 * (loose.hi - loose.lo);
        if (m == 0) m = loose.lo != 0 ? 0.05 * fabs(loose.lo) : 0.5;
        l = loose.lo - m;
        h = loose.hi + m;
        if (sticky.any) { /* margins never push past a sticky edge the points lie within */
            l = loose.lo < sticky.lo ? l : sticky.lo;
            h = loose.hi > sticky.hi ? h : sticky.hi;
        }
    } else {
        l = sticky.lo;
        h = sticky.hi;
    }
    if (!(h > l)) {
        l -= 0.5;
        h += 0.5;
    }
    *lo = l;
    *hi = h;
}

/* ---- ticks ---------------------------------------------------------------------------------- */

static void make_ticks(const pr_axes *ax, int axis, double lo, double hi, double length, tick_set *t) {
    t->n = 0;
    t->step = 1;
    int64_t n_custom = axis ? ax->n_yticks : ax->n_xticks;
    if (n_custom) {
        const double *pos = axis ? ax->ytick_pos : ax->xtick_pos;
        char *const *labels = axis ? ax->ytick_labels : ax->xtick_labels;
        for (int64_t i = 0; i < n_custom && t->n < MAX_TICKS; i++) {
            double s = scale_value(pos[i], axis ? ax->log_y : ax->log_x);
            if (!(s >= lo - 1e-9 * (hi - lo) && s <= hi + 1e-9 * (hi - lo))) continue;
            t->pos[t->n] = pos[i];
            snprintf(t->label[t->n++], sizeof t->label[0], "%s", labels[i]);
        }
        return;
    }
    int log_scale = axis ? ax->log_y : ax->log_x;
    int target = (int)(length / (axis ? 60 : 80));
    if (target < 2) target = 2;
    if (log_scale) {
        double first = ceil(lo - 1e-9), last = floor(hi + 1e-9);
        if (last - first >= 1) {
            int every = (int)ceil((last - first + 1) / 8);
            /* thinned ticks fall on multiples of the step: 10^-30, 10^-25, ..., 10^0 */
            first = ceil(first / every) * every;
            for (double e = first; e <= last && t->n < MAX_TICKS; e += every) {
                t->pos[t->n] = pow(10, e);
                snprintf(t->label[t->n++], sizeof t->label[0], "$10^{%d}$", (int)e);
            }
            return;
        }
        /* Less than a decade: plain ticks, placed on the log scale. */
        double vals[MAX_TICKS], step;
        int n = pr__nice_ticks(pow(10, lo), pow(10, hi), target, vals, MAX_TICKS, &step);
        for (int i = 0; i < n; i++) {
            if (vals[i] <= 0) continue;
            t->pos[t->n] = vals[i];
            pr__tick_label(vals[i], step, t->label[t->n++], sizeof t->label[0]);
        }
        return;
    }
    double vals[MAX_TICKS];
    int n = pr__nice_ticks(lo, hi, target, vals, MAX_TICKS, &t->step);
    for (int i = 0; i < n; i++) {
        t->pos[t->n] = vals[i];
        pr__tick_label(vals[i], t->step, t->label[t->n++], sizeof t->label[0]);
    }
}

/* ---- drawing helpers ---------------------------------------------------------------------- */

static void dash_array(pr_strbuf *sb, pr_dash dash, double w) {
    switch (dash) {
    case PR_DASH_DASHED: pr__strbuf_printf(sb, " stroke-dasharray=\"%.1f,%.1f\"", 3.7 * w, 1.6 * w); break;
    case PR_DASH_DASHDOT:
        pr__strbuf_printf(sb, " stroke-dasharray=\"%.1f,%.1f,%.1f,%.1f\"", 6.4 * w, 1.6 * w, 1.0 * w, 1.6 * w);
        break;
    case PR_DASH_DOTTED: pr__strbuf_printf(sb, " stroke-dasharray=\"%.1f,%.1f\"", 1.0 * w, 1.65 * w); break;
    default: break;
    }
}

static void text_element(pr_strbuf *sb, double x, double y, double size, const char *anchor,
                         const char *extra, const char *text) {
    pr__strbuf_printf(sb, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"%.1f\" text-anchor=\"%s\"%s%s>", x, y,
                      size, anchor, extra ? " " : "", extra ? extra : "");
    pr__svg_text_markup(sb, text);
    pr__strbuf_puts(sb, "</text>\n");
}

static void marker_element(pr_strbuf *sb, pr_marker m, double x, double y, double size, const char *fill) {
    double r = size / 2;
    switch (m) {
    case PR_MARKER_NONE: return;
    case PR_MARKER_POINT: pr__strbuf_printf(sb, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"%.2f\"/>", x, y, r * 0.5); return;
    case PR_MARKER_CIRCLE: pr__strbuf_printf(sb, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"%.2f\"/>", x, y, r); return;
    case PR_MARKER_SQUARE:
        pr__strbuf_printf(sb, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/>", x - r, y - r, 2 * r, 2 * r);
        return;
    case PR_MARKER_TRIANGLE:
        pr__strbuf_printf(sb, "<path d=\"M%.2f %.2fL%.2f %.2fL%.2f %.2fZ\"/>", x, y - r, x + r, y + r * 0.8, x - r,
                          y + r * 0.8);
        return;
    case PR_MARKER_STAR:
        pr__strbuf_puts(sb, "<path d=\"");
        for (int k = 0; k < 10; k++) {
            double rr = k % 2 ? r * 0.5 : r * 1.25, ang = -M_PI / 2 + k * M_PI / 5;
            pr__strbuf_printf(sb, "%c%.2f %.2f", k ? 'L' : 'M', x + rr * cos(ang), y + rr * sin(ang));
        }
        pr__strbuf_puts(sb, "Z\"/>");
        return;
    case PR_MARKER_CROSS:
        pr__strbuf_printf(sb, "<path d=\"M%.2f %.2fL%.2f %.2fM%.2f %.2fL%.2f %.2f\" stroke=\"%s\" stroke-width=\"1.5\"/>",
                          x - r, y - r, x + r, y + r, x - r, y + r, x + r, y - r, fill);
        return;
    }
}

static int in_box(const frame *f, double x, double y) {
    return isfinite(x) && isfinite(y) && x >= f->bx - 1 && x <= f->bx + f->bw + 1 && y >= f->by - 1 &&
           y <= f->by + f->bh + 1;
}

static void open_group(pr_strbuf *sb, const artist *a, const char *fill, const char *stroke) {
    pr__strbuf_printf(sb, "<g fill=\"%s\" stroke=\"%s\"", fill, stroke);
    if (a->style.alpha < 1) pr__strbuf_printf(sb, " opacity=\"%.3f\"", a->style.alpha);
    pr__strbuf_puts(sb, ">");
}

/* A polyline in px, broken wherever a point is not finite. */
static void polyline_path(pr_strbuf *sb, const frame *f, const double *x, const double *y, int64_t n) {
    int pen_down = 0;
    for (int64_t i = 0; i < n; i++) {
        double px = px_x(f, x[i]), py = px_y(f, y[i]);
        if (!isfinite(px) || !isfinite(py)) {
            pen_down = 0;
            continue;
        }
        pr__strbuf_printf(sb, "%c%.2f %.2f", pen_down ? 'L' : 'M', px, py);
        pen_down = 1;
    }
}

static void draw_markers(pr_strbuf *sb, const frame *f, const artist *a, double default_size) {
    double size = a->style.marker_size > 0 ? a->style.marker_size : default_size;
    char hex[8], edge[8];
    rgb_hex(a->rgb, hex);
    if (a->has_edge) rgb_hex(a->edge, edge);
    pr__strbuf_printf(sb, "<g fill=\"%s\" stroke=\"%s\" stroke-width=\"0.8\"", hex, a->has_edge ? edge : "none");
    if (a->style.alpha < 1) pr__strbuf_printf(sb, " fill-opacity=\"%.3f\"", a->style.alpha);
    pr__strbuf_puts(sb, ">");
    for (int64_t i = 0; i < a->n; i++) {
        double px = px_x(f, a->x[i]), py = px_y(f, a->y[i]);
        if (!in_box(f, px, py)) continue;
        if (a->point_rgb) {
            char c[8];
            rgb_hex(a->point_rgb + 3 * i, c);
            pr__strbuf_printf(sb, "<g fill=\"%s\">", c);
            marker_element(sb, a->style.marker, px, py, size, c);
            pr__strbuf_puts(sb, "</g>");
        } else {
            marker_element(sb, a->style.marker, px, py, size, hex);
        }
    }
    pr__strbuf_puts(sb, "</g>\n");
}

/* Cells as vector rectangles (runs of one colour merged), so they stay sharp in
 * every viewer; row 0 of the picture is at the top of the extent. */
static void draw_cells(pr_strbuf *sb, const frame *f, const artist *a) {
    double x0 = px_x(f, a->ex0), x1 = px_x(f, a->ex1), y0 = px_y(f, a->ey0), y1 = px_y(f, a->ey1);
    double left = fmin(x0, x1), top = fmin(y0, y1);
    double cw = fabs(x1 - x0) / (double)a->pw, ch = fabs(y1 - y0) / (double)a->ph;
    pr__strbuf_puts(sb, "<g shape-rendering=\"crispEdges\">");
    for (int64_t r = 0; r < a->ph; r++)
        for (int64_t c = 0; c < a->pw;) {
            const unsigned char *px = a->rgba + 4 * (r * a->pw + c);
            int64_t run = 1;
            while (c + run < a->pw && !memcmp(px, px + 4 * run, 4)) run++;
            if (px[3]) {
                char hex[8];
                rgb_hex(px, hex);
                pr__strbuf_printf(sb, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"",
                                  left + (double)c * cw, top + (double)r * ch, (double)run * cw + 0.05, ch + 0.05, hex);
                if (px[3] < 255) pr__strbuf_printf(sb, " fill-opacity=\"%.3f\"", px[3] / 255.0);
                pr__strbuf_puts(sb, "/>");
            }
            c += run;
        }
    pr__strbuf_puts(sb, "</g>\n");
}

/* Heatmaps and images up to this many cells (28x28 images) are drawn as vector
 * cells; larger ones as a pixelated PNG, which keeps files small. */
#define MAX_VECTOR_CELLS 1024

static pr_status draw_raster(pr_strbuf *sb, const frame *f, const artist *a) {
    if (a->pixelated && a->pw * a->ph <= MAX_VECTOR_CELLS) {
        draw_cells(sb, f, a);
    } else {
        unsigned char *png;
        size_t len;
        pr_status st = pr__png_encode_rgba(a->rgba, a->pw, a->ph, &png, &len);
        if (st) return st;
        double x0 = px_x(f, a->ex0), x1 = px_x(f, a->ex1), y0 = px_y(f, a->ey0), y1 = px_y(f, a->ey1);
        pr__strbuf_printf(sb, "<image x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" preserveAspectRatio=\"none\"%s "
                              "xlink:href=\"data:image/png;base64,",
                          fmin(x0, x1), fmin(y0, y1), fabs(x1 - x0), fabs(y1 - y0),
                          a->pixelated ? " style=\"image-rendering:pixelated\"" : "");
        pr__base64_append(sb, png, len);
        pr__strbuf_puts(sb, "\"/>\n");
        free(png);
    }
    if (a->cell_format) { /* heatmap annotations, contrasting with each cell */
        for (int64_t r = 0; r < a->ph; r++)
            for (int64_t c = 0; c < a->pw; c++) {
                const unsigned char *px = a->rgba + 4 * (r * a->pw + c);
                double lum = (0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2]) / 255;
                char val[64];
/* cell_format was checked to hold exactly one floating conversion (figure.c). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
                snprintf(val, sizeof val, a->cell_format, a->z[r * a->pw + c]);
#pragma GCC diagnostic pop
                double cx = px_x(f, (double)c), cy = px_y(f, (double)r);
                pr__strbuf_printf(sb, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"10\" text-anchor=\"middle\" "
                                      "dominant-baseline=\"central\" fill=\"%s\">%s</text>\n",
                                  cx, cy, lum < 0.5 ? "#ffffff" : "#000000", val);
            }
    }
    return PR_OK;
}

static pr_status draw_contour(pr_strbuf *sb, const frame *f, const artist *a) {
    for (int l = 0; l < a->n_levels; l++) {
        pr__segment *segs;
        size_t n;
        pr_status st = pr__contour_segments(&a->grid, a->levels[l], &segs, &n);
        if (st) return st;
        if (n) {
            char hex[8];
            rgb_hex(a->level_rgb + 3 * l, hex);
            pr__strbuf_printf(sb, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"%.2f\"", hex, a->style.line_width);
            if (a->style.alpha < 1) pr__strbuf_printf(sb, " stroke-opacity=\"%.3f\"", a->style.alpha);
            dash_array(sb, a->style.dash, a->style.line_width);
            pr__strbuf_puts(sb, " d=\"");
            for (size_t i = 0; i < n; i++)
                pr__strbuf_printf(sb, "M%.2f %.2fL%.2f %.2f", px_x(f, segs[i].x0), px_y(f, segs[i].y0),
                                  px_x(f, segs[i].x1), px_y(f, segs[i].y1));
            pr__strbuf_puts(sb, "\"/>\n");
        }
        free(segs);
    }
    return PR_OK;
}

static void draw_fill(pr_strbuf *sb, const frame *f, const artist *a) {
    char hex[8];
    rgb_hex(a->rgb, hex);
    open_group(sb, a, hex, "none");
    int64_t i = 0;
    while (i < a->n) {
        /* one polygon per run of points to fill */
        while (i < a->n && ((a->mask && !a->mask[i]) || !isfinite(a->y[i]) || !isfinite(a->y2[i]))) i++;
        int64_t start = i;
        while (i < a->n && !(a->mask && !a->mask[i]) && isfinite(a->y[i]) && isfinite(a->y2[i])) i++;
        if (i - start < 2) continue;
        pr__strbuf_puts(sb, "<path d=\"");
        for (int64_t k = start; k < i; k++)
            pr__strbuf_printf(sb, "%c%.2f %.2f", k == start ? 'M' : 'L', px_x(f, a->x[k]), px_y(f, a->y[k]));
        for (int64_t k = i - 1; k >= start; k--)
            pr__strbuf_printf(sb, "L%.2f %.2f", px_x(f, a->x[k]), px_y(f, a->y2[k]));
        pr__strbuf_puts(sb, "Z\"/>");
    }
    pr__strbuf_puts(sb, "</g>\n");
}

static void draw_line_artist(pr_strbuf *sb, const frame *f, const artist *a) {
    char hex[8];
    rgb_hex(a->rgb, hex);
    if (a->style.dash != PR_DASH_NONE) {
        pr__strbuf_printf(sb, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"%.2f\" stroke-linejoin=\"round\" "
                              "stroke-linecap=\"round\"", hex, a->style.line_width);
        if (a->style.alpha < 1) pr__strbuf_printf(sb, " stroke-opacity=\"%.3f\"", a->style.alpha);
        dash_array(sb, a->style.dash, a->style.line_width);
        pr__strbuf_puts(sb, " d=\"");
        polyline_path(sb, f, a->x, a->y, a->n);
        pr__strbuf_puts(sb, "\"/>\n");
    }
    if (a->style.marker != PR_MARKER_NONE) draw_markers(sb, f, a, 6);
}

static void draw_reference_line(pr_strbuf *sb, const frame *f, const artist *a) {
    char hex[8];
    rgb_hex(a->rgb, hex);
    double x0, y0, x1, y1;
    if (a->kind == ART_HLINE) {
        x0 = f->bx;
        x1 = f->bx + f->bw;
        y0 = y1 = px_y(f, a->x[0]);
    } else {
        y0 = f->by;
        y1 = f->by + f->bh;
        x0 = x1 = px_x(f, a->x[0]);
    }
    if (!isfinite(x0 + y0 + x1 + y1)) return;
    pr__strbuf_printf(sb, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"%.2f\"", hex, a->style.line_width);
    if (a->style.alpha < 1) pr__strbuf_printf(sb, " stroke-opacity=\"%.3f\"", a->style.alpha);
    dash_array(sb, a->style.dash, a->style.line_width);
    pr__strbuf_printf(sb, " d=\"M%.2f %.2fL%.2f %.2f\"/>\n", x0, y0, x1, y1);
}

static void draw_arrow(pr_strbuf *sb, const frame *f, const artist *a) {
    double x0 = px_x(f, a->x[0]), y0 = px_y(f, a->y[0]), x1 = px_x(f, a->x[1]), y1 = px_y(f, a->y[1]);
    double len = hypot(x1 - x0, y1 - y0);
    if (!isfinite(len) || len == 0) return;
    double ux = (x1 - x0) / len, uy = (y1 - y0) / len, head = fmin(10 + 2 * a->style.line_width, len * 0.5);
    double hw = head * 0.45;
    char hex[8];
    rgb_hex(a->rgb, hex);
    open_group(sb, a, hex, hex);
    pr__strbuf_printf(sb, "<path fill=\"none\" stroke-width=\"%.2f\" d=\"M%.2f %.2fL%.2f %.2f\"/>", a->style.line_width,
                      x0, y0, x1 - ux * head * 0.8, y1 - uy * head * 0.8);
    pr__strbuf_printf(sb, "<path stroke=\"none\" d=\"M%.2f %.2fL%.2f %.2fL%.2f %.2fZ\"/>", x1, y1,
                      x1 - ux * head - uy * hw, y1 - uy * head + ux * hw, x1 - ux * head + uy * hw,
                      y1 - uy * head - ux * hw);
    pr__strbuf_puts(sb, "</g>\n");
}

static void draw_bars(pr_strbuf *sb, const frame *f, const artist *a) {
    char hex[8];
    rgb_hex(a->rgb, hex);
    open_group(sb, a, hex, a->has_edge ? "#000000" : "none");
    for (int64_t i = 0; i < a->n; i++) {
        double x0 = px_x(f, a->x[i] - a->width / 2), x1 = px_x(f, a->x[i] + a->width / 2);
        double y0 = px_y(f, f->log_y ? pow(10, f->ylo) : 0), y1 = px_y(f, a->y[i]);
        if (!isfinite(x0 + x1 + y0 + y1)) continue;
        pr__strbuf_printf(sb, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/>", fmin(x0, x1),
                          fmin(y0, y1), fabs(x1 - x0), fabs(y1 - y0));
    }
    pr__strbuf_puts(sb, "</g>\n");
}

static pr_status draw_artist(pr_strbuf *sb, const frame *f, const artist *a) {
    switch (a->kind) {
    case ART_LINE: draw_line_artist(sb, f, a); break;
    case ART_SCATTER: draw_markers(sb, f, a, 7); break;
    case ART_CONTOUR: return draw_contour(sb, f, a);
    case ART_RASTER: return draw_raster(sb, f, a);
    case ART_FILL: draw_fill(sb, f, a); break;
    case ART_HLINE:
    case ART_VLINE: draw_reference_line(sb, f, a); break;
    case ART_TEXT: {
        char hex[8], extra[64];
        rgb_hex(a->rgb, hex);
        snprintf(extra, sizeof extra, "fill=\"%s\"", hex);
        double px = px_x(f, a->x[0]), py = px_y(f, a->y[0]);
        if (isfinite(px) && isfinite(py)) text_element(sb, px, py, a->style.font_size, "start", extra, a->text);
        break;
    }
    case ART_ARROW: draw_arrow(sb, f, a); break;
    case ART_BAR: draw_bars(sb, f, a); break;
    }
    return PR_OK;
}

/* ---- legend and colour bar -------------------------------------------------------------- */

static void legend_sample(pr_strbuf *sb, const artist *a, const unsigned char rgb[3], double x, double y) {
    char hex[8];
    rgb_hex(rgb, hex);
    switch (a->kind) {
    case ART_SCATTER:
        pr__strbuf_printf(sb, "<g fill=\"%s\">", hex);
        marker_element(sb, a->style.marker, x + 12, y, 7, hex);
        pr__strbuf_puts(sb, "</g>");
        return;
    case ART_FILL:
    case ART_BAR:
    case ART_RASTER:
        pr__strbuf_printf(sb, "<rect x=\"%.2f\" y=\"%.2f\" width=\"20\" height=\"9\" fill=\"%s\"", x + 2, y - 4.5, hex);
        if (a->style.alpha < 1) pr__strbuf_printf(sb, " fill-opacity=\"%.3f\"", a->style.alpha);
        pr__strbuf_puts(sb, "/>");
        return;
    default:
        if (a->style.dash != PR_DASH_NONE) {
            pr__strbuf_printf(sb, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"%.2f\"", hex, a->style.line_width);
            dash_array(sb, a->style.dash, a->style.line_width);
            pr__strbuf_printf(sb, " d=\"M%.2f %.2fL%.2f %.2f\"/>", x, y, x + 24, y);
        }
        if (a->style.marker != PR_MARKER_NONE) {
            pr__strbuf_printf(sb, "<g fill=\"%s\">", hex);
            marker_element(sb, a->style.marker, x + 12, y, 6, hex);
            pr__strbuf_puts(sb, "</g>");
        }
    }
}

/* Number of data points (lines, scatter) that fall inside a px rectangle. */
static int64_t points_inside(const pr_axes *ax, const frame *f, double x, double y, double w, double h) {
    int64_t count = 0;
    for (size_t k = 0; k < ax->n_arts; k++) {
        const artist *a = &ax->arts[k];
        if (a->kind != ART_LINE && a->kind != ART_SCATTER && a->kind != ART_FILL && a->kind != ART_BAR) continue;
        for (int64_t i = 0; i < a->n; i++) {
            double px = px_x(f, a->x[i]), py = px_y(f, a->y[i]);
            if (px >= x && px <= x + w && py >= y && py <= y + h) count++;
        }
    }
    return count;
}

static void draw_legend(pr_strbuf *sb, const pr_axes *ax, const frame *f) {
    if (!ax->n_legend || ax->legend_loc == PR_LEGEND_NONE) return;
    double text_w = 0;
    for (size_t i = 0; i < ax->n_legend; i++) text_w = fmax(text_w, pr__text_width(ax->legend[i].text, 11));
    double row = 18, w = 38 + text_w + 8, h = (double)ax->n_legend * row + 8, pad = 8;
    double xs[4] = {f->bx + f->bw - w - pad, f->bx + pad, f->bx + pad, f->bx + f->bw - w - pad};
    double ys[4] = {f->by + pad, f->by + pad, f->by + f->bh - h - pad, f->by + f->bh - h - pad};
    int corner = 0;
    if (ax->legend_loc == PR_LEGEND_BEST) {
        int64_t best = -1;
        for (int c = 0; c < 4; c++) {
            int64_t n = points_inside(ax, f, xs[c], ys[c], w, h);
            if (best < 0 || n < best) {
                best = n;
                corner = c;
            }
        }
    } else {
        corner = ax->legend_loc - PR_LEGEND_UPPER_RIGHT;
    }
    double x = xs[corner], y = ys[corner];
    pr__strbuf_printf(sb, "<g class=\"legend\"><rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" rx=\"3\" "
                          "fill=\"#ffffff\" fill-opacity=\"0.85\" stroke=\"#cccccc\"/>\n", x, y, w, h);
    for (size_t i = 0; i < ax->n_legend; i++) {
        double cy = y + 4 + row * ((double)i + 0.5);
        legend_sample(sb, &ax->arts[ax->legend[i].artist], ax->legend[i].rgb, x + 6, cy);
        text_element(sb, x + 36, cy + 4, 11, "start", NULL, ax->legend[i].text);
    }
    pr__strbuf_puts(sb, "</g>\n");
}

static void draw_colorbar(pr_strbuf *sb, const pr_axes *ax, const frame *f) {
    double h = f->bh * ax->colorbar_shrink, w = 14;
    double x = f->bx + f->bw + 16, y = f->by + (f->bh - h) / 2;
    double lo = ax->map_lo, hi = ax->map_hi;
    if (ax->map_levels) { /* discrete bands of a contourf */
        int nb = ax->map_n_levels;
        for (int b = 0; b + 1 < nb; b++) {
            unsigned char rgb[3];
            char hex[8];
            pr_colormap_rgb(ax->map_cmap, ((ax->map_levels[b] + ax->map_levels[b + 1]) / 2 - lo) / (hi - lo), rgb);
            rgb_hex(rgb, hex);
            double y0 = y + h - (ax->map_levels[b + 1] - lo) / (hi - lo) * h;
            double y1 = y + h - (ax->map_levels[b] - lo) / (hi - lo) * h;
            pr__strbuf_printf(sb, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>", x, y0, w,
                              y1 - y0, hex);
        }
    } else {
        pr__strbuf_printf(sb, "<defs><linearGradient id=\"cbar%d\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">", f->index);
        for (int s = 0; s <= 16; s++) {
            unsigned char rgb[3];
            char hex[8];
            pr_colormap_rgb(ax->map_cmap, s / 16.0, rgb);
            rgb_hex(rgb, hex);
            pr__strbuf_printf(sb, "<stop offset=\"%.4f\" stop-color=\"%s\"/>", s / 16.0, hex);
        }
        pr__strbuf_printf(sb, "</linearGradient></defs><rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
                              "fill=\"url(#cbar%d)\"/>", x, y, w, h, f->index);
    }
    pr__strbuf_printf(sb, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" stroke=\"#000000\" "
                          "stroke-width=\"0.8\"/>\n", x, y, w, h);
    double vals[MAX_TICKS], step;
    int n = pr__nice_ticks(lo, hi, (int)(h / 50) < 2 ? 2 : (int)(h / 50), vals, MAX_TICKS, &step);
    for (int i = 0; i < n; i++) {
        double ty = y + h - (vals[i] - lo) / (hi - lo) * h;
        char label[64];
        pr__tick_label(vals[i], step, label, sizeof label);
        pr__strbuf_printf(sb, "<path stroke=\"#000000\" stroke-width=\"0.8\" d=\"M%.2f %.2fL%.2f %.2f\"/>", x + w, ty,
                          x + w + 4, ty);
        text_element(sb, x + w + 6, ty + 4, TICK_FONT, "start", NULL, label);
    }
    if (ax->colorbar_label) {
        char rot[96];
        double lx = x + w + 52, ly = y + h / 2;
        snprintf(rot, sizeof rot, "transform=\"rotate(-90 %.2f %.2f)\"", lx, ly);
        text_element(sb, lx, ly, LABEL_FONT, "middle", rot, ax->colorbar_label);
    }
}

/* ---- one panel -------------------------------------------------------------------------- */

static double max_label_width(const tick_set *t) {
    double w = 0;
    for (int i = 0; i < t->n; i++) w = fmax(w, pr__text_width(t->label[i], TICK_FONT));
    return w;
}

static pr_status draw_axes(pr_strbuf *sb, const pr_axes *ax, int index, double cx, double cy, double cw, double ch) {
    frame f = {0};
    f.index = index;
    f.log_x = ax->log_x;
    f.log_y = ax->log_y;
    f.invert_y = ax->invert_y;
    axis_limits(ax, 0, &f.xlo, &f.xhi);
    axis_limits(ax, 1, &f.ylo, &f.yhi);
    double top = ax->title ? 30 : 12;
    double bottom = ax->axis_off ? 8 : 26 + (ax->xlabel ? 22 : 0);
    double right = 14 + (ax->has_colorbar ? 70 + (ax->colorbar_label ? 16 : 0) : 0);
    f.by = cy + top;
    f.bh = ch - top - bottom;
    tick_set xt, yt;
    make_ticks(ax, 1, f.ylo, f.yhi, f.bh, &yt);
    double left = ax->axis_off ? 8 : 12 + max_label_width(&yt) + (ax->ylabel ? 24 : 0);
    f.bx = cx + left;
    f.bw = cw - left - right;
    if (f.bw < 20) f.bw = 20;
    if (f.bh < 20) f.bh = 20;
    if (ax->equal_aspect) { /* shrink one side so a data unit has one length in px */
        double sx = f.bw / (f.xhi - f.xlo), sy = f.bh / (f.yhi - f.ylo), s = fmin(sx, sy);
        double nw = s * (f.xhi - f.xlo), nh = s * (f.yhi - f.ylo);
        f.bx += (f.bw - nw) / 2;
        f.by += (f.bh - nh) / 2;
        f.bw = nw;
        f.bh = nh;
    }
    make_ticks(ax, 0, f.xlo, f.xhi, f.bw, &xt);
    if (ax->equal_aspect) make_ticks(ax, 1, f.ylo, f.yhi, f.bh, &yt);

    pr__strbuf_printf(sb, "<g class=\"axes\" id=\"axes%d\">\n", index);
    pr__strbuf_printf(sb, "<defs><clipPath id=\"clip%d\"><rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/>"
                          "</clipPath></defs>\n", index, f.bx, f.by, f.bw, f.bh);
    if (!ax->axis_off && ax->grid_alpha > 0) {
        pr__strbuf_printf(sb, "<g stroke=\"#b0b0b0\" stroke-width=\"0.8\" stroke-opacity=\"%.3f\">", ax->grid_alpha);
        for (int i = 0; i < xt.n; i++) {
            double x = px_x(&f, xt.pos[i]);
            pr__strbuf_printf(sb, "<path d=\"M%.2f %.2fL%.2f %.2f\"/>", x, f.by, x, f.by + f.bh);
        }
        for (int i = 0; i < yt.n; i++) {
            double y = px_y(&f, yt.pos[i]);
            pr__strbuf_printf(sb, "<path d=\"M%.2f %.2fL%.2f %.2f\"/>", f.bx, y, f.bx + f.bw, y);
        }
        pr__strbuf_puts(sb, "</g>\n");
    }
    pr__strbuf_printf(sb, "<g clip-path=\"url(#clip%d)\">\n", index);
    for (size_t k = 0; k < ax->n_arts; k++) {
        pr_status st = draw_artist(sb, &f, &ax->arts[k]);
        if (st) return st;
    }
    pr__strbuf_puts(sb, "</g>\n");
    if (!ax->axis_off) {
        pr__strbuf_printf(sb, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" "
                              "stroke=\"#000000\" stroke-width=\"0.8\"/>\n", f.bx, f.by, f.bw, f.bh);
        pr__strbuf_puts(sb, "<g class=\"ticks\">");
        for (int i = 0; i < xt.n; i++) {
            double x = px_x(&f, xt.pos[i]), y = f.by + f.bh;
            pr__strbuf_printf(sb, "<path stroke=\"#000000\" stroke-width=\"0.8\" d=\"M%.2f %.2fL%.2f %.2f\"/>", x, y, x, y + 4);
            text_element(sb, x, y + 16, TICK_FONT, "middle", NULL, xt.label[i]);
        }
        for (int i = 0; i < yt.n; i++) {
            double y = px_y(&f, yt.pos[i]);
            pr__strbuf_printf(sb, "<path stroke=\"#000000\" stroke-width=\"0.8\" d=\"M%.2f %.2fL%.2f %.2f\"/>", f.bx - 4, y,
                              f.bx, y);
            text_element(sb, f.bx - 7, y + 4, TICK_FONT, "end", NULL, yt.label[i]);
        }
        pr__strbuf_puts(sb, "</g>\n");
        if (ax->xlabel) text_element(sb, f.bx + f.bw / 2, f.by + f.bh + 38, LABEL_FONT, "middle", NULL, ax->xlabel);
        if (ax->ylabel) {
            char rot[96];
            double lx = f.bx - max_label_width(&yt) - 18, ly = f.by + f.bh / 2;
            snprintf(rot, sizeof rot, "transform=\"rotate(-90 %.2f %.2f)\"", lx, ly);
            text_element(sb, lx, ly, LABEL_FONT, "middle", rot, ax->ylabel);
        }
    }
    if (ax->title) text_element(sb, f.bx + f.bw / 2, f.by - 10, TITLE_FONT, "middle", NULL, ax->title);
    draw_legend(sb, ax, &f);
    if (ax->has_colorbar) draw_colorbar(sb, ax, &f);
    pr__strbuf_puts(sb, "</g>\n");
    return PR_OK;
}

/* ---- the figure ----------------------------------------------------------------------------- */

pr_status pr_figure_to_svg(const pr_figure *fig, char **svg, size_t *len) {
    if (!fig || !svg) return pr__fail(PR_ERR_INVALID, "figure_to_svg: NULL argument");
    pr_strbuf sb;
    pr__strbuf_init(&sb);
    locale_t old = uselocale(pr__c_locale());
    pr__strbuf_printf(&sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                           "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
                           "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" xml:space=\"preserve\" "
                           "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
                           "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n",
                      fig->width, fig->height, fig->width, fig->height);
    double top = 0;
    if (fig->suptitle) {
        text_element(&sb, fig->width / 2, 24, 16, "middle", "font-weight=\"bold\"", fig->suptitle);
        top = 34;
    }
    double cw = fig->width / fig->cols, ch = (fig->height - top) / fig->rows;
    pr_status st = PR_OK;
    for (int r = 0; r < fig->rows && !st; r++)
        for (int c = 0; c < fig->cols && !st; c++)
            st = draw_axes(&sb, &fig->axes[r * fig->cols + c], r * fig->cols + c, c * cw, top + r * ch, cw, ch);
    pr__strbuf_puts(&sb, "</svg>\n");
    uselocale(old);
    if (st) {
        pr__strbuf_free(&sb);
        return st;
    }
    size_t n = sb.len;
    char *s = pr__strbuf_take(&sb);
    if (!s) return PR_ERR_NOMEM;
    *svg = s;
    if (len) *len = n;
    return PR_OK;
}

pr_status pr_figure_save_svg(const pr_figure *fig, const char *path) {
    char *svg;
    size_t len;
    pr_status st = pr_figure_to_svg(fig, &svg, &len);
    if (st) return st;
    st = pr__write_file_atomic(path, svg, len);
    free(svg);
    return st;
}
