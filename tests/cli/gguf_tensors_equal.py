#!/usr/bin/env python3
"""Compares the tensors (names, types, shapes, data) of two GGUF files; metadata may
differ. Prints the first difference and exits 1, or prints a summary and exits 0.
Usage: gguf_tensors_equal.py A.gguf B.gguf"""
import struct
import sys

SCALAR = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


def read(path):
    b = open(path, "rb").read()
    _, _, n_tensors, n_kv = struct.unpack_from("<IIQQ", b, 0)
    p = 24
    alignment = 32

    def skip(p, t):
        if t in SCALAR:
            return p + SCALAR[t]
        if t == 8:
            (n,) = struct.unpack_from("<Q", b, p)
            return p + 8 + n
        et, n = struct.unpack_from("<IQ", b, p)
        p += 12
        for _ in range(n):
            p = skip(p, et)
        return p

    for _ in range(n_kv):
        (n,) = struct.unpack_from("<Q", b, p)
        key = b[p + 8 : p + 8 + n]
        p += 8 + n
        (t,) = struct.unpack_from("<I", b, p)
        p += 4
        if key == b"general.alignment":
            (alignment,) = struct.unpack_from("<I", b, p)
        p = skip(p, t)
    infos = []
    for _ in range(n_tensors):
        (n,) = struct.unpack_from("<Q", b, p)
        name = b[p + 8 : p + 8 + n].decode()
        p += 8 + n
        (nd,) = struct.unpack_from("<I", b, p)
        p += 4
        dims = struct.unpack_from("<" + "Q" * nd, b, p)
        p += 8 * nd
        t, off = struct.unpack_from("<IQ", b, p)
        p += 12
        infos.append((name, t, dims, off))
    data = (p + alignment - 1) // alignment * alignment
    out = {}
    for k, (name, t, dims, off) in enumerate(infos):
        end = infos[k + 1][3] if k + 1 < len(infos) else len(b) - data
        out[name] = (t, dims, b[data + off : data + end].rstrip(b"\0"))
    return out


a, b = read(sys.argv[1]), read(sys.argv[2])
if sorted(a) != sorted(b):
    print("tensor names differ:", sorted(set(a) ^ set(b)))
    sys.exit(1)
for name in a:
    if a[name][:2] != b[name][:2]:
        print(f"{name}: type/shape {a[name][:2]} vs {b[name][:2]}")
        sys.exit(1)
    if a[name][2] != b[name][2]:
        print(f"{name}: data differs")
        sys.exit(1)
print(f"{len(a)} tensors identical")
