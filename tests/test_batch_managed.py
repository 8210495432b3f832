"""`bench run --batch` against a Files + Batches API on 127.0.0.1, killed with kill -9 once
its batch exists and started again: every question answered, failures resubmitted once,
nothing submitted twice."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.batchapi import BatchAPI
from tests.fakeserver import gold_answers

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def api() -> Iterator[BatchAPI]:
    server = BatchAPI(gold_answers(ROOT / "questions.jsonl"), fail_first=3, polls=3)
    yield server
    server.stop()


def args(api: BatchAPI) -> list[str]:
    return [sys.executable, "-m", "bench", "run", "--backend", "openai", "--batch",
            "--base-url", api.base_url, "--model", "gpt-test", "--limit", "12",
            "--run-id", "managed", "-o", "batch_poll_s=0.2", "--no-progress"]


def test_kill_9_after_the_batch_exists_then_the_same_command(workdir: Path,
                                                             api: BatchAPI) -> None:
    journal = workdir / "results" / "managed.journal.jsonl"
    proc = subprocess.Popen(args(api), cwd=workdir, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (journal.exists() and '"type": "batch"' in journal.read_text()):
        assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert api.created == ["batch_0"]
    done = subprocess.run(args(api), cwd=workdir, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    # the first batch was picked up, not resubmitted; one retry batch for the 3 failures
    assert api.created == ["batch_0", "batch_1"]
    assert len(api.submitted[0]) == 12 and len(api.submitted[1]) == 3
    assert set(api.submitted[1]) < set(api.submitted[0])
    result = json.loads((workdir / "results" / "managed.json").read_text())
    assert result["metrics"]["complete"] and result["metrics"]["correct"] == 12


def test_ctrl_c_says_the_batch_keeps_running(workdir: Path, api: BatchAPI) -> None:
    api.polls = 1000  # never finishes while we watch
    journal = workdir / "results" / "managed.journal.jsonl"
    proc = subprocess.Popen(args(api), cwd=workdir, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (journal.exists() and '"type": "batch"' in journal.read_text()):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "batch_0" in err and "bench batch cancel --run-id managed" in err
    cancel = subprocess.run([sys.executable, "-m", "bench", "batch", "cancel", "--run-id",
                             "managed"], cwd=workdir, capture_output=True, text=True,
                            timeout=60, check=False)
    assert cancel.returncode == 0 and "cancelled 1 batch(es): batch_0" in cancel.stdout
    assert api.batches["batch_0"]["status"] == "cancelled"
