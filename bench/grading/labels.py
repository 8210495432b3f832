"""How a grader agrees with careful labels: `bench agreement --labels FILE`.

A label file holds one `{"id", "response", "label"}` a line (`style` and `note` optional):
a response to a question of the set and the verdict a careful reader gives it under the
README's contract. Any grader (the rules, an LLM judge, or the hybrid of the two) grades every
response, and the report gives the agreement, Cohen's kappa, the 3x3 confusion matrix,
per-class precision and recall, agreement by style and every disagreement with its rule."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bench import defaults
from bench.dataset import Question, QuestionSet, jsonl_models
from bench.errors import DataError
from bench.grading.graders import Grader
from bench.records import JudgeUsage
from bench.results.stats import percent_and_kappa
from bench.verdicts import GRADED, Grade, Verdict

LABELS = (Verdict.CORRECT, Verdict.INCORRECT, Verdict.NOT_ATTEMPTED)


class LabelledResponse(BaseModel):
    """One line of a label file: a response and the verdict a careful reader gave it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    """The question's id in the question set."""
    response: str
    """The response exactly as the system wrote it."""
    label: Literal["correct", "incorrect", "not_attempted"]
    """The careful verdict, by the README's grading contract."""
    style: str | None = None
    """How the response is written (concise, verbose, chain-of-thought, ...): agreement is
    also reported per style."""
    note: str | None = None
    """Why the label, for whoever reads a disagreement."""


@dataclass(frozen=True)
class Labelled:
    where: str
    """`file:line` of the label."""
    item: LabelledResponse
    question: Question


def load_labels(path: str | Path, qs: QuestionSet) -> list[Labelled]:
    """Read a label file; every problem (bad JSON, unknown id, bad label) is one line."""
    by_id = qs.by_id()
    problems: list[str] = []
    out: list[Labelled] = []
    for where, item in jsonl_models(path, LabelledResponse, "labels", problems):
        q = by_id.get(item.id)
        if q is None:
            problems.append(f"{where}: id: unknown question id {item.id!r} (not in {qs.path}; "
                            "give the question set it refers to)")
            continue
        out.append(Labelled(where, item, q))
    if not out and not problems:
        problems.append(f"{path}: no labelled responses (the file is empty)")
    if problems:
        raise DataError(problems)
    return out


@dataclass(frozen=True)
class Disagreement:
    where: str
    id: str
    style: str | None
    label: str
    got: str
    rule: str
    reason: str
    response: str


@dataclass
class Report:
    """Agreement of one grader with the labels."""

    grader: str
    n: int
    """Labelled responses the grader graded (unscored ones are left out)."""
    unscored: int
    percent: float | None
    kappa: float | None
    """Cohen's kappa; None when chance agreement is 1 (one label throughout)."""
    confusion: dict[str, dict[str, int]]
    """confusion[label][grader's verdict]: counts."""
    precision: dict[str, float | None]
    recall: dict[str, float | None]
    by_style: dict[str, tuple[int, float | None]]
    """style -> (responses, percent agreement)."""
    undecided: int | None
    """Responses the rule grader was undecided on (judged, under hybrid)."""
    decided: tuple[int, float | None] | None = None
    """(responses the rules decided, percent of those that agree with the label): the
    precision of decided verdicts; None where the rules did not grade (`llm`)."""
    decided_by_style: dict[str, tuple[int, float | None]] = field(default_factory=dict)
    """style -> (decided responses, percent of them that agree with the label)."""
    undecided_by_style: dict[str, float] = field(default_factory=dict)
    """style -> percent of its responses the rules were undecided on."""
    wrongly_correct: int = 0
    """Responses labelled incorrect or not attempted that the grader graded correct: the
    errors a model could learn to game."""
    judge_usage: JudgeUsage | None = None
    """With a judge: its calls, cache hits, tokens and cost."""
    disagreements: list[Disagreement] = field(default_factory=list)


async def _grade_all(labels: list[Labelled], grader: Grader) -> list[Grade]:
    sem = asyncio.Semaphore(defaults.CONCURRENCY)

    async def one(lab: Labelled) -> Grade:
        async with sem:
            return await grader.grade(lab.question, lab.item.response)

    try:
        return list(await asyncio.gather(*(one(lab) for lab in labels)))
    finally:
        await grader.aclose()


def measure(labels: list[Labelled], grader: Grader) -> Report:
    """Grade every labelled response with `grader` and compare with the labels."""
    records = asyncio.run(_grade_all(labels, grader))
    pairs: list[tuple[str, str]] = []
    confusion = {a.value: dict.fromkeys((b.value for b in LABELS), 0) for a in LABELS}
    styles: dict[str, list[bool]] = defaultdict(list)
    sure: dict[str, list[bool]] = defaultdict(list)
    unsure: dict[str, list[bool]] = defaultdict(list)
    disagreements = []
    unscored = 0
    for lab, rec in zip(labels, records, strict=True):
        style = lab.item.style or "-"
        sure_of = rec.rules_decided
        if sure_of is not None:
            unsure[style].append(not sure_of)
        if rec.verdict not in GRADED:
            unscored += 1
            continue
        label, got = lab.item.label, rec.verdict.value
        pairs.append((label, got))
        confusion[label][got] += 1
        styles[style].append(label == got)
        if sure_of:
            sure[style].append(label == got)
        if label != got:
            disagreements.append(Disagreement(lab.where, lab.item.id, lab.item.style, label, got,
                                              rec.rule or "", rec.reason, lab.item.response))
    percent, kappa = percent_and_kappa(pairs)
    said = Counter(g for _, g in pairs)
    truth = Counter(lab for lab, _ in pairs)
    hit = Counter(lab for lab, g in pairs if lab == g)
    undecided = [u for flags in unsure.values() for u in flags]
    decided = [ok for oks in sure.values() for ok in oks]
    return Report(
        grader=grader.spec, n=len(pairs), unscored=unscored, percent=percent, kappa=kappa,
        confusion=confusion,
        precision={v.value: hit[v] / said[v] if said[v] else None for v in LABELS},
        recall={v.value: hit[v] / truth[v] if truth[v] else None for v in LABELS},
        by_style={s: (len(oks), 100 * sum(oks) / len(oks)) for s, oks in sorted(styles.items())},
        undecided=sum(undecided) if undecided else None,
        decided=(len(decided), _percent(decided)) if undecided else None,
        decided_by_style={s: (len(oks), _percent(oks)) for s, oks in sorted(sure.items())},
        undecided_by_style={s: 100 * sum(u) / len(u) for s, u in sorted(unsure.items())},
        wrongly_correct=sum(lab != "correct" and got == "correct" for lab, got in pairs),
        judge_usage=grader.usage(),
        disagreements=disagreements,
    )


def _percent(oks: list[bool]) -> float | None:
    return 100 * sum(oks) / len(oks) if oks else None
