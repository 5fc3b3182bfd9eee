#!/usr/bin/python3
"""PyTorch side of bench/bench_train.c, on the .npy files it wrote (float32,
standardized): the same MLPs, Adam, cross-entropy, batches drawn from a fresh
permutation every epoch, as a hand-written PyTorch training loop does.

    peer_train.py a|b DIR THREADS

Prints "train_sps X infer_sps X accuracy X rss_mb X base_mb X"."""
import os
import resource
import sys
import time

import torch

workload, folder, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
torch.set_num_threads(threads)
import numpy as np  # noqa: E402


def load(name):
    return torch.from_numpy(np.load(os.path.join(folder, name)))


X, y = load("X_train.npy").float(), load("y_train.npy").long()
Xt, yt = load("X_test.npy").float(), load("y_test.npy").long()
sizes, epochs, batch = ([64, 128, 64, 10], 20, 32) if workload == "a" else ([784, 256, 128, 10], 2, 64)


def train(seed):
    torch.manual_seed(seed)
    layers = []
    for i in range(3):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = X.shape[0]
    t0 = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(n)
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            opt.zero_grad()
            loss = loss_fn(model(X[idx]), y[idx])
            loss.backward()
            opt.step()
    return model, n * epochs / (time.perf_counter() - t0)


best, best_inf, acc = 0.0, 0.0, 0.0
for rep in range(3):
    model, sps = train(rep)
    best = max(best, sps)
    model.eval()
    with torch.no_grad():
        t0 = time.perf_counter()
        for start in range(0, X.shape[0], 1024):
            model(X[start:start + 1024])
        best_inf = max(best_inf, X.shape[0] / (time.perf_counter() - t0))
        acc = (model(Xt).argmax(1) == yt).float().mean().item()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"train_sps {best} infer_sps {best_inf} accuracy {acc} rss_mb {rss} base_mb {base_mb}")
