/* Weight initialisation (section 8.6): Xavier/Glorot and He/Kaiming, normal and
 * uniform, zeros, constants and plain normals, all from a caller's seeded generator. */
#include <math.h>
#include <string.h>

#include "nn/nn_internal.h"

static const char *const names[] = {
#define PR_X_(name, value, str, what) [name] = str,
    PR_INIT_LIST(PR_X_)
#undef PR_X_
};
_Static_assert(sizeof names / sizeof names[0] == PR_INIT_COUNT, "one name per initialisation rule");

const char *pr_init_name(pr_init kind) { return (unsigned)kind < PR_INIT_COUNT ? names[kind] : "unknown"; }

pr_status pr_init_parse(const char *name, pr_init *out) {
    for (int k = 0; name && out && k < PR_INIT_COUNT; k++)
        if (!strcmp(name, names[k])) {
            *out = (pr_init)k;
            return PR_OK;
        }
    char known[256] = "";
    for (int k = 0; k < PR_INIT_COUNT; k++) snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", k ? ", " : "", names[k]);
    return pr__fail(PR_ERR_INVALID, "unknown initialisation '%s' (%s)", name ? name : "(null)", known);
}

/* Rules that draw from the fans. */
static int uses_fans(pr_init kind) {
    return kind == PR_INIT_XAVIER_NORMAL || kind == PR_INIT_XAVIER_UNIFORM || kind == PR_INIT_HE_NORMAL ||
           kind == PR_INIT_HE_UNIFORM;
}

pr_status pr_init_scale(pr_init kind, int64_t fan_in, int64_t fan_out, double value, double *scale) {
    if (!scale) return pr__fail(PR_ERR_INVALID, "init_scale: scale is NULL");
    if (uses_fans(kind) && (fan_in < 1 || fan_out < 1))
        return pr__fail(PR_ERR_INVALID, "init_scale: %s needs fans >= 1 (got %lld, %lld)", pr_init_name(kind),
                        (long long)fan_in, (long long)fan_out);
    double fans = (double)fan_in + (double)fan_out, in = (double)fan_in;
    switch (kind) {
    case PR_INIT_XAVIER_NORMAL: *scale = sqrt(2.0 / fans); return PR_OK;
    case PR_INIT_XAVIER_UNIFORM: *scale = sqrt(6.0 / fans); return PR_OK;
    case PR_INIT_HE_NORMAL: *scale = sqrt(2.0 / in); return PR_OK;
    case PR_INIT_HE_UNIFORM: *scale = sqrt(6.0 / in); return PR_OK;
    case PR_INIT_ZEROS:
    case PR_INIT_CONSTANT: *scale = 0; return PR_OK;
    case PR_INIT_NORMAL:
        if (!(value >= 0) || !isfinite(value)) return pr__fail(PR_ERR_INVALID, "init_scale: the standard deviation %g must be >= 0", value);
        *scale = value;
        return PR_OK;
    case PR_INIT_AUTO: return pr__fail(PR_ERR_INVALID, "init_scale: 'auto' depends on the layer's activation; pick a rule");
    case PR_INIT_COUNT: break;
    }
    return pr__fail(PR_ERR_INVALID, "init_scale: unknown initialisation %d", (int)kind);
}

pr_status pr_init_tensor(pr_tensor *t, pr_init kind, int64_t fan_in, int64_t fan_out, double value, pr_rng *rng) {
    pr_status st = pr__require_tensor(t, "init_tensor", "t");
    if (st || (st = pr__require_float(t, "init_tensor"))) return st;
    if ((uses_fans(kind) || kind == PR_INIT_NORMAL) && !rng)
        return pr__fail(PR_ERR_INVALID, "init_tensor: %s needs a generator", pr_init_name(kind));
    double s;
    if ((st = pr_init_scale(kind, fan_in, fan_out, value, &s))) return st;
    switch (kind) {
    case PR_INIT_XAVIER_NORMAL:
    case PR_INIT_HE_NORMAL:
    case PR_INIT_NORMAL: return pr_rng_fill_normal(rng, t, 0, s);
    case PR_INIT_XAVIER_UNIFORM:
    case PR_INIT_HE_UNIFORM: return pr_rng_fill_uniform(rng, t, -s, s);
    case PR_INIT_ZEROS: pr_tensor_fill(t, 0); return PR_OK;
    case PR_INIT_CONSTANT:
        if (!isfinite(value)) return pr__fail(PR_ERR_INVALID, "init_tensor: the constant is not finite");
        pr_tensor_fill(t, value);
        return PR_OK;
    default: break;
    }
    return pr__fail(PR_ERR_INVALID, "init_tensor: unknown initialisation %d", (int)kind);
}
