"""`bench agreement`: a grader against careful labels; `--grader hybrid` against a local judge."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.dataset import load_questions
from bench.errors import DataError
from bench.grading.graders import make_grader
from bench.grading.judge import TEMPLATE
from bench.grading.labels import load_labels, measure
from bench.settings import GraderSettings
from tests.conftest import QUESTIONS, RunBench
from tests.fakeserver import FakeOpenAIServer

# The fake server keys replies by the first "Question: ..." of a prompt: in a judge prompt
# that is the first worked example, the same for every item.
FIRST_EXAMPLE = re.search(r"Question: (.*?)\n", TEMPLATE, re.S).group(1).strip()  # type: ignore[union-attr]

LABELS = [
    {"id": "heli-date", "response": "9 November 2020", "label": "correct", "style": "concise"},
    {"id": "heli-date", "response": "It happened on 10 November 2020.", "label": "incorrect",
     "style": "verbose"},
    {"id": "heli-crew-killed", "response": "I don't know.", "label": "not_attempted",
     "style": "concise"},
    {"id": "heli-apology-compensation", "response": "It apologised and offered to pay.",
     "label": "correct", "style": "verbose"},
    {"id": "heli-apology-compensation", "response": "Azerbaijan accepted the blame fully.",
     "label": "correct", "style": "verbose", "note": "affirms without a polarity word"},
    {"id": "pk-2023-death-toll", "response": "Two.", "label": "incorrect", "style": "concise"},
]


def write_labels(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_measure_counts_confusion_precision_recall_and_styles(tmp_path: Path) -> None:
    qs = load_questions(QUESTIONS, None)
    labels = load_labels(write_labels(tmp_path / "l.jsonl", LABELS), qs)
    report = measure(labels, make_grader(GraderSettings(), qs.questions, tmp_path))
    assert report.n == 6 and report.unscored == 0
    assert sum(sum(row.values()) for row in report.confusion.values()) == 6
    assert report.confusion["incorrect"]["incorrect"] == 2
    agree = sum(report.confusion[k][k] for k in report.confusion)
    assert report.percent == pytest.approx(100 * agree / 6)
    assert set(report.by_style) == {"concise", "verbose"}
    assert report.by_style["concise"] == (3, pytest.approx(100.0))
    assert report.undecided is not None and report.undecided >= 1  # the bare affirmation
    for d in report.disagreements:
        assert d.rule and d.reason and d.where.startswith(str(tmp_path))


def test_kappa_is_none_when_chance_agreement_is_one(tmp_path: Path) -> None:
    qs = load_questions(QUESTIONS, None)
    rows = [{"id": "heli-date", "response": "9 November 2020", "label": "correct"}] * 3
    report = measure(load_labels(write_labels(tmp_path / "l.jsonl", rows), qs),
                     make_grader(GraderSettings(), qs.questions, tmp_path))
    assert (report.percent, report.kappa) == (100.0, None)


def test_bad_label_lines_are_reported_with_file_and_line(tmp_path: Path) -> None:
    qs = load_questions(QUESTIONS, None)
    path = tmp_path / "l.jsonl"
    path.write_text("\n".join([
        json.dumps(LABELS[0]),
        json.dumps({"id": "nope", "response": "x", "label": "correct"}),
        json.dumps({"id": "heli-date", "response": "x", "label": "right"}),
        "{oops",
    ]) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_labels(path, qs)
    assert exc.value.problems == [
        f"{path}:2: id: unknown question id 'nope' (not in {QUESTIONS}; give the question set "
        "it refers to)",
        f"{path}:3: label: Input should be 'correct', 'incorrect' or 'not_attempted'",
        f"{path}:4: invalid JSON (Expecting property name enclosed in double quotes, "
        "column 2)",
    ]


def test_cli_prints_the_report(run_bench: RunBench, workdir: Path) -> None:
    write_labels(workdir / "labels.jsonl", LABELS)
    proc = run_bench("agreement", "--labels", "labels.jsonl")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "labels.jsonl: 6 labelled responses graded by rules-v3" in out
    assert re.search(r"agreement \d+\.\d%, Cohen's kappa (-|-?\d\.\d{3})", out)
    assert "undecided by the rules (best guess kept):" in out
    assert "confusion (rows: label, columns: grader)" in out
    assert "precision" in out and "recall" in out and "concise" in out
    data = json.loads(run_bench("agreement", "--labels", "labels.jsonl", "--json").stdout)
    assert data["n"] == 6 and set(data["confusion"]) == {"correct", "incorrect",
                                                         "not_attempted"}


def test_cli_reads_a_question_set_without_our_articles(run_bench: RunBench,
                                                      workdir: Path) -> None:
    (workdir / "mine.jsonl").write_text(json.dumps({
        "id": "capital-fr", "question": "What is the capital of France?", "answer": "Paris",
        "answer_type": "entity", "citations": [{"doc": "wiki-france", "quote": "Paris"}],
    }) + "\n", encoding="utf-8")
    write_labels(workdir / "labels.jsonl", [
        {"id": "capital-fr", "response": "Paris, of course.", "label": "correct"},
        {"id": "capital-fr", "response": "Lyon", "label": "incorrect"}])
    proc = run_bench("agreement", "--labels", "labels.jsonl", "--questions", "mine.jsonl")
    assert proc.returncode == 0, proc.stderr
    assert "agreement 100.0%" in proc.stdout
    checked = run_bench("agreement", "--labels", "labels.jsonl", "--questions", "mine.jsonl",
                        "--seeds", "seeds")
    assert checked.returncode == 1
    assert "unknown document 'wiki-france'" in checked.stderr


# ------------------------------------------------------------------ hybrid: a local judge


@pytest.fixture
def judge_server() -> Iterator[FakeOpenAIServer]:
    srv = FakeOpenAIServer().start()
    srv.answers[FIRST_EXAMPLE] = "The response affirms it.\nGRADE: A"
    yield srv
    srv.stop()


def test_hybrid_sends_only_undecided_items_to_the_judge(
        run_bench: RunBench, workdir: Path, judge_server: FakeOpenAIServer) -> None:
    write_labels(workdir / "labels.jsonl", LABELS)
    proc = run_bench("agreement", "--labels", "labels.jsonl", "--grader", "hybrid",
                     "--judge-base-url", judge_server.base_url, "--judge-model", "ok",
                     "--judge-cache", "cache", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["grader"].startswith("hybrid:rules-v3+llm-judge-v1:openai/ok")
    assert report["undecided"] >= 1
    assert len(judge_server.requests) == report["undecided"]  # the decided never reach it
    text = run_bench("agreement", "--labels", "labels.jsonl", "--grader", "hybrid",
                     "--judge-base-url", judge_server.base_url, "--judge-model", "ok",
                     "--judge-cache", "cache").stdout
    assert f"sent to the judge (rules undecided): {report['undecided']}" in text
    assert len(judge_server.requests) == report["undecided"]  # the second time: the cache


def test_grade_hybrid_keeps_the_judge_reply_and_counts_the_judged(
        run_bench: RunBench, workdir: Path, judge_server: FakeOpenAIServer) -> None:
    preds = workdir / "p.jsonl"
    preds.write_text("".join(json.dumps({"id": i, "answer": a}) + "\n" for i, a in [
        ("heli-date", "9 November 2020"),
        ("heli-apology-compensation", "Azerbaijan accepted the blame fully."),
        ("heli-crew-killed", "Two."),
    ]), encoding="utf-8")
    proc = run_bench("grade", "--predictions", "p.jsonl", "--grader", "hybrid",
                     "--judge-base-url", judge_server.base_url, "--judge-model", "ok",
                     "--out", "results/h.json")
    assert proc.returncode == 4, proc.stderr  # most questions have no prediction
    result = json.loads((workdir / "results/h.json").read_text())
    answered = {r["id"]: r for r in result["records"] if r["response"]}
    judged = [r for r in answered.values() if r["decided"] is False]
    assert [r["id"] for r in judged] == ["heli-apology-compensation"]
    assert judged[0]["verdict"] == "correct" and judged[0]["rule"] == "judge.grade"
    assert judged[0]["judge"]["reply"] == "The response affirms it.\nGRADE: A"
    assert answered["heli-date"]["judge"] is None and answered["heli-date"]["decided"]
    assert answered["heli-date"]["extracted"] == "9 November 2020"
    assert result["metrics"]["undecided"] == 1
    assert len(judge_server.requests) == 1


def test_rules_report_the_undecided_count(run_bench: RunBench, workdir: Path) -> None:
    preds = workdir / "p.jsonl"
    preds.write_text(json.dumps({"id": "heli-apology-compensation",
                                 "answer": "Azerbaijan accepted the blame fully."}) + "\n")
    run_bench("grade", "--predictions", "p.jsonl", "--out", "results/r.json")
    result = json.loads((workdir / "results/r.json").read_text())
    assert result["metrics"]["undecided"] == 1
    assert result["run"]["grader"] == "rules-v3"


# ------------------------------------------------------------------ the shipped tables

DATA = Path(__file__).resolve().parent / "data"
REALISTIC = DATA / "realistic_cases.jsonl"
GENERAL = DATA / "general_cases.jsonl"
GENERAL_QUESTIONS = DATA / "general_questions.jsonl"


def test_realistic_table_agrees_overall_and_in_every_style(tmp_path: Path) -> None:
    qs = load_questions(QUESTIONS, None)
    report = measure(load_labels(REALISTIC, qs),
                     make_grader(GraderSettings(), qs.questions, tmp_path))
    assert report.n >= 300
    assert report.percent is not None and report.percent >= 97.0
    low = {s: p for s, (_, p) in report.by_style.items() if p is None or p < 93.0}
    assert low == {}, [(d.id, d.response, d.label, d.got, d.rule) for d in report.disagreements]
    # "I can't tell" is not a wrong answer, and a wrong answer is not an abstention.
    assert report.confusion["not_attempted"]["correct"] == 0


def test_general_table_agrees(tmp_path: Path) -> None:
    qs = load_questions(GENERAL_QUESTIONS, None)  # cites documents we do not have
    report = measure(load_labels(GENERAL, qs),
                     make_grader(GraderSettings(), qs.questions, tmp_path))
    assert report.percent is not None and report.percent >= 95.0


def test_no_labelled_nonsense_scores(tmp_path: Path) -> None:
    qs = load_questions(QUESTIONS, None)
    labels = [lab for lab in load_labels(REALISTIC, qs) if lab.item.style == "nonsense"]
    report = measure(labels, make_grader(GraderSettings(), qs.questions, tmp_path))
    assert report.confusion["incorrect"]["correct"] == 0
    assert report.confusion["not_attempted"]["correct"] == 0


@pytest.mark.parametrize("args", [
    ["--labels", str(REALISTIC)],
    ["--labels", str(GENERAL), "--questions", str(GENERAL_QUESTIONS)],
], ids=["realistic", "general"])
def test_cli_reads_both_shipped_tables(run_bench: RunBench, args: list[str]) -> None:
    proc = run_bench("agreement", *args, "--show", "5")
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"agreement (9[5-9]|100)\.\d%, Cohen's kappa 0\.9\d\d", proc.stdout)
    assert "style" in proc.stdout


# Measured on every shipped table (benchmarks/agreement_tables.py): the rules' agreement, the
# precision of their decided verdicts, and --grader hybrid with a perfect judge. The floors are
# what grader v3 reached, so that no change loses ground there unnoticed.
TABLE_FLOORS = [
    ("realistic_cases.jsonl", None, 99.5, 99.9, 99.9),
    ("realistic_cases_2.jsonl", None, 96.5, 99.5, 99.5),
    ("general_cases.jsonl", "general_questions.jsonl", 99.0, 99.9, 99.9),
    ("general_cases_2.jsonl", "general_questions_2.jsonl", 94.5, 99.5, 99.5),
    ("labelled_v3_cases.jsonl", None, 96.5, 99.9, 99.9),
    ("general_cases_3.jsonl", "general_questions_3.jsonl", 96.0, 99.9, 99.9),
    # Written after grader v3's first round; first seen at 84.7% agreement and 88.4% decided
    # precision (docs/grading-tables.md).
    ("labelled_v4_cases.jsonl", None, 94.5, 99.5, 99.5),
    # Written last; first seen at 83.5% agreement and 89.7% decided precision.
    ("general_cases_5.jsonl", "general_questions_5.jsonl", 91.0, 97.5, 98.5),
    # Held out: measured once on the final grader v3, never used to change it.
    ("held_out_v6_cases.jsonl", None, 91.0, 95.0, 96.0),
]


@pytest.mark.parametrize(("labels", "questions", "agree", "decided", "hybrid"), TABLE_FLOORS,
                         ids=[row[0].removesuffix(".jsonl") for row in TABLE_FLOORS])
def test_every_table_keeps_its_agreement_and_decided_precision(
        labels: str, questions: str | None, agree: float, decided: float,
        hybrid: float) -> None:
    from bench.grading.graders import Hybrid, RulesOnly
    from bench.grading.judge import Judge
    from bench.grading.rules import RuleGrader
    from tests.labeljudge import LabelJudge

    qs = load_questions(DATA / questions if questions else QUESTIONS, None)
    labelled = load_labels(DATA / labels, qs)
    report = measure(labelled, RulesOnly(RuleGrader(qs.questions)))
    assert report.percent is not None and report.percent >= agree, [
        (d.id, d.response[:80], d.label, d.got, d.rule) for d in report.disagreements]
    assert report.decided is not None and (report.decided[1] or 0) >= decided
    judged = measure(labelled, Hybrid(RuleGrader(qs.questions),
                                      Judge(LabelJudge(labelled), "labels/perfect", None)))
    assert judged.percent is not None and judged.percent >= hybrid


def test_the_report_gives_the_precision_of_decided_verdicts(tmp_path: Path) -> None:
    qs = load_questions(QUESTIONS, None)
    path = tmp_path / "l.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in [
        {"id": "heli-crew-killed", "response": "Two.", "label": "correct", "style": "a"},
        {"id": "heli-crew-killed", "response": "Three.", "label": "correct", "style": "a"},
        {"id": "heli-crew-killed", "response": "2 soldiers + 1 pilot = 3 dead",
         "label": "incorrect", "style": "b"},
        {"id": "heli-crew-killed", "response": "Two? Maybe three.",
         "label": "incorrect", "style": "b"},
    ]) + "\n")
    report = measure(load_labels(path, qs), make_grader(GraderSettings(), qs.questions,
                                                        tmp_path))
    # Two decided (one agrees: 50%), two undecided best guesses (both agree).
    assert report.decided == (2, 50.0) and report.undecided == 2
    assert report.decided_by_style == {"a": (2, 50.0)}
    assert report.undecided_by_style == {"a": 0.0, "b": 100.0}
    assert report.wrongly_correct == 0 and report.percent == 75.0
