"""A saved KV cache, moved from an engine with flash attention to one without.

On these CPUs llama.cpp reads long prompts about half again as fast with flash attention, and
generates with an article in the context markedly slower with it (`benchmarks/engine_speed.py`).
So the `local` backend reads article prefixes in one engine with it, saves the slot, and
answers in a second engine without it, from that slot. The two keep V differently: with flash
attention row by row (one row of V values per token), without it transposed (one row per V
dimension, over the tokens), and llama.cpp refuses to restore one into the other. `to_transposed_v`
rewrites the file: the same values, V transposed.

The slot file (llama.cpp's `llama_state_seq_save_file`) is: a header with the prompt's tokens,
one record per cell, then the `v_trans` flag (u32), the layer count (u32), 8 bytes (zeros
here), for each layer its K (type i32, row size u64, one row per cell), then for each layer its
V: row by row (type i32, row size u64, rows), or transposed (type i32, element size u32, V
dimensions u32, one run of cells per dimension). Only this tail is read; it is found by
checking that it accounts for every byte up to the end of the file, and a file it does not
account for is refused (the caller then reads the prefix in the answering engine instead)."""

from __future__ import annotations

import itertools
import struct
from pathlib import Path

import numpy as np

_ELEMENT = {0: 4, 1: 2, 30: 2}  # V types stored transposed: f32, f16, bf16 (bytes each)
_MAX_LAYERS = 1024
_GAPS = (8, 0, 4, 12, 16)


class LayoutError(Exception):
    """The file is not a row-by-row slot file this module understands."""


def to_transposed_v(src: Path, dst: Path, tokens: int) -> None:
    """Write `dst`: the slot file `src` (saved with flash attention after reading a prompt of
    `tokens` tokens) with V transposed."""
    data = src.read_bytes()
    p, gap, layers, cells, k_rows, v_rows = _tail(data, tokens)
    out = bytearray(data[:p])
    out += struct.pack("<II", 1, layers)
    out += data[p + 8:p + 8 + gap]
    at = p + 8 + gap
    for row in k_rows:  # K is kept the same way by both
        end = at + 12 + cells * row
        out += data[at:end]
        at = end
    for row in v_rows:
        (vtype,) = struct.unpack_from("<i", data, at)
        size = _ELEMENT[vtype]
        values = np.frombuffer(data, dtype=np.uint8, count=cells * row, offset=at + 12)
        out += struct.pack("<iII", vtype, size, row // size)
        out += values.view(f"V{size}").reshape(cells, row // size).T.tobytes()
        at += 12 + cells * row
    tmp = dst.with_name(dst.name + ".part")
    tmp.write_bytes(out)
    tmp.replace(dst)


def _tail(data: bytes, tokens: int) -> tuple[int, int, int, int, list[int], list[int]]:
    """Where the KV data starts (at the `v_trans` flag), the bytes between the layer count and
    the first K (copied as they are: this build writes 8 there), the layers, the cells (one a
    token: the prompt's, perhaps with the token generated after it), and the K and V row sizes
    of each layer, for a file saved row by row."""
    p = data.find(b"\0\0\0\0")
    while p != -1 and p + 20 <= len(data):
        layers = struct.unpack_from("<I", data, p + 4)[0]
        if 0 < layers <= _MAX_LAYERS:
            for gap, cells in itertools.product(_GAPS, (tokens, tokens + 1, tokens - 1)):
                parsed = _layers(data, p + 8 + gap, layers, cells) if cells > 0 else None
                if parsed is not None:
                    return p, gap, layers, cells, *parsed
        p = data.find(b"\0\0\0\0", p + 1)
    raise LayoutError("no row-by-row KV data found in the slot file")


def _layers(data: bytes, at: int, layers: int, cells: int) -> tuple[list[int], list[int]] | None:
    rows: list[int] = []
    for _ in range(2 * layers):
        if at + 12 > len(data):
            return None
        vtype, row = struct.unpack_from("<iQ", data, at)
        if vtype not in _ELEMENT or not 0 < row < 1 << 24 or row % _ELEMENT[vtype]:
            return None
        rows.append(row)
        at += 12 + cells * row
    if at != len(data):
        return None
    return rows[:layers], rows[layers:]
