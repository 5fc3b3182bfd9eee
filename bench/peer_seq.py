#!/usr/bin/python3
"""PyTorch side of bench/bench_seq.c, on the .npy files it wrote (float32 inputs).

    peer_seq.py lstm DIR THREADS   W6: LSTM(32, 128) classifier, Linear(128, 10) on the last
                                   step, Adam 1e-3, batch 32, 200 steps over X.npy / y.npy
    peer_seq.py gpt DIR THREADS    W7: character Transformer LM (vocab 65, context 64,
                                   d_model 128, 4 heads, 2 pre-norm GELU layers, FFN 512,
                                   causal, learned positions, final norm, untied head),
                                   AdamW 1e-3 weight decay 0.01, batch 32, 100 steps

Prints "name value" lines: sequences or tokens per second (best of 3), peak RSS."""
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


class LSTMClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm, self.head = nn.LSTM(32, 128, batch_first=True), nn.Linear(128, 10)

    def forward(self, x):
        return self.head(self.lstm(x)[0][:, -1])


class GPT(nn.Module):
    def __init__(self, V=65, T=64, D=128, H=4, L=2):
        super().__init__()
        self.tok, self.pos = nn.Embedding(V, D), nn.Embedding(T, D)
        self.blocks = nn.ModuleList(nn.TransformerEncoderLayer(D, H, 4 * D, 0.0, "gelu", batch_first=True,
                                                               norm_first=True) for _ in range(L))
        self.norm, self.head = nn.LayerNorm(D), nn.Linear(D, V)
        self.register_buffer("mask", torch.triu(torch.ones(T, T, dtype=torch.bool), 1))

    def forward(self, x):
        h = self.tok(x) + self.pos.weight[: x.shape[1]]
        for b in self.blocks:
            h = b(h, src_mask=self.mask)
        return self.head(self.norm(h))


def train(model, opt, X, y, batch, flat):
    loss_fn = nn.CrossEntropyLoss()
    order = torch.randperm(X.shape[0])
    model.train()
    t0 = time.perf_counter()
    for start in range(0, X.shape[0], batch):
        idx = order[start:start + batch]
        opt.zero_grad()
        out = model(X[idx])
        loss = loss_fn(out.reshape(-1, out.shape[-1]), y[idx].reshape(-1)) if flat else loss_fn(out, y[idx])
        loss.backward()
        opt.step()
    return time.perf_counter() - t0


best = 0.0
for rep in range(3):
    torch.manual_seed(rep)
    if workload == "lstm":
        X, y = load("X.npy").float(), load("y.npy").long()
        model = LSTMClassifier()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        best = max(best, X.shape[0] / train(model, opt, X, y, 32, False))
    else:
        X, y = load("tokens.npy").long(), load("next.npy").long()
        model = GPT()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
        best = max(best, X.numel() / train(model, opt, X, y, 32, True))
print(f"per_second {best}\nparams {sum(p.numel() for p in model.parameters())}")
print(f"rss_mb {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}\nbase_mb {base_mb}")
