"""Shared fixtures: the real question set and articles, and the `bench` CLI run in a subprocess."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from bench.backends import Backend, BaseOptions, Completion, Request
from bench.corpus import Corpus, load_corpus
from bench.dataset import QuestionSet, load_questions
from bench.errors import BackendCallError

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "questions.jsonl"
SEEDS = ROOT / "seeds"

RunBench = Callable[..., subprocess.CompletedProcess[str]]

# A shell starts background jobs with SIGINT ignored, and children inherit that: the tests that
# stop a CLI with SIGINT (as Ctrl-C does) would then see it ignored. They run as if from a terminal.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session", autouse=True)
def own_cache_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The tests' own $XDG_CACHE_HOME (the local engine's saved prefixes): never the user's,
    and the same for the CLI run in a subprocess."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield Path(os.environ["XDG_CACHE_HOME"])
    if before is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    """The real articles of `seeds/`."""
    return load_corpus(SEEDS)


@pytest.fixture(scope="session")
def question_set(corpus: Corpus) -> QuestionSet:
    """The real question set, `questions.jsonl`, checked against the articles."""
    return load_questions(QUESTIONS, corpus)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A working folder holding a copy of `seeds/` and of `questions.jsonl`."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    shutil.copyfile(QUESTIONS, tmp_path / "questions.jsonl")
    return tmp_path


@pytest.fixture
def run_bench(workdir: Path) -> RunBench:
    """Run `python -m bench ARGS...` in `workdir` (or `cwd=`); never a traceback on stderr."""

    def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "bench", *args],
            cwd=cwd or workdir, capture_output=True, text=True, timeout=120, check=False,
        )
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc

    return run

class FakeBackend(Backend):
    """Answers with the gold; scripted failures per question id; counts calls and concurrency."""

    name: ClassVar[str] = "fake"

    def __init__(self, failures: dict[str, list[BackendCallError]] | None = None,
                 delay_s: float = 0.0):
        super().__init__(BaseOptions())
        self.failures = {k: list(v) for k, v in (failures or {}).items()}
        self.delay_s = delay_s
        self.calls: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def complete(self, request: Request) -> Completion:
        assert request.question is not None
        qid = request.question.id
        self.calls.append(qid)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay_s)
            pending = self.failures.get(qid)
            if pending:
                raise pending.pop(0)
            answer = request.question.answer
            return Completion(text=answer if answer is not None else "Not disclosed.",
                              prompt_tokens=10, completion_tokens=2, latency_s=self.delay_s,
                              finish_reason="stop")
        finally:
            self.in_flight -= 1


@pytest.fixture
def fake_backend() -> type[FakeBackend]:
    """The deterministic fake backend class: build it with scripted failures and a delay."""
    return FakeBackend
