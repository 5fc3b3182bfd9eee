/* Image data sets from IDX files: any MNIST-style pair, and Fashion-MNIST where
 * Debian's dataset-fashion-mnist package installs it. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/internal.h"
#include "primer/data.h"
#include "io/idx.h"
#include "primer/io.h"

pr_status pr_data_idx_images(const char *images, const char *labels, const pr_limits *limits, pr_tensor **X,
                             pr_tensor **y) {
    if (!images || !X || (labels && !y)) return pr__fail(PR_ERR_INVALID, "data_idx_images: NULL argument");
    unsigned char *img_bytes = NULL, *lab_bytes = NULL;
    pr__idx raw, lab;
    pr_tensor *x = NULL, *yy = NULL;
    pr_status st = pr__idx_open(images, limits, &img_bytes, &raw);
    if (!st && labels) st = pr__idx_open(labels, limits, &lab_bytes, &lab);
    if (st) goto done;
    if (raw.ndim != 3 && raw.ndim != 4) {
        st = pr__fail(PR_ERR_SHAPE, "%s: images must be (N, H, W) or (N, C, H, W), the file holds rank %d", images,
                      raw.ndim);
        goto done;
    }
    if (labels && (lab.ndim != 1 || lab.shape[0] != raw.shape[0])) {
        st = pr__fail(PR_ERR_SHAPE, "%s holds %lld images but %s holds %lld labels%s", images, (long long)raw.shape[0],
                      labels, (long long)(lab.ndim == 1 ? lab.shape[0] : lab.count),
                      lab.ndim == 1 ? "" : " (not a 1-D list)");
        goto done;
    }
    int64_t N = raw.shape[0], shape[4] = {N, 1, 0, 0};
    if (raw.ndim == 3) {
        shape[2] = raw.shape[1];
        shape[3] = raw.shape[2];
    } else {
        memcpy(shape + 1, raw.shape + 1, 3 * sizeof *shape);
    }
    if ((st = pr__tensor_alloc(&x, PR_F32, 4, shape, false)) || (labels && (st = pr__tensor_alloc(&yy, PR_F64, 1, &N, false))))
        goto done;
    float *px = pr_tensor_f32(x);
    if (raw.code == 0x08) { /* bytes, as MNIST's: scaled in one pass */
        for (int64_t i = 0; i < raw.count; i++) px[i] = (float)(raw.body[i] / 255.0);
    } else {
        for (int64_t i = 0; i < raw.count; i++) {
            double v = pr__idx_value(&raw, i);
            if (!(v >= 0 && v <= 255)) {
                st = pr__fail(PR_ERR_FORMAT, "%s: pixel %lld is %g, outside 0..255", images, (long long)i, v);
                goto done;
            }
            px[i] = (float)(v / 255.0);
        }
    }
    for (int64_t i = 0; labels && i < N; i++) {
        double v = pr__idx_value(&lab, i);
        if (v != floor(v) || !isfinite(v)) {
            st = pr__fail(PR_ERR_FORMAT, "%s: label %lld is %g, not a whole number", labels, (long long)i, v);
            goto done;
        }
        pr_tensor_f64(yy)[i] = v;
    }
    *X = x;
    if (y) *y = yy;
    x = yy = NULL;
done:
    free(img_bytes);
    free(lab_bytes);
    pr_tensor_free(x);
    pr_tensor_free(yy);
    return st;
}

pr_status pr_data_fashion_mnist(const char *dir, pr_data_part part, pr_tensor **X, pr_tensor **y) {
    if ((unsigned)part > PR_DATA_TEST) return pr__fail(PR_ERR_INVALID, "data_fashion_mnist: unknown part %d", (int)part);
    if (!dir) dir = PR_FASHION_MNIST_DIR;
    const char *stem = part == PR_DATA_TRAIN ? "train" : "t10k";
    char images[4096], labels[4096];
    snprintf(images, sizeof images, "%s/%s-images-idx3-ubyte.gz", dir, stem);
    snprintf(labels, sizeof labels, "%s/%s-labels-idx1-ubyte.gz", dir, stem);
    const char *missing = access(images, R_OK) != 0 ? images : access(labels, R_OK) != 0 ? labels : NULL;
    if (missing)
        return pr__fail(PR_ERR_IO, "Fashion-MNIST is not installed (%s: %s); install Debian's package "
                                   "dataset-fashion-mnist (scripts/install-deps.sh --datasets)",
                        missing, strerror(errno));
    return pr_data_idx_images(images, labels, NULL, X, y);
}

const char *pr_data_fashion_mnist_class(int64_t k) {
    static const char *const names[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    return k >= 0 && k < 10 ? names[k] : "unknown";
}
