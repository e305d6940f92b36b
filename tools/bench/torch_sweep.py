#!/usr/bin/python3
"""PyTorch reference for `mixquant bench`: the all-bit-width quantization-error sweep.

Reads the weights that `mixquant bench` exports (format below), then times, per repeat, for every layer: the
per-channel min/max (once), and for bits 2..8 the DESIGN.md asymmetric min-max scale and zero-point,
`torch.fake_quantize_per_channel_affine` and the MSE. Prints one JSON object on stdout:
{"threads": T, "times_s": [...], "median_s": m, "sse": [[per-bit SSE of layer 0 for bits 2..8], ...]}.

Weights file (little-endian): int32 layer count; per layer: int32 ndim, int32 dims[ndim], int32 channel axis,
float32 values (row-major).

Run with Debian's interpreter: /usr/bin/python3 tools/bench/torch_sweep.py FILE --threads 2 --repeats 10
"""
import argparse
import json
import statistics
import struct
import sys
import time

import numpy as np
import torch


def read_weights(path):
    with open(path, "rb") as f:
        data = f.read()
    off = 0
    (n,) = struct.unpack_from("<i", data, off)
    off += 4
    layers = []
    for _ in range(n):
        (nd,) = struct.unpack_from("<i", data, off)
        off += 4
        dims = struct.unpack_from("<%di" % nd, data, off)
        off += 4 * nd
        (axis,) = struct.unpack_from("<i", data, off)
        off += 4
        count = int(np.prod(dims))
        arr = np.frombuffer(data, dtype="<f4", count=count, offset=off).reshape(dims)
        off += 4 * count
        layers.append((torch.from_numpy(arr.copy()), axis))
    return layers


def sweep(layers):
    out = []
    for w, axis in layers:
        other = tuple(d for d in range(w.dim()) if d != axis)
        lo = torch.amin(w, dim=other).clamp(max=0)
        hi = torch.amax(w, dim=other).clamp(min=0)
        rng = hi - lo
        per_bit = []
        for b in range(2, 9):
            qmax = (1 << b) - 1
            scale = rng / float(qmax)
            scale = torch.where(scale == 0, torch.ones_like(scale), scale)
            zp = torch.clamp(torch.round(-lo / scale), 0, qmax).to(torch.int32)
            fq = torch.fake_quantize_per_channel_affine(w, scale, zp, axis, 0, qmax)
            per_bit.append(torch.mean((w - fq) ** 2))
        out.append(per_bit)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("weights")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    layers = read_weights(a.weights)
    with torch.no_grad():
        for _ in range(a.warmup):
            sweep(layers)
        times = []
        for _ in range(a.repeats):
            t0 = time.perf_counter()
            res = sweep(layers)
            times.append(time.perf_counter() - t0)
    sse = [[float(m) * w.numel() for m in per_bit] for (w, _), per_bit in zip(layers, res)]
    json.dump({"threads": torch.get_num_threads(), "torch": torch.__version__, "times_s": times,
               "median_s": statistics.median(times), "sse": sse}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
