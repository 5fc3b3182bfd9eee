/* libFuzzer target for network model files and training checkpoints: the bytes as a
 * safetensors file through pr_model_from_tensor_file (spec, input shape, task,
 * targets, columns, standardisation, vocabulary and every tensor checked); a model
 * that loads must run forward on zeros, and the same bytes given to pr_train as a
 * checkpoint to resume (counters, generators, optimizer state, history, best weights,
 * data and settings fingerprints) must give PR_OK or a clean error, never a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "primer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pr_limits limits = PR_LIMITS_DEFAULTS;
    limits.max_elements = 1 << 16;
    limits.max_metadata_bytes = 1 << 14;
    pr_tensor_file *f = NULL;
    if (pr_safetensors_read_buffer(data, size, "fuzz.safetensors", &limits, &f) != PR_OK) return 0;
    pr_model *m = NULL;
    pr_status st = pr_model_from_tensor_file(f, "fuzz.safetensors", &m);
    pr_tensor_file_free(f);
    if (st != PR_OK) return 0;
    int64_t in = pr_model_input_size(m);
    if (in <= 256 && pr_model_param_count(m) <= 100000) {
        int64_t shape[PR_MAX_DIMS + 1];
        int nd = pr_model_input_shape(m, shape + 1);
        shape[0] = 3;
        pr_tensor *X = NULL, *y = NULL, *out = NULL;
        if (pr_tensor_zeros(&X, PR_F32, nd + 1, shape) != PR_OK) __builtin_trap();
        (void)pr_model_forward(m, X, &out); /* a sequence model may refuse zeros as tokens: cleanly */
        pr_tensor_free(out);
        /* the same bytes as a checkpoint */
        char path[] = "/tmp/fuzz-checkpoint-XXXXXX";
        int fd = mkstemp(path);
        if (fd >= 0) {
            FILE *cf = fdopen(fd, "wb");
            fwrite(data, 1, size, cf);
            fclose(cf);
            if (pr_tensor_zeros(&y, PR_F32, PR_SHAPE(3)) != PR_OK) __builtin_trap();
            pr_train_options o = PR_TRAIN_DEFAULTS;
            o.epochs = 2;
            o.batch_size = 3;
            o.resume = path;
            pr_train_history *h = NULL;
            if (pr_train(m, X, y, &o, &h) == PR_OK) pr_train_history_free(h);
            unlink(path);
        }
        pr_tensor_free(X);
        pr_tensor_free(y);
    }
    pr_model_free(m);
    return 0;
}
