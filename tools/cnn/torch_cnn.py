#!/usr/bin/python3
"""Independent PyTorch oracle for the Fashion-MNIST CNNs of org.mixquant.model.cnn.

Re-implements ResNet-20 and the small MobileNetV2 with torch.nn modules (written from the architecture
description, not generated from the Java code), loads weights exported from Java in the MQW1 format, reads the
first N Fashion-MNIST test images from the gzip IDX files itself, and writes the logits.

Weight files are MQW1 (.mqw) or, for a quantized network exported by `mixquant export CNN -o model-q.npz`, a NumPy
.npz of integer codes (read by read_npz: NAME.codes uint8/int8 in the weight's shape, NAME.scale float32 and
NAME.zero_point int32 of shape () per tensor, (out,) per output channel or (groups, out) per group of G consecutive
weights of the flattened in*kh*kw, NAME.group_size (G or 0), and the FP32 folded biases), dequantized here as
(q - zp) * scale in float32. Weights come in two forms, detected from their tensor names:
  * BatchNorm form (as trained): conv weights + BatchNorm weight/bias/running_mean/running_var; run in eval mode.
  * folded form: every conv has a bias and there are no BatchNorms (Identity instead).

MQW1 format (little-endian): b"MQW1", int32 count, then per tensor: int32 name length, UTF-8 name, int32 rank,
rank x int32 dims, float32 values (row-major).

Usage (from the repository root; run by Debian's /usr/bin/python3 with python3-torch 1.13):
  /usr/bin/python3 tools/cnn/torch_cnn.py --arch resnet20 --weights datasets/resnet20-fashion.mqw \
      --images 256 --out /tmp/logits.f32
Writes N x 10 float32 little-endian logits to --out and one JSON line (arch, form, images, top-1) to stdout.

ONNX export (the generic image-classifier path of `mixquant evaluate/compare MODEL.onnx`):
  /usr/bin/python3 tools/cnn/torch_cnn.py --arch resnet20 --weights datasets/resnet20-fashion.mqw \
      --export-onnx target/onnx/resnet20-fashion.onnx
writes the network as ONNX (torch.onnx.export, opset 13, input "images" [batch, 1, 28, 28] float32 normalised as
FashionMnist.normalize, output "logits" [batch, 10], batch dimension dynamic). In eval mode the exporter folds each
BatchNorm into the convolution before it, so the file holds BN-folded conv weights with biases, as CnnModel
quantizes them (folded by PyTorch in float32, so they may differ from Java's folding by float rounding). Prints one
JSON line (arch, form, onnx path, opset).
"""
import argparse
import gzip
import json
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MEAN = np.float32(0.2860)
STD = np.float32(0.3530)
BN_EPS = 1e-5


def read_mqw(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"MQW1":
        raise SystemExit(f"{path}: not an MQW1 weight file")
    (count,) = struct.unpack_from("<i", data, 4)
    pos = 8
    out = {}
    for _ in range(count):
        (n,) = struct.unpack_from("<i", data, pos)
        pos += 4
        name = data[pos:pos + n].decode("utf-8")
        pos += n
        (rank,) = struct.unpack_from("<i", data, pos)
        pos += 4
        shape = struct.unpack_from("<" + "i" * rank, data, pos)
        pos += 4 * rank
        size = int(np.prod(shape))
        arr = np.frombuffer(data, dtype="<f4", count=size, offset=pos).reshape(shape)
        pos += 4 * size
        out[name] = torch.from_numpy(arr.copy())
    if pos != len(data):
        raise SystemExit(f"{path}: {len(data) - pos} trailing bytes")
    return out


def dequantize(q, scale, zp, group):
    """(q - zp) * scale in float32, per tensor (scalar scale), per output channel (axis 0) or per group."""
    q = q.astype(np.float32)
    scale = scale.astype(np.float32)
    zp = zp.astype(np.float32)
    if scale.ndim == 0:
        return (q - zp) * scale
    out = q.shape[0]
    flat = q.reshape(out, -1)
    if group == 0:
        return ((flat - zp[:, None]) * scale[:, None]).reshape(q.shape)
    idx = np.arange(flat.shape[1]) // group  # the group of each input-dimension index
    return ((flat - zp.T[:, idx]) * scale.T[:, idx]).reshape(q.shape)


def read_npz(path):
    z = np.load(path)
    out = {}
    suffixes = (".codes", ".scale", ".zero_point", ".group_size")
    for name in z.files:
        if name.endswith(".codes"):
            base = name[:-len(".codes")]
            w = dequantize(z[name], z[base + ".scale"], z[base + ".zero_point"], int(z[base + ".group_size"]))
            out[base] = torch.from_numpy(np.ascontiguousarray(w, dtype=np.float32))
        elif not name.endswith(suffixes):
            out[name] = torch.from_numpy(np.ascontiguousarray(z[name], dtype=np.float32))
    return out


def read_idx_images(path, n):
    with gzip.open(path, "rb") as f:
        magic, count, rows, cols = struct.unpack(">iiii", f.read(16))
        assert magic == 0x803 and rows == 28 and cols == 28, (magic, rows, cols)
        n = min(n, count)
        px = np.frombuffer(f.read(n * 784), dtype=np.uint8).reshape(n, 1, 28, 28)
    x = px.astype(np.float32) / np.float32(255)
    x = (x - MEAN) / STD  # float32 throughout, same operation order as FashionMnist.normalize
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))


def read_idx_labels(path, n):
    with gzip.open(path, "rb") as f:
        magic, count = struct.unpack(">ii", f.read(8))
        assert magic == 0x801, magic
        return np.frombuffer(f.read(min(n, count)), dtype=np.uint8).astype(np.int64)


def conv(cin, cout, k, stride, groups=1, folded=False):
    return nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, groups=groups, bias=folded)


def bn(c, folded):
    return nn.Identity() if folded else nn.BatchNorm2d(c, eps=BN_EPS)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride, folded):
        super().__init__()
        self.conv1 = conv(cin, cout, 3, stride, folded=folded)
        self.bn1 = bn(cout, folded)
        self.conv2 = conv(cout, cout, 3, 1, folded=folded)
        self.bn2 = bn(cout, folded)
        self.has_shortcut = stride != 1 or cin != cout
        if self.has_shortcut:
            self.shortcut = conv(cin, cout, 1, stride, folded=folded)
            self.shortcut_bn = bn(cout, folded)

    def forward(self, x):
        o = F.relu(self.bn1(self.conv1(x)))
        o = self.bn2(self.conv2(o))
        s = self.shortcut_bn(self.shortcut(x)) if self.has_shortcut else x
        return F.relu(o + s)


class Stem(nn.Module):
    def __init__(self, cout, stride, folded):
        super().__init__()
        self.conv = conv(1, cout, 3, stride, folded=folded)
        self.bn = bn(cout, folded)


class ResNet20(nn.Module):
    """CIFAR ResNet-20 (He et al. 2016): 16/32/64 channels, 3 basic blocks per stage, projection shortcuts."""

    def __init__(self, folded):
        super().__init__()
        self.stem = Stem(16, 1, folded)
        cin = 16
        for s, width in enumerate([16, 32, 64]):
            stage = nn.Module()
            for b in range(3):
                stride = 2 if s > 0 and b == 0 else 1
                setattr(stage, f"block{b}", BasicBlock(cin, width, stride, folded))
                cin = width
            setattr(self, f"stage{s + 1}", stage)
        self.head = nn.Module()
        self.head.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = F.relu(self.stem.bn(self.stem.conv(x)))
        for s in range(1, 4):
            stage = getattr(self, f"stage{s}")
            for b in range(3):
                x = getattr(stage, f"block{b}")(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.head.fc(x)


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, t, folded):
        super().__init__()
        hidden = cin * t
        self.has_expand = t != 1
        if self.has_expand:
            self.expand = conv(cin, hidden, 1, 1, folded=folded)
            self.expand_bn = bn(hidden, folded)
        self.dw = conv(hidden, hidden, 3, stride, groups=hidden, folded=folded)
        self.dw_bn = bn(hidden, folded)
        self.project = conv(hidden, cout, 1, 1, folded=folded)
        self.project_bn = bn(cout, folded)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        h = F.relu6(self.expand_bn(self.expand(x))) if self.has_expand else x
        h = F.relu6(self.dw_bn(self.dw(h)))
        h = self.project_bn(self.project(h))
        return h + x if self.residual else h


class MobileNetV2(nn.Module):
    """Small MobileNetV2 (Sandler et al. 2018) for 28x28: stem 16 ch stride 2, (t, c, n, s) settings, head 256."""

    SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 1), (6, 32, 3, 2), (6, 64, 2, 1)]
    HEAD = 256

    def __init__(self, folded):
        super().__init__()
        self.stem = Stem(16, 2, folded)
        cin = 16
        i = 0
        for t, c, n, s in self.SETTINGS:
            for r in range(n):
                setattr(self, f"block{i}", InvertedResidual(cin, c, s if r == 0 else 1, t, folded))
                cin = c
                i += 1
        self.blocks = i
        self.head = nn.Module()
        self.head.conv = conv(cin, self.HEAD, 1, 1, folded=folded)
        self.head.bn = bn(self.HEAD, folded)
        self.head.fc = nn.Linear(self.HEAD, 10)

    def forward(self, x):
        x = F.relu6(self.stem.bn(self.stem.conv(x)))
        for i in range(self.blocks):
            x = getattr(self, f"block{i}")(x)
        x = F.relu6(self.head.bn(self.head.conv(x)))
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.head.fc(x)


def build(arch, weights):
    folded = "stem.conv.bias" in weights
    net = {"resnet20": ResNet20, "mobilenetv2": MobileNetV2}[arch](folded)
    state = net.state_dict()
    # BatchNorm's num_batches_tracked is not stored (unused in eval mode)
    for k, v in state.items():
        if k.endswith("num_batches_tracked") and k not in weights:
            weights[k] = v
    net.load_state_dict(weights, strict=True)
    net.eval()
    return net, folded


def export_onnx(net, arch, folded, path, opset):
    """Writes `net` (eval mode) as ONNX to `path` (written beside it, then renamed into place)."""
    import os
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = path + ".tmp"
    x = torch.zeros(2, 1, 28, 28)
    with torch.no_grad():
        torch.onnx.export(net, x, tmp, input_names=["images"], output_names=["logits"],
                          dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}}, opset_version=opset,
                          do_constant_folding=True, training=torch.onnx.TrainingMode.EVAL)
    os.replace(tmp, path)
    print(json.dumps({"arch": arch, "form": "folded" if folded else "batchnorm", "onnx": path, "opset": opset,
                      "torch": torch.__version__}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arch", required=True, choices=["resnet20", "mobilenetv2"])
    ap.add_argument("--weights", required=True)
    ap.add_argument("--images", type=int, default=256)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--out")
    ap.add_argument("--export-onnx", metavar="FILE", help="write the network as ONNX instead of scoring it")
    ap.add_argument("--opset", type=int, default=13)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    if (args.out is None) == (args.export_onnx is None):
        ap.error("give exactly one of --out and --export-onnx")
    torch.set_num_threads(args.threads)
    weights = read_npz(args.weights) if args.weights.endswith(".npz") else read_mqw(args.weights)
    net, folded = build(args.arch, weights)
    if args.export_onnx:
        return export_onnx(net, args.arch, folded, args.export_onnx, args.opset)
    x = read_idx_images(f"{args.data}/t10k-images-idx3-ubyte.gz", args.images)
    y = read_idx_labels(f"{args.data}/t10k-labels-idx1-ubyte.gz", args.images)
    with torch.no_grad():
        logits = net(x).numpy().astype("<f4")
    with open(args.out, "wb") as f:
        f.write(logits.tobytes())
    top1 = float((logits.argmax(1) == y).mean())
    print(json.dumps({"arch": args.arch, "form": "folded" if folded else "batchnorm", "images": len(y),
                      "top1": top1, "torch": torch.__version__}))


if __name__ == "__main__":
    sys.exit(main())
