"""`bench grade` end to end: a subprocess in a folder, the real question set, saved answers."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bench.dataset import Question, QuestionSet
from bench.errors import DataError
from bench.predictions import load_predictions
from bench.records import ResultFile

RunBench = Callable[..., subprocess.CompletedProcess[str]]


def oracle(q: Question, **extra: Any) -> dict[str, Any]:
    return {"id": q.id, "answer": q.answer or "This was not disclosed.", **extra}


def write_jsonl(path: Path, rows: list[dict[str, Any]], extra_lines: tuple[str, ...] = ()) -> Path:
    lines = [json.dumps(r, ensure_ascii=False) for r in rows] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def load_result(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    ResultFile.model_validate(data)
    return data


def test_oracle_is_all_correct(run_bench: RunBench, workdir: Path,
                               question_set: QuestionSet) -> None:
    questions = question_set.questions
    write_jsonl(workdir / "oracle.jsonl", [oracle(q) for q in questions])
    proc = run_bench("grade", "--predictions", "oracle.jsonl", "--out", "res/oracle.json")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.splitlines()[-1] == "wrote res/oracle.json"
    data = load_result(workdir / "res/oracle.json")
    assert data["schema_version"] == 2
    run = data["run"]
    assert (run["kind"], run["grader"], run["run_id"]) == ("grade", "rules-v3", "oracle")
    assert run["questions_sha256"] == question_set.sha256
    assert run["predictions_path"] == "oracle.jsonl"
    records = data["records"]
    assert [r["id"] for r in records] == [q.id for q in questions]
    for r, q in zip(records, questions, strict=True):
        assert r["response"] == oracle(q)["answer"]
        assert r["gold"] == q.answer
        assert (r["verdict"], bool(r["reason"])) == ("correct", True), r
    m = data["metrics"]
    assert (m["n"], m["correct"], m["correct_rate"], m["f_score"]) == (len(questions),
                                                                       len(questions), 1.0, 1.0)
    assert m["unreported"]["correct_rate"] == 1.0
    assert m["citation_accuracy"] is None
    assert [p.name for p in (workdir / "res").iterdir()] == ["oracle.json"]


def test_missing_prediction_is_not_attempted(run_bench: RunBench, workdir: Path,
                                             question_set: QuestionSet) -> None:
    first, *rest = question_set.questions
    write_jsonl(workdir / "p.jsonl", [oracle(q) for q in rest])
    proc = run_bench("grade", "--predictions", "p.jsonl", "--out", "out.json")
    assert proc.returncode == 4  # finished, but not complete: it is not ranked
    assert proc.stderr.splitlines() == [
        f"bench: warning: 1 question has no prediction ({first.id}): counted not attempted and "
        "not covered, so the result is incomplete; to grade part of the set, select it with "
        "--ids, --tags or --limit",
        "bench: incomplete: 1 of 94 questions have no graded answer (missing 1); this result is "
        "not ranked.",
    ]
    records = {r["id"]: r for r in load_result(workdir / "out.json")["records"]}
    assert len(records) == len(question_set.questions)
    assert (records[first.id]["verdict"], records[first.id]["response"]) == ("not_attempted", "")
    assert all(r["verdict"] == "correct" for i, r in records.items() if i != first.id)


def test_bad_predictions_exit_1_without_a_result(run_bench: RunBench, workdir: Path,
                                                question_set: QuestionSet) -> None:
    a, b, c = question_set.questions[:3]
    write_jsonl(workdir / "p.jsonl", [
        oracle(a), {"id": "nope", "answer": "x"}, oracle(a), oracle(b, confidence=1.5),
        oracle(c, confidence=-0.1),
    ], ('{"id": "x", "answer": ',))
    (workdir / "res").mkdir()
    proc = run_bench("grade", "--predictions", "p.jsonl", "--out", "res/run.json")
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr.splitlines() == [
        "p.jsonl:2: id: unknown question id 'nope'",
        f"p.jsonl:3: id: duplicate id '{a.id}' (first at p.jsonl:1)",
        "p.jsonl:4: confidence: Input should be less than or equal to 1",
        "p.jsonl:5: confidence: Input should be greater than or equal to 0",
        "p.jsonl:6: invalid JSON (Expecting value, column 23)",
    ]
    assert list((workdir / "res").iterdir()) == []  # no result file, no temporary file


KNOWN = {"q1", "q2"}


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"id": "q9", "answer": "2"}', "id: unknown question id 'q9'"),
        ('{"id": "q1", "answer": "3"}', "id: duplicate id 'q1' (first at {path}:1)"),
        ('{"id": "q2", "answer": ', "invalid JSON (Expecting value, column 24)"),
        ('{"id": "q2", "answer": "2"', "invalid JSON (Expecting ',' delimiter, column 27)"),
        ("[1, 2]", "expected a JSON object, got list"),
        ('{"id": "q2", "answer": 2}', "answer: Input should be a valid string"),
        ('{"id": "q2"}', "answer: Field required"),
        ('{"id": "q2", "answer": "2", "conf": 1}', "conf: Extra inputs are not permitted"),
        ('{"id": "q2", "answer": "2", "confidence": 1.5}',
         "confidence: Input should be less than or equal to 1"),
        ('{"id": "q2", "answer": "2", "confidence": -0.1}',
         "confidence: Input should be greater than or equal to 0"),
        ('{"id": "q2", "answer": "2", "confidence": "high"}',
         "confidence: Input should be a valid number, unable to parse string as a number"),
        ('{"id": "q2", "answer": "2", "citations": "doc"}',
         "citations: Input should be a valid tuple"),
    ],
    ids=["unknown-id", "duplicate-id", "malformed-json", "truncated-json", "not-object",
         "answer-not-string", "missing-answer", "unknown-field", "confidence-above-1",
         "confidence-below-0", "confidence-not-number", "citations-not-list"],
)
def test_bad_prediction_line(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"id": "q1", "answer": "2"}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_predictions(path, KNOWN)
    assert exc.value.problems == [f"{path}:3: {problem.format(path=path)}"]


@pytest.mark.parametrize(
    ("row", "confidence"),
    [({"id": "q1", "answer": "2"}, None), ({"id": "q1", "answer": "2", "confidence": 0}, 0.0),
     ({"id": "q1", "answer": "2", "confidence": 1}, 1.0)],
)
def test_good_prediction_line(tmp_path: Path, row: dict[str, Any],
                              confidence: float | None) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [row])
    [pred] = load_predictions(path, KNOWN)
    assert (pred.id, pred.answer, pred.confidence) == ("q1", "2", confidence)


def test_citations_give_citation_accuracy(run_bench: RunBench, workdir: Path,
                                          question_set: QuestionSet) -> None:
    questions = [q for q in question_set.questions if q.answer is not None][:4]
    docs = [q.citations[0].doc for q in questions]
    rows = [
        oracle(questions[0], citations=[docs[0]], confidence=0.9),
        oracle(questions[1], citations=["not-a-doc"], confidence=0.9),
        oracle(questions[2], citations=["not-a-doc", docs[2]], confidence=0.9),
        {"id": questions[3].id, "answer": "I don't know.", "citations": [docs[3]]},
    ]
    write_jsonl(workdir / "p.jsonl", rows)
    proc = run_bench("grade", "--predictions", "p.jsonl", "--out", "out.json")
    assert proc.returncode == 4, proc.stderr  # most questions have no prediction
    assert "citation accuracy 66.7%" in proc.stdout.splitlines()
    data = load_result(workdir / "out.json")
    assert data["metrics"]["citation_accuracy"] == pytest.approx(2 / 3)
    by_id = {r["id"]: r for r in data["records"]}
    assert [by_id[q.id]["citation_ok"] for q in questions] == [True, False, True, True]
    assert by_id[questions[3].id]["verdict"] == "not_attempted"
    assert data["metrics"]["calibration"]["n"] == 3


def test_llm_grader_needs_a_judge_model(run_bench: RunBench, workdir: Path,
                                        question_set: QuestionSet) -> None:
    write_jsonl(workdir / "p.jsonl", [oracle(q) for q in question_set.questions])
    proc = run_bench("grade", "--predictions", "p.jsonl", "--out", "out.json", "--grader", "llm")
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr.splitlines() == [
        "bench: error: --grader llm needs --judge-model NAME (the model that grades)"
    ]
    assert not (workdir / "out.json").exists()


def test_missing_predictions_file(run_bench: RunBench) -> None:
    proc = run_bench("grade", "--predictions", "nope.jsonl", "--out", "out.json")
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr.splitlines() == [
        "bench: error: nope.jsonl: cannot read (No such file or directory); check --predictions"
    ]


def test_think_blocks_in_predictions_are_never_graded(run_bench: RunBench, workdir: Path,
                                                      question_set: QuestionSet) -> None:
    q = question_set.by_id()["heli-crew-killed"]
    rows = [oracle(x) for x in question_set.questions if x.id != q.id]
    rows.append({"id": q.id, "answer": "<think>Maybe three? No: two died.</think>\nThree."})
    write_jsonl(workdir / "p.jsonl", rows)
    proc = run_bench("grade", "--predictions", "p.jsonl", "--out", "out.json")
    assert proc.returncode == 0, proc.stderr
    record = {r["id"]: r for r in load_result(workdir / "out.json")["records"]}[q.id]
    assert (record["response"], record["verdict"]) == ("Three.", "incorrect")
    assert record["reasoning"] == "Maybe three? No: two died."


def test_part_of_the_set_is_graded_as_that_selection(run_bench: RunBench, workdir: Path,
                                                    question_set: QuestionSet) -> None:
    ten = question_set.questions[:10]
    write_jsonl(workdir / "p.jsonl", [oracle(q) for q in ten])
    ids = ",".join(q.id for q in ten)
    proc = run_bench("grade", "--predictions", "p.jsonl", "--ids", ids, "--out", "sel.json")
    assert proc.returncode == 0, proc.stderr
    data = load_result(workdir / "sel.json")
    assert (data["run"]["subset"], len(data["run"]["selected_ids"])) == (True, 10)
    assert (data["metrics"]["n"], data["metrics"]["complete"]) == (10, True)
    # Without the selection the same file is 10 answers of 94 questions: 10.6% covered.
    proc = run_bench("grade", "--predictions", "p.jsonl", "--out", "all.json")
    assert proc.returncode == 4
    board = run_bench("leaderboard", "--results", ".", "--out", "board")
    assert board.returncode == 0, board.stderr
    import json

    rows = {r["run_id"]: r for g in json.loads((workdir / "board" / "leaderboard.json")
                                                 .read_text())["groups"] for r in g["rows"]}
    assert round(100 * rows["all"]["coverage"], 1) == 10.6
    assert rows["all"]["rank"] is None and rows["sel"]["coverage"] == 1.0

