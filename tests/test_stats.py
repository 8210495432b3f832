"""bench.results.stats against known values: McNemar exact and chi-square, the paired bootstrap."""

from __future__ import annotations

import math

import pytest

from bench.results.metrics import headline
from bench.results.stats import (
    _POISSON,
    PairedBootstrap,
    chi2_sf_1df,
    f_from_counts,
    mcnemar,
    mcnemar_chi2,
    mcnemar_exact,
    paired_bootstrap_f,
)


@pytest.mark.parametrize(("b", "c", "p"), [
    (10, 2, 0.03857421875),  # 2 * (1 + 12 + 66) / 2**12
    (2, 10, 0.03857421875),
    (3, 12, 0.03515625),  # 2 * 576 / 2**15
    (12, 0, 2 / 4096),
    (5, 5, 1.0),
    (1, 0, 1.0),
    (0, 0, 1.0),
])
def test_mcnemar_exact(b: int, c: int, p: float) -> None:
    assert mcnemar_exact(b, c) == pytest.approx(p, rel=1e-12)


@pytest.mark.parametrize(("b", "c", "chi2", "p"), [
    (25, 10, 5.6, 0.017960477526078766),  # (|25-10|-1)^2 / 35; scipy.stats.chi2.sf(5.6, 1)
    (40, 10, 16.82, 4.10979e-05),  # 29^2 / 50; 2 * (1 - Phi(sqrt(16.82)))
    (30, 30, 0.0, 1.0),
    (0, 0, 0.0, 1.0),
])
def test_mcnemar_chi2(b: int, c: int, chi2: float, p: float) -> None:
    stat, pval = mcnemar_chi2(b, c)
    assert stat == pytest.approx(chi2)
    assert pval == pytest.approx(p, rel=1e-4)


@pytest.mark.parametrize("chi2", [0.5, 3.841458820694124, 5.6, 16.82])
def test_chi2_p_against_numerical_integration(chi2: float) -> None:
    """P(|Z| > sqrt(chi2)) with the normal density integrated by Simpson's rule."""
    lo, hi, steps = math.sqrt(chi2), 12.0, 4000
    h = (hi - lo) / steps
    pdf = [math.exp(-((lo + k * h) ** 2) / 2) / math.sqrt(2 * math.pi) for k in range(steps + 1)]
    tail = h / 3 * (pdf[0] + pdf[-1] + 4 * sum(pdf[1:-1:2]) + 2 * sum(pdf[2:-1:2]))
    assert chi2_sf_1df(chi2) == pytest.approx(2 * tail, rel=1e-8)


@pytest.mark.parametrize(("b", "c", "method"), [
    (12, 12, "exact"), (24, 0, "exact"), (13, 12, "chi2-cc"), (25, 10, "chi2-cc"),
])
def test_mcnemar_picks_exact_below_25_discordant_pairs(b: int, c: int, method: str) -> None:
    result = mcnemar(b, c)
    assert result.method == method
    assert (result.statistic is None) == (method == "exact")


@pytest.mark.parametrize(("correct", "incorrect", "not_attempted"), [
    (32, 4, 4), (1, 0, 9), (0, 5, 5), (7, 3, 0), (50, 50, 0),
])
def test_f_from_counts_is_simpleqa_f(correct: int, incorrect: int, not_attempted: int) -> None:
    graded = correct + incorrect + not_attempted
    expected = headline(correct, incorrect, not_attempted)[2]
    assert f_from_counts(correct, correct + incorrect, graded) == pytest.approx(expected)


def test_poisson_weights_have_mean_and_variance_one_and_fit_three_bits() -> None:
    n = len(_POISSON)
    mean = sum(_POISSON) / n
    var = sum((w - mean) ** 2 for w in _POISSON) / n
    assert max(_POISSON) <= 7
    assert mean == pytest.approx(1.0, abs=1e-3)
    assert var == pytest.approx(1.0, abs=1e-3)


def runs(n: int, pattern_a: str, pattern_b: str) -> tuple[list, list]:
    """Per-question (correct, attempted, graded) from verdict codes c / i / n / - (missing)."""
    code = {"c": (1, 1, 1), "i": (0, 1, 1), "n": (0, 0, 1), "-": None}
    a = [code[pattern_a[k % len(pattern_a)]] for k in range(n)]
    b = [code[pattern_b[k % len(pattern_b)]] for k in range(n)]
    return a, b


@pytest.mark.parametrize(("pattern_a", "pattern_b", "significant"), [
    ("ccci", "ccci", False),  # the same answers
    ("cciin", "ciicn", False),  # different answers, the same F
    ("cccci", "ciinn", True),  # far apart
    ("ccccn", "cccnc", False),
])
def test_bootstrap_significance(pattern_a: str, pattern_b: str, significant: bool) -> None:
    a, b = runs(500, pattern_a, pattern_b)
    result = paired_bootstrap_f(a, b)
    assert result is not None
    assert result.significant is significant
    assert result.lo <= result.diff <= result.hi
    assert result.n_shared == 500


def test_identical_runs_differ_by_exactly_zero() -> None:
    a, _ = runs(200, "ccin", "ccin")
    result = paired_bootstrap_f(a, a)
    assert (result.diff, result.lo, result.hi) == (0.0, 0.0, 0.0)


def test_bootstrap_is_seeded_and_reproducible() -> None:
    a, b = runs(300, "cciin", "ccinn")
    first, again = paired_bootstrap_f(a, b, seed=3), paired_bootstrap_f(a, b, seed=3)
    other = paired_bootstrap_f(a, b, seed=4)
    assert first == again
    assert (first.lo, first.hi) != (other.lo, other.hi)
    assert first.diff == other.diff


def test_only_questions_both_answered_count() -> None:
    # b misses every third question; a's answers there must not weigh in.
    a = [(1, 1, 1) if k % 3 == 0 else (0, 1, 1) for k in range(300)]
    b = [None if k % 3 == 0 else (0, 1, 1) for k in range(300)]
    result = paired_bootstrap_f(a, b)
    assert result.n_shared == 200
    assert (result.diff, result.lo, result.hi) == (0.0, 0.0, 0.0)
    assert paired_bootstrap_f([None] * 5, [(1, 1, 1)] * 5) is None


def test_repeats_count_samples_within_questions() -> None:
    # Three samples a question: a gets 2 of 3 right, b 1 of 3, everywhere.
    a = [(2, 3, 3)] * 100
    b = [(1, 3, 3)] * 100
    result = paired_bootstrap_f(a, b)
    assert result.diff == pytest.approx(2 / 3 - 1 / 3)
    # Every question is alike, so every resample gives the same difference.
    assert result.lo == pytest.approx(result.diff) and result.hi == pytest.approx(result.diff)


def test_interval_close_to_a_classical_bootstrap() -> None:
    """The Poisson intervals match the multinomial bootstrap's, computed the slow way."""
    import random

    a, b = runs(400, "ccciin", "cciinnc")
    fast = paired_bootstrap_f(a, b, resamples=2000)
    cols = [[[r[j] for r in run] for j in range(3)] for run in (a, b)]
    rng, diffs = random.Random(1), []
    for _ in range(2000):
        idx = rng.choices(range(400), k=400)
        fa, fb = (f_from_counts(*(sum(map(col.__getitem__, idx)) for col in run)) for run in cols)
        diffs.append(fa - fb)
    diffs.sort()
    assert fast.lo == pytest.approx(diffs[50], abs=0.012)
    assert fast.hi == pytest.approx(diffs[1949], abs=0.012)


def test_encode_checks_the_length() -> None:
    with pytest.raises(ValueError, match="expected 3 questions"):
        PairedBootstrap(3, resamples=10).encode([(1, 1, 1)])
