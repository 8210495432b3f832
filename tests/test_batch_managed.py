"""`bench run --batch` against a Files + Batches API on 127.0.0.1 (`tests/batchserver.py`),
killed with kill -9 once its batch exists and started again: every question answered,
failures resubmitted once, nothing submitted twice; expired batches, Ctrl-C and cancel."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.batchserver import BatchServer
from tests.fakeserver import gold_answers

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def api() -> Iterator[BatchServer]:
    server = BatchServer(gold_answers(ROOT / "questions.jsonl"), fail_first_n=3,
                         polls_per_step=3).start()
    yield server
    server.stop()


def args(api: BatchServer, *extra: str) -> list[str]:
    return [sys.executable, "-m", "bench", "run", "--backend", "openai", "--batch",
            "--base-url", api.base_url, "--model", "gpt-test", "--limit", "12",
            "--run-id", "managed", "-o", "batch_poll_s=0.1", "--no-progress", *extra]


def start_until_batch_exists(workdir: Path, api: BatchServer) -> subprocess.Popen[str]:
    journal = workdir / "results" / "managed.journal.jsonl"
    proc = subprocess.Popen(args(api), cwd=workdir, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (journal.exists() and '"type": "batch"' in journal.read_text()):
        assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    return proc


def finish(workdir: Path, api: BatchServer) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args(api), cwd=workdir, capture_output=True, text=True,
                          timeout=120, check=False)
    assert "Traceback" not in done.stderr
    return done


def test_kill_9_after_the_batch_exists_then_the_same_command(workdir: Path,
                                                             api: BatchServer) -> None:
    proc = start_until_batch_exists(workdir, api)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert len(api.created) == 1
    done = finish(workdir, api)
    assert done.returncode == 0, done.stderr
    # the first batch was picked up, not resubmitted; one retry batch for the 3 failures
    first, retry = (api.batches[b]["custom_ids"] for b in api.created)
    assert (len(api.created), len(first), len(retry)) == (2, 12, 3)
    assert set(retry) < set(first) and len(api.uploads) == 2
    result = json.loads((workdir / "results" / "managed.json").read_text())
    assert result["metrics"]["complete"] and result["metrics"]["correct"] == 12


def test_an_expired_batch_is_asked_again(workdir: Path, api: BatchServer) -> None:
    api.fail_first_n, api.expire = 0, True  # half the lines run, the rest never do
    done = finish(workdir, api)
    assert done.returncode == 0, done.stderr
    first, retry = (api.batches[b]["custom_ids"] for b in api.created)
    assert (len(first), len(retry)) == (12, 6)
    assert json.loads((workdir / "results" / "managed.json").read_text())["metrics"]["complete"]


def test_ctrl_c_says_the_batch_keeps_running(workdir: Path, api: BatchServer) -> None:
    api.polls_per_step = 100_000  # never finishes while we watch
    proc = start_until_batch_exists(workdir, api)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    batch_id = api.created[0]
    assert proc.returncode == 130
    assert batch_id in err and "bench batch cancel --run-id managed" in err
    cancel = subprocess.run([sys.executable, "-m", "bench", "batch", "cancel", "--run-id",
                             "managed"], cwd=workdir, capture_output=True, text=True,
                            timeout=60, check=False)
    assert cancel.returncode == 0, cancel.stderr
    assert f"cancelled 1 batch(es): {batch_id}" in cancel.stdout
    assert api.batches[batch_id]["status"] in ("cancelling", "cancelled")
