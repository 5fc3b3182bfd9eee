/* The layer registry: every row is complete, its example builds, runs and round-trips
 * through the canonical spec; syntax, help, JSON and the fuzz dictionary come from the
 * table; parameter counts without allocation; outputs of any rank keep their shape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/json.h"
#include "test_util.h"

/* "6" or "1:28:28" -> a shape. */
static int parse_shape(const char *text, int64_t *shape) {
    int nd = 0;
    for (const char *s = text; *s && nd < PR_MAX_DIMS;) {
        char *end;
        shape[nd++] = strtoll(s, &end, 10);
        s = *end == ':' ? end + 1 : end;
        if (end == s && *s) break;
    }
    return nd;
}

Test(registry, every_layer_row_is_complete_and_its_example_round_trips) {
    int n = pr_layer_count();
    cr_assert_geq(n, 14);
    for (int i = 0; i < n; i++) {
        const pr_layer_info *l = pr_layer_at(i);
        cr_assert(l && l->token && *l->token, "row %d has no token", i);
        cr_assert(l->help && strlen(l->help) > 3, "%s has no help text", l->token);
        cr_assert(l->torch && strchr(l->torch, '('), "%s has no PyTorch module", l->token);
        cr_assert(l->example && l->example_input, "%s has no example", l->token);
        cr_assert(strstr(l->example, l->token), "%s's example does not use it", l->token);
        cr_assert_eq(pr_layer_find(l->token), l);
        for (int j = 0; j < i; j++) cr_assert_str_neq(pr_layer_at(j)->token, l->token, "two rows for %s", l->token);
        for (int a = 0; a < l->n_args; a++) {
            const pr_layer_arg *arg = &l->args[a];
            cr_assert(arg->name && *arg->name && arg->help, "%s: argument %d is unnamed", l->token, a);
            if (arg->kind == PR_ARG_CHOICE) cr_assert(arg->choices[0] && arg->choices[(int)arg->default_value]);
            else cr_assert(arg->min <= arg->max, "%s %s", l->token, arg->name);
            if (arg->default_from) { /* the value of an earlier argument */
                int earlier = 0;
                for (int b = 0; b < a; b++) earlier |= !strcmp(l->args[b].name, arg->default_from);
                cr_assert(earlier && !arg->required, "%s %s: default_from names no earlier argument", l->token, arg->name);
            } else if (!arg->required && arg->kind != PR_ARG_CHOICE) {
                cr_assert(arg->default_value >= arg->min && arg->default_value <= arg->max, "%s %s", l->token, arg->name);
            }
        }
        int64_t in[PR_MAX_DIMS];
        int nd = parse_shape(l->example_input, in);
        pr_model *m, *again;
        pr_model_options mopt1 = PR_MODEL_DEFAULTS;
        mopt1.outputs = 3;
        mopt1.dtype = PR_F64;
        pr_status st = pr_model_new(&m, l->example, nd, in, &mopt1);
        cr_assert(st == PR_OK, "%s: example %s: %s", l->token, l->example, pr_last_error());
        pr_model_options mopt2 = PR_MODEL_DEFAULTS;
        mopt2.dtype = PR_F64;
        assert_ok(pr_model_new(&again, pr_model_spec(m), nd, in, &mopt2));
        cr_assert_str_eq(pr_model_spec(again), pr_model_spec(m));
        cr_assert_eq(pr_model_param_count(again), pr_model_param_count(m));
        int64_t counted;
        assert_ok(pr_spec_param_count(l->example, nd, in, 3, &counted));
        cr_assert_eq(counted, pr_model_param_count(m), "%s: counted %lld, built %lld", l->token, (long long)counted,
                     (long long)pr_model_param_count(m));
        /* a forward pass on two rows of valid token ids */
        int64_t xs[PR_MAX_DIMS] = {2};
        memcpy(xs + 1, in, (size_t)nd * sizeof *in);
        pr_tensor *X, *Y;
        assert_ok(pr_tensor_zeros(&X, PR_F64, nd + 1, xs));
        for (int64_t k = 0; k < X->size; k++) pr_tensor_set(X, k, (double)(k % 3));
        assert_ok(pr_model_forward(m, X, &Y));
        cr_assert_eq(Y->shape[0], 2);
        cr_assert_eq(Y->shape[Y->ndim - 1], 3);
        pr_tensor_free(X);
        pr_tensor_free(Y);
        pr_model_free(m);
        pr_model_free(again);
    }
}

Test(registry, syntax_and_help_come_from_the_table) {
    char buf[128];
    cr_assert_str_eq(pr_layer_syntax(pr_layer_find("dense"), buf, sizeof buf), "dense:UNITS");
    cr_assert_str_eq(pr_layer_syntax(pr_layer_find("leaky_relu"), buf, sizeof buf), "leaky_relu[:NEGATIVE_SLOPE]");
    cr_assert_str_eq(pr_layer_syntax(pr_layer_find("gelu"), buf, sizeof buf), "gelu[:none|tanh]");
    cr_assert_str_eq(pr_layer_syntax(pr_layer_find("embedding"), buf, sizeof buf), "embedding:NUM_EMBEDDINGS:EMBEDDING_DIM[:PADDING_IDX]");
    cr_assert_str_eq(pr_layer_syntax(pr_layer_find("res"), buf, sizeof buf), "res[LAYERS]");
    cr_assert_null(pr_layer_find("relux"));
    /* the unknown-layer message lists every token of the table */
    pr_model *m = NULL;
    cr_assert_eq(pr_model_new(&m, "relux", PR_SHAPE(3), NULL), PR_ERR_INVALID);
    for (int i = 0; i < pr_layer_count(); i++)
        cr_assert(strstr(pr_last_error(), pr_layer_at(i)->token), "the message lacks %s: %s", pr_layer_at(i)->token,
                  pr_last_error());
    /* `primer train --help` shows every row's syntax and help */
    const char *out;
    cr_assert_eq(test_run_primer("train --help", &out), 0);
    for (int i = 0; i < pr_layer_count(); i++) {
        const pr_layer_info *l = pr_layer_at(i);
        assert_contains(out, pr_layer_syntax(l, buf, sizeof buf));
        assert_contains(out, l->help);
    }
    for (int i = 0; i < pr_architecture_count(); i++) assert_contains(out, pr_architecture_at(i)->syntax);
}

Test(registry, json_dump_holds_every_row_and_the_fuzz_dictionary_every_token) {
    char path[512];
    snprintf(path, sizeof path, "%s/test-layers.json", test_build_dir());
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    assert_ok(pr_layers_write_json(f));
    fclose(f);
    char *text;
    size_t len;
    f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    len = (size_t)ftell(f);
    rewind(f);
    text = malloc(len + 1);
    cr_assert_eq(fread(text, 1, len, f), len);
    fclose(f);
    pr__json *j;
    assert_ok(pr__json_parse(text, len, "layers.json", &j));
    const pr__json *layers = pr__json_get(j, "layers");
    cr_assert(layers && layers->kind == PR_JSON_ARRAY);
    cr_assert_eq((int)layers->count, pr_layer_count());
    for (size_t i = 0; i < layers->count; i++) {
        const pr__json *row = &layers->items[i], *token = pr__json_get(row, "token"), *args = pr__json_get(row, "args");
        cr_assert_str_eq(token->string, pr_layer_at((int)i)->token);
        cr_assert_str_eq(pr__json_get(row, "torch")->string, pr_layer_at((int)i)->torch);
        cr_assert_eq((int)args->count, pr_layer_at((int)i)->n_args);
    }
    cr_assert_eq((int)pr__json_get(j, "architectures")->count, pr_architecture_count());
    pr__json_free(j);
    free(text);
    unlink(path);
    /* the fuzzer's dictionary knows every token */
    f = fopen(test_path("fuzz/spec.dict"), "r");
    cr_assert_not_null(f);
    char dict[8192];
    size_t got = fread(dict, 1, sizeof dict - 1, f);
    dict[got] = '\0';
    fclose(f);
    for (int i = 0; i < pr_layer_count(); i++) {
        char quoted[64];
        snprintf(quoted, sizeof quoted, "\"%s", pr_layer_at(i)->token);
        cr_assert(strstr(dict, quoted), "fuzz/spec.dict lacks %s", pr_layer_at(i)->token);
    }
    /* and `primer layers --json` prints the same document */
    const char *out;
    cr_assert_eq(test_run_primer("layers --json", &out), 0);
    assert_contains(out, "\"token\": \"embedding\"");
    assert_contains(out, "\"torch\": \"nn.Linear({in}, {units})\"");
}

Test(registry, parameters_are_counted_without_building_the_model) {
    int64_t n;
    assert_ok(pr_spec_param_count("dense:10,relu", PR_SHAPE(5), 3, &n)); /* Q8.4 */
    cr_assert_eq(n, 93);
    /* 2.5 * 10^9 weights (10 GB of float32): counted, never allocated (building it is refused) */
    assert_ok(pr_spec_param_count("dense:50000,relu,dense:10", PR_SHAPE(50000), 0, &n));
    cr_assert_eq(n, INT64_C(50000) * 50000 + 50000 + 500010);
    pr_model *m = NULL;
    assert_fails(pr_model_new(&m, "dense:50000", PR_SHAPE(50000), NULL), PR_ERR_LIMIT, "past 268435456 parameters");
    assert_fails(pr_spec_param_count("embedding:10:4,res[dense:5]", PR_SHAPE(3), 0, &n), PR_ERR_SHAPE,
                 "changes the shape");
}

/* The defect this issue found: an output of rank 3 was copied past a (N, width) block. */
Test(registry, outputs_of_rank_three_keep_their_shape) {
    pr_model *m;
    pr_model_options mopt3 = PR_MODEL_DEFAULTS;
    mopt3.dtype = PR_F64;
    assert_ok(pr_model_new(&m, "embedding:10:4", PR_SHAPE(5), &mopt3));
    int64_t shape[PR_MAX_DIMS];
    cr_assert_eq(pr_model_output_shape(m, shape), 2);
    cr_assert(shape[0] == 5 && shape[1] == 4);
    pr_tensor *tokens = T64(PR_SHAPE(3, 5), 1, 9, 0, 4, 4, 2, 2, 2, 2, 2, 7, 8, 9, 0, 1), *out, table;
    assert_ok(pr_model_forward(m, tokens, &out));
    cr_assert_eq(out->ndim, 3);
    cr_assert(out->shape[0] == 3 && out->shape[1] == 5 && out->shape[2] == 4);
    assert_ok(pr_model_tensor(m, "0.weight", &table));
    for (int64_t i = 0; i < 15; i++)
        for (int k = 0; k < 4; k++)
            assert_near(pr_tensor_get(out, i * 4 + k), pr_tensor_get(&table, (int64_t)pr_tensor_get(tokens, i) * 4 + k), 0);
    pr_tensor_free(out);
    /* a per-token classifier: probabilities and labels per position */
    pr_model_free(m);
    pr_model_options mopt4 = PR_MODEL_DEFAULTS;
    mopt4.outputs = 3;
    assert_ok(pr_model_new(&m, "embedding:10:4", PR_SHAPE(5), &mopt4));
    assert_ok(pr_model_set_task(m, PR_TASK_CLASSIFICATION, (double[]){10, 20, 30}, 3));
    pr_tensor *p, *c;
    assert_ok(pr_model_predict_proba(m, tokens, &p));
    assert_ok(pr_model_predict_classes(m, tokens, &c));
    cr_assert(p->ndim == 3 && p->shape[2] == 3 && c->ndim == 2 && c->shape[1] == 5);
    for (int64_t i = 0; i < 15; i++) {
        double s = pr_tensor_get(p, 3 * i) + pr_tensor_get(p, 3 * i + 1) + pr_tensor_get(p, 3 * i + 2);
        assert_near(s, 1, 1e-12);
        double v = pr_tensor_get(c, i);
        cr_assert(v == 10 || v == 20 || v == 30);
    }
    pr_tensor_free(p);
    pr_tensor_free(c);
    pr_tensor_free(tokens);
    pr_model_free(m);
}

/* The enum-to-name lists: every value has a distinct name, and the parsers read it back. */
Test(registry, every_named_enum_round_trips_through_its_parser) {
    for (int k = 1; k < PR_LOSS_COUNT; k++) {
        pr_loss_config c;
        assert_ok(pr_loss_parse(pr_loss_name((pr_loss_kind)k), &c));
        cr_assert_eq((int)c.kind, k, "loss %s", pr_loss_name((pr_loss_kind)k));
    }
    for (int k = 1; k < PR_OPT_COUNT; k++) {
        pr_optimizer_config c;
        assert_ok(pr_optimizer_parse(pr_optimizer_name((pr_optimizer_kind)k), &c));
        cr_assert_eq((int)c.kind, k, "optimizer %s", pr_optimizer_name((pr_optimizer_kind)k));
    }
    for (int k = 0; k < PR_SCHED_COUNT; k++) {
        pr_schedule_config c;
        const char *name = pr_schedule_name((pr_schedule_kind)k);
        /* schedules that need an argument take one */
        char text[64];
        snprintf(text, sizeof text, "%s%s", name, k == PR_SCHED_STEP ? ":5" : k == PR_SCHED_EXPONENTIAL ? ":0.9" : "");
        assert_ok(pr_schedule_parse(text, &c));
        cr_assert_eq((int)c.kind, k, "schedule %s", name);
    }
    for (int k = 0; k < PR_INIT_COUNT; k++) {
        pr_init i;
        assert_ok(pr_init_parse(pr_init_name((pr_init)k), &i));
        cr_assert_eq((int)i, k);
    }
    for (int k = 0; k < PR_EST_KIND_COUNT; k++) {
        pr_estimator_kind e;
        assert_ok(pr_estimator_kind_parse(pr_estimator_kind_name((pr_estimator_kind)k), &e));
        cr_assert_eq((int)e, k);
    }
    for (int k = 0; k < PR_SOLVER_COUNT; k++) {
        pr_solver s;
        assert_ok(pr_solver_parse(pr_solver_name((pr_solver)k), &s));
        cr_assert_eq((int)s, k);
    }
    const char *seen[PR_DIST_COUNT + PR_TASK_COUNT];
    int n = 0;
    for (int k = 0; k < PR_DIST_COUNT; k++) seen[n++] = pr_dist_name((pr_dist_kind)k);
    for (int k = 0; k < PR_TASK_COUNT; k++) seen[n++] = pr_task_name((pr_task)k);
    for (int i = 0; i < n; i++) {
        cr_assert(strcmp(seen[i], "unknown"), "entry %d is unnamed", i);
        for (int j = 0; j < i; j++) cr_assert_str_neq(seen[i], seen[j]);
    }
    cr_assert_str_eq(pr_dist_name(PR_DIST_COUNT), "unknown");
    cr_assert_str_eq(pr_task_name(PR_TASK_REGRESSION), "regression");
}
