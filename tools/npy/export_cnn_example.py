#!/usr/bin/env python3
"""Exports a Fashion-MNIST CNN of this project to ONNX and writes test images as an .npz, for the README's
"Any ONNX model on your inputs" example.

  /usr/bin/python3 tools/npy/export_cnn_example.py --arch resnet20 --images 512 --out /tmp/anyonnx

writes OUT/<arch>.onnx (torch.onnx.export, opset 13, dynamic batch, eval mode) and OUT/fashion-test-<N>.npz with
one float32 array "x" [N, 1, 28, 28]: the first N test images, normalised as the Java path does
(tools/cnn/torch_cnn.py's read_idx_images).
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cnn"))
import torch_cnn  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arch", default="resnet20", choices=["resnet20", "mobilenetv2"])
    ap.add_argument("--images", type=int, default=512)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    root = os.path.join(os.path.dirname(__file__), "..", "..")
    weights = torch_cnn.read_mqw(os.path.join(root, "datasets", f"{args.arch}-fashion.mqw"))
    net, _ = torch_cnn.build(args.arch, weights)
    x = torch_cnn.read_idx_images(f"{args.data}/t10k-images-idx3-ubyte.gz", args.images)
    onnx_path = os.path.join(args.out, f"{args.arch}.onnx")
    torch.onnx.export(net, x[:1], onnx_path, input_names=["x"], output_names=["logits"], opset_version=13,
                      dynamic_axes={"x": {0: "n"}, "logits": {0: "n"}})
    np.savez(os.path.join(args.out, f"fashion-test-{args.images}.npz"), x=x.numpy().astype("<f4"))
    print(onnx_path)


if __name__ == "__main__":
    main()
