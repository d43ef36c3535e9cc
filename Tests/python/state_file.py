"""Reader and writer for stackelberg's StateDictionary files (Sources/Autodiff/StateDictionary.swift):
magic "STKSTATE", version, entries (kind, name, payload), FNV-1a 64 checksum, all little-endian. Tensors
read as float32 arrays, reals as float64 arrays, integers as int64 arrays, bytes as bytes."""
from __future__ import annotations

import struct

import numpy as np

MAGIC = b"STKSTATE"


def _fnv1a(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def encode(entries: dict) -> bytes:
    out = bytearray(MAGIC)
    out += struct.pack("<II", 1, len(entries))
    for name, value in entries.items():
        nb = name.encode()
        if isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.dtype.itemsize == 8:
            out += b"\x04" + struct.pack("<I", len(nb)) + nb + struct.pack("<Q", value.size) + np.ascontiguousarray(value, dtype="<f8").tobytes()
        elif isinstance(value, np.ndarray) and value.dtype.kind == "i":
            out += b"\x05" + struct.pack("<I", len(nb)) + nb + struct.pack("<Q", value.size) + np.ascontiguousarray(value, dtype="<i8").tobytes()
        elif isinstance(value, (bytes, bytearray)):
            out += b"\x06" + struct.pack("<I", len(nb)) + nb + struct.pack("<Q", len(value)) + bytes(value)
        elif isinstance(value, np.ndarray):
            v = np.ascontiguousarray(value, dtype="<f4")
            out += b"\x00" + struct.pack("<I", len(nb)) + nb + struct.pack("<I", v.ndim)
            out += b"".join(struct.pack("<Q", d) for d in v.shape) + struct.pack("<Q", v.size) + v.tobytes()
        elif isinstance(value, str):
            sb = value.encode()
            out += b"\x03" + struct.pack("<I", len(nb)) + nb + struct.pack("<I", len(sb)) + sb
        elif isinstance(value, float):
            out += b"\x02" + struct.pack("<I", len(nb)) + nb + struct.pack("<d", value)
        else:
            out += b"\x01" + struct.pack("<I", len(nb)) + nb + struct.pack("<q", int(value))
    out += struct.pack("<Q", _fnv1a(bytes(out)))
    return bytes(out)


def decode(data: bytes) -> dict:
    assert data[:8] == MAGIC, "not a stackelberg state file"
    assert struct.unpack("<Q", data[-8:])[0] == _fnv1a(data[:-8]), "checksum mismatch"
    pos = 8
    version, count = struct.unpack_from("<II", data, pos)
    pos += 8
    entries = {}
    for _ in range(count):
        kind = data[pos]
        (n,) = struct.unpack_from("<I", data, pos + 1)
        name = data[pos + 5: pos + 5 + n].decode()
        pos += 5 + n
        if kind == 0:
            (rank,) = struct.unpack_from("<I", data, pos)
            shape = struct.unpack_from("<" + "Q" * rank, data, pos + 4)
            pos += 4 + 8 * rank
            (size,) = struct.unpack_from("<Q", data, pos)
            pos += 8
            entries[name] = np.frombuffer(data, dtype="<f4", count=size, offset=pos).reshape(shape)
            pos += 4 * size
        elif kind == 1:
            entries[name] = struct.unpack_from("<q", data, pos)[0]; pos += 8
        elif kind == 2:
            entries[name] = struct.unpack_from("<d", data, pos)[0]; pos += 8
        elif kind in (4, 5, 6):
            # reals (float64), integers (int64) and bytes: a count, then the values.
            (size,) = struct.unpack_from("<Q", data, pos)
            pos += 8
            if kind == 6:
                entries[name] = bytes(data[pos: pos + size]); pos += size
            else:
                entries[name] = np.frombuffer(data, dtype="<f8" if kind == 4 else "<i8", count=size, offset=pos).copy(); pos += 8 * size
        else:
            (m,) = struct.unpack_from("<I", data, pos)
            entries[name] = data[pos + 4: pos + 4 + m].decode(); pos += 4 + m
    return entries
