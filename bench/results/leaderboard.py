"""`bench leaderboard`: rank result files by F-score, per question set, selection, grader and
confidence target.

Only comparable, complete runs are ranked. A group holds the runs over the same question set,
the same selection of its questions, the same grader and the same confidence target; within it
a run is ranked only when every selected question has a graded answer and nothing failed (the
others are listed below, with their coverage and `rank: null`).

Complete runs are sorted by F-score (in a group at a confidence target, by the score at that
target), then correct rate, then run id, and, walking down, each is compared with the leader
of the current rank group by a paired bootstrap of the difference (`bench.results.stats`): an
interval containing 0 joins the leader's group and its rank ("1="), otherwise the run leads a
new group. Comparing with the leader rather than
the run just above keeps a chain of small steps from tying runs that differ clearly.

The README documents leaderboard.json field by field."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from bench.errors import BenchError
from bench.records import ResultFile
from bench.results.read import NotAResultFile, read_result, result_paths, selection_of
from bench.results.stats import RESAMPLES, Encoded, PairedBootstrap
from bench.results.target_curves import TargetCurve, target_curves
from bench.targets import penalty, shown
from bench.verdicts import Verdict

__all__ = ["LEVEL", "RESAMPLES", "SCHEMA_VERSION", "SEED", "Group", "Leaderboard",
           "LeaderboardRow", "RankedRun", "build", "counted", "gc_paused", "group_name",
           "group_title", "selection_words"]

SCHEMA_VERSION = 2
SEED = 0
LEVEL = 0.95
_COUNTS = {Verdict.CORRECT: (1, 1), Verdict.INCORRECT: (0, 1), Verdict.NOT_ATTEMPTED: (0, 0)}


class LeaderboardRow(BaseModel):
    """One run's row in leaderboard.json (see the module docstring for the fields)."""

    model_config = ConfigDict(extra="forbid")

    rank: int | None = None
    """Competition rank of the row's rank group; null: not ranked."""
    rank_label: str = "-"
    """`1`, `1=` (tied with the group's leader), ... or `-`."""
    complete: bool
    """Every selected question has a graded answer and nothing failed."""
    coverage: float | None
    """Share of records with a graded answer."""
    run_id: str
    """The run."""
    file: str
    """Its result file's name."""
    model: str | None
    backend: str | None
    mode: str | None
    kind: str
    """`run` or `grade`."""
    created_at: str
    n: int
    """Records (questions x samples)."""
    n_questions: int
    """Questions asked."""
    correct_rate: float | None
    incorrect_rate: float | None
    not_attempted_rate: float | None
    accuracy_given_attempted: float | None
    f_score: float | None
    f_score_ci95: list[float] | None
    """Bootstrap 95% interval of the F-score, [lo, hi]."""
    unreported_n: int
    unreported_correct_rate: float | None
    unreported_hallucination_rate: float | None
    ece: float | None
    brier: float | None
    errors: int
    truncated: int = 0
    truncated_graded: int = 0
    """Replies cut off after a complete answer, graded (within the verdicts)."""
    unscored: int
    missing: int = 0
    latency_median_s: float | None
    prompt_tokens: int
    completion_tokens: int
    reasoning_tokens: int | None = None
    """Reasoning tokens, when the server reported them."""
    cost: float | None = None
    """What the run's calls cost at the prices given; null when none were."""
    judge_tokens: int | None = None
    """Tokens (in + out) of the LLM judge's calls for this result; null without a judge."""
    judge_cost: float | None = None
    """What the judge's calls cost, apart from `cost`; null without a judge or its prices."""
    compared_with: str | None = None
    """run_id of the rank-group leader this row was tested against."""
    f_diff: float | None = None
    """F(compared_with) - F(row) on shared questions."""
    f_diff_ci95: list[float] | None = None
    """Its bootstrap 95% interval."""
    over_abstention_rate: float | None = None
    """Not attempted among the answerable questions' records."""
    confidence_target: float | None = None
    """The confidence target of the run (its group's); null: none."""
    target_score: float | None = None
    """The score at that target, by which a targeted group is ranked."""
    target_score_ci95: list[float] | None = None
    """Its bootstrap 95% interval."""
    target_diff: float | None = None
    """In a targeted group: score(compared_with) - score(row) on shared questions."""
    target_diff_ci95: list[float] | None = None
    """Its bootstrap 95% interval."""
    aurc: float | None = None
    """With stated confidences: the area under the risk-coverage curve (lower is better)."""
    fabricated_quote_rate: float | None = None
    """With evidence: quotes found in no article / quotes."""
    supported_rate: float | None = None
    """With evidence: answers with a quote overlapping a gold citation / answers."""


@dataclass
class RankedRun:
    """A result file with its leaderboard row."""

    path: Path
    result: ResultFile
    row: LeaderboardRow


@dataclass
class Group:
    """Runs ranked together: one question-set hash, one grader."""

    questions_sha256: str
    selection_sha256: str
    grader: str
    runs: list[RankedRun]
    question_ids: list[str]
    subset: bool = False
    confidence_target: float | None = None
    """The runs' confidence target: a targeted group is ranked by the score at it."""

    def to_json(self) -> dict[str, Any]:
        return {"questions_sha256": self.questions_sha256, "grader": self.grader,
                "selection_sha256": self.selection_sha256, "subset": self.subset,
                "confidence_target": self.confidence_target,
                "ranked_by": "f_score" if self.confidence_target is None else "target_score",
                "n_questions": len(self.question_ids),
                "rows": [r.row.model_dump(mode="json") for r in self.runs]}


@dataclass
class Leaderboard:
    groups: list[Group]
    skipped: list[dict[str, str]]
    generated_at: str
    target_curves: list[TargetCurve] = field(default_factory=list)
    """Models run at several confidence targets: score and abstention at each."""

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "generated_at": self.generated_at,
            "bootstrap": {"resamples": RESAMPLES, "seed": SEED, "level": LEVEL},
            "groups": [g.to_json() for g in self.groups],
            "target_curves": [c.model_dump(mode="json") for c in self.target_curves],
            "skipped": self.skipped,
        }


def _rounded(pair: Any) -> list[float] | None:
    return [round(pair[0], 6), round(pair[1], 6)] if pair else None


def base_row(path: Path, result: ResultFile) -> LeaderboardRow:
    run, m = result.run, result.metrics
    cal, ju = m.calibration, result.judge_usage
    return LeaderboardRow(
        run_id=run.run_id, file=path.name, model=run.model, backend=run.backend, mode=run.mode,
        kind=run.kind, created_at=run.created_at, n=m.n,
        n_questions=len(run.selected_ids) if run.selected_ids else len({r.id for r in
                                                                          result.records}),
        # A question with no answer at all is not covered, though it counts not attempted.
        complete=m.complete, coverage=(m.graded - m.missing) / m.n if m.n else None,
        correct_rate=m.correct_rate, incorrect_rate=m.incorrect_rate,
        not_attempted_rate=m.not_attempted_rate,
        accuracy_given_attempted=m.accuracy_given_attempted,
        f_score=m.f_score, f_score_ci95=_rounded(m.ci95.get("f_score")),
        unreported_n=m.unreported.n, unreported_correct_rate=m.unreported.correct_rate,
        unreported_hallucination_rate=m.unreported.hallucination_rate,
        ece=cal.ece if cal else None, brier=cal.brier if cal else None,
        errors=m.errors, truncated=m.truncated, truncated_graded=m.truncated_graded,
        unscored=m.unscored, missing=m.missing,
        latency_median_s=m.latency_median_s,
        prompt_tokens=m.prompt_tokens, completion_tokens=m.completion_tokens,
        reasoning_tokens=m.reasoning_tokens, cost=m.cost,
        judge_tokens=None if ju is None else ju.prompt_tokens + ju.completion_tokens,
        judge_cost=None if ju is None else ju.cost,
        over_abstention_rate=m.over_abstention_rate,
        confidence_target=run.confidence_target,
        target_score=m.target.score if m.target else None,
        target_score_ci95=_rounded(m.target.ci95) if m.target else None,
        aurc=m.selective.aurc if m.selective else None,
        fabricated_quote_rate=m.evidence.fabricated_rate if m.evidence else None,
        supported_rate=m.evidence.supported_rate if m.evidence else None,
    )


def question_counts(result: ResultFile) -> dict[str, tuple[int, int, int]]:
    """Per question id: (correct, attempted, asked) samples; a record without a grade is asked
    and not attempted, as in the headline rates."""
    counts: dict[str, list[int]] = {}
    for r in result.records:
        hit = _COUNTS.get(r.verdict, (0, 0))
        c = counts.setdefault(r.id, [0, 0, 0])
        c[0] += hit[0]
        c[1] += hit[1]
        c[2] += 1
    return {q: (c[0], c[1], c[2]) for q, c in counts.items()}


def _figure(run: RankedRun, targeted: bool) -> float | None:
    """What a group ranks by: the target score in a targeted group, the F-score otherwise."""
    m = run.result.metrics
    return (m.target.score if m.target else None) if targeted else m.f_score


def rank_group(group: Group) -> None:
    """Sort a group's runs and assign rank groups (see the module docstring)."""
    targeted = group.confidence_target is not None
    price = None if group.confidence_target is None else penalty(group.confidence_target)

    def key(run: RankedRun) -> tuple[Any, ...]:
        m, figure = run.result.metrics, _figure(run, targeted)
        return (not m.complete, figure is None, -(figure or 0.0), -(m.correct_rate or 0.0),
                run.row.run_id)

    group.runs.sort(key=key)
    ids = group.question_ids
    boot = PairedBootstrap(len(ids), resamples=RESAMPLES, seed=SEED)
    leader: RankedRun | None = None
    leader_enc: Encoded | None = None
    for pos, run in enumerate(group.runs, 1):
        row = run.row
        if not run.result.metrics.complete or _figure(run, targeted) is None:
            continue
        counts = question_counts(run.result)
        enc = boot.encode([counts.get(q) for q in ids])
        diff = (boot.f_diff(leader_enc, enc, LEVEL, penalty=price)
                if leader_enc is not None else None)
        if leader is not None:
            row.compared_with = leader.row.run_id
            if diff is not None:
                pair = [round(diff.lo, 6), round(diff.hi, 6)]
                if targeted:
                    row.target_diff, row.target_diff_ci95 = round(diff.diff, 6), pair
                else:
                    row.f_diff, row.f_diff_ci95 = round(diff.diff, 6), pair
        if leader is not None and diff is not None and not diff.significant:
            row.rank = leader.row.rank
            row.rank_label = f"{row.rank}="
        else:
            leader, leader_enc = run, enc
            row.rank = pos
            row.rank_label = str(pos)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector.

    Otherwise each collection rescans every record loaded so far, which makes reading 200
    files of 1,000 records four times slower. Records hold no cycles: reference counting
    frees them all the same.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build(folder: Path) -> tuple[Leaderboard, int]:
    """Read, group and rank every result file of `folder`; also return the files considered."""
    by_key: dict[tuple[str, str, str, float | None], list[RankedRun]] = {}
    skipped: list[dict[str, str]] = []
    considered = 0
    for path in result_paths(folder):
        try:
            result = read_result(path)
        except NotAResultFile:
            continue
        except BenchError as exc:
            considered += 1
            skipped.append({"file": str(path), "error": str(exc).removeprefix(f"{path}: ")})
            continue
        considered += 1
        key = (result.run.questions_sha256, selection_of(result), result.run.grader,
               result.run.confidence_target)
        by_key.setdefault(key, []).append(RankedRun(path, result, base_row(path, result)))
    groups = []
    for (sha, selection, grader, target), runs in by_key.items():
        ids = sorted({r.id for run in runs for r in run.result.records})
        group = Group(sha, selection, grader, runs, ids,
                      subset=any(run.result.run.subset for run in runs),
                      confidence_target=target)
        rank_group(group)
        groups.append(group)
    # Whole-set groups first, then untargeted before targeted ones (by target), the most runs.
    groups.sort(key=lambda g: (g.subset, g.confidence_target is not None,
                               g.confidence_target or 0.0, -len(g.runs), g.questions_sha256,
                               g.grader, g.selection_sha256))
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    curves = target_curves([run.result for g in groups for run in g.runs])
    return Leaderboard(groups, skipped, now, curves), considered




def counted(group: Group) -> tuple[str, str]:
    """("3 runs", "91 questions"): a group's size in words."""
    runs, questions = len(group.runs), len(group.question_ids)
    return f"{runs} run{'s' * (runs != 1)}", f"{questions} question{'s' * (questions != 1)}"


def group_title(group: Group) -> str:
    """The group's name, then its size: "questions 991e70b2067b · 10 questions, the first 10 ·
    grader rules-v3 · 3 runs"."""
    runs, _ = counted(group)
    return f"{group_name(group)} · {runs}"


def group_name(group: Group) -> str:
    """What tells a group from the others: its question set, its selection (how many
    questions and how they were chosen), its grader and its confidence target."""
    target = ("" if group.confidence_target is None
              else f" · confidence target {shown(group.confidence_target)}")
    return (f"questions {group.questions_sha256[:12]} · {selection_words(group)} · "
            f"grader {group.grader}{target}")


def selection_words(group: Group) -> str:
    """ "all 94 questions", "10 questions, the first 10", "13 questions, tagged unreported",
    "2 questions chosen by id"; an older file's subset by its selection hash."""
    _, questions = counted(group)
    if not group.subset:
        return f"all {questions}"
    how = next((run.result.run.selection for run in group.runs if run.result.run.selection),
               None)
    if not how:
        return f"{questions}, selection {group.selection_sha256[:8]}"
    parts = []
    if how.get("ids"):
        parts.append("chosen by id")
    if how.get("tags"):
        parts.append("tagged " + " or ".join(how["tags"]))
    if how.get("limit"):
        parts.append(f"the first {how['limit']}" if len(parts) == 0
                     else f"the first {how['limit']} of them")
    return f"{questions}, {', '.join(parts)}" if parts else questions
