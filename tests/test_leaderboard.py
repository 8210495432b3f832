"""bench leaderboard: grouping, rank groups, skipped files, outputs; fixtures built in code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.cli import main
from bench.records import Record, ResultFile, RunInfo, Usage
from bench.results.leaderboard import build
from bench.results.metrics import compute
from tests.conftest import RunBench

SHA_A, SHA_B = "a" * 64, "b" * 64
CODES = {"c": "correct", "i": "incorrect", "n": "not_attempted", "e": "error", "u": "unscored"}


def make_result(run_id: str, verdicts: str, *, sha: str = SHA_A, grader: str = "rules-v1",
                confidence: float | None = None, responses: dict[int, str] | None = None,
                tags: tuple[str, ...] = ("even", "odd")) -> ResultFile:
    """A result over questions q000.. with one verdict code (c i n e u) a question."""
    records = []
    for k, code in enumerate(verdicts):
        verdict = CODES[code]
        response = None if verdict == "error" else (responses or {}).get(k, f"{run_id} says {k}")
        records.append(Record(
            id=f"q{k:03d}", response=response, verdict=verdict, reason=f"rule: {verdict}",
            gold=None if k == 0 else f"gold {k}", answer_type="text", tags=(tags[k % len(tags)],),
            confidence=None if response is None else confidence,
            latency_s=None if response is None else 0.5,
            usage=Usage(prompt_tokens=10, completion_tokens=2),
        ))
    run = RunInfo(run_id=run_id, kind="run", questions_sha256=sha, questions_path="q.jsonl",
                  grader=grader, bench_version="0.1.0", created_at="2024-01-01T00:00:00Z",
                  model=f"model-{run_id}", backend="oracle", mode="closed-book")
    return ResultFile(run=run, metrics=compute(records), records=records)


def write_results(folder: Path, *results: ResultFile) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for result in results:
        (folder / f"{result.run.run_id}.json").write_text(result.model_dump_json())
    return folder


def pattern(correct: set[int], n: int) -> str:
    return "".join("c" if k in correct else "i" for k in range(n))


def ranks(folder: Path) -> list[list[tuple[str, str]]]:
    board, _ = build(folder)
    return [[(r.row.run_id, r.row.rank_label) for r in g.runs] for g in board.groups]


A = set(range(700))
B = (A - set(range(20))) | set(range(700, 710))  # 30 discordant with A, net -10: a tie
C = (B - set(range(20, 40))) | set(range(710, 720))  # ties with B, but differs from A


@pytest.mark.parametrize(("runs", "expected"), [
    # Same F-score, answers swapped on two questions: tied.
    ({"a": "c" * 30 + "ci" + "i" * 8, "b": "c" * 30 + "ic" + "i" * 8},
     [[("a", "1"), ("b", "1=")]]),
    # Clearly different: separate rank groups; the best run first whatever the file order.
    ({"weak": "c" * 8 + "i" * 28 + "n" * 4, "best": "c" * 32 + "i" * 4 + "n" * 4},
     [[("best", "1"), ("weak", "2")]]),
    # A chain of ties does not tie the ends: C is tested against its group's leader A.
    ({"A": pattern(A, 1000), "B": pattern(B, 1000), "C": pattern(C, 1000)},
     [[("A", "1"), ("B", "1="), ("C", "3")]]),
    # A run with nothing graded has no F-score: last, unranked.
    ({"ok": "ccin", "broken": "eeee"}, [[("ok", "1"), ("broken", "-")]]),
])
def test_rank_groups(tmp_path: Path, runs: dict[str, str], expected: list) -> None:
    write_results(tmp_path, *(make_result(name, v) for name, v in runs.items()))
    assert ranks(tmp_path) == expected


def test_rank_rows_record_what_they_were_tested_against(tmp_path: Path) -> None:
    runs = {"A": pattern(A, 1000), "B": pattern(B, 1000), "C": pattern(C, 1000)}
    write_results(tmp_path, *(make_result(name, v) for name, v in runs.items()))
    rows = build(tmp_path)[0].groups[0].to_json()["rows"]
    assert [r["compared_with"] for r in rows] == [None, "A", "A"]
    assert rows[2]["f_diff"] == pytest.approx(0.02)
    lo, hi = rows[2]["f_diff_ci95"]
    assert 0 < lo < 0.02 < hi


@pytest.mark.parametrize(("runs", "groups"), [
    # (run id, question-set hash, grader) -> groups of run ids, most runs first.
    ([("x", SHA_A, "rules-v1"), ("y", SHA_A, "rules-v1")], [["x", "y"]]),
    ([("x", SHA_A, "rules-v1"), ("y", SHA_B, "rules-v1"), ("z", SHA_B, "rules-v1")],
     [["y", "z"], ["x"]]),
    ([("x", SHA_A, "rules-v1"), ("y", SHA_A, "llm-v1:openai/gpt-4o-mini")], [["y"], ["x"]]),
])
def test_groups_never_mix_question_sets_or_graders(tmp_path: Path, runs: list,
                                                   groups: list) -> None:
    write_results(tmp_path, *(make_result(run_id, "ccin", sha=sha, grader=grader)
                              for run_id, sha, grader in runs))
    board, _ = build(tmp_path)
    assert [sorted(r.row.run_id for r in g.runs) for g in board.groups] == groups
    for group in board.groups:
        assert {r.result.run.questions_sha256 for r in group.runs} == {group.questions_sha256}
        assert {r.result.run.grader for r in group.runs} == {group.grader}


@pytest.mark.parametrize(("name", "content", "error"), [
    ("cut.json", '{"schema_version": 1, "run": {', "not valid JSON"),
    ("empty.json", "", "not valid JSON"),
    ("future.json", '{"schema_version": 99, "run": {}, "records": []}',
     "unknown schema_version 99"),
    ("bad.json", '{"schema_version": 1, "run": {}, "metrics": {}, "records": []}', "run."),
    ("other.json", '{"some": "config"}', None),  # not a result file: ignored quietly
    (".hidden.json", "garbage", None),
    ("run.journal.jsonl", "garbage", None),
])
def test_unreadable_files_are_reported_and_skipped(tmp_path: Path, name: str, content: str,
                                                   error: str | None) -> None:
    write_results(tmp_path, make_result("good", "ccin"))
    (tmp_path / name).write_text(content)
    board, _ = build(tmp_path)
    assert [r.row.run_id for g in board.groups for r in g.runs] == ["good"]
    if error is None:
        assert board.skipped == []
    else:
        assert [s["file"] for s in board.skipped] == [str(tmp_path / name)]
        assert error in board.skipped[0]["error"]


def test_cli_writes_three_outputs_and_ends_with_the_html_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    results = write_results(tmp_path / "results", make_result("m1", "ccin", confidence=0.7),
                            make_result("m2", "ciin"), make_result("m3", "ccin", sha=SHA_B))
    (results / "broken.json").write_text("{")
    (results / "leaderboard.json").write_text("{}")  # an earlier output is no input
    assert main(["leaderboard", "--out", "site"]) == 0
    out, err = capsys.readouterr()
    broken = str(Path("results", "broken.json"))
    assert err.splitlines() == [f"{broken}: skipped: not valid JSON "
                                "(Expecting property name enclosed in double quotes at line 1 "
                                "column 2); the file is corrupt or was cut short"]
    assert out.rstrip().splitlines()[-1] == f"wrote {Path('site') / 'leaderboard.html'}"
    assert f"questions {SHA_A[:12]} · " in out and " · grader rules-v1 · " in out
    assert max(len(line) for line in out.splitlines()) <= 100

    data = json.loads((tmp_path / "site" / "leaderboard.json").read_text())
    assert data["schema_version"] == 2
    assert [(g["questions_sha256"], [r["run_id"] for r in g["rows"]]) for g in data["groups"]] \
        == [(SHA_A, ["m1", "m2"]), (SHA_B, ["m3"])]
    row = data["groups"][0]["rows"][0]
    assert set(row) == {
        "rank", "rank_label", "complete", "coverage", "run_id", "file", "model", "backend",
        "mode", "kind", "created_at", "n", "n_questions", "correct_rate", "incorrect_rate",
        "not_attempted_rate", "accuracy_given_attempted", "f_score", "f_score_ci95",
        "unreported_n", "unreported_correct_rate", "unreported_hallucination_rate", "ece",
        "brier", "errors", "truncated", "truncated_graded", "unscored", "missing",
        "latency_median_s",
        "prompt_tokens", "completion_tokens", "reasoning_tokens", "cost", "judge_tokens",
        "judge_cost", "compared_with", "f_diff", "f_diff_ci95", "over_abstention_rate",
        "confidence_target", "target_score", "target_score_ci95", "target_diff",
        "target_diff_ci95", "aurc", "fabricated_quote_rate", "supported_rate",
    }
    assert row["ece"] is not None and data["groups"][0]["rows"][1]["ece"] is None
    assert data["skipped"] == [{"file": broken,
                                "error": err.split(": skipped: ")[1].strip()}]
    md = (tmp_path / "site" / "leaderboard.md").read_text()
    assert "| Rank | Run | Model |" in md and "| 1 | m1 | model-m1 |" in md
    assert (tmp_path / "site" / "leaderboard.html").read_text().startswith("<!DOCTYPE html>")
    assert not (results / "leaderboard.html").exists()


@pytest.mark.parametrize(("setup", "code", "message"), [
    ("empty", 1, "results: no result files (*.json) to rank; run `bench run` first"),
    ("missing", 2, "results: no such folder of result files"),
    ("all-broken", 1, "skipped: not valid JSON"),
])
def test_nothing_to_rank(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str], setup: str, code: int,
                         message: str) -> None:
    """No result file at all: exit 1, nothing written (most likely a wrong --results)."""
    monkeypatch.chdir(tmp_path)
    if setup != "missing":
        (tmp_path / "results").mkdir()
    if setup == "all-broken":
        (tmp_path / "results" / "x.json").write_text("nope")
    assert main(["leaderboard"]) == code
    assert message in capsys.readouterr().err
    written = sorted(p.name for p in (tmp_path / "results").glob("leaderboard.*")) \
        if setup != "missing" else []
    assert written == ([] if setup != "all-broken" else
                       ["leaderboard.html", "leaderboard.json", "leaderboard.md"])


def test_groups_are_named_by_what_tells_them_apart(run_bench: RunBench, workdir: Path) -> None:
    for args in (["--limit", "3"], ["--tags", "unreported"], ["--ids", "heli-date,heli-model"],
                 []):
        assert run_bench("run", "--backend", "oracle", *args).returncode == 0
    proc = run_bench("leaderboard")
    titles = [line.split(" · ", 1)[1] for line in proc.stdout.splitlines()
              if line.startswith("questions ")]
    assert titles[0] == "all 94 questions · grader rules-v3 · 1 run"  # the whole set first
    assert sorted(titles[1:]) == [
        "13 questions, tagged unreported · grader rules-v3 · 1 run",
        "2 questions, chosen by id · grader rules-v3 · 1 run",
        "3 questions, the first 3 · grader rules-v3 · 1 run",
    ]
    page = (workdir / "results" / "leaderboard.html").read_text()
    assert "13 questions, tagged unreported" in page and "3 questions, the first 3" in page
    md = (workdir / "results" / "leaderboard.md").read_text()
    assert len({line for line in md.splitlines() if line.startswith("## questions")}) == 4
