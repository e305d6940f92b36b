#!/usr/bin/python3
"""Reference GPTQ in PyTorch: golden files for org.mixquant.methods.GptqOracleTest.

Our own implementation of GPTQ (Frantar et al., 2022, Algorithm 1 with lazy batch updates and the Cholesky
reformulation), written from the paper and from reading the authors' gptq.py / quant.py, not copied. It follows the
authors' algorithm step by step, with two deliberate differences:

* the quantization grid is the toolkit's (DESIGN.md "Numerical conventions"): min-max per output channel (per group)
  with lo = min(min(w), 0), hi = max(max(w), 0), scale and zero-point in float32, codes
  clamp(round_half_even(w * (1/scale)) + zp, qmin, qmax), asymmetric 0..2^b-1 or symmetric +-(2^(b-1)-1);
  the authors' quant.py uses a slightly different grid (symmetric zero-point (maxq+1)/2, [-1, 1] for all-zero rows);
* everything but the grid (H, its Cholesky factors, the weight updates) is float64, where the authors use float32,
  so Java (double) and this script agree to round-off.

Like the authors: H = 2 X^T X; dead columns (diag 0) get H_ii = 1 and weight 0; without groups the scales come from
the original weights (before dead columns are zeroed); act-order permutes columns by decreasing diag(H) (a stable
sort here, so ties are ordered the same way as in Java); dampening percdamp * mean(diag H); U = upper Cholesky
factor of H^-1 via cholesky -> cholesky_inverse -> cholesky(upper=True) (Java computes the same factor another way);
blocks of 128 columns; dynamic groups are chosen when the loop reaches a group's first column from the main weight
matrix W (which, as in gptq.py, holds the columns of the current block as they were at the block's start); static
groups are chosen up front from the weights with dead columns zeroed, and act-order always uses static groups.

Inputs (written by the Java class GptqGoldenInputs, see tools/gptq/README.md):
  src/test/resources/golden/gptq/minilm-query-inputs.bin.gz, resnet20-conv-inputs.bin.gz
  ("MQGPTQI1", u8 kind; dense: u32 out, in, rows, W_t [out, in], X [rows, in];
   conv: u32 out, cin, k, stride, padding, n, h, w, W [out, cin, k, k], activations [n, cin, h, w]; big-endian f32).
  For a convolution the rows are torch.nn.functional.unfold of the activations (every position), so the Java im2col
  is checked too.

Outputs: <case>-golden.bin.gz next to the inputs, gzip (mtime 0), big-endian:
  "MQGPTQG1", u32 out, u32 in, u32 number of configurations, then per configuration
  u8 bits, u8 scheme (0 asymmetric, 1 symmetric), u8 act_order, u32 group_size (0 = none), u8 static_groups,
  u32 block_size, f64 percdamp, out*in i8 codes [out, in] (original column order), f64 layer loss
  ||X W_hat^T - X W^T||^2 of GPTQ, f64 the same for round-to-nearest on the same grid (per channel / per group).

Run from the repository root:   /usr/bin/python3 tools/gptq/gptq_oracle.py
"""
import gzip
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

DIR = os.path.join("src", "test", "resources", "golden", "gptq")
CASES = ["minilm-query", "resnet20-conv"]
# (bits, scheme, act_order, group_size, static_groups)
CONFIGS = [
    (4, 0, False, 0, False),
    (4, 0, True, 0, False),
    (4, 0, False, 32, False),
    (4, 0, False, 32, True),
    (4, 0, True, 32, True),
    (3, 0, False, 0, False),
    (3, 0, True, 32, True),
    (4, 1, False, 0, False),
]
BLOCK = 128
DAMP = 0.01
FLT_MIN = np.float32(1.1754943508222875e-38)


def read_inputs(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"MQGPTQI1", path
    kind = data[8]
    pos = 9

    def ints(n):
        nonlocal pos
        v = struct.unpack(">%di" % n, data[pos:pos + 4 * n])
        pos += 4 * n
        return v

    def floats(n):
        nonlocal pos
        v = np.frombuffer(data, dtype=">f4", count=n, offset=pos).astype(np.float32)
        pos += 4 * n
        return v

    if kind == 0:
        out, inp, rows = ints(3)
        w = floats(out * inp).reshape(out, inp)
        x = floats(rows * inp).reshape(rows, inp)
    else:
        out, cin, k, stride, pad, n, h, wd = ints(8)
        w = floats(out * cin * k * k).reshape(out, cin * k * k)
        act = torch.from_numpy(floats(n * cin * h * wd).reshape(n, cin, h, wd).copy())
        cols = F.unfold(act, kernel_size=k, padding=pad, stride=stride)  # [n, cin*k*k, L]
        x = cols.permute(0, 2, 1).reshape(-1, cin * k * k).numpy()
    assert pos == len(data), path
    return w, x


def qrange(bits, scheme):
    if scheme == 0:
        return 0, 2 ** bits - 1
    m = 2 ** (bits - 1) - 1
    return -m, m


def choose(w32, bits, scheme):
    """Per-row scale (float32) and zero-point of a float32 [rows, cols] block, the toolkit's min-max formulas."""
    qmin, qmax = qrange(bits, scheme)
    w32 = w32.astype(np.float32)
    if scheme == 0:
        lo = np.minimum(w32.min(axis=1), np.float32(0))
        hi = np.maximum(w32.max(axis=1), np.float32(0))
        s = ((hi - lo) / np.float32(qmax)).astype(np.float32)
        zero = s == 0
        s = np.maximum(s, FLT_MIN).astype(np.float32)
        zp = np.clip(np.rint((-lo / s).astype(np.float32)), 0, qmax).astype(np.int64)
        s[zero] = 1
        zp[zero] = 0
    else:
        hi = np.abs(w32).max(axis=1)
        s = (hi / np.float32(qmax)).astype(np.float32)
        zero = s == 0
        s = np.maximum(s, FLT_MIN).astype(np.float32)
        s[zero] = 1
        zp = np.zeros(len(s), dtype=np.int64)
    return torch.from_numpy(s), torch.from_numpy(zp)


def quantize(w64, scale, zp, bits, scheme):
    """Codes and dequantized values (float32 arithmetic, half-to-even) of a float64 column."""
    qmin, qmax = qrange(bits, scheme)
    w32 = w64.to(torch.float32)
    inv = (1.0 / scale).to(torch.float32)
    q = torch.round(w32 * inv) + zp.to(torch.float32)
    q = torch.clamp(q, qmin, qmax)
    deq = (q - zp.to(torch.float32)) * scale
    return q.to(torch.int64), deq.to(torch.float64)


def gptq(w32, h, bits, scheme, act_order, group, static):
    out, cols = w32.shape
    W = torch.from_numpy(w32.astype(np.float64))
    H = h.clone()
    if group == 0:
        scale, zp = choose(w32, bits, scheme)
    dead = torch.diag(H) == 0
    H[dead, dead] = 1
    W[:, dead] = 0
    if group and static:
        groups = [choose(W[:, i:i + group].numpy().astype(np.float32), bits, scheme) for i in range(0, cols, group)]
    perm = torch.arange(cols)
    if act_order:
        perm = torch.sort(torch.diag(H), descending=True, stable=True).indices
        W = W[:, perm]
        H = H[perm][:, perm]
    H[range(cols), range(cols)] += DAMP * torch.mean(torch.diag(H))
    L = torch.linalg.cholesky(H)
    U = torch.linalg.cholesky(torch.cholesky_inverse(L), upper=True)
    codes = torch.zeros(out, cols, dtype=torch.int64)
    deq = torch.zeros(out, cols, dtype=torch.float64)
    for i1 in range(0, cols, BLOCK):
        i2 = min(i1 + BLOCK, cols)
        W1 = W[:, i1:i2].clone()
        E1 = torch.zeros_like(W1)
        U1 = U[i1:i2, i1:i2]
        for i in range(i2 - i1):
            col = i1 + i
            if group:
                if static:
                    scale, zp = groups[int(perm[col]) // group]
                elif col % group == 0:
                    scale, zp = choose(W[:, col:col + group].numpy().astype(np.float32), bits, scheme)
            w = W1[:, i]
            q, dq = quantize(w, scale, zp, bits, scheme)
            codes[:, col] = q
            deq[:, col] = dq
            err = (w - dq) / U1[i, i]
            W1[:, i:] -= err.unsqueeze(1) * U1[i, i:].unsqueeze(0)
            E1[:, i] = err
        W[:, i2:] -= E1 @ U[i1:i2, i2:]
    inv = torch.argsort(perm)
    return codes[:, inv], deq[:, inv]


def nearest(w32, bits, scheme, group):
    out, cols = w32.shape
    deq = np.zeros((out, cols))
    g = group if group else cols
    for c0 in range(0, cols, g):
        part = w32[:, c0:c0 + g]
        s, zp = choose(part, bits, scheme)
        for j in range(part.shape[1]):
            _, dq = quantize(torch.from_numpy(part[:, j].astype(np.float64)), s, zp, bits, scheme)
            deq[:, c0 + j] = dq.numpy()
    return torch.from_numpy(deq)


def layer_loss(x64, w32, deq):
    d = deq - torch.from_numpy(w32.astype(np.float64))
    return float(((x64 @ d.T) ** 2).sum())


def main():
    torch.set_num_threads(1)
    for case in CASES:
        w32, x = read_inputs(os.path.join(DIR, case + "-inputs.bin.gz"))
        x64 = torch.from_numpy(x.astype(np.float64))
        h = 2 * x64.T @ x64
        out, cols = w32.shape
        buf = bytearray(b"MQGPTQG1")
        buf += struct.pack(">3i", out, cols, len(CONFIGS))
        for bits, scheme, act, group, static in CONFIGS:
            codes, deq = gptq(w32, h, bits, scheme, act, group, static)
            loss = layer_loss(x64, w32, deq)
            near = layer_loss(x64, w32, nearest(w32, bits, scheme, group))
            buf += struct.pack(">BBBiBid", bits, scheme, int(act), group, int(static), BLOCK, DAMP)
            buf += codes.to(torch.int8).numpy().astype(np.int8).tobytes()
            buf += struct.pack(">dd", loss, near)
            print("%s: %d rows x %d cols, int%d %s%s%s: loss gptq %.6g, nearest %.6g (%.1f%%)" % (
                case, x.shape[0], cols, bits, "sym" if scheme else "asym", " act-order" if act else "",
                (" g%d%s" % (group, " static" if static else "")) if group else "", loss, near,
                100 * (loss / near - 1)))
        with open(os.path.join(DIR, case + "-golden.bin.gz"), "wb") as f:
            with gzip.GzipFile(fileobj=f, mode="wb", mtime=0) as z:
                z.write(bytes(buf))


if __name__ == "__main__":
    sys.exit(main())
