"""`bench.engine.kv_layout`: a slot saved row by row (flash attention) rewritten with V
transposed."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from bench.engine.kv_layout import LayoutError, to_transposed_v


def slot_file(tokens: int, cells: int, layers: int, k_dim: int, v_dim: int,
              rng: np.random.Generator) -> tuple[bytes, list[np.ndarray], list[np.ndarray]]:
    """A slot file as llama.cpp writes one with flash attention: a header of zeros and
    tokens, cell records, then `v_trans` = 0 and K and V (float16) row by row."""
    head = struct.pack("<4I", 0x67677371, 4, tokens, 0) + bytes(4 * tokens)
    head += struct.pack("<II", 1, cells) + b"".join(
        struct.pack("<iII", pos, 1, 0) for pos in range(cells))
    ks = [rng.standard_normal((cells, k_dim)).astype(np.float16) for _ in range(layers)]
    vs = [rng.standard_normal((cells, v_dim)).astype(np.float16) for _ in range(layers)]
    body = struct.pack("<IIQ", 0, layers, 0)
    body += b"".join(struct.pack("<iQ", 1, 2 * k_dim) + k.tobytes() for k in ks)
    body += b"".join(struct.pack("<iQ", 1, 2 * v_dim) + v.tobytes() for v in vs)
    return head + body, ks, vs


@pytest.mark.parametrize(("tokens", "cells"), [(7, 7), (7, 8)])  # with the sampled token too
def test_v_is_transposed_and_everything_else_kept(tmp_path: Path, tokens: int,
                                                  cells: int) -> None:
    data, ks, vs = slot_file(tokens, cells, layers=3, k_dim=8, v_dim=6,
                             rng=np.random.default_rng(0))
    (tmp_path / "a").write_bytes(data)
    to_transposed_v(tmp_path / "a", tmp_path / "b", tokens)
    out = (tmp_path / "b").read_bytes()
    assert len(out) == len(data) and not (tmp_path / "b.part").exists()
    start = data.index(struct.pack("<IIQ", 0, 3, 0) + struct.pack("<iQ", 1, 16))
    assert out[:start] == data[:start]
    assert struct.unpack_from("<IIQ", out, start) == (1, 3, 0)  # now transposed
    at = start + 16
    for k in ks:
        assert struct.unpack_from("<iQ", out, at) == (1, 16)
        assert out[at + 12:at + 12 + k.nbytes] == k.tobytes()
        at += 12 + k.nbytes
    for v in vs:
        assert struct.unpack_from("<iII", out, at) == (1, 2, 6)  # f16, 2 bytes, 6 dimensions
        got = np.frombuffer(out, dtype=np.float16, count=v.size, offset=at + 12)
        np.testing.assert_array_equal(got.reshape(6, cells), v.T)
        at += 12 + v.nbytes
    assert at == len(out)


@pytest.mark.parametrize("damage", ["cut", "transposed", "wrong tokens"])
def test_a_file_it_cannot_account_for_is_refused(tmp_path: Path, damage: str) -> None:
    data, _, _ = slot_file(5, 5, layers=2, k_dim=4, v_dim=4, rng=np.random.default_rng(1))
    tokens = 5
    if damage == "cut":
        data = data[:-3]
    elif damage == "transposed":
        flag = data.index(struct.pack("<IIQ", 0, 2, 0) + struct.pack("<iQ", 1, 8))
        data = data[:flag] + struct.pack("<I", 1) + data[flag + 4:]
    else:
        tokens = 9
    (tmp_path / "a").write_bytes(data)
    with pytest.raises(LayoutError):
        to_transposed_v(tmp_path / "a", tmp_path / "b", tokens)
    assert not (tmp_path / "b").exists()
