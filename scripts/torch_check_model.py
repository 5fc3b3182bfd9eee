#!/usr/bin/python3
"""Load a primer model file into PyTorch and check it computes what primer computes.

    /usr/bin/python3 scripts/torch_check_model.py MODEL.safetensors --layers LAYERS.json \
        [--inputs X.npy --outputs Y.npy | --data DATA.csv --predictions PRED.csv]
    /usr/bin/python3 scripts/torch_check_model.py --examples --layers LAYERS.json --primer build/primer --dir DIR

1. Reads the safetensors file the way PyTorch users do: with safetensors.torch.load_file
   when the safetensors package is installed, otherwise with a reader written from the
   format's specification (Debian 12 does not package safetensors).
2. Builds the nn.Sequential that the file's "primer.spec" metadata describes, from
   primer's layer registry (`primer layers --json`): each layer's arguments, defaults
   and PyTorch module come from there, so this script knows no layer by name. It loads
   the tensors with load_state_dict(strict=True): every name and shape must match.
3. With --inputs/--outputs (raw features and the outputs primer computed for them, as
   .npy), applies the file's standardisation, runs the model in eval mode and compares.
   With --data/--predictions (a CSV file and what `primer predict` wrote for it), takes
   the feature columns the file names, and compares the class probabilities (or the
   predicted values) with primer's.
4. With --examples, does all of that for every layer's example in the registry: primer
   trains each example one epoch on small integer features and predicts, PyTorch
   rebuilds the model from the file and must agree.

Exits 0 when everything matches, 1 otherwise. Needs python3-torch and python3-numpy
(scripts/install-deps.sh --peers); `make torch-check` runs it.
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
    """x + body(x), the module primer's res[...] layers correspond to. When the body
    changes the shape, the shortcut is torchvision's downsample: for images a 1x1
    convolution without bias (the stride that maps the sizes) and a batch norm, for
    feature rows a linear map without bias."""

    def __init__(self, body, shape):
        super().__init__()
        self.body = body
        with torch.no_grad():
            body.eval()
            out = list(body(torch.zeros([2] + list(shape), dtype=torch.float64).to(
                next(body.parameters()).dtype if list(body.parameters()) else torch.float64)).shape[1:])
        self.downsample = None
        if out != list(shape):
            if len(shape) == 3:
                stride = next(s for s in range(1, max(shape[1:]) + 1)
                              if (shape[1] - 1) // s + 1 == out[1] and (shape[2] - 1) // s + 1 == out[2])
                self.downsample = nn.Sequential(nn.Conv2d(shape[0], out[0], 1, stride=stride, bias=False),
                                                nn.BatchNorm2d(out[0]))
            else:
                self.downsample = nn.Sequential(nn.Linear(shape[-1], out[-1], bias=False))

    def forward(self, x):
        return (x if self.downsample is None else self.downsample(x)) + self.body(x)


class Embedding(nn.Embedding):
    """nn.Embedding fed primer's float token ids (the state dict is nn.Embedding's);
    primer's padding index -1 means none."""

    def __init__(self, num, dim, padding_idx=-1):
        super().__init__(num, dim, padding_idx=None if padding_idx < 0 else padding_idx)

    def forward(self, x):
        return super().forward(x.long())


def RNN(module, output):
    """nn.RNN/nn.LSTM/nn.GRU (batch_first) returning every step's hidden state or the
    last one; the class is swapped for a subclass so the state dict keeps its names."""
    class Steps(type(module)):
        def forward(self, x):
            y = super().forward(x)[0]
            return y[:, -1] if output == "last" else y
    module.__class__ = Steps
    return module


def causal_mask(T):
    return torch.triu(torch.ones(T, T, dtype=torch.bool), 1)


class SelfAttention(nn.MultiheadAttention):
    def __init__(self, E, heads, mask):
        super().__init__(E, heads, batch_first=True)
        self.causal = mask == "causal"

    def forward(self, x):
        m = causal_mask(x.shape[1]) if self.causal else None
        return super().forward(x, x, x, attn_mask=m, need_weights=False)[0]


class EncoderLayer(nn.TransformerEncoderLayer):
    def __init__(self, E, heads, ffn, dropout, activation, norm, mask):
        super().__init__(E, heads, ffn, dropout, activation, batch_first=True, norm_first=norm == "pre")
        self.causal = mask == "causal"

    def forward(self, x):
        return super().forward(x, src_mask=causal_mask(x.shape[1]) if self.causal else None)


class PositionalEncoding(nn.Module):
    """x + the sinusoidal encoding of Vaswani et al."""

    def forward(self, x):
        T, D = x.shape[1], x.shape[2]
        t = torch.arange(T, dtype=torch.float64)[:, None]
        j = torch.arange(D)
        angle = t / torch.pow(10000.0, (j - j % 2).double() / D)
        pe = torch.where(j % 2 == 1, torch.cos(angle), torch.sin(angle))
        return x + pe.to(x.dtype)


class PositionEmbedding(nn.Module):
    """x + learned positions: weight (max_len, D)."""

    def __init__(self, max_len, D):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(max_len, D))

    def forward(self, x):
        return x + self.weight[: x.shape[1]]


class VAE(nn.Module):
    """A VAE's latent layer as primer names it (mu.*, logvar.*); in evaluation z = mu."""
    def __init__(self, D, Z):
        super().__init__()
        self.mu = nn.Linear(D, Z)
        self.logvar = nn.Linear(D, Z)

    def forward(self, x):
        return self.mu(x)


class Last(nn.Module):
    def forward(self, x):
        return x[:, -1]


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


def parse_item(item, registry):
    """(registry row, {argument: value}, body text) for one canonical layer item."""
    n = 0
    while n < len(item) and (item[n].isalnum() or item[n] == "_"):
        n += 1
    row = registry[item[:n]]
    rest, body = item[n:], None
    if row["body"]:
        depth = 0
        for i, c in enumerate(rest):
            depth += c == "["
            depth -= c == "]"
            if depth == 0:
                body, rest = rest[1:i], rest[i + 1:]
                break
    values, cursor, given = {}, 0, set()
    for a in row["args"]:
        if not a["required"] and "default" in a:
            values[a["name"]] = a["default"]
    for token in [t for t in rest.split(":") if t]:
        is_word = token[0].isalpha()
        while cursor < len(row["args"]):
            a = row["args"][cursor]
            cursor += 1
            if is_word and a["kind"] == "choice" and token in a["choices"]:
                values[a["name"]] = token
                given.add(a["name"])
                break
            if not is_word and a["kind"] != "choice":
                values[a["name"]] = int(token) if a["kind"] == "int" else float(token)
                given.add(a["name"])
                break
        else:
            raise ValueError(f"cannot read {item!r} with the registry")
    for a in row["args"]:  # left out, an argument may take an earlier one's value (a pool's stride)
        if "default_from" in a and a["name"] not in given:
            values[a["name"]] = values[a["default_from"]]
    return row, values, body


def build(spec, shape, registry):
    """nn.Sequential for a canonical primer spec; shape: per-row input shape (list)."""
    layers = []
    for item in split_top(spec):
        row, values, body = parse_item(item, registry)
        body_module = build(body, list(shape), registry) if body is not None else None
        fields = {k: repr(v) for k, v in values.items()}
        fields.update({"in": str(shape[-1]), "channels": str(shape[0]), "spatial": str(max(1, len(shape) - 1)),
                       "body": "body", "shape": repr(list(shape))})
        module = eval(row["torch"].format(**fields),
                      {"nn": nn, "Residual": Residual, "Embedding": Embedding, "body": body_module, "RNN": RNN,
                       "SelfAttention": SelfAttention, "EncoderLayer": EncoderLayer, "Last": Last, "VAE": VAE,
                       "PositionalEncoding": PositionalEncoding, "PositionEmbedding": PositionEmbedding})
        layers.append(module)
        with torch.no_grad():  # the next layer's input shape, as PyTorch computes it
            module.eval()
            shape = list(module(torch.zeros([2] + list(shape), dtype=torch.float64).to(
                next(module.parameters()).dtype if list(module.parameters()) else torch.float64)).shape[1:])
    return nn.Sequential(*layers)


def load_registry(path):
    with open(path) as f:
        return {row["token"]: row for row in json.load(f)["layers"]}


def check_file(path, registry, a):
    state, meta = load_file(path)
    spec, shape = meta["primer.spec"], json.loads(meta["primer.input_shape"])
    dtype = torch.float64 if meta.get("primer.dtype") == "float64" else torch.float32
    model = build(spec, list(shape), registry).to(dtype)
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


def check_examples(registry, a):
    """Every registry example: primer trains and predicts, PyTorch agrees."""
    import os
    import subprocess
    os.makedirs(a.dir, exist_ok=True)
    failed = 0
    rng = np.random.default_rng(0)
    for token, row in registry.items():
        width = int(row["example_input"])
        data = os.path.join(a.dir, f"{token}.csv")
        x = rng.integers(0, 3, size=(60, width))
        y = rng.integers(0, 3, size=(60, 1))
        header = ",".join([f"x{j}" for j in range(width)] + ["label"])
        np.savetxt(data, np.hstack([x, y]), delimiter=",", header=header, comments="", fmt="%d")
        model, pred = os.path.join(a.dir, f"{token}.safetensors"), os.path.join(a.dir, f"{token}-pred.csv")
        subprocess.run([a.primer, "train", "--quiet", "--data", data, "--target", "label", "--model", row["example"],
                        "--epochs", "1", "--no-standardize", "--test", "0", "--val", "0", "--out", model], check=True)
        subprocess.run([a.primer, "predict", "--model", model, "--data", data, "--out", pred], check=True)
        a.data, a.predictions = data, pred
        print(f"{token}: {row['example']}")
        failed += check_file(model, registry, a)
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", nargs="?")
    ap.add_argument("--layers", required=True, help="primer's registry: `primer layers --json`")
    ap.add_argument("--inputs")
    ap.add_argument("--outputs")
    ap.add_argument("--data")
    ap.add_argument("--predictions")
    ap.add_argument("--examples", action="store_true")
    ap.add_argument("--primer", default="build/primer")
    ap.add_argument("--dir", default="build/torch-check/examples")
    ap.add_argument("--tol", type=float, default=1e-5)
    a = ap.parse_args()
    registry = load_registry(a.layers)
    if a.examples:
        return check_examples(registry, a)
    return check_file(a.model, registry, a)


def read_csv(path):
    with open(path) as f:
        names = f.readline().strip().split(",")
    return names, np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)


def compare_csv(model, meta, dtype, data, predictions, tol):
    names, values = read_csv(data)
    features = json.loads(meta.get("primer.features", "[]"))
    x = values[:, [names.index(f) for f in features]] if features else values  # a language model: every column
    if "primer.mean" in meta:
        x = (x - np.array(json.loads(meta["primer.mean"]))) / np.array(json.loads(meta["primer.scale"]))
    with torch.no_grad():
        out = model(torch.from_numpy(x).to(dtype)).double()
    pnames, pred = read_csv(predictions)
    if meta.get("primer.task") == "classification":  # per row, or per position of a sequence
        got = torch.softmax(out, dim=-1).reshape(-1, out.shape[-1]).numpy()
        want = pred[:, 1:]
        what = "class probabilities"
    else:
        got, want, what = out.numpy(), pred, "predictions"
    err = np.max(np.abs(got - want.reshape(got.shape)))
    ok = err <= tol
    print(f"{'OK' if ok else 'MISMATCH'}: {x.shape[0]} rows of {data}: {what} agree to {err:.3g} (tolerance {tol:g})")
    if "primer.vocab" in meta:
        print(f"  next-token probabilities at every position over a vocabulary of "
              f"{len(json.loads(meta['primer.vocab']))} ({meta.get('primer.vocab_level', 'chars')})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
