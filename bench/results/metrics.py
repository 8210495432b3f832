"""Metrics: one pure function from graded records to counts, rates, intervals and calibration.

Headline rates are over every record asked (questions x samples): a record with no graded
answer (error, truncated, unscored) counts as not answered, never as a success, so a run whose
calls fail can never look better than one that answered. Rates over graded records only are
kept apart (`over_graded`) for diagnosis."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from statistics import median

from bench.backends.call import token_cost
from bench.records import (
    Breakdown,
    Calibration,
    Evidence,
    Metrics,
    Record,
    Selective,
    TargetScore,
    Unreported,
)
from bench.results.stats import PairedBootstrap, f_from_counts
from bench.targets import THRESHOLDS, penalty, shown, target_score
from bench.verdicts import GRADED, Verdict

_ORDER = (Verdict.CORRECT, Verdict.INCORRECT, Verdict.NOT_ATTEMPTED)
BOOTSTRAP_RESAMPLES = 1000


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def headline(correct: int, incorrect: int, not_attempted: int,
             not_answered: int = 0) -> tuple[float | None, ...]:
    """(correct rate, accuracy given attempted, F-score) from verdict counts.

    Rates are over all records, `not_answered` included; F is 0 when nothing is correct."""
    total = correct + incorrect + not_attempted + not_answered
    cr = _rate(correct, total)
    aga = _rate(correct, correct + incorrect)
    f = f_from_counts(correct, correct + incorrect, total) if total else None
    return cr, aga, f


def breakdown(records: Iterable[Record], *, graded_only: bool = False) -> Breakdown:
    """Counts and rates of a slice; rates over all its records, or over graded ones only."""
    counts = dict.fromkeys(_ORDER, 0)
    n = 0
    for r in records:
        n += 1
        if r.verdict in counts:
            counts[r.verdict] += 1
    c, i, na = (counts[v] for v in _ORDER)
    whole = c + i + na if graded_only else n
    return Breakdown(
        n=n, correct=c, incorrect=i, not_attempted=na, not_answered=n - c - i - na,
        correct_rate=_rate(c, whole), incorrect_rate=_rate(i, whole),
        not_attempted_rate=_rate(na, whole),
    )


def bootstrap_ci(
    records: Sequence[Record], *, seed: int = 0, resamples: int = BOOTSTRAP_RESAMPLES,
    groups: Mapping[str, str] | None = None, penalty: float | None = None,
) -> dict[str, tuple[float, float]]:
    """Percentile 95% intervals of the headline rates, resampling questions (all samples of a
    question move together) with the leaderboard's Poisson bootstrap (`bench.results.stats`).

    Questions of one `group` (question id -> group) hinge on one fact: they are resampled as
    one unit, so nine wordings of one fact do not narrow the interval as nine facts would.
    With a `penalty`, the interval of the target score is there too (`target_score`)."""
    units: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in records:
        u = units[groups.get(r.id, r.id) if groups else r.id]
        u[0] += r.verdict == Verdict.CORRECT
        u[1] += r.verdict in (Verdict.CORRECT, Verdict.INCORRECT)
        u[2] += 1  # an ungraded record is in every denominator, as in the headline
    if len(units) < 2:
        return {}
    boot = PairedBootstrap(len(units), resamples=resamples, seed=seed)
    counts = [(c, a, n) for c, a, n in units.values()]
    return boot.intervals(boot.encode(counts), level=0.95, penalty=penalty)


def calibration(records: Sequence[Record], bins: int = 10) -> Calibration | None:
    """ECE over `bins` equal-width bins and Brier score, not-attempted counting as not correct."""
    pairs = [(r.confidence, r.verdict == Verdict.CORRECT) for r in records
             if r.confidence is not None and r.verdict in GRADED]
    if not pairs:
        return None
    n = len(pairs)
    brier = sum((c - ok) ** 2 for c, ok in pairs) / n
    sums: list[list[float]] = [[0, 0.0, 0.0] for _ in range(bins)]
    for c, ok in pairs:
        b = sums[min(int(c * bins), bins - 1)]
        b[0] += 1
        b[1] += c
        b[2] += ok
    ece = sum(abs(b[2] - b[1]) for b in sums if b[0]) / n
    return Calibration(n=n, ece=ece, brier=brier, bins=bins)


def risk_coverage(records: Sequence[Record]) -> list[tuple[float, float]]:
    """The risk-coverage curve of stated confidences: (coverage, risk) after each of the answers
    graded correct or incorrect on answerable questions that carry a confidence, most confident
    first. Answers of equal confidence have no order among them: the risk inside their block is
    its expectation over their orders (the block's wrong answers spread evenly)."""
    points = sorted(((r.confidence, r.verdict == Verdict.INCORRECT) for r in records
                     if r.gold is not None and r.confidence is not None
                     and r.verdict in (Verdict.CORRECT, Verdict.INCORRECT)),
                    key=lambda p: -p[0])
    n = len(points)
    curve: list[tuple[float, float]] = []
    wrong_before = 0
    start = 0
    while start < n:
        end = start
        while end < n and points[end][0] == points[start][0]:
            end += 1
        size = end - start
        wrong = sum(w for _, w in points[start:end])
        for k in range(start + 1, end + 1):
            curve.append((k / n, (wrong_before + wrong * (k - start) / size) / k))
        wrong_before += wrong
        start = end
    return curve


def abstaining_below(records: Sequence[Record], t: float) -> float | None:
    """The target score at t had the run abstained wherever its stated confidence was below t:
    an answer to an answerable question becomes not attempted, a value asserted on an
    unreported question becomes the right abstention; answers without a confidence stay."""
    c = i = 0
    for r in records:
        v = r.verdict
        if r.confidence is not None and r.confidence < t:
            if r.gold is not None and v in (Verdict.CORRECT, Verdict.INCORRECT):
                v = Verdict.NOT_ATTEMPTED
            elif r.gold is None and v == Verdict.INCORRECT:
                v = Verdict.CORRECT
        c += v == Verdict.CORRECT
        i += v == Verdict.INCORRECT
    return target_score(c, i, len(records), t)


def selective(records: Sequence[Record]) -> Selective | None:
    """Risk-coverage area and threshold scores; None when no record carries a confidence."""
    if not any(r.confidence is not None for r in records):
        return None
    curve = risk_coverage(records)
    return Selective(
        n=len(curve), aurc=sum(risk for _, risk in curve) / len(curve) if curve else None,
        threshold_scores={shown(t): abstaining_below(records, t) for t in THRESHOLDS})


def evidence(records: Sequence[Record]) -> Evidence | None:
    """Quotes missing, fabricated and supporting, over the answers for which evidence was asked
    or given; None when there were none."""
    asked = [r for r in records if r.evidence is not None]
    if not asked:
        return None
    n = len(asked)
    quotes = [e for r in asked for e in r.evidence or ()]
    supported = [any(e.overlaps_gold for e in r.evidence or ()) for r in asked]
    return Evidence(
        n=n, quotes=len(quotes),
        missing_rate=sum(not r.evidence for r in asked) / n,
        fabricated_rate=_rate(sum(not e.found for e in quotes), len(quotes)),
        exact_rate=_rate(sum(e.exact for e in quotes), len(quotes)),
        supported_rate=sum(supported) / n,
        correct_unsupported=sum(r.verdict == Verdict.CORRECT and not ok
                                for r, ok in zip(asked, supported, strict=True)))


def consistency(records: Sequence[Record]) -> float | None:
    """With repeats: share of questions whose graded samples all got the same verdict."""
    verdicts: dict[str, set[str]] = defaultdict(set)
    sizes: dict[str, int] = defaultdict(int)
    for r in records:
        if r.verdict in GRADED:
            verdicts[r.id].add(r.verdict)
            sizes[r.id] += 1
    multi = [q for q, k in sizes.items() if k > 1]
    if not multi:
        return None
    return sum(len(verdicts[q]) == 1 for q in multi) / len(multi)


def _undecided(records: Sequence[Record]) -> int | None:
    """Records the rule grader could only guess; None when no record carries its decision."""
    known = [r.decided for r in records if r.decided is not None]
    return sum(not d for d in known) if known else None


def _total(values: Iterable[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def compute(records: Sequence[Record], *, penalty_k: float = 1.0, seed: int = 0,
            prices: tuple[float, float] | None = None,
            groups: Mapping[str, str] | None = None, target: float | None = None) -> Metrics:
    """Every figure of a result from its records; pure and deterministic for a given seed.

    `groups` (question id -> group) makes the bootstrap resample questions of one group
    together; `target` is the confidence target the run was scored at (`bench.targets`)."""
    counts = dict.fromkeys(Verdict, 0)
    for r in records:
        counts[r.verdict] += 1
    c, i, na = (counts[v] for v in _ORDER)
    graded = c + i + na
    n = len(records)
    cr, aga, f = headline(c, i, na, n - graded)
    missing = sum(r.rule == "missing" for r in records)
    prompt_tokens = sum(r.usage.prompt_tokens for r in records if r.usage)
    completion_tokens = sum(r.usage.completion_tokens for r in records if r.usage)
    unreported = [r for r in records if r.gold is None]
    un = breakdown(unreported)
    answerable = breakdown(r for r in records if r.gold is not None)
    ci95 = bootstrap_ci(records, seed=seed, groups=groups,
                        penalty=None if target is None else penalty(target))
    scored = None if target is None else TargetScore(
        t=target, penalty=penalty(target), score=target_score(c, i, n, target),
        ci95=ci95.pop("target_score", None))
    by_tag: dict[str, list[Record]] = defaultdict(list)
    by_type: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        by_type[r.answer_type].append(r)
        for t in r.tags:
            by_tag[t].append(r)
    latencies = sorted(r.latency_s for r in records if r.latency_s is not None)
    cited = [r for r in records if r.verdict in (Verdict.CORRECT, Verdict.INCORRECT)]
    citation_accuracy = None
    if any(r.citations is not None for r in records) and cited:
        citation_accuracy = sum(bool(r.citation_ok) for r in cited) / len(cited)
    return Metrics(
        n=n,
        graded=graded,
        complete=bool(n) and graded == n and not missing,
        correct=c,
        incorrect=i,
        not_attempted=na,
        errors=counts[Verdict.ERROR],
        unscored=counts[Verdict.UNSCORED],
        truncated=counts[Verdict.TRUNCATED],
        truncated_graded=sum(r.truncated for r in records),
        missing=missing,
        correct_rate=cr,
        incorrect_rate=_rate(i, n),
        not_attempted_rate=_rate(na, n),
        not_answered_rate=_rate(n - graded, n),
        over_graded=breakdown(records, graded_only=True),
        accuracy_given_attempted=aga,
        f_score=f,
        penalty_score=(c - penalty_k * i) / n if n else None,
        penalty_k=penalty_k,
        ci95=ci95,
        unreported=Unreported(n=un.n, correct_rate=un.correct_rate,
                              hallucination_rate=un.incorrect_rate),
        by_tag={t: breakdown(rs) for t, rs in sorted(by_tag.items())},
        by_type={t: breakdown(rs) for t, rs in sorted(by_type.items())},
        calibration=calibration(records),
        citation_accuracy=citation_accuracy,
        latency_median_s=median(latencies) if latencies else None,
        latency_p90_s=latencies[min(len(latencies) - 1, int(0.9 * len(latencies)))]
        if latencies else None,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        reasoning_tokens=_total(r.usage.reasoning_tokens for r in records if r.usage),
        cached_tokens=_total(r.usage.cached_tokens for r in records if r.usage),
        cost=token_cost(prompt_tokens, completion_tokens, prices),
        consistency=consistency(records),
        undecided=_undecided(records),
        over_abstention_rate=answerable.not_attempted_rate,
        target=scored,
        selective=selective(records),
        evidence=evidence(records),
    )
