#!/usr/bin/python3
"""The same ingestion as har-ingest, in numpy + scipy: the peer for bench/ingest.sh.

Reads the HAPT layout, applies the causal median + Butterworth chain with
scipy.signal.lfilter (state from lfilter_zi), cuts 128/64 windows inside the
labelled segments of activities 1-6, and, given a har-ingest output, checks
that every window agrees to float32 rounding.

    /usr/bin/python3 bench/ingest_reference.py data/hapt [har-output.safetensors.gz]
"""
import gzip
import json
import os
import sys
import time

import numpy as np
from scipy.signal import butter, lfilter, lfilter_zi

FS, WINDOW, STRIDE = 50.0, 128, 64


def read_table(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        return np.array(f.read().split(), dtype=np.float64)


def preprocess(raw):
    """raw: (L, 6) acc xyz, gyro xyz -> (L, 9) in UCI channel order."""
    b20, a20 = butter(3, 20 / (FS / 2))
    b03, a03 = butter(3, 0.3 / (FS / 2))
    pad = np.vstack([raw[:1], raw[:1], raw])
    med = np.median(np.stack([pad[:-2], pad[1:-1], pad[2:]]), axis=0)
    smooth = np.empty_like(med)
    for c in range(6):
        smooth[:, c] = lfilter(b20, a20, med[:, c], zi=lfilter_zi(b20, a20) * med[0, c])[0]
    grav = np.empty((len(raw), 3))
    for c in range(3):
        grav[:, c] = lfilter(b03, a03, smooth[:, c], zi=lfilter_zi(b03, a03) * smooth[0, c])[0]
    return np.hstack([smooth[:, :3] - grav, smooth[:, 3:], smooth[:, :3]]).astype(np.float32)


def ingest(root):
    raw_dir = os.path.join(root, "RawData")
    labels = read_table(os.path.join(raw_dir, "labels.txt.gz")).astype(np.int64).reshape(-1, 5)
    X, y, rec, start = [], [], [], []
    for exp in sorted(set(labels[:, 0])):
        user = labels[labels[:, 0] == exp][0, 1]
        name = f"exp{exp:02d}_user{user:02d}.txt.gz"
        acc = read_table(os.path.join(raw_dir, "acc_" + name)).reshape(-1, 3)
        gyr = read_table(os.path.join(raw_dir, "gyro_" + name)).reshape(-1, 3)
        chan = preprocess(np.hstack([acc, gyr]))
        for _, _, act, s, e in labels[labels[:, 0] == exp]:
            if act > 6:
                continue
            for a in range(s - 1, e - WINDOW + 1, STRIDE):
                X.append(chan[a:a + WINDOW])
                y.append(act - 1)
                rec.append(exp)
                start.append(a)
    return np.stack(X), np.array(y), np.array(rec), np.array(start)


def load_har(path):
    with gzip.open(path, "rb") as f:
        buf = f.read()
    n = int.from_bytes(buf[:8], "little")
    header = json.loads(buf[8:8 + n])
    header.pop("__metadata__", None)
    dt = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "I64": "<i8", "U8": "u1"}
    data = buf[8 + n:]
    return {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], dtype=dt[v["dtype"]]).reshape(v["shape"])
            for k, v in header.items()}


def main():
    t0 = time.perf_counter()
    X, y, rec, start = ingest(sys.argv[1])
    seconds = time.perf_counter() - t0
    print(f"reference: {len(X)} windows in {seconds:.2f} s")
    if len(sys.argv) > 2:
        har = load_har(sys.argv[2])
        order = np.lexsort((har["start"], har["recording"]))
        ref = np.lexsort((start, rec))
        assert len(order) == len(ref), f"window counts differ: har {len(order)}, reference {len(ref)}"
        assert (har["y"][order] == y[ref]).all() and (har["start"][order] == start[ref]).all()
        diff = np.abs(har["X"][order] - X[ref]).max()
        print(f"max |har - reference| over all windows: {diff:.3g}")
        assert diff < 1e-6, "windows differ"
    print(f"seconds={seconds:.3f}")


if __name__ == "__main__":
    main()
