#!/usr/bin/python3
"""PyTorch side of bench/bench_autograd.c: the same MLP (784-256-128-10, ReLU,
mean cross-entropy), batch 64, float32, forward + backward with gradients zeroed
each step, at the thread count given on the command line.
Prints "steps_per_second <value>"."""
import sys
import time

import torch

threads, steps = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(threads)
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128), torch.nn.ReLU(),
                            torch.nn.Linear(128, 10))
x = torch.randn(64, 784)
y = torch.randint(0, 10, (64,))
loss_fn = torch.nn.CrossEntropyLoss()


def step():
    model.zero_grad(set_to_none=False)
    loss = loss_fn(model(x), y)
    loss.backward()


for _ in range(20):
    step()
best = 0.0
for _ in range(3):
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    best = max(best, steps / (time.perf_counter() - t0))
print("steps_per_second", best)
