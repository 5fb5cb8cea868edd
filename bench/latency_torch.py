#!/usr/bin/env python3
"""PyTorch peer of har-latency for bench/latency.sh.

Builds the torch equivalent of a har checkpoint's model from its spec, loads
the checkpoint's parameters by their PyTorch names (strict: every tensor must
match), and times eager CPU inference at batch 1 on one thread over the same
windows har-latency takes: the first N raw windows of DATA, cycling, after W
untimed warm-up windows.  The windows are normalised beforehand with the
checkpoint's norm.mean / norm.std exactly as har does it ((x - mean) / std in
float64, then float32), so the timed region is model(x) and the softmax only,
under torch.no_grad() and model.eval(); har-latency's timed call also
normalises and validates the window, so the comparison favours torch.

Prints one summary line (microseconds) and writes one predicted class index
per timed window to --predictions:

    mean_us=4321.0 p50_us=4300.2 p90_us=4400.1 p99_us=4800.3 max_us=5100.0 windows=500

Percentiles are nearest-rank, as in har-latency.

Usage: latency_torch.py MODEL DATA [-n N] [-w W] [--predictions FILE]
"""
import argparse
import gzip
import json
import math
import sys
import time

import numpy as np
import torch


def load_har(path):
    """A har tensor file: ({name: numpy array}, {metadata})."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    types = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "I64": "<i8", "U8": "u1"}
    data = raw[8 + n :]
    arrays = {}
    for name, t in header.items():
        a, b = t["data_offsets"]
        arrays[name] = np.frombuffer(data[a:b], dtype=types[t["dtype"]]).reshape(t["shape"])
    return arrays, meta


class Readout(torch.nn.Module):
    """har's readout layer after a recurrent stack: last step or mean over time."""

    def __init__(self, kind):
        super().__init__()
        self.kind = kind

    def forward(self, out):
        y = out[0]  # (output, state) of nn.GRU / nn.LSTM / nn.RNN
        return y[:, -1:, :] if self.kind == "last" else y.mean(dim=1, keepdim=True)


def sequence_only(cell):
    """cell's subclass returning the output sequence alone (readout=seq): a
    subclass, not a wrapper, keeps the parameter names."""

    class SequenceOnly(cell):
        def forward(self, x):
            return super().forward(x)[0]

    return SequenceOnly


class TimeConv1d(torch.nn.Conv1d):
    """conv1d on har's [batch, t, f] layout: a subclass, so the parameter
    names stay "N.weight" and "N.bias"."""

    def forward(self, x):
        return super().forward(x.transpose(1, 2)).transpose(1, 2)


class TimeMean(torch.nn.Module):
    """gap: the mean over time of a [batch, t, f] tensor."""

    def forward(self, x):
        return x.mean(dim=1, keepdim=True)


class TimeMaxPool1d(torch.nn.MaxPool1d):
    def forward(self, x):
        return super().forward(x.transpose(1, 2)).transpose(1, 2)


class TimeAvgPool1d(torch.nn.AvgPool1d):
    def forward(self, x):
        return super().forward(x.transpose(1, 2)).transpose(1, 2)


ACTIVATIONS = {
    "relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid,
    "silu": torch.nn.SiLU, "elu": torch.nn.ELU, "gelu": torch.nn.GELU,
    "leakyrelu": lambda: torch.nn.LeakyReLU(0.1),
}
CELLS = {"gru": torch.nn.GRU, "lstm": torch.nn.LSTM, "rnn": torch.nn.RNN}


def build(spec, T, C):
    """torch layers in har's order (a recurrent item with a readout other than
    seq is two layers), so their state_dict names equal the checkpoint's.
    t, f: the per-window shape, tracked as har does."""
    layers, t, f = [], T, C
    for item in spec.split(","):
        name, *args = item.split(":")
        opts = dict(a.split("=", 1) if "=" in a else (a, True) for a in args[1:])
        if name in ("dense", "linear"):
            layers.append(torch.nn.Linear(f, int(args[0])))
            f = int(args[0])
        elif name == "flatten":
            layers.append(torch.nn.Flatten(start_dim=1))
            t, f = 1, t * f
        elif name == "conv1d":
            k, stride = int(args[1]), int(opts.get("stride", 1))
            dil = int(opts.get("dilation", 1))
            pad = (dil * (k - 1)) // 2 if opts.get("pad") == "same" else int(opts.get("pad", 0))
            layers.append(TimeConv1d(f, int(args[0]), k, stride=stride, padding=pad, dilation=dil))
            t, f = (t + 2 * pad - dil * (k - 1) - 1) // stride + 1, int(args[0])
        elif name in ("maxpool", "avgpool"):
            k = int(args[0])
            stride = int(args[1]) if len(args) > 1 else k
            layers.append((TimeMaxPool1d if name == "maxpool" else TimeAvgPool1d)(k, stride))
            t = (t - k) // stride + 1
        elif name == "gap":
            layers.append(TimeMean())
            t = 1
        elif name == "dropout":
            layers.append(torch.nn.Dropout(float(args[0])))
        elif name in ACTIVATIONS:
            layers.append(ACTIVATIONS[name]())
        elif name in CELLS:
            hidden, bidir = int(args[0]), "bidir" in opts
            readout = opts.get("readout", "last")
            cell = sequence_only(CELLS[name]) if readout == "seq" else CELLS[name]
            rnn = cell(f, hidden, num_layers=int(opts.get("layers", 1)), batch_first=True,
                       bidirectional=bidir, dropout=float(opts.get("dropout", 0)))
            f = hidden * (2 if bidir else 1)
            if readout == "seq":
                layers.append(rnn)
            elif readout in ("last", "mean"):
                layers += [rnn, Readout(readout)]
                t = 1
            else:
                sys.exit(f"latency_torch.py: readout {readout} is not supported by this bench")
        else:
            sys.exit(f"latency_torch.py: spec item '{item}' is not supported by this bench")
    return layers


def make_model(arrays, meta):
    T, C = int(meta["window"]), len(meta["channels"].split(","))
    model = torch.nn.Sequential(*build(meta["spec"], T, C))
    state = {k: torch.from_numpy(v.copy()) for k, v in arrays.items()
             if not k.startswith(("train.", "norm."))}
    model.load_state_dict(state, strict=True)  # every parameter, by its name
    return model.eval()


def percentile(sorted_us, p):
    rank = math.ceil(p / 100 * len(sorted_us))
    return sorted_us[min(max(rank, 1), len(sorted_us)) - 1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("data")
    ap.add_argument("-n", "--count", dest="windows", type=int, default=500)
    ap.add_argument("-w", "--warmup", type=int, default=50)
    ap.add_argument("--predictions")
    a = ap.parse_args()
    torch.set_num_threads(1)
    arrays, meta = load_har(a.model)
    data, dmeta = load_har(a.data)
    if "normalisation" in dmeta:
        sys.exit(f"latency_torch.py: {a.data} is normalised; give the raw windows")
    model = make_model(arrays, meta)
    X = data["X"]
    mean, std = arrays["norm.mean"], arrays["norm.std"]
    used = range(min(len(X), max(a.windows, a.warmup)))
    # har's arithmetic: (x - mean) / std in float64, rounded to float32 once.
    windows = {i: torch.from_numpy(((X[i].astype(np.float64) - mean) / std).astype(np.float32)[None])
               for i in used}
    us, labels = [], []
    with torch.no_grad():
        for i in range(a.warmup):
            torch.softmax(model(windows[i % len(X)]).reshape(1, -1), dim=1)
        for i in range(a.windows):
            x = windows[i % len(X)]
            start = time.perf_counter_ns()
            p = torch.softmax(model(x).reshape(1, -1), dim=1)
            us.append((time.perf_counter_ns() - start) / 1e3)
            labels.append(int(p.argmax(dim=1)))
    s = sorted(us)
    print(f"mean_us={sum(us) / len(us):.1f} p50_us={percentile(s, 50):.1f} p90_us={percentile(s, 90):.1f} "
          f"p99_us={percentile(s, 99):.1f} max_us={s[-1]:.1f} windows={len(us)} torch={torch.__version__}")
    if a.predictions:
        with open(a.predictions, "w") as f:
            f.write("".join(f"{k}\n" for k in labels))


if __name__ == "__main__":
    sys.exit(main())
