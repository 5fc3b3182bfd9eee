/* Marching squares for contour lines. */
#include <math.h>
#include <stdlib.h>

#include "plot/plot_internal.h"

typedef struct seg_list {
    pr__segment *items;
    size_t n, cap;
} seg_list;

static int push(seg_list *l, double x0, double y0, double x1, double y1) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        pr__segment *p = pr__realloc(l->items, cap * sizeof *p);
        if (!p) return 0;
        l->items = p;
        l->cap = cap;
    }
    l->items[l->n++] = (pr__segment){x0, y0, x1, y1};
    return 1;
}

pr_status pr__contour_segments(const pr_grid *g, double level, pr__segment **segs, size_t *n) {
    seg_list out = {0};
    double dx = g->nx > 1 ? (g->x1 - g->x0) / (double)(g->nx - 1) : 0;
    double dy = g->ny > 1 ? (g->y1 - g->y0) / (double)(g->ny - 1) : 0;
    for (int64_t j = 0; j + 1 < g->ny; j++)
        for (int64_t i = 0; i + 1 < g->nx; i++) {
            /* Corners counter-clockwise from the lower left. */
            double v[4] = {g->z[j * g->nx + i], g->z[j * g->nx + i + 1],
                           g->z[(j + 1) * g->nx + i + 1], g->z[(j + 1) * g->nx + i]};
            double cx[4] = {0, 1, 1, 0}, cy[4] = {0, 0, 1, 1};
            if (isnan(v[0]) || isnan(v[1]) || isnan(v[2]) || isnan(v[3])) continue;
            int above[4], count = 0;
            for (int k = 0; k < 4; k++) count += above[k] = v[k] > level;
            if (count == 0 || count == 4) continue;
            /* Crossing points on the edges bottom (0-1), right (1-2), top (2-3), left (3-0). */
            double px[4], py[4];
            int cross[4];
            for (int e = 0; e < 4; e++) {
                int a = e, b = (e + 1) % 4;
                cross[e] = above[a] != above[b];
                if (!cross[e]) continue;
                double t = (level - v[a]) / (v[b] - v[a]);
                px[e] = g->x0 + ((double)i + cx[a] + t * (cx[b] - cx[a])) * dx;
                py[e] = g->y0 + ((double)j + cy[a] + t * (cy[b] - cy[a])) * dy;
            }
            int ok = 1;
            if (count == 2 && above[0] == above[2]) {
                /* A saddle: the centre decides which corners the level set separates. */
                int centre_above = (v[0] + v[1] + v[2] + v[3]) / 4 > level;
                if (centre_above == above[0]) {
                    ok = push(&out, px[0], py[0], px[1], py[1]) && push(&out, px[2], py[2], px[3], py[3]);
                } else {
                    ok = push(&out, px[3], py[3], px[0], py[0]) && push(&out, px[1], py[1], px[2], py[2]);
                }
            } else {
                int e0 = -1, e1 = -1;
                for (int e = 0; e < 4; e++)
                    if (cross[e]) {
                        if (e0 < 0) e0 = e;
                        else e1 = e;
                    }
                ok = push(&out, px[e0], py[e0], px[e1], py[e1]);
            }
            if (!ok) {
                free(out.items);
                return PR_ERR_NOMEM;
            }
        }
    *segs = out.items;
    *n = out.n;
    return PR_OK;
}
