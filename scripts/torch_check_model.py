#!/usr/bin/python3
"""Load a primer model file into PyTorch and check it computes what primer computes.

    /usr/bin/python3 scripts/torch_check_model.py MODEL.safetensors [--inputs X.npy --outputs Y.npy]
    /usr/bin/python3 scripts/torch_check_model.py MODEL.safetensors --data DATA.csv --predictions PRED.csv

1. Reads the safetensors file the way PyTorch users do: with safetensors.torch.load_file
   when the safetensors package is installed, otherwise with a reader written from the
   format's specification (Debian 12 does not package safetensors).
2. Builds the nn.Sequential that the file's "primer.spec" metadata describes and loads
   the tensors with load_state_dict(strict=True): every name and shape must match.
3. With --inputs/--outputs (raw features and the outputs primer computed for them, as
   .npy), applies the file's standardisation, runs the model in eval mode and compares.
   With --data/--predictions (a CSV file and what `primer predict` wrote for it), takes
   the feature columns the file names, and compares the class probabilities (or the
   predicted values) with primer's.

Exits 0 when everything matches, 1 otherwise. Needs python3-torch and python3-numpy
(scripts/install-deps.sh --peers); `make torch-check` runs it on a freshly trained model.
"""
import argparse
import json
import struct
import sys

import numpy as np
import torch
from torch import nn

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I32": torch.int32, "I64": torch.int64}


def load_file(path):
    """Return (state_dict, metadata) from a safetensors file."""
    try:
        from safetensors.torch import load_file as st_load
        from safetensors import safe_open
        with safe_open(path, framework="pt") as f:
            meta = f.metadata() or {}
        return st_load(path), meta
    except ImportError:
        pass
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    data = raw[8 + n:]
    tensors = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        buf = bytearray(data[begin:end])
        t = torch.frombuffer(buf, dtype=DTYPES[e["dtype"]]) if buf else torch.empty(0, dtype=DTYPES[e["dtype"]])
        tensors[name] = t.reshape(e["shape"]).clone()
    return tensors, meta


class Residual(nn.Module):
    """x + body(x), the module primer's res[...] layers correspond to."""

    def __init__(self, body):
        super().__init__()
        self.body = body

    def forward(self, x):
        return x + self.body(x)


def split_top(text):
    """Split a layer list at top-level commas."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        depth += c == "["
        depth -= c == "]"
        if c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if text[start:]:
        parts.append(text[start:])
    return parts


def build(spec, shape):
    """nn.Sequential for a canonical primer spec; shape: per-row input shape (list)."""
    layers = []
    for item in split_top(spec):
        name, _, args = item.partition(":")
        if item.startswith("res["):
            body = build(item[4:-1], shape)
            layers.append(Residual(body))
            continue
        if name == "dense":
            layers.append(nn.Linear(shape[-1], int(args)))
            shape = shape[:-1] + [int(args)]
        elif name == "relu":
            layers.append(nn.ReLU())
        elif name == "leaky_relu":
            layers.append(nn.LeakyReLU(float(args)))
        elif name == "prelu":
            layers.append(nn.PReLU())
        elif name == "sigmoid":
            layers.append(nn.Sigmoid())
        elif name == "tanh":
            layers.append(nn.Tanh())
        elif name == "gelu":
            layers.append(nn.GELU(approximate="tanh" if args == "tanh" else "none"))
        elif name == "softmax":
            layers.append(nn.Softmax(dim=-1))
        elif name == "dropout":
            layers.append(nn.Dropout(float(args)))
        elif name == "batchnorm":
            layers.append(nn.BatchNorm1d(shape[0]) if len(shape) <= 2 else nn.BatchNorm2d(shape[0]))
        elif name == "layernorm":
            layers.append(nn.LayerNorm(shape[-1]))
        elif name == "flatten":
            layers.append(nn.Flatten())
            shape = [int(np.prod(shape))]
        elif name == "embedding":
            v, d = (int(a) for a in args.split(":"))
            layers.append(nn.Embedding(v, d))
            shape = shape + [d]
        else:
            raise ValueError(f"unknown layer {item!r}")
    return nn.Sequential(*layers)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--inputs")
    ap.add_argument("--outputs")
    ap.add_argument("--data")
    ap.add_argument("--predictions")
    ap.add_argument("--tol", type=float, default=1e-5)
    a = ap.parse_args()
    state, meta = load_file(a.model)
    spec, shape = meta["primer.spec"], json.loads(meta["primer.input_shape"])
    dtype = torch.float64 if meta.get("primer.dtype") == "float64" else torch.float32
    model = build(spec, list(shape)).to(dtype)
    model.load_state_dict(state, strict=True)
    model.eval()
    names = ", ".join(f"{k} {tuple(v.shape)}" for k, v in state.items())
    print(f"loaded {len(state)} tensors into {model.__class__.__name__} for '{spec}': {names}")
    if a.data and a.predictions:
        return compare_csv(model, meta, dtype, a.data, a.predictions, a.tol)
    if not a.inputs:
        return 0
    x = np.load(a.inputs).astype(np.float64)
    if "primer.mean" in meta:
        x = (x - np.array(json.loads(meta["primer.mean"]))) / np.array(json.loads(meta["primer.scale"]))
    with torch.no_grad():
        got = model(torch.from_numpy(x).to(dtype)).double().numpy()
    want = np.load(a.outputs).astype(np.float64).reshape(got.shape)
    err = np.max(np.abs(got - want) / (1 + np.abs(want)))
    ok = err <= a.tol
    print(f"{'OK' if ok else 'MISMATCH'}: {x.shape[0]} rows, max relative difference {err:.3g} (tolerance {a.tol:g})")
    return 0 if ok else 1


def read_csv(path):
    with open(path) as f:
        names = f.readline().strip().split(",")
    return names, np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)


def compare_csv(model, meta, dtype, data, predictions, tol):
    names, values = read_csv(data)
    features = json.loads(meta["primer.features"])
    x = values[:, [names.index(f) for f in features]]
    if "primer.mean" in meta:
        x = (x - np.array(json.loads(meta["primer.mean"]))) / np.array(json.loads(meta["primer.scale"]))
    with torch.no_grad():
        out = model(torch.from_numpy(x).to(dtype)).double()
    pnames, pred = read_csv(predictions)
    if meta.get("primer.task") == "classification":
        got = torch.softmax(out, dim=1).numpy()
        want = pred[:, 1:]
        what = "class probabilities"
    else:
        got, want, what = out.numpy(), pred, "predictions"
    err = np.max(np.abs(got - want.reshape(got.shape)))
    ok = err <= tol
    print(f"{'OK' if ok else 'MISMATCH'}: {x.shape[0]} rows of {data}: {what} agree to {err:.3g} (tolerance {tol:g})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
