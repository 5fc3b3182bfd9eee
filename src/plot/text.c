/* Text for SVG: escaping, $...$ math markup, width estimates, tick values. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot/plot_internal.h"

static const struct {
    const char *name, *utf8;
} symbols[] = {
    {"alpha", "α"}, {"beta", "β"}, {"gamma", "γ"}, {"delta", "δ"}, {"epsilon", "ε"},
    {"varepsilon", "ε"}, {"zeta", "ζ"}, {"eta", "η"}, {"theta", "θ"}, {"kappa", "κ"},
    {"lambda", "λ"}, {"mu", "μ"}, {"nu", "ν"}, {"xi", "ξ"}, {"pi", "π"}, {"rho", "ρ"},
    {"sigma", "σ"}, {"tau", "τ"}, {"phi", "φ"}, {"chi", "χ"}, {"psi", "ψ"}, {"omega", "ω"},
    {"Gamma", "Γ"}, {"Delta", "Δ"}, {"Theta", "Θ"}, {"Lambda", "Λ"}, {"Sigma", "Σ"},
    {"Pi", "Π"}, {"Phi", "Φ"}, {"Psi", "Ψ"}, {"Omega", "Ω"}, {"nabla", "∇"},
    {"partial", "∂"}, {"infty", "∞"}, {"cdot", "·"}, {"times", "×"}, {"leq", "≤"},
    {"geq", "≥"}, {"neq", "≠"}, {"approx", "≈"}, {"pm", "±"}, {"to", "→"},
    {"rightarrow", "→"}, {"leftarrow", "←"}, {"sqrt", "√"}, {"sum", "Σ"}, {"|", "‖"},
};

static void escape_char(pr_strbuf *sb, char c) {
    switch (c) {
    case '&': pr__strbuf_puts(sb, "&amp;"); break;
    case '<': pr__strbuf_puts(sb, "&lt;"); break;
    case '>': pr__strbuf_puts(sb, "&gt;"); break;
    case '"': pr__strbuf_puts(sb, "&quot;"); break;
    default:
        if ((unsigned char)c >= 0x20 || c == '\t') pr__strbuf_append(sb, &c, 1);
    }
}

/* The baseline shift in em and whether the text is small, for a run of math. */
typedef struct markup_state {
    int shift;  /* -1 subscript, 0 normal, +1 superscript */
    int open;   /* a shifted tspan is open */
} markup_state;

static void set_shift(pr_strbuf *sb, markup_state *m, int shift) {
    if (shift == m->shift) return;
    if (m->open) pr__strbuf_puts(sb, "</tspan>");
    /* dy is relative: move from the old baseline to the new one. */
    double dy = 0.35 * (double)(m->shift - shift);
    if (shift != 0) {
        pr__strbuf_printf(sb, "<tspan dy=\"%.2fem\" font-size=\"75%%\">", dy / 0.75);
        m->open = 1;
    } else {
        pr__strbuf_printf(sb, "<tspan dy=\"%.2fem\">", dy);
        m->open = 1;
    }
    m->shift = shift;
}

/* One math-mode item starting at *p: a \command, a {group} or a single character. */
static const char *math_item(pr_strbuf *sb, const char *p) {
    if (*p == '\\') {
        const char *s = p + 1;
        size_t n = 0;
        if (s[0] == '|') n = 1;
        else
            while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z')) n++;
        for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++)
            if (strlen(symbols[i].name) == n && !strncmp(s, symbols[i].name, n)) {
                pr__strbuf_puts(sb, symbols[i].utf8);
                return s + n;
            }
        for (size_t i = 0; i < n; i++) escape_char(sb, s[i]); /* unknown: its name */
        return s + n;
    }
    if (*p == '{') {
        p++;
        while (*p && *p != '}' && *p != '$') p = math_item(sb, p);
        return *p == '}' ? p + 1 : p;
    }
    /* a whole UTF-8 character */
    int len = ((unsigned char)*p & 0xE0) == 0xC0 ? 2 : ((unsigned char)*p & 0xF0) == 0xE0 ? 3
              : ((unsigned char)*p & 0xF8) == 0xF0 ? 4 : 1;
    for (int i = 0; i < len && p[i]; i++) escape_char(sb, p[i]);
    while (len-- > 0 && *p) p++;
    return p;
}

void pr__svg_text_markup(pr_strbuf *sb, const char *text) {
    markup_state m = {0, 0};
    int math = 0;
    for (const char *p = text; *p;) {
        if (*p == '$') {
            math = !math;
            p++;
            continue;
        }
        if (!math) {
            set_shift(sb, &m, 0);
            escape_char(sb, *p++);
            continue;
        }
        if ((*p == '_' || *p == '^') && p[1]) {
            int shift = *p == '_' ? -1 : 1;
            set_shift(sb, &m, shift);
            p = math_item(sb, p + 1);
            continue;
        }
        set_shift(sb, &m, 0);
        p = math_item(sb, p);
    }
    if (m.open) pr__strbuf_puts(sb, "</tspan>");
}

double pr__text_width(const char *text, double size) {
    double w = 0;
    int math = 0;
    for (const char *p = text; p && *p; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c & 0xC0) == 0x80) continue; /* UTF-8 continuation byte */
        if (c == '$') {
            math = !math;
            continue;
        }
        if (math && (c == '_' || c == '^' || c == '{' || c == '}' || c == '\\')) continue;
        w += c == ' ' || c == '.' || c == ',' || c == 'i' || c == 'l' || c == '1' ? 0.33 : 0.6;
    }
    return w * size;
}

int pr__nice_ticks(double lo, double hi, int target, double *ticks, int max, double *step) {
    if (!(hi > lo) || !isfinite(lo) || !isfinite(hi) || max < 1) {
        *step = 1;
        return 0;
    }
    if (target < 2) target = 2;
    double raw = (hi - lo) / target;
    double mag = pow(10, floor(log10(raw)));
    static const double steps[] = {1, 2, 2.5, 5, 10};
    double s = 10 * mag;
    for (int i = 0; i < 5; i++)
        if (steps[i] * mag >= raw) {
            s = steps[i] * mag;
            break;
        }
    *step = s;
    int n = 0;
    double first = ceil(lo / s - 1e-9);
    for (double k = first; n < max; k++) {
        double v = k * s;
        if (v > hi + s * 1e-9) break;
        ticks[n++] = fabs(v) < s * 1e-9 ? 0.0 : v;
    }
    return n;
}

void pr__tick_label(double v, double step, char *buf, size_t len) {
    double a = fabs(v);
    if (a != 0 && (a >= 1e6 || a < 1e-4 || step < 1e-5)) {
        snprintf(buf, len, "%.3g", v);
        return;
    }
    int decimals = 0;
    while (decimals < 8 && fabs(step * pow(10, decimals) - round(step * pow(10, decimals))) > 1e-6 * pow(10, decimals))
        decimals++;
    snprintf(buf, len, "%.*f", decimals, v);
    if (!strcmp(buf, "-0") || (buf[0] == '-' && strspn(buf + 1, "0.") == strlen(buf + 1)))
        memmove(buf, buf + 1, strlen(buf)); /* no "-0.0" */
}
