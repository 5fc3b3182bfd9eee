#!/usr/bin/python3
"""PyTorch side of bench/bench_cnn.c, on the .npy files it wrote (float32).

    peer_cnn.py lenet DIR THREADS     W4: LeNet-5 training and inference on X.npy / y.npy
    peer_cnn.py conv DIR THREADS      W5: one Conv2d(64, 64, 3, padding=1) on (32, 64, 56, 56),
                                      with oneDNN (PyTorch's default) and with its own
                                      im2col + BLAS path (torch.backends.mkldnn disabled)
    peer_cnn.py fashion DIR THREADS   LeNet-5 on Fashion-MNIST for 10 epochs (Adam)

Prints "name value" lines: images per second, GFLOP/s, seconds, accuracy, peak RSS."""
import os
import resource
import sys
import time

import torch

workload, folder, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
torch.set_num_threads(threads)
import numpy as np  # noqa: E402
from torch import nn  # noqa: E402


def load(name):
    return torch.from_numpy(np.load(os.path.join(folder, name)))


def lenet(pad):
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=pad), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, 10))


def epoch(model, opt, X, y, batch, order):
    loss_fn = nn.CrossEntropyLoss()
    for start in range(0, X.shape[0], batch):
        idx = order[start:start + batch]
        opt.zero_grad()
        loss = loss_fn(model(X[idx]), y[idx])
        loss.backward()
        opt.step()


def infer(model, X, batch):
    model.eval()
    with torch.no_grad():
        return torch.cat([model(X[s:s + batch]) for s in range(0, X.shape[0], batch)])


if workload == "lenet":
    X, y = load("X.npy").float(), load("y.npy").long()
    best_train = best_infer = 0.0
    for rep in range(3):
        torch.manual_seed(rep)
        model = lenet(2)
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        model.train()
        t0 = time.perf_counter()
        epoch(model, opt, X, y, 64, torch.randperm(X.shape[0]))
        best_train = max(best_train, X.shape[0] / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        infer(model, X, 256)
        best_infer = max(best_infer, X.shape[0] / (time.perf_counter() - t0))
    print(f"train_ips {best_train}\ninfer_ips {best_infer}")
    print(f"rss_mb {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}\nbase_mb {base_mb}")
elif workload == "conv":
    torch.manual_seed(0)
    conv = nn.Conv2d(64, 64, 3, padding=1)
    x = torch.randn(32, 64, 56, 56, requires_grad=True)
    flops = 2 * 32 * 64 * 64 * 9 * 56 * 56
    for onednn in (True, False):
        torch.backends.mkldnn.enabled = onednn
        fwd = both = 1e9
        for rep in range(4):
            t0 = time.perf_counter()
            with torch.no_grad():
                conv(x)
            fwd = min(fwd, time.perf_counter() - t0)
            t0 = time.perf_counter()
            conv(x).sum().backward()
            both = min(both, time.perf_counter() - t0)
        name = "onednn" if onednn else "im2col"
        print(f"{name}_forward_gflops {flops / fwd / 1e9}\n{name}_both_gflops {3 * flops / both / 1e9}")
elif workload == "fashion":
    X, y = load("X_train.npy").float(), load("y_train.npy").long()
    Xt, yt = load("X_test.npy").float(), load("y_test.npy").long()
    torch.manual_seed(0)
    model = lenet(2)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    t0 = time.perf_counter()
    for e in range(10):
        model.train()
        epoch(model, opt, X, y, 32, torch.randperm(X.shape[0]))
    seconds = time.perf_counter() - t0
    acc = (infer(model, Xt, 256).argmax(1) == yt).float().mean().item()
    print(f"fashion_seconds {seconds}\nfashion_accuracy {acc}")
