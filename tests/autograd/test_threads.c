/* The worker pool (primer/threads.h): how ranges are split, and every kernel that
 * splits its work giving what the calling thread alone computes (bit for bit for the
 * element-wise ops and the optimiser, to float rounding for products), the same bits
 * on every run with the same pool, and training with a pool. */
#include <stdatomic.h>
#include <string.h>

#include "core/parallel.h"
#include "test_util.h"

Test(threads, pools_are_made_and_refused) {
    pr_threads *p;
    cr_assert_eq(pr_threads_new(&p, 0), PR_ERR_INVALID);
    assert_contains(pr_last_error(), "0 is not a thread count");
    cr_assert_eq(pr_threads_new(&p, PR_THREADS_MAX + 1), PR_ERR_INVALID);
    cr_assert_eq(pr_threads_new(NULL, 2), PR_ERR_INVALID);
    cr_assert_eq(pr_threads_count(NULL), 1);
    assert_ok(pr_threads_new(&p, 3));
    cr_assert_eq(pr_threads_count(p), 3);
    pr_threads_free(p);
    pr_threads_free(NULL);
    cr_assert_geq(pr_cpu_count(), 1);
}

typedef struct cover {
    atomic_int hits[1000];
    atomic_int calls;
    int64_t grain, n;
    int bad;
} cover;

static void mark(void *ctx, int64_t b, int64_t e, int worker) {
    cover *c = ctx;
    atomic_fetch_add(&c->calls, 1);
    /* every range but the last starts and ends on a multiple of the grain */
    if (b % c->grain || (e != c->n && e % c->grain) || worker < 0) c->bad = 1;
    for (int64_t i = b; i < e; i++) atomic_fetch_add(&c->hits[i], 1);
}

Test(threads, every_index_is_run_exactly_once_in_ranges_of_the_grain) {
    pr_threads *p;
    assert_ok(pr_threads_new(&p, 3));
    static const int64_t ns[] = {1, 2, 3, 7, 64, 999, 1000};
    static const int64_t grains[] = {1, 4, 16, 2000};
    for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
        for (size_t b = 0; b < sizeof grains / sizeof grains[0]; b++) {
            static cover c;
            memset(&c, 0, sizeof c);
            c.grain = grains[b];
            c.n = ns[a];
            pr__parallel_for(p, c.n, c.grain, mark, &c);
            int64_t blocks = (c.n + c.grain - 1) / c.grain;
            cr_assert_eq(atomic_load(&c.calls), blocks < 3 ? blocks : 3, "n %lld grain %lld", (long long)c.n,
                         (long long)c.grain);
            cr_assert_eq(pr__parallel_workers(p, c.n, c.grain), blocks < 3 ? (int)blocks : 3);
            cr_assert(!c.bad);
            for (int64_t i = 0; i < c.n; i++) cr_assert_eq(atomic_load(&c.hits[i]), 1, "index %lld", (long long)i);
        }
    pr_threads_free(p);
}

/* A graph with every kind of split kernel: a dense layer (a product, a broadcast
 * bias), element-wise unary and same-shape binary ops, a convolution with bias, and
 * a mean loss. */
typedef struct net {
    pr_graph *g;
    pr_node x, w, b, c, cb, loss;
} net;

static net build(pr_dtype dt, pr_threads *pool, uint64_t seed) {
    net n;
    assert_ok(pr_graph_new(&n.g, dt));
    pr_graph_set_threads(n.g, pool);
    n.x = pr_g_param(n.g, "x", PR_SHAPE(37, 3, 9, 9));
    n.c = pr_g_param(n.g, "conv", PR_SHAPE(5, 3, 3, 3));
    n.cb = pr_g_param(n.g, "conv_bias", PR_SHAPE(5));
    pr_conv2d_params cp = PR_CONV2D_DEFAULTS;
    cp.padding[0] = cp.padding[1] = 1;
    pr_node h = pr_g_tanh(n.g, pr_g_conv2d(n.g, n.x, n.c, n.cb, &cp));
    pr_node flat = pr_g_reshape(n.g, h, PR_SHAPE(37, 5 * 81));
    n.w = pr_g_param(n.g, "w", PR_SHAPE(300, 405));
    n.b = pr_g_param(n.g, "b", PR_SHAPE(300));
    pr_node z = pr_g_add(n.g, pr_g_matmul_nt(n.g, flat, n.w), n.b);
    pr_node a = pr_g_gelu(n.g, pr_g_relu(n.g, z), PR_GELU_TANH);
    pr_node s = pr_g_mul(n.g, a, pr_g_sigmoid(n.g, z));
    n.loss = pr_g_mean(n.g, pr_g_mul(n.g, s, s), PR_AXIS_ALL, 0);
    cr_assert_eq(pr_graph_status(n.g), PR_OK, "%s", pr_graph_error(n.g));
    pr_rng rng;
    pr_rng_seed(&rng, seed);
    pr_node params[] = {n.x, n.c, n.cb, n.w, n.b};
    for (int k = 0; k < 5; k++) {
        pr_tensor v;
        assert_ok(pr_graph_param_view(n.g, params[k], &v));
        for (int64_t i = 0; i < v.size; i++) pr_tensor_set(&v, i, pr_rng_normal(&rng) * (k == 3 ? 0.05 : 1));
    }
    return n;
}

static pr_tensor *grads_of(net *n) {
    pr_tensor v, g, *copy;
    assert_ok(pr_graph_param_buffers(n->g, &v, &g));
    assert_ok(pr_tensor_cast(&g, PR_F64, &copy));
    return copy;
}

Test(threads, split_kernels_compute_what_one_thread_does, .timeout = 60) {
    for (int f32 = 0; f32 < 2; f32++) {
        pr_dtype dt = f32 ? PR_F32 : PR_F64;
        net one = build(dt, NULL, 7);
        assert_ok(pr_graph_forward(one.g, one.loss));
        assert_ok(pr_graph_backward(one.g, one.loss));
        double l1;
        assert_ok(pr_graph_scalar(one.g, one.loss, &l1));
        pr_tensor *g1 = grads_of(&one);
        for (int workers = 2; workers <= 3; workers++) {
            pr_threads *pool;
            assert_ok(pr_threads_new(&pool, workers));
            pr_tensor *first = NULL;
            for (int run = 0; run < 2; run++) {
                net n = build(dt, pool, 7);
                cr_assert_eq(pr_graph_threads(n.g), pool);
                assert_ok(pr_graph_forward(n.g, n.loss));
                assert_ok(pr_graph_backward(n.g, n.loss));
                double l;
                assert_ok(pr_graph_scalar(n.g, n.loss, &l));
                cr_assert(fabs(l - l1) <= (f32 ? 1e-5 : 1e-12) * fabs(l1), "loss %.9g against %.9g", l, l1);
                pr_tensor *g = grads_of(&n);
                assert_tensor_close(g, g1, f32 ? 1e-4 : 1e-10, f32 ? 1e-6 : 1e-13, "gradients with a pool");
                if (!first) first = g;
                else { /* the same pool twice: the same bits, whatever the timing */
                    cr_assert_eq(memcmp(first->data, g->data, (size_t)g->size * sizeof(double)), 0);
                    pr_tensor_free(g);
                }
                pr_graph_free(n.g);
            }
            pr_tensor_free(first);
            pr_threads_free(pool);
        }
        pr_tensor_free(g1);
        pr_graph_free(one.g);
    }
}

Test(threads, element_wise_ops_and_optimiser_steps_give_the_same_bits_with_any_pool) {
    /* y = dropout(relu(a) * exp(b)) + a in training: unary, same-shape binary, the
       counter-based dropout masks and their gradients, no product */
    pr_threads *pool;
    assert_ok(pr_threads_new(&pool, 3));
    pr_tensor *ga[2], *pa[2];
    for (int use = 0; use < 2; use++) {
        pr_graph *g;
        assert_ok(pr_graph_new(&g, PR_F32));
        pr_graph_set_threads(g, use ? pool : NULL);
        pr_node a = pr_g_param(g, "a", PR_SHAPE(50001)), b = pr_g_param(g, "b", PR_SHAPE(50001));
        pr_graph_set_training(g, 1);
        pr_node y = pr_g_add(g, pr_g_dropout(g, pr_g_mul(g, pr_g_relu(g, a), pr_g_exp(g, b)), 0.3, 0), a);
        pr_node loss = pr_g_sum(g, pr_g_mul(g, y, y), PR_AXIS_ALL, 0);
        pr_rng rng;
        pr_rng_seed(&rng, 3);
        pr_tensor pv, gv;
        assert_ok(pr_graph_param_buffers(g, &pv, &gv));
        for (int64_t i = 0; i < pv.size; i++) pr_tensor_set(&pv, i, pr_rng_normal(&rng));
        assert_ok(pr_graph_forward(g, loss));
        assert_ok(pr_graph_backward(g, loss));
        assert_ok(pr_tensor_cast(&gv, PR_F32, &ga[use]));
        pr_optimizer *o;
        pr_optimizer_config c = pr_optimizer_defaults(PR_OPT_ADAM);
        assert_ok(pr_optimizer_new(&o, &c, pv.size, PR_F32));
        pr_optimizer_set_threads(o, use ? pool : NULL);
        for (int step = 0; step < 3; step++) assert_ok(pr_optimizer_step(o, &pv, &gv, 1e-2));
        assert_ok(pr_tensor_cast(&pv, PR_F32, &pa[use]));
        pr_optimizer_free(o);
        pr_graph_free(g);
    }
    cr_assert_eq(memcmp(ga[0]->data, ga[1]->data, (size_t)ga[0]->size * 4), 0, "gradients differ with a pool");
    cr_assert_eq(memcmp(pa[0]->data, pa[1]->data, (size_t)pa[0]->size * 4), 0, "Adam's updates differ with a pool");
    for (int k = 0; k < 2; k++) {
        pr_tensor_free(ga[k]);
        pr_tensor_free(pa[k]);
    }
    pr_threads_free(pool);
}

Test(threads, training_with_a_pool_matches_one_thread_and_repeats_exactly, .timeout = 60) {
    pr_tensor *X, *y;
    assert_ok(pr_data_digits(&X, &y));
    pr_threads *pool;
    assert_ok(pr_threads_new(&pool, 2));
    pr_tensor *w[3];
    double loss[3];
    for (int run = 0; run < 3; run++) {
        pr_model *m;
        pr_model_options mo = PR_MODEL_DEFAULTS;
        mo.outputs = 10;
        assert_ok(pr_model_new(&m, "dense:128,relu,dense:64,relu", PR_SHAPE(64), &mo));
        assert_ok(pr_model_set_task(m, PR_TASK_CLASSIFICATION, NULL, 10));
        pr_train_options o = PR_TRAIN_DEFAULTS;
        o.epochs = 3;
        o.threads = run ? pool : NULL;
        pr_train_history *h;
        assert_ok(pr_train(m, X, y, &o, &h));
        cr_assert_null(pr_graph_threads(pr_model_graph(m)), "the trainer gives the model back its pool");
        loss[run] = h->train_loss[2];
        pr_tensor pv, gv;
        assert_ok(pr_graph_param_buffers(pr_model_graph(m), &pv, &gv));
        assert_ok(pr_tensor_cast(&pv, PR_F64, &w[run]));
        pr_train_history_free(h);
        pr_model_free(m);
    }
    cr_assert(fabs(loss[1] - loss[0]) <= 1e-5 * loss[0], "%.9g against %.9g", loss[1], loss[0]);
    assert_tensor_close(w[1], w[0], 1e-3, 1e-5, "weights trained with a pool");
    cr_assert_eq(memcmp(w[1]->data, w[2]->data, (size_t)w[1]->size * 8), 0, "the same pool, the same weights");
    for (int k = 0; k < 3; k++) pr_tensor_free(w[k]);
    pr_tensor_free(X);
    pr_tensor_free(y);
    pr_threads_free(pool);
}

/* A small GPT (embeddings, attention over (batch, head) pairs, layer norm, GELU, a
 * per-position head): the gradients of a batch with pools of 2 and 3 workers are the
 * calling thread's. */
Test(threads, a_transformer_lm_splits_its_attention_and_norms, .timeout = 60) {
    pr_tensor *X, *Y;
    pr_rng rng;
    pr_rng_seed(&rng, 11);
    assert_ok(pr_tensor_zeros(&X, PR_F32, PR_SHAPE(6, 16)));
    assert_ok(pr_tensor_zeros(&Y, PR_F32, PR_SHAPE(6, 16)));
    for (int64_t i = 0; i < X->size; i++) {
        pr_tensor_set(X, i, (double)pr_rng_below(&rng, 20));
        pr_tensor_set(Y, i, (double)pr_rng_below(&rng, 20));
    }
    pr_tensor *ref = NULL;
    for (int workers = 1; workers <= 3; workers++) {
        pr_threads *pool = NULL;
        if (workers > 1) assert_ok(pr_threads_new(&pool, workers));
        pr_model *m;
        pr_model_options mo = PR_MODEL_DEFAULTS;
        mo.outputs = 20;
        assert_ok(pr_model_new(&m, "gpt:2:32:4", PR_SHAPE(16), &mo));
        assert_ok(pr_model_set_task(m, PR_TASK_CLASSIFICATION, NULL, 20));
        assert_ok(pr_model_set_targets(m, PR_TARGET_POSITIONS, PR_NO_IGNORE));
        pr_model_set_threads(m, pool);
        pr_train_options o = PR_TRAIN_DEFAULTS;
        o.epochs = 2;
        o.batch_size = 6;
        o.no_shuffle = 1;
        o.optimizer = pr_optimizer_defaults(PR_OPT_SGD); /* the weights move with the gradients */
        o.optimizer.lr = 0.5;
        pr_train_history *h;
        assert_ok(pr_train(m, X, Y, &o, &h));
        pr_tensor pv, gv, *w;
        assert_ok(pr_graph_param_buffers(pr_model_graph(m), &pv, &gv));
        assert_ok(pr_tensor_cast(&pv, PR_F64, &w));
        if (!ref) ref = w;
        else {
            assert_tensor_close(w, ref, 1e-4, 1e-6, "GPT weights after two steps with a pool");
            pr_tensor_free(w);
        }
        pr_train_history_free(h);
        pr_model_free(m);
        pr_threads_free(pool);
    }
    pr_tensor_free(ref);
    pr_tensor_free(X);
    pr_tensor_free(Y);
}
