"""The Python API the README shows: run, grade and rank without the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.pipeline.grade_predictions import GradeSettings, grade_predictions
from bench.pipeline.run import run_eval
from bench.results.leaderboard import build
from bench.settings import RunSettings, Selection


def test_run_grade_and_rank_from_python(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workdir)
    outcome = run_eval(RunSettings(backend="oracle", selection=Selection(tags=("unreported",))))
    m = outcome.result.metrics
    assert (m.f_score, m.complete, m.n) == (1.0, True, 13)
    assert outcome.path == Path("results/oracle-oracle-closed-book-13q.json")
    preds = workdir / "answers.jsonl"
    ids = [json.loads(x)["id"] for x in (workdir / "questions.jsonl").read_text().splitlines()]
    preds.write_text("".join(json.dumps({"id": i, "answer": "I don't know"}) + "\n" for i in ids))
    graded = grade_predictions(GradeSettings(predictions=preds, run_id="mine"))
    assert graded.path == Path("results/mine.json") and graded.result.metrics.complete
    board, considered = build(Path("results"))
    assert considered == 2
    assert {r.row.run_id: r.row.rank_label for g in board.groups for r in g.runs} == {
        "oracle-oracle-closed-book-13q": "1", "mine": "1"}
