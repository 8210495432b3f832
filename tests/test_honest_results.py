"""Runs that fail, stop short or ask part of the set never look better than they are: exit
codes, what is written, what the leaderboard ranks. The real CLI in a subprocess against a
real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.cli.run import resume_command
from bench.pipeline.journal import Journal, JournalEntry
from tests.fakeserver import FakeOpenAIServer, gold_answers

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    srv = FakeOpenAIServer(gold_answers(ROOT / "questions.jsonl")).start()
    yield srv
    srv.stop()


def bench(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "bench", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def openai_run(server: FakeOpenAIServer, model: str, *extra: str) -> list[str]:
    return ["run", "--backend", "openai", "--base-url", server.base_url, "--model", model,
            "--no-progress", "--concurrency", "8", "-o", "attempts=2", *extra]


def leaderboard(workdir: Path) -> dict[str, dict[str, object]]:
    proc = bench("leaderboard", cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    data = json.loads((workdir / "results" / "leaderboard.json").read_text())
    return {r["run_id"]: {**r, "group": n} for n, g in enumerate(data["groups"])
            for r in g["rows"]}


def test_one_answer_and_ninety_400s_is_incomplete_and_never_ranked(
        workdir: Path, server: FakeOpenAIServer) -> None:
    first = json.loads((workdir / "questions.jsonl").read_text().splitlines()[0])
    server.only_answer = {first["question"]}
    proc = bench(*openai_run(server, "mostly-400", "--run-id", "mostly-failing"), cwd=workdir)
    assert proc.returncode == 4, proc.stderr
    [line] = [x for x in proc.stderr.splitlines() if x.startswith("bench: incomplete")]
    assert "93 of 94 questions have no graded answer (failed 93)" in line
    assert "HTTP 400: bad request: unknown parameter (93x)" in line
    assert "run the same command again: only the 93 failed questions are asked" in line
    result = json.loads((workdir / "results" / "mostly-failing.json").read_text())
    m = result["metrics"]
    assert (m["correct"], m["errors"], m["complete"]) == (1, 93, False)
    assert m["f_score"] < 0.03
    for backend in ("oracle", "abstain"):
        assert bench("run", "--backend", backend, "--no-progress", cwd=workdir).returncode == 0
    rows = leaderboard(workdir)
    assert rows["oracle-oracle-closed-book"]["rank"] == 1
    assert rows["abstain-abstain-closed-book"]["rank"] == 2
    failing = rows["mostly-failing"]
    assert (failing["rank"], failing["complete"], failing["rank_label"]) == (None, False, "-")
    assert failing["coverage"] == pytest.approx(1 / 94)


def test_every_call_failing_leaves_nothing_rankable(workdir: Path,
                                                    server: FakeOpenAIServer) -> None:
    proc = bench(*openai_run(server, "always-400", "--run-id", "dead", "--limit", "6"),
                 cwd=workdir)
    assert proc.returncode == 5
    assert "every call failed (6 of 6)" in proc.stderr and "No result file" in proc.stderr
    assert not (workdir / "results" / "dead.json").exists()
    journal = (workdir / "results" / "dead.journal.jsonl").read_text().splitlines()
    errors = [json.loads(x) for x in journal if '"type": "answer"' in x]
    assert len(errors) == 6 and all("HTTP 400" in e["error"] for e in errors)
    refused = bench("run", "--backend", "openai", "--base-url", "http://127.0.0.1:9/v1",
                    "--model", "m", "--no-progress", "--limit", "2", "-o", "attempts=1",
                    "--run-id", "refused", cwd=workdir)
    assert refused.returncode == 5 and "connection failed" in refused.stderr


def test_a_subset_run_has_its_own_group_and_replaces_no_full_run(
        workdir: Path, server: FakeOpenAIServer) -> None:
    assert bench("run", "--backend", "oracle", "--no-progress", cwd=workdir).returncode == 0
    assert bench("run", "--backend", "abstain", "--no-progress", cwd=workdir).returncode == 0
    small = bench("run", "--backend", "oracle", "--no-progress", "--limit", "5", cwd=workdir)
    assert small.returncode == 0 and "oracle-oracle-closed-book-5q.json" in small.stdout
    full = json.loads((workdir / "results" / "oracle-oracle-closed-book.json").read_text())
    assert len(full["records"]) == 94
    # an explicit id over a run of another selection is refused, unless --fresh
    clash = bench("run", "--backend", "oracle", "--no-progress", "--limit", "5", "--run-id",
                  "oracle-oracle-closed-book", cwd=workdir)
    assert clash.returncode == 2 and "another selection of questions (94" in clash.stderr
    rows = leaderboard(workdir)
    sub = rows["oracle-oracle-closed-book-5q"]
    assert sub["group"] != rows["oracle-oracle-closed-book"]["group"]
    assert (sub["n_questions"], rows["oracle-oracle-closed-book"]["n_questions"]) == (5, 94)
    out = bench("leaderboard", cwd=workdir).stdout
    titles = [line for line in out.splitlines() if line.startswith("questions ")]
    assert titles == [
        "questions 991e70b2067b · all 94 questions · grader rules-v3 · 2 runs",
        "questions 991e70b2067b · 5 questions, the first 5 · grader rules-v3 · 1 run"]


def test_resume_after_timeouts_with_a_longer_timeout_asks_only_the_failed(
        workdir: Path, server: FakeOpenAIServer) -> None:
    lines = (workdir / "questions.jsonl").read_text().splitlines()[:4]
    slow = [json.loads(x)["question"] for x in lines[:2]]
    server.slow = dict.fromkeys(slow, 0.8)
    args = openai_run(server, "ok", "--limit", "4", "--run-id", "slow", "-o", "attempts=1")
    first = bench(*args, "-o", "timeout_s=0.3", cwd=workdir)
    assert first.returncode == 4 and "timed out" in first.stderr
    asked_before = len(server.requests)
    again = bench(*args, "-o", "timeout_s=5", cwd=workdir)
    assert again.returncode == 0, again.stderr
    assert sorted(q for _m, q in server.requests[asked_before:]) == sorted(slow)
    result = json.loads((workdir / "results" / "slow.json").read_text())
    assert result["metrics"]["complete"] and result["run"]["backend_options"]["timeout_s"] == 5


def test_a_truncated_reply_is_not_an_answer(workdir: Path, server: FakeOpenAIServer) -> None:
    proc = bench(*openai_run(server, "truncate", "--limit", "3", "--run-id", "cut"),
                 cwd=workdir)
    assert proc.returncode == 4 and "raise --max-tokens" in proc.stderr
    records = json.loads((workdir / "results" / "cut.json").read_text())["records"]
    assert {r["verdict"] for r in records} == {"truncated"}
    assert {r["finish_reason"] for r in records} == {"length"}


def test_a_reasoning_model_runs_with_no_extra_flags(workdir: Path,
                                                    server: FakeOpenAIServer) -> None:
    proc = bench(*openai_run(server, "o-series", "--limit", "6", "--run-id", "o"),
                 "-o", "price_in_per_mtok=2", "-o", "price_out_per_mtok=8", cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    assert "reasoning 384" in proc.stdout and "cost 0.00" in proc.stdout
    result = json.loads((workdir / "results" / "o.json").read_text())
    m = result["metrics"]
    assert m["reasoning_tokens"] == 6 * 64 and m["cached_tokens"] == 6 * 8
    assert m["cost"] == pytest.approx((m["prompt_tokens"] * 2 + m["completion_tokens"] * 8) / 1e6)
    assert leaderboard(workdir)["o"]["cost"] == pytest.approx(m["cost"])
    assert result["metrics"]["errors"] == 0 and result["metrics"]["complete"]
    assert result["run"]["sent"] == {"max_tokens_param": "max_completion_tokens",
                                     "omitted": ["stop", "temperature"],
                                     "stop_applied": "client"}
    assert all(r["usage"]["reasoning_tokens"] == 64 for r in result["records"])


def test_think_blocks_are_kept_and_never_graded(workdir: Path,
                                                server: FakeOpenAIServer) -> None:
    proc = bench(*openai_run(server, "think", "--limit", "4", "--run-id", "think"), cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    for r in json.loads((workdir / "results" / "think.json").read_text())["records"]:
        assert "<think>" not in r["response"] and r["reasoning"].startswith("The question")


@pytest.mark.parametrize(("args", "message"), [
    (["--run-id", "leaderboard"], "is reserved"),
    (["--out", "questions.jsonl/results"], "cannot write there"),
])
def test_bad_destinations_fail_before_any_call(workdir: Path, args: list[str],
                                               message: str) -> None:
    proc = bench("run", "--backend", "oracle", "--no-progress", *args, cwd=workdir)
    assert proc.returncode == 2 and message in proc.stderr


def test_grade_run_id_names_the_result_file(workdir: Path) -> None:
    preds = workdir / "answers.jsonl"
    preds.write_text("".join(json.dumps({"id": json.loads(x)["id"], "answer": "?"}) + "\n"
                             for x in (workdir / "questions.jsonl").read_text().splitlines()))
    proc = bench("grade", "--predictions", "answers.jsonl", "--run-id", "mine", cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    assert (workdir / "results" / "mine.json").exists()
    assert bench("show", "mine", cwd=workdir).returncode == 0
    bad = bench("grade", "--predictions", "answers.jsonl", "--run-id", "leaderboard",
                cwd=workdir)
    assert bad.returncode == 2 and "reserved" in bad.stderr


def test_results_are_written_with_the_users_umask(workdir: Path) -> None:
    assert bench("run", "--backend", "oracle", "--no-progress", "--limit", "2",
                 cwd=workdir).returncode == 0
    result = next((workdir / "results").glob("*-2q.json"))
    journal = next((workdir / "results").glob("*-2q.journal.jsonl"))
    assert result.stat().st_mode & 0o777 == journal.stat().st_mode & 0o777


def test_a_journal_cut_mid_line_is_repaired_before_appending(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    journal = Journal(path, {"s": 1})
    journal.record(JournalEntry(id="a", response="x"))
    journal.close(0.1)
    with path.open("ab") as fh:
        fh.write(b'{"type": "answer", "id": "b", "resp')  # kill -9 mid-write
    resumed = Journal(path, {"s": 1})
    resumed.record(JournalEntry(id="c", response="y"))
    resumed.close(0.1)
    assert set(Journal(path, {"s": 1}).entries) == {("a", 0), ("c", 0)}


@pytest.mark.parametrize(("argv", "expected"), [
    (["run", "--backend", "local", "--fresh"],
     "bench run --backend local --run-id r1 --resume"),
    (["run", "--run-id", "x", "--resume"], "bench run --run-id x --resume"),
])
def test_the_resume_hint_never_repeats_fresh(argv: list[str], expected: str) -> None:
    assert resume_command("r1", argv, prog=["bench"]) == expected


def test_the_resume_hint_echoes_how_bench_was_started(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.cli.run import invoked_as

    script = tmp_path / "venv" / "bin" / "bench"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert invoked_as(str(script)) == ["venv/bin/bench"]  # typed as a path: echoed as one
    assert invoked_as("venv/bin/bench") == ["venv/bin/bench"]
    monkeypatch.setenv("PATH", f"{script.parent}:/usr/bin:/bin")
    assert invoked_as(str(script)) == ["bench"]  # found on the PATH: the short name
    assert invoked_as("/x/bench/__main__.py") == ["python", "-m", "bench"]


def test_a_full_disk_is_one_clear_error_and_the_old_file_stays(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import os

    from bench.errors import UsageError
    from bench.fileio import atomic_write_text

    target = tmp_path / "r.json"
    target.write_text("old")

    def full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as m:
        m.setattr(os, "replace", full)
        with pytest.raises(UsageError, match="No space left on device"):
            atomic_write_text(target, "new")
    assert target.read_text() == "old" and list(tmp_path.iterdir()) == [target]
    journal = Journal(tmp_path / "j.jsonl", {"s": 1})
    with monkeypatch.context() as m:
        m.setattr(os, "write", full)
        with pytest.raises(UsageError, match="cannot write the journal"):
            journal.record(JournalEntry(id="a", response="x"))
