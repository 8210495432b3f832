"""Behaviour across confidence targets: one model's runs at several targets side by side, its
score and abstention at each, and whether it abstains more as a wrong answer costs more.

A model that follows the target abstains more as t rises; one that ignores it answers the same
at every t, and its score falls as the penalty grows. Runs belong to one curve when they share
the question set, the selection, the grader, the backend, the model, the mode and the prompt
template (their prompts differ only by the target); a run that is not complete is shown but not
used for the trend, since its missing answers would read as abstentions."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bench.records import ResultFile
from bench.results.read import selection_of

Trend = Literal["rises", "flat", "mixed"]


class TargetPoint(BaseModel):
    """One run of a curve."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    t: float
    """Its confidence target."""
    run_id: str
    """The run."""
    complete: bool
    """Every question answered and graded (only complete points make the trend)."""
    score: float | None
    """The score at t: (correct - t/(1-t) x incorrect) / n."""
    score_ci95: tuple[float, float] | None = None
    """Its bootstrap 95% interval."""
    abstention_rate: float | None
    """Not attempted among all records."""
    correct_rate: float | None
    """Correct among all records."""
    incorrect_rate: float | None = None
    """Incorrect among all records."""
    hallucination_rate: float | None
    """Values asserted on unreported questions, among their records."""


class TargetCurve(BaseModel):
    """One model at several confidence targets."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str | None
    backend: str | None
    mode: str | None
    template_sha256: str | None
    """The prompt template shared by the runs, the target aside."""
    questions_sha256: str
    selection_sha256: str
    grader: str
    points: list[TargetPoint]
    """One per target, by increasing target."""
    trend: Trend | None
    """How abstention moves with t over the complete points: `rises` (never falls, and is
    higher at the highest t than at the lowest), `flat` (the same at every t: the target is
    ignored), `mixed`; null with fewer than two complete points."""

    @property
    def name(self) -> str:
        return " · ".join(part for part in (self.model or self.backend, self.mode) if part)


def trend_of(rates: list[float]) -> Trend | None:
    """`rises`, `flat` or `mixed` for abstention rates ordered by target."""
    if len(rates) < 2:
        return None
    if all(r == rates[0] for r in rates):
        return "flat"
    if all(a <= b for a, b in pairwise(rates)) and rates[-1] > rates[0]:
        return "rises"
    return "mixed"


_Key = tuple[str, str, str, str | None, str | None, str | None, str | None]


def target_curves(results: Iterable[ResultFile]) -> list[TargetCurve]:
    """The curves of every model with complete or partial runs at two or more targets."""
    by_model: dict[_Key, dict[float, ResultFile]] = {}
    for result in results:
        info = result.run
        t = info.confidence_target
        if t is None:
            continue
        key: _Key = (info.questions_sha256, selection_of(result), info.grader, info.backend,
                     info.model, info.mode, info.template_sha256)
        at = by_model.setdefault(key, {})
        # Two runs at one target: the newer one speaks for the model.
        if t not in at or info.created_at > at[t].run.created_at:
            at[t] = result
    curves = []
    for (sha, selection, grader, backend, model, mode, template), at in by_model.items():
        if len(at) < 2:
            continue
        points = [_point(t, at[t]) for t in sorted(at)]
        rates = [p.abstention_rate for p in points if p.complete]
        curves.append(TargetCurve(
            model=model, backend=backend, mode=mode, template_sha256=template,
            questions_sha256=sha, selection_sha256=selection, grader=grader,
            points=points, trend=trend_of([r for r in rates if r is not None])))
    curves.sort(key=lambda c: (c.questions_sha256, c.selection_sha256, c.grader, c.name))
    return curves


def _point(t: float, result: ResultFile) -> TargetPoint:
    m = result.metrics
    return TargetPoint(
        t=t, run_id=result.run.run_id, complete=m.complete,
        score=m.target.score if m.target else None,
        score_ci95=m.target.ci95 if m.target else None,
        abstention_rate=m.not_attempted_rate, correct_rate=m.correct_rate,
        incorrect_rate=m.incorrect_rate,
        hallucination_rate=m.unreported.hallucination_rate)
