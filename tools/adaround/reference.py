#!/usr/bin/python3
"""PyTorch reference of MixQuant's AdaRound objective, for the Java loop in org.mixquant.methods.rounding.LearnedRounding.

Reads a problem file written by org.mixquant.cli.bench.AdaRoundReference (format in that class's javadoc): captured
layer inputs X [rows, in], targets T [rows, out], the FP32 weight W, bias, per-channel scales and zero-points, the
starting alpha and the mini-batch index of every step. Then runs, with torch.optim.Adam on alpha only, exactly the
objective of yhhhli/BRECQ (quant/adaptive_rounding.py, quant/layer_recon.py, quant/block_recon.py):

    h(alpha) = clamp(sigmoid(alpha) * (zeta - gamma) + gamma, 0, 1)          gamma = -0.1, zeta = 1.1
    W_soft   = (clamp(floor(W / s) + h + zp, qmin, qmax) - zp) * s
    rec      = ((act(X[idx] @ W_soft + b) - T[idx]) ** 2).sum(1).mean()     (X @ W_soft.T for [out, in] weights)
    reg      = lam * sum(1 - |2h - 1| ** beta(t))  for t >= warmup * T, else 0
    beta(t)  = BRECQ LinearTempDecay(T, rel_start_decay=warmup, start_b, end_b)
    loss     = rec + reg

with steps counted t = 1..T, and at the end hard codes clamp(floor(W / s) + [alpha >= 0] + zp, qmin, qmax).

Prints one JSON line: {"loss": [...], "rec": [...], "reg": [...], "seconds": s, "iterations_per_second": r,
"torch": version, "threads": n, "alpha0_max_abs_diff": d} where d compares the given alpha with this script's own
fractional-part initialisation (a sanity check only; the given alpha is used).

A second problem kind (magic "MQAC", written by AdaRoundReference.writeConv) holds one convolution layer of the CNNs,
as BRECQ/AdaRound reconstruct it: X [n, c, h, w], W [out, c/groups, k, k], T [n, out, oh, ow], stride, padding,
groups, bias and activation (0 identity, 2 ReLU, 3 ReLU6), per-output-channel scales on axis 0, and
    rec = ((act(conv2d(X[idx], W_soft, b, stride, padding, groups)) - T[idx]) ** 2).sum(1).mean()

Run with Debian's interpreter:
    /usr/bin/python3 tools/adaround/reference.py PROBLEM.bin --threads 1 [--codes-out codes.i32]
                     [--warmup-iterations N]   (N untimed steps first, then alpha and Adam restart; for benchmarks)
"""
import argparse
import json
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

GAMMA, ZETA = -0.1, 1.1
ACTIVATIONS = {0: lambda y: y, 1: F.gelu, 2: F.relu, 3: F.relu6}


class Reader:
    """Little-endian arrays read one after another from a problem file's bytes."""

    def __init__(self, data, off):
        self.data, self.off = data, off

    def floats(self, count, shape):
        a = np.frombuffer(self.data, dtype="<f4", count=count, offset=self.off).reshape(shape)
        self.off += 4 * count
        return torch.from_numpy(a.copy())

    def int32s(self, count, shape):
        a = np.frombuffer(self.data, dtype="<i4", count=count, offset=self.off).reshape(shape)
        self.off += 4 * count
        return a.copy()

    def check_end(self):
        if self.off != len(self.data):
            sys.exit("problem file has %d trailing bytes" % (len(self.data) - self.off))


def read_problem(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] == b"MQAC":
        return read_conv_problem(data, path)
    if data[:4] != b"MQAR":
        sys.exit("not a MixQuant AdaRound problem file: " + path)
    off = 4
    (version,) = struct.unpack_from("<i", data, off)
    off += 4
    if version != 1:
        sys.exit("unsupported problem version %d" % version)
    ints = struct.unpack_from("<11i", data, off)
    off += 44
    rows, n_in, n_out, transposed, act, has_bias, qmin, qmax, channels, iters, batch = ints
    lam, warmup, b_start, b_end, lr = struct.unpack_from("<5d", data, off)
    r = Reader(data, off + 40)
    floats, int32s = r.floats, r.int32s

    w_shape = (n_out, n_in) if transposed else (n_in, n_out)
    p = dict(rows=rows, transposed=bool(transposed), act=act, qmin=qmin, qmax=qmax, iters=iters, batch=batch,
             lam=lam, warmup=warmup, b_start=b_start, b_end=b_end, lr=lr)
    p["X"] = floats(rows * n_in, (rows, n_in))
    p["T"] = floats(rows * n_out, (rows, n_out))
    p["W"] = floats(n_in * n_out, w_shape)
    p["bias"] = floats(n_out, (n_out,)) if has_bias else None
    bshape = (-1, 1) if transposed else (1, -1)
    scale = floats(channels, (channels,))
    zp = torch.from_numpy(int32s(channels, (channels,)).astype(np.float32))
    p["scale"] = scale.reshape(bshape) if channels > 1 else scale.reshape(1, 1)
    p["zp"] = zp.reshape(bshape) if channels > 1 else zp.reshape(1, 1)
    p["alpha0"] = floats(n_in * n_out, w_shape)
    p["batches"] = torch.from_numpy(int32s(iters * batch, (iters, batch)).astype(np.int64))
    r.check_end()
    return p


def read_conv_problem(data, path):
    off = 4
    (version,) = struct.unpack_from("<i", data, off)
    off += 4
    if version != 1:
        sys.exit("unsupported conv problem version %d in %s" % (version, path))
    ints = struct.unpack_from("<18i", data, off)
    off += 72
    (n, c, h, w, n_out, k, stride, padding, groups, oh, ow, act, has_bias, qmin, qmax, channels, iters,
     batch) = ints
    lam, warmup, b_start, b_end, lr = struct.unpack_from("<5d", data, off)
    r = Reader(data, off + 40)
    floats, int32s = r.floats, r.int32s

    w_shape = (n_out, c // groups, k, k)
    w_count = n_out * (c // groups) * k * k
    p = dict(rows=n, conv=dict(stride=stride, padding=padding, groups=groups), act=act, qmin=qmin, qmax=qmax,
             iters=iters, batch=batch, lam=lam, warmup=warmup, b_start=b_start, b_end=b_end, lr=lr,
             transposed=False)
    p["X"] = floats(n * c * h * w, (n, c, h, w))
    p["T"] = floats(n * n_out * oh * ow, (n, n_out, oh, ow))
    p["W"] = floats(w_count, w_shape)
    p["bias"] = floats(n_out, (n_out,)) if has_bias else None
    scale = floats(channels, (channels,))
    zp = torch.from_numpy(int32s(channels, (channels,)).astype(np.float32))
    bshape = (-1, 1, 1, 1) if channels > 1 else (1, 1, 1, 1)
    p["scale"] = scale.reshape(bshape)
    p["zp"] = zp.reshape(bshape)
    p["alpha0"] = floats(w_count, w_shape)
    p["batches"] = torch.from_numpy(int32s(iters * batch, (iters, batch)).astype(np.int64))
    r.check_end()
    return p


def temperature(t, iters, warmup, start_b, end_b):
    """BRECQ's LinearTempDecay with rel_start_decay = warmup."""
    start_decay = warmup * iters
    if t < start_decay:
        return start_b
    rel_t = (t - start_decay) / (iters - start_decay)
    return end_b + (start_b - end_b) * max(0.0, (1 - rel_t))


def soft_targets(alpha):
    return torch.clamp(torch.sigmoid(alpha) * (ZETA - GAMMA) + GAMMA, 0, 1)


def optimise(p, iters, record=True):
    X, T, W, bias, s, zp = p["X"], p["T"], p["W"], p["bias"], p["scale"], p["zp"]
    act = ACTIVATIONS[p["act"]]
    w_floor = torch.floor(W / s)
    alpha = torch.nn.Parameter(p["alpha0"].clone())
    opt = torch.optim.Adam([alpha], lr=p["lr"])
    loss_start = p["iters"] * p["warmup"]
    losses, recs, regs = [], [], []
    for t in range(1, iters + 1):
        idx = p["batches"][t - 1]
        opt.zero_grad()
        h = soft_targets(alpha)
        w_soft = (torch.clamp(w_floor + h + zp, p["qmin"], p["qmax"]) - zp) * s
        if "conv" in p:
            y = F.conv2d(X[idx], w_soft, bias, **p["conv"])
        else:
            y = X[idx] @ (w_soft.t() if p["transposed"] else w_soft)
            if bias is not None:
                y = y + bias
        y = act(y)
        rec = (y - T[idx]).abs().pow(2.0).sum(1).mean()
        if t < loss_start:
            reg = None
            total = rec
        else:
            b = temperature(t, p["iters"], p["warmup"], p["b_start"], p["b_end"])
            reg = p["lam"] * (1 - ((h - .5).abs() * 2).pow(b)).sum()
            total = rec + reg
        total.backward()
        opt.step()
        if record:
            losses.append(float(total))
            recs.append(float(rec))
            regs.append(0.0 if reg is None else float(reg))
    codes = torch.clamp(w_floor + (alpha.detach() >= 0).float() + zp, p["qmin"], p["qmax"])
    return losses, recs, regs, codes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("problem")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--codes-out")
    ap.add_argument("--warmup-iterations", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    p = read_problem(a.problem)
    with torch.no_grad():
        v = p["W"] / p["scale"]
        rest = v - torch.floor(v)
        own_alpha = -torch.log((ZETA - GAMMA) / (rest - GAMMA) - 1)
        alpha_diff = float((own_alpha - p["alpha0"]).abs().max())
    if a.warmup_iterations > 0:
        optimise(p, min(a.warmup_iterations, p["iters"]), record=False)
    t0 = time.perf_counter()
    losses, recs, regs, codes = optimise(p, p["iters"])
    secs = time.perf_counter() - t0
    if a.codes_out:
        codes.numpy().astype("<i4").tofile(a.codes_out)
    print(json.dumps({"loss": losses, "rec": recs, "reg": regs, "seconds": secs,
                      "iterations_per_second": p["iters"] / secs if secs > 0 else None,
                      "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "alpha0_max_abs_diff": alpha_diff}))


if __name__ == "__main__":
    main()
