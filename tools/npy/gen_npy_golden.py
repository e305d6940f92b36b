#!/usr/bin/env python3
"""Writes the NumPy golden files that NamedArraysTest reads (src/test/resources/golden/npy/).

Run with Debian's numpy: /usr/bin/python3 tools/npy/gen_npy_golden.py
Every value is a small closed form, so the Java test recomputes it and compares exactly:
  value(i) = (i * 7 % 23 - 11) / 4   for float arrays (exact in binary floating point)
  value(i) =  i * 7 % 23 - 11         for integer arrays
"""
import os
import zipfile

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "test", "resources", "golden", "npy")


def values(n, dtype):
    i = np.arange(n, dtype=np.int64)
    v = i * 7 % 23 - 11
    if np.dtype(dtype).kind == "f":
        return (v / 4).astype(dtype)
    return v.astype(dtype)


def arr(shape, dtype):
    n = int(np.prod(shape)) if len(shape) else 1
    return values(n, dtype).reshape(shape)


def main():
    os.makedirs(OUT, exist_ok=True)
    x = arr((2, 3, 4), np.float32)
    ids = arr((2, 5), np.int64)
    mask = arr((2, 5), np.int32)
    # deflated and stored npz with the same three arrays
    np.savez_compressed(os.path.join(OUT, "three-deflated.npz"), x=x, ids=ids, mask=mask)
    np.savez(os.path.join(OUT, "three-stored.npz"), x=x, ids=ids, mask=mask)
    # a folder of .npy files, one per input, including big-endian float64 and a scalar
    d = os.path.join(OUT, "folder")
    os.makedirs(d, exist_ok=True)
    np.save(os.path.join(d, "x.npy"), x)
    np.save(os.path.join(d, "be.npy"), arr((3,), ">f8"))
    np.save(os.path.join(d, "scalar.npy"), np.array(2.5, dtype=np.float32))
    # refused: Fortran order, float16
    np.save(os.path.join(OUT, "fortran.npy"), np.asfortranarray(arr((2, 3), np.float32)))
    np.save(os.path.join(OUT, "half.npy"), arr((4,), np.float16))
    # corrupt: an npz cut in half
    with open(os.path.join(OUT, "three-deflated.npz"), "rb") as f:
        data = f.read()
    with open(os.path.join(OUT, "truncated.npz"), "wb") as f:
        f.write(data[: len(data) // 2])
    # check what the zip methods are
    with zipfile.ZipFile(os.path.join(OUT, "three-deflated.npz")) as z:
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in z.infolist())
    with zipfile.ZipFile(os.path.join(OUT, "three-stored.npz")) as z:
        assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())


if __name__ == "__main__":
    main()
