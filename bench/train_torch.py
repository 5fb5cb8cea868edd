#!/usr/bin/env python3
"""PyTorch peer of har-train for bench/train.sh.

Trains the same model on the same windows with the same recipe as the har
command the bench runs (AdamW, lr 2e-3, weight decay 1e-2 on weights,
batch 64, global-norm clipping at 5, shuffled batches, validation after every
epoch) and prints one line per epoch plus a summary:

    epoch=1 seconds=5.31 val_acc=0.7712
    best_seconds=5.29 peak_rss_mb=412

Usage: train_torch.py MODEL TRAIN VAL [--epochs N] [--threads T]
MODEL is gru, lstm or mlp (flatten, 2 x 256 ReLU, dense).
"""
import argparse
import gzip
import json
import resource
import struct
import sys
import time

import numpy as np
import torch


def load(path):
    """Window tensors from a har tensor file (gzip'ed safetensors)."""
    raw = gzip.open(path, "rb").read() if path.endswith(".gz") else open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + n])
    data = raw[8 + n :]
    types = {"F32": np.float32, "I32": np.int32, "I64": np.int64, "F64": np.float64, "U8": np.uint8}
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        a, b = t["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype=types[t["dtype"]]).reshape(t["shape"])
    return out


class Recurrent(torch.nn.Module):
    def __init__(self, cell, c, h, k):
        super().__init__()
        self.rnn = cell(c, h, batch_first=True)
        self.out = torch.nn.Linear(h, k)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.out(y[:, -1, :])


def build(kind, t, c, k):
    if kind == "gru":
        return Recurrent(torch.nn.GRU, c, 64, k)
    if kind == "lstm":
        return Recurrent(torch.nn.LSTM, c, 64, k)
    return torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(t * c, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Linear(256, k))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=["gru", "lstm", "mlp"])
    ap.add_argument("train")
    ap.add_argument("val")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    tr, va = load(a.train), load(a.val)
    x, y = torch.from_numpy(tr["X"].copy()), torch.from_numpy(tr["y"].astype(np.int64))
    vx, vy = torch.from_numpy(va["X"].copy()), torch.from_numpy(va["y"].astype(np.int64))
    n, t, c = x.shape
    k = int(max(y.max(), vy.max())) + 1
    model = build(a.model, t, c, k)
    decay = [p for name, p in model.named_parameters() if "bias" not in name]
    rest = [p for name, p in model.named_parameters() if "bias" in name]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 1e-2},
                             {"params": rest, "weight_decay": 0.0}], lr=2e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    best = float("inf")
    for epoch in range(1, a.epochs + 1):
        start = time.perf_counter()
        model.train()
        perm = torch.randperm(n)
        for i in range(0, n, 64):
            idx = perm[i : i + 64]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
        model.eval()
        correct = 0
        with torch.no_grad():
            for i in range(0, len(vx), 64):
                correct += (model(vx[i : i + 64]).argmax(1) == vy[i : i + 64]).sum().item()
        seconds = time.perf_counter() - start
        best = min(best, seconds)
        print(f"epoch={epoch} seconds={seconds:.3f} val_acc={correct / len(vx):.4f}", flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"best_seconds={best:.3f} peak_rss_mb={rss:.0f}")


if __name__ == "__main__":
    sys.exit(main())
