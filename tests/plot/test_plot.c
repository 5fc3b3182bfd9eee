/* The SVG figure module: colour maps, PNG/base64 encoding, contours, ticks,
 * text markup, and whole figures checked for well-formed XML. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plot/plot_internal.h"
#include "test_util.h"

static void assert_rgb(pr_colormap cmap, double t, unsigned r, unsigned g, unsigned b) {
    unsigned char c[3];
    pr_colormap_rgb(cmap, t, c);
    cr_assert(c[0] == r && c[1] == g && c[2] == b, "%s(%g) = #%02x%02x%02x, expected #%02x%02x%02x",
              pr_colormap_name(cmap), t, c[0], c[1], c[2], r, g, b);
}

Test(plot, colormap_ends_match_matplotlib) {
    assert_rgb(PR_CMAP_VIRIDIS, 0, 0x44, 0x01, 0x54);
    assert_rgb(PR_CMAP_VIRIDIS, 1, 0xfd, 0xe7, 0x25);
    assert_rgb(PR_CMAP_RDBU_R, 0, 0x05, 0x30, 0x61);
    assert_rgb(PR_CMAP_RDBU_R, 1, 0x67, 0x00, 0x1f);
    assert_rgb(PR_CMAP_RDBU_R, 0.5, 0xf7, 0xf7, 0xf7);
    assert_rgb(PR_CMAP_BLUES, 0, 0xf7, 0xfb, 0xff);
    assert_rgb(PR_CMAP_BLUES, 1, 0x08, 0x30, 0x6b);
    assert_rgb(PR_CMAP_GRAY, 0, 0, 0, 0);
    assert_rgb(PR_CMAP_GRAY, 0.5, 128, 128, 128);
    assert_rgb(PR_CMAP_GRAY, 7, 255, 255, 255); /* clamped */
    assert_rgb(PR_CMAP_GRAY, NAN, 0, 0, 0);
}

Test(plot, colour_names) {
    unsigned char c[3];
    cr_assert(pr__parse_color("#ff8000", c) && c[0] == 255 && c[1] == 128 && c[2] == 0);
    cr_assert(pr__parse_color("#0f0", c) && c[1] == 255);
    cr_assert(pr__parse_color("C1", c) && c[0] == 0xff && c[1] == 0x7f && c[2] == 0x0e);
    cr_assert(pr__parse_color("red", c) && c[0] == 255 && c[1] == 0);
    cr_assert(!pr__parse_color("#12345", c));
    cr_assert(!pr__parse_color("reddish", c));
}

Test(plot, checksums_and_base64_known_answers) {
    cr_assert_eq(pr__crc32((const unsigned char *)"123456789", 9), 0xCBF43926u, "CRC-32 check value");
    cr_assert_eq(pr__crc32((const unsigned char *)"IEND", 4), 0xAE426082u, "the CRC of every PNG's IEND chunk");
    cr_assert_eq(pr__adler32((const unsigned char *)"Wikipedia", 9), 0x11E60398u);
    const char *in[] = {"Man", "Ma", "M", ""}, *out[] = {"TWFu", "TWE=", "TQ==", ""};
    for (int i = 0; i < 4; i++) {
        pr_strbuf sb;
        pr__strbuf_init(&sb);
        pr__base64_append(&sb, (const unsigned char *)in[i], strlen(in[i]));
        char *s = pr__strbuf_take(&sb);
        cr_assert_str_eq(s, out[i]);
        free(s);
    }
}

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

Test(plot, png_structure_and_pixels) {
    const unsigned char rgba[] = {255, 0, 0, 255, 0, 0, 255, 128, 1, 2, 3, 4, 5, 6, 7, 8};
    unsigned char *png;
    size_t len;
    assert_ok(pr__png_encode_rgba(rgba, 2, 2, &png, &len));
    cr_assert(memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0, "signature");
    /* walk the chunks, checking each CRC, and collect IHDR and IDAT */
    size_t pos = 8;
    const unsigned char *idat = NULL;
    uint32_t idat_len = 0;
    int chunks = 0;
    while (pos + 12 <= len) {
        uint32_t n = be32(png + pos);
        cr_assert_eq(be32(png + pos + 8 + n), pr__crc32(png + pos + 4, n + 4), "chunk %d CRC", chunks);
        if (!memcmp(png + pos + 4, "IHDR", 4)) {
            cr_assert_eq(be32(png + pos + 8), 2u);
            cr_assert_eq(be32(png + pos + 12), 2u);
            cr_assert_eq(png[pos + 16], 8);
            cr_assert_eq(png[pos + 17], 6, "RGBA");
        }
        if (!memcmp(png + pos + 4, "IDAT", 4)) {
            idat = png + pos + 8;
            idat_len = n;
        }
        pos += 12 + n;
        chunks++;
    }
    cr_assert_eq(pos, len);
    cr_assert_eq(chunks, 3);
    /* zlib header, one final stored block of 2 rows x (1 filter byte + 8), adler32 */
    cr_assert_eq(idat[0], 0x78);
    cr_assert_eq(idat[2], 1, "final stored block");
    cr_assert_eq(idat[3] | idat[4] << 8, 18);
    const unsigned char *raw = idat + 7;
    cr_assert_eq(raw[0], 0, "filter none");
    cr_assert(memcmp(raw + 1, rgba, 8) == 0 && memcmp(raw + 10, rgba + 8, 8) == 0, "pixels");
    cr_assert_eq(be32(idat + idat_len - 4), pr__adler32(raw, 18));
    free(png);
}

Test(plot, contour_of_a_paraboloid_is_the_unit_circle) {
    enum { N = 81 };
    static double z[N * N];
    for (int j = 0; j < N; j++)
        for (int i = 0; i < N; i++) {
            double x = -2 + 4.0 * i / (N - 1), y = -2 + 4.0 * j / (N - 1);
            z[j * N + i] = x * x + y * y;
        }
    pr_grid g = {z, N, N, -2, 2, -2, 2};
    pr__segment *s;
    size_t n;
    assert_ok(pr__contour_segments(&g, 1.0, &s, &n));
    cr_assert_gt(n, 60);
    double len = 0;
    for (size_t k = 0; k < n; k++) {
        assert_near(hypot(s[k].x0, s[k].y0), 1, 0.003);
        assert_near(hypot(s[k].x1, s[k].y1), 1, 0.003);
        len += hypot(s[k].x1 - s[k].x0, s[k].y1 - s[k].y0);
    }
    assert_near(len, 2 * M_PI, 0.01); /* the segments add up to the circumference */
    free(s);
}

Test(plot, contour_saddle_uses_the_centre) {
    /* f = xy on the corners of [-1, 1]²: level 0.5 isolates the two positive corners. */
    double z[4] = {1, -1, -1, 1};
    pr_grid g = {z, 2, 2, -1, 1, -1, 1};
    pr__segment *s;
    size_t n;
    assert_ok(pr__contour_segments(&g, 0.5, &s, &n));
    cr_assert_eq(n, 2);
    for (size_t k = 0; k < n; k++)
        cr_assert((s[k].x0 < 0) == (s[k].x1 < 0) && (s[k].y0 < 0) == (s[k].y1 < 0),
                  "segment %zu cuts off one corner", k);
    free(s);
}

Test(plot, nice_ticks_and_labels) {
    double t[64], step;
    int n = pr__nice_ticks(0, 1, 5, t, 64, &step);
    cr_assert_eq(n, 6);
    assert_near(step, 0.2, 1e-15);
    n = pr__nice_ticks(-1.3, 1.3, 6, t, 64, &step);
    cr_assert_eq(n, 5);
    cr_assert_eq(t[0], -1.0);
    cr_assert_eq(t[2], 0.0);
    n = pr__nice_ticks(0, 97, 5, t, 64, &step);
    cr_assert_eq(step, 20.0);
    cr_assert_eq(t[n - 1], 80.0);
    char buf[32];
    pr__tick_label(0.75, 0.25, buf, sizeof buf);
    cr_assert_str_eq(buf, "0.75");
    pr__tick_label(-0.0, 0.5, buf, sizeof buf);
    cr_assert_str_eq(buf, "0.0");
    pr__tick_label(40, 20, buf, sizeof buf);
    cr_assert_str_eq(buf, "40");
}

static char *markup(const char *text) {
    pr_strbuf sb;
    pr__strbuf_init(&sb);
    pr__svg_text_markup(&sb, text);
    return pr__strbuf_take(&sb);
}

Test(plot, text_markup) {
    char *a = markup("a < b & c"), *w = markup("$w_1$ and $\\sigma^{2}$"), *g = markup("$\\alpha$ rate");
    cr_assert_str_eq(a, "a &lt; b &amp; c");
    cr_assert(strstr(w, "w<tspan dy=\"0.47em\" font-size=\"75%\">1</tspan><tspan dy=\"-0.35em\"> and σ") != NULL, "%s", w);
    cr_assert(strstr(w, "font-size=\"75%\">2</tspan>") != NULL, "%s", w);
    cr_assert_str_eq(g, "α rate");
    free(a);
    free(w);
    free(g);
}

/* A small XML well-formedness check: tags nest and close, attribute values are
 * quoted, '&' starts an entity. Returns NULL when fine, else a description. */
static const char *xml_problem(const char *s) {
    static char why[256];
    const char *stack[512];
    size_t lens[512];
    int depth = 0;
    for (const char *p = s; *p;) {
        if (*p == '&') {
            const char *e = strchr(p, ';');
            if (!e || e - p > 8) return "bare '&'";
            p = e + 1;
            continue;
        }
        if (*p != '<') {
            p++;
            continue;
        }
        if (!strncmp(p, "<?", 2)) {
            p = strstr(p, "?>");
            if (!p) return "unterminated <?";
            p += 2;
            continue;
        }
        int closing = p[1] == '/';
        const char *name = p + 1 + closing;
        size_t n = strcspn(name, " \t\n/>");
        if (!n) return "empty tag name";
        const char *q = name + n;
        while (*q && *q != '>' && !(*q == '/' && q[1] == '>')) {
            if (*q == '"') {
                const char *e = strchr(q + 1, '"');
                if (!e) return "unterminated attribute";
                if (memchr(q + 1, '<', (size_t)(e - q - 1))) return "'<' in an attribute";
                q = e + 1;
            } else if (*q == '<') {
                return "'<' inside a tag";
            } else {
                q++;
            }
        }
        if (!*q) return "unterminated tag";
        int self_closing = *q == '/';
        if (closing) {
            if (!depth || lens[depth - 1] != n || strncmp(stack[depth - 1], name, n)) {
                snprintf(why, sizeof why, "</%.*s> does not close <%.*s>", (int)n, name,
                         depth ? (int)lens[depth - 1] : 0, depth ? stack[depth - 1] : "");
                return why;
            }
            depth--;
        } else if (!self_closing) {
            if (depth == 512) return "too deep";
            stack[depth] = name;
            lens[depth++] = n;
        }
        p = q + (self_closing ? 2 : 1);
    }
    return depth ? "unclosed elements" : NULL;
}

static int count(const char *s, const char *needle) {
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p++) n++;
    return n;
}

/* A 2 x 3 figure that uses every artist and setting. */
static pr_figure *every_artist_figure(void) {
    pr_figure *fig;
    assert_ok(pr_figure_new(&fig, 2, 3, 1500, 800));
    assert_ok(pr_figure_suptitle(fig, "Every artist & setting"));
    double x[50], y[50], y2[50], v[50];
    int cls[50];
    unsigned char where[50];
    for (int i = 0; i < 50; i++) {
        x[i] = i / 10.0;
        y[i] = sin(x[i]);
        y2[i] = 0;
        v[i] = cos(x[i]);
        cls[i] = i % 3;
        where[i] = y[i] > 0;
    }
    pr_axes *a = pr_figure_axes(fig, 0, 0);
    assert_ok(pr_axes_line(a, x, y, 50, &(pr_style){.label = "sin", .dash = PR_DASH_DASHED, .marker = PR_MARKER_STAR}));
    assert_ok(pr_axes_fill_between(a, x, y, y2, where, 50, &(pr_style){.color = "blue", .alpha = 0.3, .label = "> 0"}));
    assert_ok(pr_axes_hline(a, 0.5, &(pr_style){.dash = PR_DASH_DOTTED}));
    assert_ok(pr_axes_vline(a, 2, NULL));
    assert_ok(pr_axes_text(a, 3, 0.6, "note <here>", NULL));
    assert_ok(pr_axes_arrow(a, 0, 0, 1, 0.8, &(pr_style){.color = "red"}));
    pr_axes_set_grid(a, 0.3);
    assert_ok(pr_axes_set_title(a, "lines"));
    assert_ok(pr_axes_set_xlabel(a, "$w_1$"));
    assert_ok(pr_axes_set_ylabel(a, "$\\sigma(z)$"));
    pr_axes *b = pr_figure_axes(fig, 0, 1);
    assert_ok(pr_axes_scatter_classes(b, x, y, cls, 50, (const char *[]){"zero", "one", "two"}, 3,
                                      &(pr_style){.edge_color = "black"}));
    pr_axes_set_legend(b, PR_LEGEND_BEST);
    pr_axes *c = pr_figure_axes(fig, 0, 2);
    assert_ok(pr_axes_scatter_values(c, x, y, v, 50, PR_CMAP_RDBU_R, 0, 0, NULL));
    assert_ok(pr_axes_colorbar(c, "cos", 0.8));
    enum { G = 30 };
    static double z[G * G];
    for (int j = 0; j < G; j++)
        for (int i = 0; i < G; i++) z[j * G + i] = pow(-2 + 4.0 * i / (G - 1), 2) + 4 * pow(-2 + 4.0 * j / (G - 1), 2);
    pr_grid grid = {z, G, G, -2, 2, -2, 2};
    pr_axes *d = pr_figure_axes(fig, 1, 0);
    assert_ok(pr_axes_contourf(d, &grid, NULL, 10, PR_CMAP_VIRIDIS, 0.6));
    assert_ok(pr_axes_contour(d, &grid, (double[]){1, 4, 9}, 3, PR_CMAP_VIRIDIS, NULL));
    assert_ok(pr_axes_colorbar(d, NULL, 0));
    pr_axes_set_equal_aspect(d, 1);
    pr_axes *e = pr_figure_axes(fig, 1, 1);
    double heat[6] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.45};
    assert_ok(pr_axes_heatmap(e, heat, 2, 3, PR_CMAP_BLUES, 0, 0.5, "%.2f"));
    assert_ok(pr_axes_set_xticks(e, 3, NULL, (const char *[]){"the", "cat", "sat"}));
    assert_ok(pr_axes_colorbar(e, "weight", 0.8));
    pr_axes *f = pr_figure_axes(fig, 1, 2);
    double lx[20], ly[20];
    for (int i = 0; i < 20; i++) {
        lx[i] = i + 1;
        ly[i] = pow(0.25, i + 1);
    }
    assert_ok(pr_axes_line(f, lx, ly, 20, &(pr_style){.label = "$0.25^L$"}));
    assert_ok(pr_axes_bar(f, lx, ly, 20, 0.5, NULL));
    pr_axes_set_log(f, 0, 1);
    return fig;
}

Test(plot, figure_with_every_artist_is_well_formed_svg) {
    pr_figure *fig = every_artist_figure();
    char *svg;
    size_t len;
    assert_ok(pr_figure_to_svg(fig, &svg, &len));
    cr_assert_eq(strlen(svg), len);
    const char *problem = xml_problem(svg);
    cr_assert_null(problem, "malformed SVG: %s", problem);
    cr_assert(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"") != NULL);
    cr_assert_eq(count(svg, "<clipPath"), 6, "one clip region per panel");
    cr_assert_eq(count(svg, "<image "), 1, "contourf is an embedded image");
    cr_assert_eq(count(svg, "data:image/png;base64,iVBORw0KGgo"), 1, "PNG data (base64 of the signature)");
    cr_assert(strstr(svg, "<g shape-rendering=\"crispEdges\"><rect") != NULL, "heatmap cells are vector rects");
    cr_assert(strstr(svg, "Every artist &amp; setting") != NULL, "suptitle, escaped");
    cr_assert(strstr(svg, "note &lt;here&gt;") != NULL, "text, escaped");
    cr_assert(strstr(svg, ">0.45</text>") != NULL, "heatmap cell annotation");
    cr_assert(strstr(svg, ">cat</text>") != NULL, "custom tick label");
    cr_assert(strstr(svg, ">zero</text>") != NULL, "class legend entry");
    cr_assert(strstr(svg, "10<tspan") != NULL, "log-axis tick label 10^k");
    cr_assert(strstr(svg, "stroke-dasharray") != NULL, "dashed line");
    cr_assert(strstr(svg, "linearGradient") != NULL, "continuous colour bar");
    free(svg);
    pr_figure_free(fig);
}

Test(plot, image_grid_of_panels) {
    pr_figure *fig;
    assert_ok(pr_figure_new(&fig, 2, 5, 750, 330));
    double img[64];
    for (int k = 0; k < 10; k++) {
        for (int i = 0; i < 64; i++) img[i] = (i / 8 + i % 8 + k) % 17; /* 0..16 like the digits data */
        pr_axes *ax = pr_figure_axes(fig, k / 5, k % 5);
        assert_ok(pr_axes_image(ax, img, 8, 8, PR_CMAP_GRAY, 0, 16));
        pr_axes_set_axis_off(ax, 1);
        char title[32];
        snprintf(title, sizeof title, "label %d", k);
        assert_ok(pr_axes_set_title(ax, title));
    }
    char *svg;
    assert_ok(pr_figure_to_svg(fig, &svg, NULL));
    cr_assert_null(xml_problem(svg));
    cr_assert_eq(count(svg, "shape-rendering=\"crispEdges\""), 10, "ten images drawn as cells");
    cr_assert_eq(count(svg, "<image "), 0);
    cr_assert(strstr(svg, ">label 9</text>") != NULL);
    cr_assert_eq(count(svg, "class=\"ticks\""), 0, "axes are off");
    free(svg);
    pr_figure_free(fig);
}

Test(plot, save_writes_the_file) {
    pr_figure *fig = every_artist_figure();
    char path[] = "/tmp/primer-svg-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    assert_ok(pr_figure_save_svg(fig, path));
    FILE *f = fopen(path, "r");
    char head[6] = {0};
    cr_assert_eq(fread(head, 1, 5, f), 5);
    fclose(f);
    cr_assert_str_eq(head, "<?xml");
    unlink(path);
    assert_fails(pr_figure_save_svg(fig, "/nonexistent-dir/f.svg"), PR_ERR_IO, "cannot create");
    pr_figure_free(fig);
}

Test(plot, bad_arguments_are_reported) {
    pr_figure *fig = NULL;
    assert_fails(pr_figure_new(&fig, 0, 1, 100, 100), PR_ERR_INVALID, "panels");
    assert_fails(pr_figure_new(&fig, 1, 1, 10, 100), PR_ERR_INVALID, "size");
    assert_ok(pr_figure_new(&fig, 1, 2, 400, 300));
    cr_assert_null(pr_figure_axes(fig, 1, 0));
    cr_assert_null(pr_figure_axes(fig, 0, 2));
    pr_axes *ax = pr_figure_axes(fig, 0, 0);
    double x[2] = {0, 1};
    assert_fails(pr_axes_line(ax, x, x, 2, &(pr_style){.color = "blurple"}), PR_ERR_INVALID, "unknown colour 'blurple'");
    assert_fails(pr_axes_heatmap(ax, x, 1, 2, PR_CMAP_GRAY, 0, 1, "%s"), PR_ERR_INVALID, "cell format");
    assert_fails(pr_axes_heatmap(ax, x, 1, 2, PR_CMAP_GRAY, 0, 1, "%f %f"), PR_ERR_INVALID, "cell format");
    assert_fails(pr_axes_colorbar(pr_figure_axes(fig, 0, 1), NULL, 1), PR_ERR_INVALID, "no contourf");
    pr_grid g = {x, 1, 2, 0, 1, 0, 1};
    assert_fails(pr_axes_contour(ax, &g, NULL, 3, PR_CMAP_VIRIDIS, NULL), PR_ERR_INVALID, "grid of 1 x 2");
    double z[4] = {0, 1, 2, 3};
    pr_grid ok = {z, 2, 2, 0, 1, 0, 1};
    assert_fails(pr_axes_contour(ax, &ok, (double[]){2, 1}, 2, PR_CMAP_VIRIDIS, NULL), PR_ERR_INVALID, "increasing");
    /* nothing half-added: the figure still renders */
    char *svg;
    assert_ok(pr_figure_to_svg(fig, &svg, NULL));
    cr_assert_null(xml_problem(svg));
    free(svg);
    pr_figure_free(fig);
}
