"""The runner: concurrency, retries, journal and resume, kill -9, Ctrl-C, the CLI end to end."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.backends.call import Model
from bench.backends.retry import RetryPolicy
from bench.corpus import Corpus
from bench.dataset import QuestionSet
from bench.errors import BackendCallError, UsageError
from bench.grading.graders import RulesOnly
from bench.grading.rules import RuleGrader
from bench.pipeline.ask import NoProgress, answers_from, ask_all
from bench.pipeline.journal import Journal, JournalEntry
from bench.pipeline.plan import plan, select
from bench.pipeline.result import grade_answers
from bench.settings import RunSettings, Selection

ROOT = Path(__file__).resolve().parent.parent
FAST = RetryPolicy(attempts=3, base_s=0.001, cap_s=0.01)


def run_items(qs: QuestionSet, corpus: Corpus, backend: Any, journal: Journal,
              concurrency: int = 4, mode: str = "closed-book") -> None:
    items = [it for it in plan(list(qs.questions), mode, corpus, 1, False)
             if (it.question.id, it.sample) not in journal.done()]
    settings = RunSettings(backend="fake", concurrency=concurrency, max_tokens=32, mode=mode)
    asyncio.run(ask_all(items, Model(backend, FAST), journal, settings, NoProgress()))


def test_concurrency_is_bounded_and_reached(question_set: QuestionSet, corpus: Corpus,
                                            tmp_path: Path, fake_backend: Any) -> None:
    backend = fake_backend(delay_s=0.01)
    journal = Journal(tmp_path / "j.jsonl", {"s": 1})
    run_items(question_set, corpus, backend, journal, concurrency=5)
    assert backend.max_in_flight == 5
    assert sorted(backend.calls) == sorted(q.id for q in question_set.questions)


def test_errors_are_recorded_never_graded(question_set: QuestionSet, corpus: Corpus,
                                          tmp_path: Path, fake_backend: Any) -> None:
    first, second = question_set.questions[0].id, question_set.questions[1].id
    backend = fake_backend({
        first: [BackendCallError("HTTP 503", transient=True)],
        second: [BackendCallError("HTTP 400: bad request", transient=False)],
    })
    journal = Journal(tmp_path / "j.jsonl", {"s": 1})
    run_items(question_set, corpus, backend, journal)
    assert backend.calls.count(first) == 2 and backend.calls.count(second) == 1
    items = plan(list(question_set.questions), "closed-book", corpus, 1, False)
    grader = RulesOnly(RuleGrader(question_set.questions))
    records = {r.id: r for r in asyncio.run(grade_answers(answers_from(journal, items), grader))}
    assert records[first].verdict == "correct" and records[first].attempts == 2
    assert records[second].verdict == "error"
    assert records[second].response is None
    assert "HTTP 400" in records[second].reason


def test_resume_asks_only_what_is_missing(question_set: QuestionSet, corpus: Corpus,
                                          tmp_path: Path, fake_backend: Any) -> None:
    path = tmp_path / "j.jsonl"
    failing = question_set.questions[2].id
    backend = fake_backend({failing: [BackendCallError("HTTP 400", transient=False)]})
    journal = Journal(path, {"s": 1})
    run_items(question_set, corpus, backend, journal)
    journal.close(1.0)
    again = fake_backend()
    resumed = Journal(path, {"s": 1})
    run_items(question_set, corpus, again, resumed)
    assert again.calls == [failing]  # only the failed call is asked again
    assert resumed.previous_wall_s == 1.0


def test_journal_survives_a_cut_last_line_and_refuses_other_settings(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    journal = Journal(path, {"model": "a"})
    journal.record(JournalEntry(id="q1", sample=0, response="Two."))
    journal.close(0.5)
    with path.open("a") as fh:
        fh.write('{"type": "answer", "id": "q2", "sam')  # a crash mid-write
    assert Journal(path, {"model": "a"}).done() == {("q1", 0)}
    with pytest.raises(UsageError, match=r"other settings \(model\).*fresh"):
        Journal(path, {"model": "b"})
    assert Journal(path, {"model": "b"}, fresh=True).done() == set()


@pytest.mark.parametrize(
    ("kwargs", "count"),
    [({"ids": ["heli-crew-killed"]}, 1), ({"limit": 3}, 3), ({"tags": ["unreported"]}, 13)],
)
def test_select(question_set: QuestionSet, kwargs: dict[str, object], count: int) -> None:
    assert len(select(question_set, Selection.model_validate(kwargs))) == count


def test_plan_groups_questions_by_context(question_set: QuestionSet, corpus: Corpus) -> None:
    items = plan(list(question_set.questions), "open-book", corpus, 2, False)
    contexts = [tuple(sorted({c.doc for c in it.question.citations})) for it in items]
    # each context appears in one unbroken run, so a prompt cache is reused between neighbours
    runs = [c for i, c in enumerate(contexts) if i == 0 or c != contexts[i - 1]]
    assert len(runs) == len(set(contexts))
    assert len(items) == 2 * len(question_set.questions)
    assert items[0].messages[0]["content"].count("<article") >= 1


# ---------------------------------------------------------------- end to end, real processes


def bench(*args: str, cwd: Path, env: dict[str, str] | None = None,
          timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bench", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env=env, check=False)


def test_oracle_run_scores_everything_correct(workdir: Path) -> None:
    proc = bench("run", "--backend", "oracle", "--no-progress", "--repeats", "2", cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    result = json.loads((workdir / "results" / "oracle-oracle-closed-book.json").read_text())
    m = result["metrics"]
    assert m["correct"] == m["n"] == 2 * 94 and m["consistency"] == 1.0
    run = result["run"]
    assert run["backend"] == "oracle" and run["mode"] == "closed-book" and run["repeats"] == 2
    assert len(run["prompt_sha256"]) == 64 and len(run["questions_sha256"]) == 64
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["--backend", "oracel"], "did you mean 'oracle'", 2),
        (["--backend", "oracle", "--ids", "nope"], "--ids: unknown question ids: nope", 2),
        (["--backend", "oracle", "--run-id", "../x"], "--run-id", 2),
        (["--backend", "oracle", "--run-id", "never-ran", "--resume"],
         "--resume: no journal of run never-ran", 2),
        (["--backend", "openai", "--model", "m", "--base-url", "https://api.example.invalid/v1"],
         "set OPENAI_API_KEY", 2),
    ],
)
def test_run_user_errors_are_one_line(workdir: Path, args: list[str], message: str,
                                      code: int) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    proc = bench("run", "--no-progress", *args, cwd=workdir, env=env)
    assert proc.returncode == code
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not list(workdir.glob("results/*.json"))


@pytest.fixture
def slow_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    log = tmp_path / "server.log"
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fakeserver.py"), "--latency", "0.15",
         "--questions", str(ROOT / "questions.jsonl"), "--log", str(log)],
        stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    port = proc.stdout.readline().strip()
    yield f"http://127.0.0.1:{port}/v1", log
    proc.kill()
    proc.wait()


def asked(log: Path) -> list[str]:
    if not log.exists():
        return []
    return [json.loads(line)["question"] for line in log.read_text().splitlines() if line]


def journal_answers(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("type") == "answer":
            out.append(entry)
    return out


def run_args(url: str, run_id: str, *extra: str, concurrency: int = 2) -> list[str]:
    """`bench run` on the first 24 questions through the openai backend at `url`."""
    return ["run", "--backend", "openai", "--base-url", url, "--model", "ok", "--limit", "24",
            "--concurrency", str(concurrency), "--no-progress", "--run-id", run_id, *extra]


def start_run(workdir: Path, url: str, run_id: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bench", *run_args(url, run_id)], cwd=workdir,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_answers(path: Path, n: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while len(journal_answers(path)) < n:
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.02)


def test_kill_9_then_resume_loses_and_repeats_nothing(workdir: Path,
                                                      slow_server: tuple[str, Path]) -> None:
    url, log = slow_server
    journal = workdir / "results" / "killed.journal.jsonl"
    proc = start_run(workdir, url, "killed")
    wait_for_answers(journal, 8)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = {e["id"]: e for e in journal_answers(journal)}
    asked_before = len(asked(log))
    assert 8 <= len(before) < 24
    done = bench(*run_args(url, "killed", "--resume"), cwd=workdir)
    assert done.returncode == 0, done.stderr
    texts = {json.loads(line)["question"]: json.loads(line)["id"]
             for line in (workdir / "questions.jsonl").read_text().splitlines()}
    asked_after = [texts[q] for q in asked(log)[asked_before:]]
    assert not set(asked_after) & set(before), "a finished question was asked again"
    result = json.loads((workdir / "results" / "killed.json").read_text())
    ids = [r["id"] for r in result["records"]]
    assert len(ids) == len(set(ids)) == 24
    assert all(r["verdict"] == "correct" for r in result["records"])
    # the same as an uninterrupted run, answer for answer
    clean = bench(*run_args(url, "clean", concurrency=8), cwd=workdir)
    assert clean.returncode == 0, clean.stderr
    other = json.loads((workdir / "results" / "clean.json").read_text())

    def key(res: dict) -> list[tuple[str, str, str]]:  # type: ignore[type-arg]
        return [(r["id"], r["response"], r["verdict"]) for r in res["records"]]

    assert key(result) == key(other)
    assert result["metrics"]["f_score"] == other["metrics"]["f_score"]


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(workdir: Path,
                                                     slow_server: tuple[str, Path]) -> None:
    url, _log = slow_server
    journal = workdir / "results" / "stopped.journal.jsonl"
    proc = start_run(workdir, url, "stopped")
    wait_for_answers(journal, 4)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "--run-id stopped --resume" in err
    assert "Traceback" not in err
    assert not (workdir / "results" / "stopped.json").exists()
    done = bench(*run_args(url, "stopped"), cwd=workdir)
    assert done.returncode == 0
    assert len(json.loads((workdir / "results" / "stopped.json").read_text())["records"]) == 24


def test_api_key_never_written(workdir: Path, slow_server: tuple[str, Path]) -> None:
    url, _log = slow_server
    secret = "sk-test-DO-NOT-LEAK-4242"
    env = {**os.environ, "OPENAI_API_KEY": secret}
    proc = bench("run", "--backend", "openai", "--base-url", url, "--model", "ok", "--limit",
                 "3", "--no-progress", "--run-id", "secret", cwd=workdir, env=env)
    assert proc.returncode == 0, proc.stderr
    assert secret not in proc.stdout + proc.stderr
    for path in (workdir / "results").rglob("*"):
        if path.is_file():
            assert secret not in path.read_text(errors="replace")


def test_one_writer_per_run_id(workdir: Path, slow_server: tuple[str, Path]) -> None:
    url, log = slow_server
    journal = workdir / "results" / "shared.journal.jsonl"
    first = start_run(workdir, url, "shared")
    wait_for_answers(journal, 2)
    second = bench(*run_args(url, "shared"), cwd=workdir)
    assert second.returncode == 2
    [line] = second.stderr.strip().splitlines()
    assert line.startswith(f"bench: error: run shared is being written by process {first.pid} ")
    assert line.endswith("wait for it to finish or stop it, or choose another --run-id")
    _out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    ids = [e["id"] for e in journal_answers(journal)]
    assert len(ids) == len(set(ids)) == 24  # one line per question: nothing asked twice
    assert len(asked(log)) == 24
    assert not (workdir / "results" / "shared.lock").exists()


def test_a_lock_left_by_a_killed_run_is_taken_over(workdir: Path,
                                                   slow_server: tuple[str, Path]) -> None:
    url, _log = slow_server
    journal = workdir / "results" / "taken.journal.jsonl"
    proc = start_run(workdir, url, "taken")
    wait_for_answers(journal, 2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (workdir / "results" / "taken.lock").exists()  # left behind, but no longer held
    done = bench(*run_args(url, "taken"), cwd=workdir)
    assert done.returncode == 0, done.stderr
