"""Confidence targets and stated confidences: the formulas on hand-made records, the prompt, the
CLI's one-line usage errors, a sweep against a 127.0.0.1 server whose model follows the target,
`bench grade` and batch files at a target, and the leaderboard's target groups and curves."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.dataset import QuestionSet
from bench.prompts import BRIEF_TEMPLATE, DEFAULT_TEMPLATE, build_messages
from bench.records import Record
from bench.results.metrics import compute, risk_coverage
from bench.results.target_curves import trend_of
from bench.targets import check_target, check_targets, penalty, shown
from tests.fakeserver import FakeOpenAIServer


def rec(id: str, verdict: str, confidence: float | None, gold: str | None = "g") -> Record:
    return Record(id=id, response="r", verdict=verdict, reason="why", gold=gold,
                  answer_type="number", confidence=confidence)


# Answerable a-f, i, j; unreported g, h. Hand-computed below.
HAND = [
    rec("a", "correct", 0.95), rec("b", "correct", 0.8), rec("c", "incorrect", 0.8),
    rec("d", "incorrect", 0.6), rec("e", "correct", 0.4), rec("f", "not_attempted", 0.2),
    rec("g", "incorrect", 0.55, gold=None), rec("h", "correct", 0.9, gold=None),
    rec("i", "correct", None), rec("j", "incorrect", None),
]


@pytest.mark.parametrize(("t", "price"), [(0, 0), (0.5, 1), (0.75, 3), (0.9, 9), (0.25, 1 / 3)])
def test_penalty_is_t_over_one_minus_t(t: float, price: float) -> None:
    assert penalty(t) == pytest.approx(price)


@pytest.mark.parametrize("bad", [1, 1.5, -0.1, float("nan"), float("inf")])
def test_a_target_outside_zero_to_one_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="from 0 up to"):
        check_target(bad)


def test_repeated_targets_are_refused() -> None:
    assert check_targets([0, 0.5]) == (0, 0.5)
    with pytest.raises(ValueError, match=r"0\.5 is given twice"):
        check_targets([0.5, 0.9, 0.5])


def test_target_score_selective_and_over_abstention_by_hand() -> None:
    m = compute(HAND, target=0.75)
    assert m.target is not None
    # 5 correct (a b e h i), 4 incorrect (c d g j), n 10, penalty 3
    assert (m.target.t, m.target.penalty) == (0.75, pytest.approx(3))
    assert m.target.score == pytest.approx((5 - 3 * 4) / 10)
    assert m.target.ci95 is not None and m.target.ci95[0] <= -0.7 <= m.target.ci95[1]
    assert m.over_abstention_rate == pytest.approx(1 / 8)
    sel = m.selective
    assert sel is not None and sel.n == 5
    # a(C .95) | b(C .8), c(I .8) tie | d(I .6) | e(C .4): risks 0, .5/2, 1/3, 2/4, 2/5
    assert sel.aurc == pytest.approx((0 + 0.25 + 1 / 3 + 0.5 + 0.4) / 5)
    assert sel.threshold_scores == pytest.approx({
        "0.5": (4 - 1 * 4) / 10,   # e abstains
        "0.75": (5 - 3 * 2) / 10,  # d, e abstain; g's asserted value becomes the abstention
        "0.9": (4 - 9 * 1) / 10,   # b, c, d, e abstain, g right; h at 0.9 is not below
    })


def test_no_target_and_no_confidence_leave_the_figures_null() -> None:
    m = compute([rec("a", "correct", None), rec("b", "not_attempted", None)])
    assert (m.target, m.selective, m.over_abstention_rate) == (None, None, 0.5)


def test_risk_coverage_ties_are_averaged_over_their_orders() -> None:
    tied = [rec("a", "correct", 0.5), rec("b", "incorrect", 0.5)]
    assert risk_coverage(tied) == [(0.5, 0.5), (1.0, 0.5)]
    assert risk_coverage(list(reversed(tied))) == risk_coverage(tied)


@pytest.mark.parametrize(("rates", "trend"), [
    ([0.0, 0.2, 0.5], "rises"), ([0.1, 0.1, 0.3], "rises"), ([0.2, 0.2, 0.2], "flat"),
    ([0.3, 0.1, 0.4], "mixed"), ([0.4, 0.2], "mixed"), ([0.1], None)])
def test_trend_of_abstention(rates: list[float], trend: str | None) -> None:
    assert trend_of(rates) == trend


def test_the_target_is_stated_in_the_prompt_and_changes_its_hash(
        question_set: QuestionSet, corpus: Any) -> None:
    q = question_set.questions[0]
    plain = build_messages(q, "closed-book", corpus)
    at = build_messages(q, "closed-book", corpus, target=0.9)
    assert "more than 0.9 confident" in at[0]["content"] and "costs 9 points" in at[0]["content"]
    assert at[1:] == plain[1:] and "confident" not in plain[0]["content"]
    hashes = {DEFAULT_TEMPLATE.sha256_at(t) for t in (None, 0, 0.5, 0.9)}
    assert len(hashes) == 4 and DEFAULT_TEMPLATE.sha256_at(None) == DEFAULT_TEMPLATE.sha256
    # Templates without a target of their own keep the hashes of earlier runs.
    assert DEFAULT_TEMPLATE.sha256.startswith("25835ca1cce0")
    assert BRIEF_TEMPLATE.sha256.startswith("fb59005f1136")


def bench(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "bench", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.mark.parametrize(("args", "message"), [
    (["run", "--backend", "oracle", "--confidence-target", "1"], "from 0 up to"),
    (["run", "--backend", "oracle", "--confidence-target", "high"], "not a number: 'high'"),
    (["run", "--backend", "oracle", "--confidence-targets", "0,0.5,0.5"], "0.5 is given twice"),
    (["run", "--backend", "oracle", "--confidence-targets", "0,x"], "not a number: 'x'"),
    (["run", "--backend", "oracle", "--confidence-target", "0.5", "--confidence-targets", "0"],
     "contradict each other"),
    (["grade", "--predictions", "p.jsonl", "--confidence-target", "-0.5"], "from 0 up to"),
    (["batch", "export", "r.jsonl", "--model", "m", "--confidence-target", "2"],
     "from 0 up to"),
])
def test_a_bad_target_is_one_line_before_any_call(
        workdir: Path, args: list[str], message: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(workdir)  # in-process: a usage error is the parser's, before any work
    code, err = cli(args, capsys)
    assert code == 2 and message in err, err
    assert len(err.strip().splitlines()) <= 2  # the error, then where to read the usage
    assert not (workdir / "results").exists() and not (workdir / "r.jsonl").exists()


def cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`bench ARGS` in this process: its exit code and what it wrote to stderr."""
    from bench.cli.main import main

    try:
        code = main(args)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


# (answer the model would give, its confidence) per question; hand-computed scores below.
def _plan(qs: QuestionSet) -> tuple[list[str], dict[str, tuple[str, float]]]:
    numbers = [q for q in qs.questions if q.answer_type == "number" and q.answer is not None]
    unreported = next(q for q in qs.questions if q.answer is None)
    right = [(numbers[0], 0.95), (numbers[1], 0.8), (numbers[2], 0.4)]
    wrong = [(numbers[3], 0.6), (numbers[4], 0.3), (unreported, 0.55)]
    said = {q.question: (q.answer or "", c) for q, c in right}
    said |= {q.question: ("987654", c) for q, c in wrong}
    return [q.id for q, _ in right + wrong], said


@pytest.fixture
def targeted(question_set: QuestionSet) -> Iterator[tuple[FakeOpenAIServer, list[str]]]:
    srv = FakeOpenAIServer().start()
    ids, srv.confident = _plan(question_set)
    yield srv, ids
    srv.stop()


def test_a_sweep_gives_one_ranked_run_per_target(
        workdir: Path, targeted: tuple[FakeOpenAIServer, list[str]]) -> None:
    srv, ids = targeted
    proc = bench("run", "--backend", "openai", "--base-url", srv.base_url, "--model", "targeted",
                 "--ids", ",".join(ids), "--no-progress", "--confidence-targets", "0,0.5,0.9",
                 cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    results = sorted((workdir / "results").glob("*-t*.json"))
    assert {p.stem for p in results} == {f"openai-targeted-closed-book-6q-t{t}"
                                         for t in ("0", "0.5", "0.9")}
    by_t = {}
    for path in results:
        data = json.loads(path.read_text())
        run, m, records = data["run"], data["metrics"], data["records"]
        t = run["confidence_target"]
        c = sum(r["verdict"] == "correct" for r in records)
        i = sum(r["verdict"] == "incorrect" for r in records)
        assert m["target"]["score"] == pytest.approx((c - penalty(t) * i) / len(records))
        assert m["complete"] and run["template_sha256"] == DEFAULT_TEMPLATE.sha256
        by_t[t] = (m["target"]["score"], m["not_attempted_rate"], run["prompt_sha256"])
    # t 0: all answered, 3 right 3 wrong; t 0.5: 2 right, 2 wrong (the unreported value at
    # 0.55 among them); t 0.9: one right, and the unreported abstention right too.
    expected = {0: (0.5, 0.0), 0.5: (0.0, 2 / 6), 0.9: (2 / 6, 4 / 6)}
    assert sorted(by_t) == sorted(expected)
    for t, (score, abstained) in expected.items():
        assert by_t[t][:2] == pytest.approx((score, abstained)), t
    assert len({v[2] for v in by_t.values()}) == 3
    assert "at confidence target 0.9 (a wrong answer costs 9" in proc.stdout
    # The sweep ends with the model across its targets.
    assert "at confidence targets 0, 0.5, 0.9: abstention rises with t" in proc.stdout

    board = bench("leaderboard", cwd=workdir)
    assert board.returncode == 0, board.stderr
    data = json.loads((workdir / "results" / "leaderboard.json").read_text())
    groups = [g for g in data["groups"] if g["confidence_target"] is not None]
    assert [(g["confidence_target"], g["ranked_by"]) for g in groups] == [
        (0, "target_score"), (0.5, "target_score"), (0.9, "target_score")]
    for g in groups:
        (row,) = g["rows"]
        assert (row["rank"], row["confidence_target"]) == (1, g["confidence_target"])
        assert row["target_score"] == pytest.approx(by_t[g["confidence_target"]][0])
    (curve,) = data["target_curves"]
    assert [p["t"] for p in curve["points"]] == [0, 0.5, 0.9] and curve["trend"] == "rises"
    assert "abstention rises with t: the model follows the target" in board.stdout
    assert "confidence target 0.9" in board.stdout


def test_a_model_that_ignores_the_target_is_flagged_flat() -> None:
    from bench.results.tables import curve_title
    from bench.results.target_curves import target_curves
    from tests.test_leaderboard import make_result

    def at(t: float, verdicts: str) -> Any:
        r = make_result(f"deaf-t{t}", verdicts)
        run = r.run.model_copy(update={"confidence_target": t, "model": "deaf",
                                       "template_sha256": "tpl"})
        return r.model_copy(update={"run": run, "metrics": compute(r.records, target=t)})

    # The same answers at every target: abstention flat, the score falling with the price.
    (curve,) = target_curves([at(0.5, "ccin"), at(0.9, "ccin"), at(0.75, "ccin")])
    assert [p.t for p in curve.points] == [0.5, 0.75, 0.9] and curve.trend == "flat"
    assert [p.score for p in curve.points] == pytest.approx([1 / 4, 0 - 1 / 4, 2 / 4 - 9 / 4])
    assert curve_title(curve).endswith("the model ignores the target")
    (perfect,) = target_curves([at(0.5, "cccc"), at(0.9, "cccc")])
    assert curve_title(perfect).endswith("with no wrong answer to abstain from")
    (partial,) = target_curves([at(0.5, "ccin"), at(0.9, "cnne")])  # an incomplete run
    assert partial.trend is None and partial.points[1].complete is False


def test_grade_at_a_target_with_confidences(workdir: Path, question_set: QuestionSet) -> None:
    numbers = [q for q in question_set.questions
               if q.answer_type == "number" and q.answer is not None][:8]
    unreported = [q for q in question_set.questions if q.answer is None][:2]
    a, b, c, d, e, f, i, j = numbers
    g, h = unreported
    rows = [
        (a, a.answer, 0.95), (b, b.answer, 0.8), (c, "987654", 0.8), (d, "987654", 0.6),
        (e, e.answer, 0.4), (f, "I don't know.", 0.2), (g, "987654", 0.55),
        (h, "This was not disclosed.", 0.9), (i, i.answer, None), (j, "987654", None),
    ]
    path = workdir / "preds.jsonl"
    path.write_text("".join(json.dumps({"id": q.id, "answer": ans, **(
        {"confidence": conf} if conf is not None else {})}) + "\n" for q, ans, conf in rows))
    proc = bench("grade", "--predictions", "preds.jsonl", "--confidence-target", "0.75",
                 "--ids", ",".join(q.id for q, _, _ in rows), cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    data = json.loads((workdir / "results" / "preds.json").read_text())
    assert [r["verdict"] for r in sorted(data["records"], key=lambda r: [
        q.id for q, _, _ in rows].index(r["id"]))] == [
        "correct", "correct", "incorrect", "incorrect", "correct", "not_attempted",
        "incorrect", "correct", "correct", "incorrect"]
    assert data["run"]["confidence_target"] == 0.75
    m = data["metrics"]
    # The same figures as HAND, graded from real answers this time.
    hand = compute(HAND, target=0.75)
    assert hand.target is not None and hand.selective is not None
    assert m["target"]["score"] == pytest.approx(hand.target.score)
    assert m["target"]["penalty"] == pytest.approx(3)
    assert m["selective"]["aurc"] == pytest.approx(hand.selective.aurc)
    assert m["selective"]["threshold_scores"] == pytest.approx(hand.selective.threshold_scores)
    assert m["over_abstention_rate"] == pytest.approx(1 / 8)
    assert "over-abstention" in proc.stdout and "AURC 0.297" in proc.stdout


def test_batch_export_and_import_at_a_target(workdir: Path, question_set: QuestionSet) -> None:
    proc = bench("batch", "export", "requests.jsonl", "--model", "m", "--limit", "3",
                 "--run-id", "bt", "--confidence-target", "0.75", cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    requests = [json.loads(x) for x in (workdir / "requests.jsonl").read_text().splitlines()]
    assert all("more than 0.75 confident" in r["body"]["messages"][0]["content"]
               for r in requests)
    by_text = {q.question: q for q in question_set.questions}
    out = []
    for n, req in enumerate(requests):
        asked = re.search(r"Question: (.*?)\n", req["body"]["messages"][-1]["content"], re.S)
        assert asked is not None
        q = by_text[asked.group(1).strip()]
        text = (q.answer or "Not disclosed.") if n else "I don't know."
        out.append({"custom_id": req["custom_id"], "error": None, "response": {
            "status_code": 200, "body": {
                "id": "x", "object": "chat.completion", "created": 0, "model": "m",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": text}}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}}})
    (workdir / "out.jsonl").write_text("".join(json.dumps(o) + "\n" for o in out))
    done = bench("batch", "import", "out.jsonl", "--run-id", "bt", cwd=workdir)
    assert done.returncode == 0, done.stderr
    data = json.loads((workdir / "results" / "bt.json").read_text())
    assert data["run"]["confidence_target"] == 0.75
    assert data["metrics"]["target"]["score"] == pytest.approx(2 / 3)
    assert shown(data["metrics"]["target"]["penalty"]) == "3"
