#!/usr/bin/python3
"""NumPy side of bench/bench_linalg.c: the same workloads, same data sizes, same
thread count (set by the caller through OPENBLAS_NUM_THREADS). Prints one line per
workload: "<name> <best seconds>"."""
import sys
import time

import numpy as np

reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
rng = np.random.default_rng(0)


def best(f):
    t = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        t = min(t, time.perf_counter() - t0)
    return t


A = rng.standard_normal((512, 512))
B = rng.standard_normal((512, 512))
print("matmul_512", best(lambda: A @ B))
S = rng.standard_normal((1000, 1000)) + 1000 * np.eye(1000)
b = rng.standard_normal(1000)
print("solve_1000", best(lambda: np.linalg.solve(S, b)))
T = rng.standard_normal((500, 300))
print("svd_500x300", best(lambda: np.linalg.svd(T, full_matrices=False)))
M = rng.standard_normal((400, 400))
P = M @ M.T
print("eigh_400", best(lambda: np.linalg.eigh(P)))
L = rng.standard_normal((2000, 100))
y = rng.standard_normal(2000)
print("lstsq_2000x100", best(lambda: np.linalg.lstsq(L, y, rcond=None)))
