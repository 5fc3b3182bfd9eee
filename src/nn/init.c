/* Weight initialisation (section 8.6): Xavier/Glorot and He/Kaiming, normal and
 * uniform, zeros and constants, all from a caller's seeded generator. */
#include <math.h>
#include <string.h>

#include "nn/nn_internal.h"

static const char *const names[] = {"auto",       "xavier_normal", "xavier_uniform", "he_normal",
                                    "he_uniform", "zeros",         "constant"};

const char *pr_init_name(pr_init kind) {
    return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "unknown";
}

pr_status pr_init_parse(const char *name, pr_init *out) {
    for (size_t k = 0; name && out && k < sizeof names / sizeof names[0]; k++)
        if (!strcmp(name, names[k])) {
            *out = (pr_init)k;
            return PR_OK;
        }
    return pr__fail(PR_ERR_INVALID, "unknown initialisation '%s' (auto, xavier_normal, xavier_uniform, he_normal, "
                                    "he_uniform, zeros, constant)",
                    name ? name : "(null)");
}

pr_status pr_init_tensor(pr_tensor *t, pr_init kind, int64_t fan_in, int64_t fan_out, double value, pr_rng *rng) {
    pr_status st = pr__require_tensor(t, "init_tensor", "t");
    if (st || (st = pr__require_float(t, "init_tensor"))) return st;
    int random = kind == PR_INIT_XAVIER_NORMAL || kind == PR_INIT_XAVIER_UNIFORM || kind == PR_INIT_HE_NORMAL ||
                 kind == PR_INIT_HE_UNIFORM;
    if (random && (!rng || fan_in < 1 || fan_out < 1))
        return pr__fail(PR_ERR_INVALID, "init_tensor: %s needs a generator and fans >= 1 (got %lld, %lld)",
                        pr_init_name(kind), (long long)fan_in, (long long)fan_out);
    double fans = (double)(fan_in + fan_out), in = (double)fan_in;
    switch (kind) {
    case PR_INIT_XAVIER_NORMAL: return pr_rng_fill_normal(rng, t, 0, sqrt(2.0 / fans));
    case PR_INIT_XAVIER_UNIFORM: return pr_rng_fill_uniform(rng, t, -sqrt(6.0 / fans), sqrt(6.0 / fans));
    case PR_INIT_HE_NORMAL: return pr_rng_fill_normal(rng, t, 0, sqrt(2.0 / in));
    case PR_INIT_HE_UNIFORM: return pr_rng_fill_uniform(rng, t, -sqrt(6.0 / in), sqrt(6.0 / in));
    case PR_INIT_ZEROS: pr_tensor_fill(t, 0); return PR_OK;
    case PR_INIT_CONSTANT:
        if (!isfinite(value)) return pr__fail(PR_ERR_INVALID, "init_tensor: the constant is not finite");
        pr_tensor_fill(t, value);
        return PR_OK;
    case PR_INIT_AUTO:
        return pr__fail(PR_ERR_INVALID, "init_tensor: 'auto' depends on the layer's activation; pick a rule");
    }
    return pr__fail(PR_ERR_INVALID, "init_tensor: unknown initialisation %d", (int)kind);
}
