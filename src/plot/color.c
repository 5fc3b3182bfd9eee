/* Colour maps, the colour cycle and colour names. */
#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "plot/plot_internal.h"

/* Anchor colours sampled evenly over [0, 1]; values between are interpolated linearly. */
static const char *const viridis[] = {"#440154", "#482878", "#3e4989", "#31688e", "#26828e",
                                      "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"};
static const char *const rdbu_r[] = {"#053061", "#2166ac", "#4393c3", "#92c5de",
                                     "#d1e5f0", "#f7f7f7", "#fddbc7", "#f4a582",
                                     "#d6604d", "#b2182b", "#67001f"};
static const char *const blues[] = {"#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6",
                                    "#4292c6", "#2171b5", "#08519c", "#08306b"};
static const char *const gray[] = {"#000000", "#ffffff"};

static const struct {
    const char *name;
    const char *const *anchors;
    int count;
} colormaps[PR_CMAP_COUNT] = {
    [PR_CMAP_VIRIDIS] = {"viridis", viridis, 10},
    [PR_CMAP_RDBU_R] = {"RdBu_r", rdbu_r, 11},
    [PR_CMAP_BLUES] = {"Blues", blues, 9},
    [PR_CMAP_GRAY] = {"gray", gray, 2},
};

static const char *const cycle[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

static const struct {
    const char *name, *hex;
} named[] = {
    {"black", "#000000"}, {"k", "#000000"}, {"white", "#ffffff"}, {"w", "#ffffff"},
    {"red", "#ff0000"}, {"r", "#ff0000"}, {"green", "#008000"}, {"g", "#008000"},
    {"blue", "#0000ff"}, {"b", "#0000ff"}, {"cyan", "#00ffff"}, {"c", "#00bfbf"},
    {"magenta", "#ff00ff"}, {"m", "#bf00bf"}, {"yellow", "#ffff00"}, {"y", "#bfbf00"},
    {"orange", "#ffa500"}, {"purple", "#800080"}, {"brown", "#a52a2a"}, {"pink", "#ffc0cb"},
    {"gray", "#808080"}, {"grey", "#808080"}, {"lightgray", "#d3d3d3"}, {"darkgray", "#a9a9a9"},
    {"olive", "#808000"}, {"navy", "#000080"}, {"teal", "#008080"}, {"gold", "#ffd700"},
    {"tab:blue", "#1f77b4"}, {"tab:orange", "#ff7f0e"}, {"tab:green", "#2ca02c"},
    {"tab:red", "#d62728"}, {"tab:purple", "#9467bd"}, {"tab:brown", "#8c564b"},
    {"tab:pink", "#e377c2"}, {"tab:gray", "#7f7f7f"}, {"tab:olive", "#bcbd22"},
    {"tab:cyan", "#17becf"},
};

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int pr__parse_color(const char *s, unsigned char rgb[3]) {
    if (!s) return 0;
    if (s[0] == '#') {
        size_t n = strlen(s + 1);
        if (n != 3 && n != 6) return 0;
        for (size_t i = 0; i < n; i++)
            if (hex_digit(s[1 + i]) < 0) return 0;
        for (int k = 0; k < 3; k++)
            rgb[k] = n == 3 ? (unsigned char)(hex_digit(s[1 + k]) * 17)
                            : (unsigned char)(hex_digit(s[1 + 2 * k]) * 16 + hex_digit(s[2 + 2 * k]));
        return 1;
    }
    if (s[0] == 'C' && s[1] >= '0' && s[1] <= '9' && !s[2]) return pr__parse_color(cycle[s[1] - '0'], rgb);
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (!strcasecmp(s, named[i].name)) return pr__parse_color(named[i].hex, rgb);
    return 0;
}

void pr__cycle_color(int i, unsigned char rgb[3]) {
    pr__parse_color(cycle[((i % 10) + 10) % 10], rgb);
}

const char *pr_colormap_name(pr_colormap cmap) {
    return (unsigned)cmap < PR_CMAP_COUNT ? colormaps[cmap].name : "unknown";
}

void pr_colormap_rgb(pr_colormap cmap, double t, unsigned char rgb[3]) {
    if ((unsigned)cmap >= PR_CMAP_COUNT) cmap = PR_CMAP_VIRIDIS;
    if (!(t > 0)) t = 0; /* also catches NaN */
    if (t > 1) t = 1;
    int n = colormaps[cmap].count;
    double pos = t * (n - 1);
    int i = (int)floor(pos);
    if (i >= n - 1) i = n - 2;
    double f = pos - i;
    unsigned char a[3], b[3];
    pr__parse_color(colormaps[cmap].anchors[i], a);
    pr__parse_color(colormaps[cmap].anchors[i + 1], b);
    for (int k = 0; k < 3; k++) rgb[k] = (unsigned char)lround(a[k] + (b[k] - a[k]) * f);
}
