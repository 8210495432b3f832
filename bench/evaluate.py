"""From answers to a result file: grade with rules, the judge or both, then compute metrics."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import __version__
from bench.dataset import Question
from bench.errors import ConfigError
from bench.grading import RULES_SPEC, RuleGrader, citation_ok
from bench.judge import Judge, agreement
from bench.metrics import compute
from bench.records import Agreement, Grade, Record, ResultFile, RunInfo, Usage


@dataclass
class Answer:
    """The raw outcome of asking one question once: a response, or the error that prevented it."""

    question: Question
    sample: int
    response: str | None
    error: str | None = None
    confidence: float | None = None
    citations: tuple[str, ...] | None = None
    latency_s: float | None = None
    usage: Usage | None = None
    attempts: int | None = None
    missing: bool = False
    """No answer was given for this question at all (`bench grade` without a prediction)."""


@dataclass
class Graders:
    """The graders a command asked for: `kind` is rules, llm or both."""

    kind: str
    rules: RuleGrader
    judge: Judge | None = None

    @property
    def spec(self) -> str:
        if self.kind == "rules":
            return RULES_SPEC
        assert self.judge is not None
        return self.judge.spec if self.kind == "llm" else f"both:{RULES_SPEC}+{self.judge.spec}"


def make_graders(args: Any, questions: Sequence[Question]) -> Graders:
    """Build the graders named by `--grader`, `--judge-backend`, `--judge-model`, ..."""
    rules = RuleGrader(questions)
    if args.grader == "rules":
        return Graders("rules", rules)
    from bench import backends

    if not args.judge_model and args.judge_backend == "openai":
        raise ConfigError("--grader llm needs --judge-model NAME (the model that grades)")
    options: dict[str, Any] = {}
    if args.judge_model:
        options["model"] = args.judge_model
    if getattr(args, "judge_base_url", None):
        options["base_url"] = args.judge_base_url
    backend = backends.create(args.judge_backend, options)
    judge_id = f"{args.judge_backend}/{args.judge_model or 'default'}"
    cache = args.judge_cache or str(Path(getattr(args, "results_dir", "results")) / ".cache/judge")
    scope = getattr(args, "judge_base_url", None) or ""
    return Graders(args.grader, rules, Judge(backend, judge_id, cache, cache_scope=scope))


async def grade_answers(
    answers: Sequence[Answer], graders: Graders, *, concurrency: int = 8
) -> list[Record]:
    """Grade every answer; a failed call stays an `error` record, never graded as text."""
    judged: dict[int, Grade] = {}
    if graders.judge is not None:
        sem = asyncio.Semaphore(concurrency)
        judge = graders.judge

        async def one(i: int, a: Answer) -> None:
            async with sem:
                judged[i] = await judge.grade(a.question, a.response or "")

        try:
            await asyncio.gather(
                *(one(i, a) for i, a in enumerate(answers)
                  if a.response is not None and not a.missing)
            )
        finally:
            close = getattr(judge.backend, "aclose", None)
            if close is not None:
                await close()
    records = []
    for i, a in enumerate(answers):
        q = a.question
        base: dict[str, Any] = {
            "id": q.id, "sample": a.sample, "response": a.response, "gold": q.answer,
            "answer_type": q.answer_type, "tags": q.tags, "confidence": a.confidence,
            "citations": a.citations, "citation_ok": citation_ok(q, a.citations),
            "latency_s": a.latency_s, "usage": a.usage, "attempts": a.attempts,
        }
        if a.response is None:
            records.append(Record(**base, verdict="error", reason=a.error or "no response"))
            continue
        if a.missing:  # nothing to grade: no grader, and no judge call, is needed
            records.append(Record(**base, verdict="not_attempted",
                                  reason="no prediction for this question"))
            continue
        if graders.kind == "llm":
            g = judged[i]
            records.append(Record(**base, verdict=g.verdict, reason=g.reason))
            continue
        verdict, reason = graders.rules.grade(q, a.response)
        records.append(Record(**base, verdict=verdict, reason=reason, judge=judged.get(i)))
    return records


def judge_view(records: Sequence[Record]) -> list[Record]:
    """Records as the judge graded them (for `--grader both`)."""
    return [
        r.model_copy(update={"verdict": r.judge.verdict, "reason": r.judge.reason})
        if r.judge is not None else r
        for r in records
    ]


def agreement_of(records: Sequence[Record]) -> Agreement:
    pairs = [(r, r.judge) for r in records
             if r.judge is not None and r.judge.verdict != "unscored"
             and r.verdict in ("correct", "incorrect", "not_attempted")]
    pct, kappa = agreement([(r.verdict, j.verdict) for r, j in pairs])
    return Agreement(
        n=len(pairs), percent=pct, kappa=kappa,
        disagreements=[
            {"id": r.id, "sample": r.sample, "rules": r.verdict, "judge": j.verdict,
             "response": r.response}
            for r, j in pairs if r.verdict != j.verdict
        ],
    )


def build_result(run: dict[str, Any], records: list[Record], graders: Graders,
                 penalty_k: float) -> ResultFile:
    info = RunInfo(
        **run,
        grader=graders.spec,
        bench_version=__version__,
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        penalty_k=penalty_k,
    )
    both = graders.kind == "both"
    return ResultFile(
        run=info,
        metrics=compute(records, penalty_k=penalty_k),
        judge_metrics=compute(judge_view(records), penalty_k=penalty_k) if both else None,
        agreement=agreement_of(records) if both else None,
        records=records,
    )
