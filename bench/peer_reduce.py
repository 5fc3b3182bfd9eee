#!/usr/bin/python3
"""scikit-learn side of bench/bench_reduce.c: t-SNE (Barnes-Hut, the defaults of 1.2
with PCA initialisation and the automatic learning rate) and PCA (full and
randomized) on the .npy files the C program wrote, at the caller's thread count
(OPENBLAS_NUM_THREADS and OMP_NUM_THREADS, which scikit-learn's OpenMP loops read).
Prints "<name> <value>" lines: best seconds, and each run's KL, trustworthiness and
explained variance.

    peer_reduce.py --make-blobs DIR    writes DIR/blobs.npy (make_blobs, random_state 0)
    peer_reduce.py DIR THREADS"""
import os
import sys
import time

import numpy as np

if sys.argv[1] == "--make-blobs":
    from sklearn.datasets import make_blobs
    X, _ = make_blobs(n_samples=5000, n_features=50, centers=10, random_state=0)
    np.save(os.path.join(sys.argv[2], "blobs.npy"), X)
    sys.exit(0)

from sklearn.decomposition import PCA
from sklearn.manifold import TSNE, trustworthiness

data, threads = sys.argv[1], int(sys.argv[2])

for name in ("digits", "blobs"):
    X = np.load(os.path.join(data, name + ".npy"))
    t0 = time.perf_counter()
    t = TSNE(n_components=2, perplexity=30, init="pca", learning_rate="auto", random_state=0, n_jobs=threads).fit(X)
    print("tsne_" + name, time.perf_counter() - t0, flush=True)
    print("tsne_" + name + "_kl", t.kl_divergence_)
    print("tsne_" + name + "_trust", trustworthiness(X, t.embedding_, n_neighbors=10), flush=True)

X = np.load(os.path.join(data, "pca.npy"))
for solver in ("full", "randomized"):
    best = float("inf")
    for _ in range(3):
        p = PCA(n_components=10, svd_solver=solver, iterated_power=7 if solver == "randomized" else "auto",
                n_oversamples=10, random_state=0)
        t0 = time.perf_counter()
        p.fit(X)
        best = min(best, time.perf_counter() - t0)
    print("pca_" + solver, best)
    print("pca_" + solver + "_ratio", p.explained_variance_ratio_.sum(), flush=True)
