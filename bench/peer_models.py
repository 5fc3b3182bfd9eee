#!/usr/bin/python3
"""scikit-learn side of bench/bench_models.c: the same data (the .npy files the C
program wrote), the same thread count (set by the caller through
OPENBLAS_NUM_THREADS), the same settings. Prints "<name> <best seconds>" lines."""
import os
import sys
import time

import numpy as np
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression

data, reps = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3


def load(name):
    return np.load(os.path.join(data, name + "_X.npy")), np.load(os.path.join(data, name + "_y.npy"))


def best(name, make):
    X, y = load(name)
    t = float("inf")
    for _ in range(reps):
        m = make()
        t0 = time.perf_counter()
        m.fit(X, y)
        t = min(t, time.perf_counter() - t0)
    print(name, t, flush=True)


best("least_squares_100000x100", LinearRegression)
best("lasso_5000x500", lambda: Lasso(alpha=0.1))
best("logistic_digits", lambda: LogisticRegression(C=1.0, tol=1e-4, max_iter=1000))
best("logistic_20000x100", lambda: LogisticRegression(C=1.0, tol=1e-4, max_iter=1000))
