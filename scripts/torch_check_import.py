#!/usr/bin/python3
"""PyTorch to primer: PyTorch builds models, saves their state dicts (safetensors and
numpy.savez), `primer import` turns them into primer models, `primer predict` runs them,
and the outputs must equal PyTorch's.

    /usr/bin/python3 scripts/torch_check_import.py --primer build/primer --dir DIR

Each case: an nn.Sequential with random weights and batch-norm statistics, inputs of
its shape written as .npy, the state dict, the primer spec of the same network. Exits
0 when every case agrees to float32 precision, 1 otherwise. `make torch-check` runs
it (the other direction, primer to PyTorch, is scripts/torch_check_model.py).
"""
import argparse
import csv
import json
import os
import struct
import subprocess
import sys

import numpy as np
import torch
from torch import nn

CODES = {np.dtype("<f4"): "F32", np.dtype("<f8"): "F64", np.dtype("<i8"): "I64"}


def save_safetensors(path, state):
    header, offset, blobs = {"__metadata__": {"format": "pt"}}, 0, []
    for name, t in state.items():
        a = t.detach().cpu().numpy().copy(order="C")
        raw = a.tobytes()
        header[name] = {"dtype": CODES[a.dtype], "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def randomise(net, gen):
    """Random parameters and batch-norm statistics, so that nothing is at its default."""
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
        for m in net.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen) * 0.3)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) + 0.5)
                m.num_batches_tracked.fill_(7)
    net.eval()


CASES = [
    ("mlp", "dense:32,batchnorm,relu,dropout:0.2,dense:16,tanh,layernorm,dense:5", ["--features", "12"], (12,),
     lambda: nn.Sequential(nn.Linear(12, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 16),
                           nn.Tanh(), nn.LayerNorm(16), nn.Linear(16, 5))),
    ("cnn", "conv:6:3:1:1,batchnorm,relu,maxpool:2,conv:8:3,relu,flatten,dense:4", ["--input-shape", "1,10,10"],
     (1, 10, 10),
     lambda: nn.Sequential(nn.Conv2d(1, 6, 3, 1, 1), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 8, 3),
                           nn.ReLU(), nn.Flatten(), nn.Linear(8 * 3 * 3, 4))),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--primer", required=True)
    ap.add_argument("--dir", required=True)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    gen = torch.Generator().manual_seed(5)
    failed = 0
    for name, spec, input_args, shape, make in CASES:
        net = make()
        randomise(net, gen)
        X = torch.randn((20,) + shape, generator=gen)
        with torch.no_grad():
            want = torch.softmax(net(X), dim=1).numpy()
        for fmt in ("safetensors", "npz"):
            weights = os.path.join(args.dir, f"{name}.{fmt}")
            if fmt == "npz":
                np.savez(weights, **{k: v.numpy() for k, v in net.state_dict().items()})
            else:
                save_safetensors(weights, net.state_dict())
            model = os.path.join(args.dir, f"{name}-{fmt}.safetensors")
            xfile, pred = os.path.join(args.dir, f"{name}-X.npy"), os.path.join(args.dir, f"{name}-pred.csv")
            np.save(xfile, X.numpy())
            subprocess.run([args.primer, "import", "--quiet", "--model", spec, "--weights", weights, *input_args,
                            "--out", model], check=True)
            subprocess.run([args.primer, "predict", "--model", model, "--data", xfile, "--out", pred], check=True)
            with open(pred) as f:
                rows = list(csv.DictReader(f))
            got = np.array([[float(r[f"p_{k}"]) for k in range(want.shape[1])] for r in rows])
            err = float(np.abs(got - want).max())
            ok = got.shape == want.shape and err < 1e-5
            failed += not ok
            print(f"import {name} ({fmt}): {spec}: max |primer - PyTorch| = {err:.2e} {'ok' if ok else 'FAILED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
