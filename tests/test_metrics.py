"""compute() and its parts on hand-made records, against hand-computed figures."""

from __future__ import annotations

from typing import Any

import pytest

from bench.records import Record, Usage
from bench.results.metrics import bootstrap_ci, calibration, compute, consistency, headline


def rec(verdict: str, id: str = "q", **fields: Any) -> Record:
    base: dict[str, Any] = {"id": id, "response": "r", "verdict": verdict, "reason": "why",
                            "gold": "g", "answer_type": "entity"}
    base.update(fields)
    return Record(**base)


def spread(verdicts: list[str], **fields: Any) -> list[Record]:
    """One record per verdict, each its own question."""
    return [rec(v, f"q{i}", **fields) for i, v in enumerate(verdicts)]


SIX_TWO_TWO = ["correct"] * 6 + ["incorrect"] * 2 + ["not_attempted"] * 2


def test_headline_figures() -> None:
    m = compute(spread(SIX_TWO_TWO))
    assert (m.n, m.graded, m.correct, m.incorrect, m.not_attempted) == (10, 10, 6, 2, 2)
    assert (m.errors, m.unscored) == (0, 0)
    assert m.correct_rate == pytest.approx(0.6)
    assert m.incorrect_rate == pytest.approx(0.2)
    assert m.not_attempted_rate == pytest.approx(0.2)
    assert m.accuracy_given_attempted == pytest.approx(0.75)
    assert m.f_score == pytest.approx(2 * 0.6 * 0.75 / 1.35)
    assert m.f_score == pytest.approx(0.6667, abs=1e-4)


def test_records_without_a_grade_count_as_not_answered() -> None:
    records = spread([*SIX_TWO_TWO, "error", "error", "unscored", "truncated"])
    m = compute(records)
    assert (m.n, m.graded, m.errors, m.unscored, m.truncated) == (14, 10, 2, 1, 1)
    assert not m.complete
    # over everything asked: failures are in the denominator, never left out
    assert (m.correct_rate, m.incorrect_rate, m.not_attempted_rate, m.not_answered_rate) == \
        pytest.approx((6 / 14, 2 / 14, 2 / 14, 4 / 14))
    assert m.accuracy_given_attempted == pytest.approx(0.75)
    assert m.f_score == pytest.approx(2 * 6 / (14 + 8))
    assert m.penalty_score == pytest.approx(4 / 14)
    assert m.over_graded is not None and m.over_graded.correct_rate == pytest.approx(0.6)


def test_one_answer_among_failures_never_scores_high() -> None:
    m = compute(spread(["correct"] + ["error"] * 90))
    assert m.f_score is not None and m.f_score < 0.03
    assert m.ci95["f_score"][1] < 0.1
    assert not m.complete and compute(spread(SIX_TWO_TWO)).complete


@pytest.mark.parametrize(
    ("counts", "expected"),
    [((6, 2, 2), (0.6, 0.75, 0.9 / 1.35)), ((0, 0, 4), (0.0, None, 0.0)),
     ((0, 0, 0), (None, None, None)), ((0, 3, 1), (0.0, 0.0, 0.0))],
)
def test_headline(counts: tuple[int, int, int], expected: tuple[float | None, ...]) -> None:
    assert headline(*counts) == pytest.approx(expected)


def test_no_graded_records() -> None:
    m = compute(spread(["error", "unscored"]))
    assert (m.n, m.graded, m.complete) == (2, 0, False)
    assert (m.correct_rate, m.accuracy_given_attempted, m.f_score, m.penalty_score) == (
        0.0, None, 0.0, 0.0)
    assert compute([]).n == 0


@pytest.mark.parametrize(("k", "score"), [(1.0, (6 - 2) / 11), (2.0, (6 - 4) / 11),
                                           (0.0, 6 / 11)])
def test_penalty_score(k: float, score: float) -> None:
    m = compute(spread([*SIX_TWO_TWO, "error"]), penalty_k=k)
    assert m.penalty_k == k
    assert m.penalty_score == pytest.approx(score)


def test_unreported_rates() -> None:
    records = [
        *spread(["correct", "incorrect"]),
        rec("correct", "u1", gold=None), rec("correct", "u2", gold=None),
        rec("incorrect", "u3", gold=None), rec("not_attempted", "u4", gold=None),
        rec("error", "u5", gold=None),
    ]
    un = compute(records).unreported.model_dump()
    assert un == {"n": 5, "correct_rate": 0.4, "hallucination_rate": 0.2}
    assert compute(spread(["correct"])).unreported.model_dump() == {
        "n": 0, "correct_rate": None, "hallucination_rate": None}


def test_by_tag_and_by_type() -> None:
    records = [
        rec("correct", "a", tags=("x", "y"), answer_type="number"),
        rec("incorrect", "b", tags=("x",), answer_type="number"),
        rec("not_attempted", "c", tags=("y",), answer_type="date"),
        rec("error", "d", tags=("x",), answer_type="date"),
    ]
    m = compute(records)
    assert {k: v.model_dump() for k, v in m.by_tag.items()} == {
        "x": {"n": 3, "correct": 1, "incorrect": 1, "not_attempted": 0, "not_answered": 1,
              "correct_rate": 1 / 3, "incorrect_rate": 1 / 3, "not_attempted_rate": 0.0},
        "y": {"n": 2, "correct": 1, "incorrect": 0, "not_attempted": 1, "not_answered": 0,
              "correct_rate": 0.5, "incorrect_rate": 0.0, "not_attempted_rate": 0.5},
    }
    assert m.by_type["number"].correct_rate == 0.5
    assert m.by_type["date"].model_dump() == {
        "n": 2, "correct": 0, "incorrect": 0, "not_attempted": 1, "not_answered": 1,
        "correct_rate": 0.0, "incorrect_rate": 0.0, "not_attempted_rate": 0.5}
    assert list(m.by_type) == ["date", "number"]


def test_calibration_by_hand() -> None:
    records = [
        rec("correct", "a", confidence=0.9),
        rec("incorrect", "b", confidence=0.9),
        rec("not_attempted", "c", confidence=0.2),  # counts as not correct
        rec("correct", "d", confidence=0.6),
        rec("correct", "e", confidence=None),  # no confidence: left out
        rec("error", "f", confidence=0.9),  # not graded: left out
    ]
    cal = calibration(records)
    assert cal is not None
    # bins: [0.9, 0.9] -> |1 - 1.8| = 0.8; [0.2] -> 0.2; [0.6] -> |1 - 0.6| = 0.4
    assert cal.n == 4
    assert cal.ece == pytest.approx((0.8 + 0.2 + 0.4) / 4)
    assert cal.brier == pytest.approx((0.01 + 0.81 + 0.04 + 0.16) / 4)
    assert compute(records).calibration == cal


@pytest.mark.parametrize(
    ("pairs", "ece", "brier"),
    [
        ([(1.0, "correct"), (0.0, "incorrect")], 0.0, 0.0),
        ([(1.0, "incorrect")], 1.0, 1.0),
        ([(0.05, "correct"), (0.95, "incorrect")], 0.95, 0.9025),
    ],
)
def test_calibration_edges(pairs: list[tuple[float, str]], ece: float, brier: float) -> None:
    cal = calibration([rec(v, f"q{i}", confidence=c) for i, (c, v) in enumerate(pairs)])
    assert cal is not None
    assert (cal.ece, cal.brier) == pytest.approx((ece, brier))


def test_no_confidences_no_calibration() -> None:
    assert calibration(spread(SIX_TWO_TWO)) is None
    assert compute(spread(SIX_TWO_TWO)).calibration is None


def test_citation_accuracy() -> None:
    records = [
        rec("correct", "a", citations=("d1",), citation_ok=True),
        rec("correct", "b", citations=("d9",), citation_ok=False),
        rec("incorrect", "c", citations=("d1",), citation_ok=True),
        rec("incorrect", "d"),  # answered, cited nothing: not ok
        rec("not_attempted", "e", citations=("d1",), citation_ok=True),  # not answered: left out
    ]
    assert compute(records).citation_accuracy == pytest.approx(2 / 4)
    assert compute(spread(SIX_TWO_TWO)).citation_accuracy is None


def test_consistency_with_repeats() -> None:
    records = [
        *(rec("correct", "a", sample=s) for s in range(3)),
        rec("correct", "b", sample=0), rec("incorrect", "b", sample=1),
        rec("not_attempted", "c", sample=0), rec("not_attempted", "c", sample=1),
        rec("error", "c", sample=2),
        rec("correct", "d", sample=0),  # asked once: left out
    ]
    assert consistency(records) == pytest.approx(2 / 3)
    assert compute(records).consistency == pytest.approx(2 / 3)
    assert consistency(spread(SIX_TWO_TWO)) is None


def test_latency_and_tokens() -> None:
    records = [rec("correct", f"q{i}", latency_s=float(i), usage=Usage(prompt_tokens=10,
               completion_tokens=i)) for i in range(1, 11)]
    m = compute([*records, rec("error", "x")])
    assert (m.latency_median_s, m.latency_p90_s) == (5.5, 10.0)
    assert (m.prompt_tokens, m.completion_tokens) == (100, 55)


def test_bootstrap_is_seeded_and_covers_the_estimate() -> None:
    records = spread(["correct"] * 13 + ["incorrect"] * 5 + ["not_attempted"] * 7)
    m = compute(records)
    assert m.ci95 == bootstrap_ci(records, seed=0)
    assert bootstrap_ci(records, seed=7) == bootstrap_ci(records, seed=7)
    for name in ("correct_rate", "accuracy_given_attempted", "f_score"):
        lo, hi = m.ci95[name]
        point = getattr(m, name)
        assert lo <= point <= hi
        assert lo < hi


def test_bootstrap_resamples_questions_not_samples() -> None:
    # Every question has one correct and one incorrect sample: any resample of questions gives 0.5.
    records = [rec(v, f"q{i}", sample=s) for i in range(5)
               for s, v in enumerate(["correct", "incorrect"])]
    assert bootstrap_ci(records)["correct_rate"] == (0.5, 0.5)
    assert bootstrap_ci(spread(["correct"])) == {}


@pytest.mark.parametrize("n", [2, 3, 5])
def test_a_perfect_run_has_a_perfect_interval(n: int) -> None:
    # A resample that draws no question has no F at all: it is left out, never counted as 0.
    ci = bootstrap_ci([rec("correct", id=f"q{i}") for i in range(n)])
    assert ci["f_score"] == (1.0, 1.0) and ci["correct_rate"] == (1.0, 1.0)
