/* Building figures: panels, settings and artists (copies of the caller's data). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot/figure.h"

/* ---- figures ------------------------------------------------------------------------ */

pr_status pr_figure_new(pr_figure **out, int rows, int cols, double width, double height) {
    if (!out) return pr__fail(PR_ERR_INVALID, "figure_new: output pointer is NULL");
    if (rows < 1 || cols < 1 || rows > 64 || cols > 64)
        return pr__fail(PR_ERR_INVALID, "figure_new: %d x %d panels (each must be 1..64)", rows, cols);
    if (!(width >= 50 && width <= 20000 && height >= 50 && height <= 20000))
        return pr__fail(PR_ERR_INVALID, "figure_new: size %g x %g px is outside 50..20000", width, height);
    pr_figure *f = pr__calloc(1, sizeof *f);
    if (!f) return PR_ERR_NOMEM;
    f->axes = pr__calloc((size_t)(rows * cols), sizeof *f->axes);
    if (!f->axes) {
        free(f);
        return PR_ERR_NOMEM;
    }
    f->rows = rows;
    f->cols = cols;
    f->width = width;
    f->height = height;
    for (int i = 0; i < rows * cols; i++) f->axes[i].colorbar_shrink = 1;
    *out = f;
    return PR_OK;
}

static void artist_free(artist *a) {
    free(a->label);
    free(a->text);
    free(a->x);
    free(a->y);
    free(a->y2);
    free(a->point_rgb);
    free(a->mask);
    free(a->z);
    free(a->levels);
    free(a->level_rgb);
    free(a->rgba);
    free(a->cell_format);
    memset(a, 0, sizeof *a);
}

static void free_strings(char **s, int64_t n) {
    for (int64_t i = 0; s && i < n; i++) free(s[i]);
    free(s);
}

static void axes_free(pr_axes *ax) {
    for (size_t i = 0; i < ax->n_arts; i++) artist_free(&ax->arts[i]);
    free(ax->arts);
    for (size_t i = 0; i < ax->n_legend; i++) free(ax->legend[i].text);
    free(ax->legend);
    free(ax->title);
    free(ax->xlabel);
    free(ax->ylabel);
    free(ax->xtick_pos);
    free(ax->ytick_pos);
    free_strings(ax->xtick_labels, ax->n_xticks);
    free_strings(ax->ytick_labels, ax->n_yticks);
    free(ax->map_levels);
    free(ax->colorbar_label);
}

void pr_figure_free(pr_figure *fig) {
    if (!fig) return;
    for (int i = 0; i < fig->rows * fig->cols; i++) axes_free(&fig->axes[i]);
    free(fig->axes);
    free(fig->suptitle);
    free(fig);
}

pr_axes *pr_figure_axes(pr_figure *fig, int row, int col) {
    if (!fig || row < 0 || col < 0 || row >= fig->rows || col >= fig->cols) return NULL;
    return &fig->axes[row * fig->cols + col];
}

/* Replace *slot with a copy of s (NULL clears it). */
static pr_status set_string(char **slot, const char *s) {
    char *c = NULL;
    if (s && !(c = pr__strdup(s))) return PR_ERR_NOMEM;
    free(*slot);
    *slot = c;
    return PR_OK;
}

pr_status pr_figure_suptitle(pr_figure *fig, const char *title) {
    if (!fig) return pr__fail(PR_ERR_INVALID, "suptitle: figure is NULL");
    return set_string(&fig->suptitle, title);
}

/* ---- axes settings ---------------------------------------------------------------------- */

#define CHECK_AXES(ax, op) \
    if (!(ax)) return pr__fail(PR_ERR_INVALID, "%s: axes is NULL", op)

pr_status pr_axes_set_title(pr_axes *ax, const char *t) {
    CHECK_AXES(ax, "set_title");
    return set_string(&ax->title, t);
}
pr_status pr_axes_set_xlabel(pr_axes *ax, const char *t) {
    CHECK_AXES(ax, "set_xlabel");
    return set_string(&ax->xlabel, t);
}
pr_status pr_axes_set_ylabel(pr_axes *ax, const char *t) {
    CHECK_AXES(ax, "set_ylabel");
    return set_string(&ax->ylabel, t);
}

void pr_axes_set_xlim(pr_axes *ax, double lo, double hi) {
    if (!ax || !(lo < hi) || !isfinite(lo) || !isfinite(hi)) return;
    ax->has_xlim = 1;
    ax->xlim[0] = lo;
    ax->xlim[1] = hi;
}

void pr_axes_set_ylim(pr_axes *ax, double lo, double hi) {
    if (!ax || !(lo < hi) || !isfinite(lo) || !isfinite(hi)) return;
    ax->has_ylim = 1;
    ax->ylim[0] = lo;
    ax->ylim[1] = hi;
}

void pr_axes_set_log(pr_axes *ax, int log_x, int log_y) {
    if (!ax) return;
    ax->log_x = log_x;
    ax->log_y = log_y;
}

void pr_axes_set_grid(pr_axes *ax, double alpha) {
    if (ax) ax->grid_alpha = alpha < 0 ? 0 : alpha > 1 ? 1 : alpha;
}
void pr_axes_set_equal_aspect(pr_axes *ax, int on) {
    if (ax) ax->equal_aspect = on;
}
void pr_axes_set_axis_off(pr_axes *ax, int off) {
    if (ax) ax->axis_off = off;
}
void pr_axes_set_legend(pr_axes *ax, pr_legend_loc loc) {
    if (ax) ax->legend_loc = loc;
}

static pr_status set_ticks(int64_t n, const double *pos, const char *const *labels, int64_t *n_out,
                           double **pos_out, char ***labels_out) {
    if (n < 0 || n > 10000 || (n && !labels)) return pr__fail(PR_ERR_INVALID, "set_ticks: bad tick list");
    double *p = pr__calloc((size_t)(n ? n : 1), sizeof *p);
    char **l = pr__calloc((size_t)(n ? n : 1), sizeof *l);
    if (!p || !l) {
        free(p);
        free(l);
        return PR_ERR_NOMEM;
    }
    for (int64_t i = 0; i < n; i++) {
        p[i] = pos ? pos[i] : (double)i;
        if (!(l[i] = pr__strdup(labels[i] ? labels[i] : ""))) {
            free(p);
            free_strings(l, i);
            return PR_ERR_NOMEM;
        }
    }
    free(*pos_out);
    free_strings(*labels_out, *n_out);
    *pos_out = p;
    *labels_out = l;
    *n_out = n;
    return PR_OK;
}

pr_status pr_axes_set_xticks(pr_axes *ax, int64_t n, const double *positions, const char *const *labels) {
    CHECK_AXES(ax, "set_xticks");
    return set_ticks(n, positions, labels, &ax->n_xticks, &ax->xtick_pos, &ax->xtick_labels);
}

pr_status pr_axes_set_yticks(pr_axes *ax, int64_t n, const double *positions, const char *const *labels) {
    CHECK_AXES(ax, "set_yticks");
    return set_ticks(n, positions, labels, &ax->n_yticks, &ax->ytick_pos, &ax->ytick_labels);
}

/* ---- artists ------------------------------------------------------------------------------ */

static double *dup_doubles(const double *src, int64_t n) {
    double *d = pr__malloc((size_t)(n ? n : 1) * sizeof *d);
    if (d && n) memcpy(d, src, (size_t)n * sizeof *d);
    return d;
}

/* Resolve a style's colour: the given one, else the cycle (or black for annotations). */
static pr_status resolve_color(pr_axes *ax, const char *color, int cycle, unsigned char rgb[3]) {
    if (color) {
        if (!pr__parse_color(color, rgb))
            return pr__fail(PR_ERR_INVALID, "unknown colour '%s' (use #rrggbb, a name such as 'red', or C0..C9)",
                            color);
        return PR_OK;
    }
    if (cycle) pr__cycle_color(ax->next_color++, rgb);
    else rgb[0] = rgb[1] = rgb[2] = 0;
    return PR_OK;
}

static pr_status add_legend(pr_axes *ax, const char *text, size_t artist_index, const unsigned char rgb[3]) {
    if (ax->n_legend == ax->cap_legend) {
        size_t cap = ax->cap_legend ? ax->cap_legend * 2 : 8;
        legend_entry *l = pr__realloc(ax->legend, cap * sizeof *l);
        if (!l) return PR_ERR_NOMEM;
        ax->legend = l;
        ax->cap_legend = cap;
    }
    legend_entry *e = &ax->legend[ax->n_legend];
    if (!(e->text = pr__strdup(text))) return PR_ERR_NOMEM;
    e->artist = artist_index;
    memcpy(e->rgb, rgb, 3);
    ax->n_legend++;
    return PR_OK;
}

/* Append a new artist with its style resolved. On failure nothing is added. */
static pr_status new_artist(pr_axes *ax, artist_kind kind, const pr_style *style, int cycle, artist **out) {
    if (ax->n_arts == ax->cap_arts) {
        size_t cap = ax->cap_arts ? ax->cap_arts * 2 : 8;
        artist *a = pr__realloc(ax->arts, cap * sizeof *a);
        if (!a) return PR_ERR_NOMEM;
        ax->arts = a;
        ax->cap_arts = cap;
    }
    artist *a = &ax->arts[ax->n_arts];
    memset(a, 0, sizeof *a);
    a->kind = kind;
    if (style) a->style = *style;
    a->style.color = a->style.edge_color = a->style.label = NULL;
    if (!(a->style.alpha > 0 && a->style.alpha <= 1)) a->style.alpha = 1;
    if (!(a->style.line_width > 0)) a->style.line_width = 1.5;
    if (!(a->style.font_size > 0)) a->style.font_size = 12;
    int next_color = ax->next_color;
    pr_status st = resolve_color(ax, style ? style->color : NULL, cycle, a->rgb);
    if (!st && style && style->edge_color) {
        st = resolve_color(ax, style->edge_color, 0, a->edge);
        a->has_edge = 1;
    }
    if (!st && style && style->label && !(a->label = pr__strdup(style->label))) st = PR_ERR_NOMEM;
    if (st) {
        ax->next_color = next_color;
        artist_free(a);
        return st;
    }
    *out = a;
    return PR_OK;
}

/* Commit the artist just built (adding its legend entry), or roll it back. */
static pr_status finish_artist(pr_axes *ax, artist *a, pr_status st) {
    if (!st && a->label) st = add_legend(ax, a->label, ax->n_arts, a->rgb);
    if (st) {
        artist_free(a);
        return st;
    }
    ax->n_arts++;
    return PR_OK;
}

static pr_status check_points(pr_axes *ax, const double *x, const double *y, int64_t n, const char *op) {
    CHECK_AXES(ax, op);
    if (n < 0 || (n > 0 && (!x || !y))) return pr__fail(PR_ERR_INVALID, "%s: NULL data or negative count", op);
    if (n > 50000000) return pr__fail(PR_ERR_LIMIT, "%s: %lld points is too many to draw", op, (long long)n);
    return PR_OK;
}

static pr_status copy_points(artist *a, const double *x, const double *y, int64_t n) {
    a->n = n;
    a->x = dup_doubles(x, n);
    a->y = dup_doubles(y, n);
    return a->x && a->y ? PR_OK : PR_ERR_NOMEM;
}

pr_status pr_axes_line(pr_axes *ax, const double *x, const double *y, int64_t n, const pr_style *style) {
    pr_status st = check_points(ax, x, y, n, "line");
    artist *a;
    if (st || (st = new_artist(ax, ART_LINE, style, 1, &a))) return st;
    return finish_artist(ax, a, copy_points(a, x, y, n));
}

pr_status pr_axes_scatter(pr_axes *ax, const double *x, const double *y, int64_t n, const pr_style *style) {
    pr_status st = check_points(ax, x, y, n, "scatter");
    artist *a;
    if (st || (st = new_artist(ax, ART_SCATTER, style, 1, &a))) return st;
    if (a->style.marker == PR_MARKER_NONE) a->style.marker = PR_MARKER_CIRCLE;
    return finish_artist(ax, a, copy_points(a, x, y, n));
}

pr_status pr_axes_scatter_classes(pr_axes *ax, const double *x, const double *y, const int *classes,
                                  int64_t n, const char *const *class_names, int n_classes,
                                  const pr_style *style) {
    pr_status st = check_points(ax, x, y, n, "scatter_classes");
    if (st) return st;
    if (n && !classes) return pr__fail(PR_ERR_INVALID, "scatter_classes: classes is NULL");
    for (int64_t i = 0; i < n; i++)
        if (classes[i] < 0)
            return pr__fail(PR_ERR_INVALID, "scatter_classes: class %d at point %lld is negative",
                            classes[i], (long long)i);
    pr_style s = style ? *style : (pr_style){0};
    s.label = NULL; /* the entries come from class_names */
    artist *a;
    if ((st = new_artist(ax, ART_SCATTER, &s, 0, &a))) return st;
    if (a->style.marker == PR_MARKER_NONE) a->style.marker = PR_MARKER_CIRCLE;
    st = copy_points(a, x, y, n);
    if (!st && !(a->point_rgb = pr__malloc((size_t)(n ? n : 1) * 3))) st = PR_ERR_NOMEM;
    for (int64_t i = 0; !st && i < n; i++) pr__cycle_color(classes[i], a->point_rgb + 3 * i);
    size_t index = ax->n_arts;
    if ((st = finish_artist(ax, a, st))) return st;
    for (int c = 0; class_names && c < n_classes; c++) {
        unsigned char rgb[3];
        pr__cycle_color(c, rgb);
        if ((st = add_legend(ax, class_names[c] ? class_names[c] : "", index, rgb))) return st;
    }
    return PR_OK;
}

/* Finite min and max of v[0..n-1]; returns 0 when none is finite. */
static int finite_range(const double *v, int64_t n, double *lo, double *hi) {
    int any = 0;
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(v[i])) continue;
        if (!any || v[i] < *lo) *lo = v[i];
        if (!any || v[i] > *hi) *hi = v[i];
        any = 1;
    }
    return any;
}

/* The colour scale [vmin, vmax], or the data range when they are equal. */
static void resolve_range(const double *v, int64_t n, double *vmin, double *vmax) {
    if (*vmin < *vmax) return;
    double lo = 0, hi = 1;
    if (finite_range(v, n, &lo, &hi) && lo == hi) {
        lo -= 0.5;
        hi += 0.5;
    }
    *vmin = lo;
    *vmax = hi;
}

static pr_status set_mappable(pr_axes *ax, pr_colormap cmap, double lo, double hi, const double *levels,
                              int n_levels) {
    double *copy = NULL;
    if (levels && !(copy = dup_doubles(levels, n_levels))) return PR_ERR_NOMEM;
    free(ax->map_levels);
    ax->map_levels = copy;
    ax->map_n_levels = levels ? n_levels : 0;
    ax->has_mappable = 1;
    ax->map_cmap = cmap;
    ax->map_lo = lo;
    ax->map_hi = hi;
    return PR_OK;
}

static pr_status check_cmap(pr_colormap cmap, const char *op) {
    if ((unsigned)cmap >= PR_CMAP_COUNT) return pr__fail(PR_ERR_INVALID, "%s: unknown colour map %d", op, (int)cmap);
    return PR_OK;
}

pr_status pr_axes_scatter_values(pr_axes *ax, const double *x, const double *y, const double *values,
                                 int64_t n, pr_colormap cmap, double vmin, double vmax,
                                 const pr_style *style) {
    pr_status st = check_points(ax, x, y, n, "scatter_values");
    if (st || (st = check_cmap(cmap, "scatter_values"))) return st;
    if (n && !values) return pr__fail(PR_ERR_INVALID, "scatter_values: values is NULL");
    resolve_range(values, n, &vmin, &vmax);
    artist *a;
    if ((st = new_artist(ax, ART_SCATTER, style, 0, &a))) return st;
    if (a->style.marker == PR_MARKER_NONE) a->style.marker = PR_MARKER_CIRCLE;
    st = copy_points(a, x, y, n);
    if (!st && !(a->point_rgb = pr__malloc((size_t)(n ? n : 1) * 3))) st = PR_ERR_NOMEM;
    for (int64_t i = 0; !st && i < n; i++)
        pr_colormap_rgb(cmap, (values[i] - vmin) / (vmax - vmin), a->point_rgb + 3 * i);
    if ((st = finish_artist(ax, a, st))) return st;
    return set_mappable(ax, cmap, vmin, vmax, NULL, 0);
}

static pr_status check_grid(const pr_grid *g, const char *op) {
    if (!g || !g->z) return pr__fail(PR_ERR_INVALID, "%s: grid or its values are NULL", op);
    if (g->nx < 2 || g->ny < 2 || g->nx > 10000 || g->ny > 10000)
        return pr__fail(PR_ERR_INVALID, "%s: grid of %lld x %lld points (each must be 2..10000)", op,
                        (long long)g->nx, (long long)g->ny);
    if (!(g->x0 < g->x1) || !(g->y0 < g->y1) || !isfinite(g->x0) || !isfinite(g->x1) ||
        !isfinite(g->y0) || !isfinite(g->y1))
        return pr__fail(PR_ERR_INVALID, "%s: grid extent must be finite with x0 < x1 and y0 < y1", op);
    return PR_OK;
}

/* `n` levels: the given ones (checked increasing), or evenly spaced over the data. */
static pr_status make_levels(const pr_grid *g, const double *levels, int n, int inside, double **out,
                             const char *op) {
    if (n < 1 || n > 1000) return pr__fail(PR_ERR_INVALID, "%s: %d levels (must be 1..1000)", op, n);
    double *l = pr__malloc((size_t)n * sizeof *l);
    if (!l) return PR_ERR_NOMEM;
    if (levels) {
        for (int i = 0; i < n; i++) {
            if (!isfinite(levels[i]) || (i && !(levels[i] > levels[i - 1]))) {
                free(l);
                return pr__fail(PR_ERR_INVALID, "%s: levels must be finite and increasing", op);
            }
            l[i] = levels[i];
        }
    } else {
        double lo = 0, hi = 1;
        if (!finite_range(g->z, g->nx * g->ny, &lo, &hi) || lo == hi) {
            hi = lo + 1;
        }
        for (int i = 0; i < n; i++)
            l[i] = inside ? lo + (hi - lo) * (i + 1) / (n + 1) : n == 1 ? lo : lo + (hi - lo) * i / (n - 1);
    }
    *out = l;
    return PR_OK;
}

pr_status pr_axes_contour(pr_axes *ax, const pr_grid *grid, const double *levels, int n_levels,
                          pr_colormap cmap, const pr_style *style) {
    CHECK_AXES(ax, "contour");
    pr_status st = check_grid(grid, "contour");
    if (st || (st = check_cmap(cmap, "contour"))) return st;
    artist *a;
    if ((st = new_artist(ax, ART_CONTOUR, style, 0, &a))) return st;
    st = make_levels(grid, levels, n_levels, 1, &a->levels, "contour");
    a->n_levels = n_levels;
    if (!st && !(a->z = dup_doubles(grid->z, grid->nx * grid->ny))) st = PR_ERR_NOMEM;
    if (!st && !(a->level_rgb = pr__malloc((size_t)n_levels * 3))) st = PR_ERR_NOMEM;
    if (!st) {
        a->grid = *grid;
        a->grid.z = a->z;
        double lo = a->levels[0], hi = a->levels[n_levels - 1];
        for (int i = 0; i < n_levels; i++) {
            if (style && style->color) memcpy(a->level_rgb + 3 * i, a->rgb, 3);
            else pr_colormap_rgb(cmap, hi > lo ? (a->levels[i] - lo) / (hi - lo) : 0.5, a->level_rgb + 3 * i);
        }
    }
    return finish_artist(ax, a, st);
}

/* Bilinear interpolation of the grid at fractional indices (fi, fj). */
static double grid_at(const pr_grid *g, double fi, double fj) {
    int64_t i = (int64_t)fi, j = (int64_t)fj;
    if (i >= g->nx - 1) i = g->nx - 2;
    if (j >= g->ny - 1) j = g->ny - 2;
    double u = fi - (double)i, v = fj - (double)j;
    const double *z = g->z;
    return (1 - u) * (1 - v) * z[j * g->nx + i] + u * (1 - v) * z[j * g->nx + i + 1] +
           u * v * z[(j + 1) * g->nx + i + 1] + (1 - u) * v * z[(j + 1) * g->nx + i];
}

pr_status pr_axes_contourf(pr_axes *ax, const pr_grid *grid, const double *levels, int n_levels,
                           pr_colormap cmap, double alpha) {
    CHECK_AXES(ax, "contourf");
    pr_status st = check_grid(grid, "contourf");
    if (st || (st = check_cmap(cmap, "contourf"))) return st;
    /* n_levels boundaries when given; n_levels bands (n_levels + 1 boundaries) otherwise. */
    int nb = levels ? n_levels : n_levels + 1;
    if (nb < 2) return pr__fail(PR_ERR_INVALID, "contourf: needs at least two level boundaries");
    double *bounds;
    if ((st = make_levels(grid, levels, nb, 0, &bounds, "contourf"))) return st;
    artist *a;
    pr_style s = {.alpha = alpha};
    if ((st = new_artist(ax, ART_RASTER, &s, 0, &a))) {
        free(bounds);
        return st;
    }
    /* Sample the interpolated function at a resolution finer than the grid so band
     * edges come out smooth; each band takes the colour of its midpoint. */
    int64_t pw = grid->nx * 8 < 320 ? 320 : grid->nx * 8 > 480 ? 480 : grid->nx * 8;
    int64_t ph = grid->ny * 8 < 320 ? 320 : grid->ny * 8 > 480 ? 480 : grid->ny * 8;
    a->rgba = pr__malloc((size_t)(pw * ph * 4));
    if (!a->rgba) st = PR_ERR_NOMEM;
    double lo = bounds[0], hi = bounds[nb - 1];
    for (int64_t r = 0; !st && r < ph; r++)
        for (int64_t c = 0; c < pw; c++) {
            double fi = ((double)c + 0.5) / (double)pw * (double)(grid->nx - 1);
            double fj = (1.0 - ((double)r + 0.5) / (double)ph) * (double)(grid->ny - 1);
            double v = grid_at(grid, fi, fj);
            unsigned char *px = a->rgba + 4 * (r * pw + c);
            int band = -1;
            if (v >= lo && v <= hi)
                for (int b = 0; b < nb - 1; b++)
                    if (v <= bounds[b + 1]) {
                        band = b;
                        break;
                    }
            if (band < 0) {
                memset(px, 0, 4);
                continue;
            }
            pr_colormap_rgb(cmap, ((bounds[band] + bounds[band + 1]) / 2 - lo) / (hi - lo), px);
            px[3] = (unsigned char)lround(255 * a->style.alpha);
        }
    a->pw = pw;
    a->ph = ph;
    a->ex0 = grid->x0;
    a->ex1 = grid->x1;
    a->ey0 = grid->y0;
    a->ey1 = grid->y1;
    if ((st = finish_artist(ax, a, st))) {
        free(bounds);
        return st;
    }
    st = set_mappable(ax, cmap, lo, hi, bounds, nb);
    free(bounds);
    return st;
}

/* 1 when fmt holds exactly one %f/%e/%g conversion (flags, width, precision
 * allowed) and otherwise only text and "%%": safe to hand a double to printf. */
static int is_number_format(const char *fmt) {
    int conversions = 0;
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') continue;
        if (p[1] == '%') {
            p++;
            continue;
        }
        p++;
        while (*p && strchr("-+ #0", *p)) p++;
        while (*p >= '0' && *p <= '9') p++;
        if (*p == '.') {
            p++;
            while (*p >= '0' && *p <= '9') p++;
        }
        if (!*p || !strchr("feEgG", *p)) return 0;
        conversions++;
    }
    return conversions == 1 && strlen(fmt) < 32;
}

/* A raster artist of rows x cols cells from values through a colour map (row 0 on top). */
static pr_status add_cells(pr_axes *ax, const double *z, int64_t rows, int64_t cols, pr_colormap cmap,
                           double vmin, double vmax, const char *cell_format, const char *op) {
    CHECK_AXES(ax, op);
    pr_status st = check_cmap(cmap, op);
    if (st) return st;
    if (!z || rows < 1 || cols < 1 || rows > 4096 || cols > 4096)
        return pr__fail(PR_ERR_INVALID, "%s: %lld x %lld cells (each must be 1..4096)", op, (long long)rows,
                        (long long)cols);
    if (cell_format && !is_number_format(cell_format))
        return pr__fail(PR_ERR_INVALID, "%s: cell format \"%s\" must hold one %%f, %%e or %%g conversion",
                        op, cell_format);
    resolve_range(z, rows * cols, &vmin, &vmax);
    artist *a;
    if ((st = new_artist(ax, ART_RASTER, NULL, 0, &a))) return st;
    a->rgba = pr__malloc((size_t)(rows * cols * 4));
    if (!a->rgba) st = PR_ERR_NOMEM;
    for (int64_t i = 0; !st && i < rows * cols; i++) {
        unsigned char *px = a->rgba + 4 * i;
        if (!isfinite(z[i])) {
            memset(px, 0, 4);
            continue;
        }
        pr_colormap_rgb(cmap, (z[i] - vmin) / (vmax - vmin), px);
        px[3] = 255;
    }
    if (!st && cell_format) {
        if (!(a->z = dup_doubles(z, rows * cols)) || !(a->cell_format = pr__strdup(cell_format))) st = PR_ERR_NOMEM;
    }
    a->pw = cols;
    a->ph = rows;
    a->ex0 = -0.5;
    a->ex1 = (double)cols - 0.5;
    a->ey0 = -0.5;
    a->ey1 = (double)rows - 0.5;
    a->pixelated = 1;
    if ((st = finish_artist(ax, a, st))) return st;
    ax->invert_y = 1;
    return set_mappable(ax, cmap, vmin, vmax, NULL, 0);
}

pr_status pr_axes_heatmap(pr_axes *ax, const double *z, int64_t rows, int64_t cols, pr_colormap cmap,
                          double vmin, double vmax, const char *cell_format) {
    return add_cells(ax, z, rows, cols, cmap, vmin, vmax, cell_format, "heatmap");
}

pr_status pr_axes_image(pr_axes *ax, const double *pixels, int64_t rows, int64_t cols, pr_colormap cmap,
                        double vmin, double vmax) {
    return add_cells(ax, pixels, rows, cols, cmap, vmin, vmax, NULL, "image");
}

pr_status pr_axes_colorbar(pr_axes *ax, const char *label, double shrink) {
    CHECK_AXES(ax, "colorbar");
    if (!ax->has_mappable)
        return pr__fail(PR_ERR_INVALID, "colorbar: the axes has no contourf, heatmap, image or value scatter");
    pr_status st = set_string(&ax->colorbar_label, label);
    if (st) return st;
    ax->has_colorbar = 1;
    ax->colorbar_shrink = shrink > 0 && shrink <= 1 ? shrink : 1;
    return PR_OK;
}

pr_status pr_axes_fill_between(pr_axes *ax, const double *x, const double *y1, const double *y2,
                               const unsigned char *where, int64_t n, const pr_style *style) {
    pr_status st = check_points(ax, x, y1, n, "fill_between");
    if (st) return st;
    if (n && !y2) return pr__fail(PR_ERR_INVALID, "fill_between: y2 is NULL");
    artist *a;
    if ((st = new_artist(ax, ART_FILL, style, 1, &a))) return st;
    st = copy_points(a, x, y1, n);
    if (!st && !(a->y2 = dup_doubles(y2, n))) st = PR_ERR_NOMEM;
    if (!st && where) {
        if (!(a->mask = pr__malloc((size_t)(n ? n : 1)))) st = PR_ERR_NOMEM;
        else if (n) memcpy(a->mask, where, (size_t)n);
    }
    return finish_artist(ax, a, st);
}

static pr_status add_reference_line(pr_axes *ax, artist_kind kind, double v, const pr_style *style,
                                    const char *op) {
    CHECK_AXES(ax, op);
    if (!isfinite(v)) return pr__fail(PR_ERR_INVALID, "%s: position must be finite", op);
    artist *a;
    pr_status st = new_artist(ax, kind, style, 0, &a);
    if (st) return st;
    a->n = 1;
    if (!(a->x = dup_doubles(&v, 1))) st = PR_ERR_NOMEM;
    return finish_artist(ax, a, st);
}

pr_status pr_axes_hline(pr_axes *ax, double y, const pr_style *style) {
    return add_reference_line(ax, ART_HLINE, y, style, "hline");
}

pr_status pr_axes_vline(pr_axes *ax, double x, const pr_style *style) {
    return add_reference_line(ax, ART_VLINE, x, style, "vline");
}

pr_status pr_axes_text(pr_axes *ax, double x, double y, const char *text, const pr_style *style) {
    CHECK_AXES(ax, "text");
    if (!text) return pr__fail(PR_ERR_INVALID, "text: text is NULL");
    artist *a;
    pr_status st = new_artist(ax, ART_TEXT, style, 0, &a);
    if (st) return st;
    st = copy_points(a, &x, &y, 1);
    if (!st && !(a->text = pr__strdup(text))) st = PR_ERR_NOMEM;
    return finish_artist(ax, a, st);
}

pr_status pr_axes_arrow(pr_axes *ax, double x0, double y0, double x1, double y1, const pr_style *style) {
    CHECK_AXES(ax, "arrow");
    double x[2] = {x0, x1}, y[2] = {y0, y1};
    artist *a;
    pr_status st = new_artist(ax, ART_ARROW, style, 0, &a);
    if (st) return st;
    return finish_artist(ax, a, copy_points(a, x, y, 2));
}

pr_status pr_axes_bar(pr_axes *ax, const double *x, const double *height, int64_t n, double width,
                      const pr_style *style) {
    pr_status st = check_points(ax, x, height, n, "bar");
    if (st) return st;
    if (!(width > 0)) return pr__fail(PR_ERR_INVALID, "bar: width must be positive");
    artist *a;
    if ((st = new_artist(ax, ART_BAR, style, 1, &a))) return st;
    a->width = width;
    return finish_artist(ax, a, copy_points(a, x, height, n));
}
