"""From answers to a result file: grade with rules, the judge or both, then compute metrics."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bench import __version__
from bench.backends import create
from bench.dataset import Question
from bench.errors import ConfigError
from bench.grading.judge import BASELINE_BACKENDS, TEMPLATE, Judge, agreement, load_template
from bench.grading.rules import RULES_SPEC, RuleGrader
from bench.records import Agreement, Record, ResultFile, RunInfo, Usage
from bench.results.metrics import compute
from bench.verdicts import GRADED, Grade, Verdict


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
    finish_reason: str | None = None
    """Why the model stopped; `length` means the reply was cut off and is not an answer."""
    reasoning: str | None = None
    """Reasoning kept apart from the response: never graded, never sent to a judge."""
    missing: bool = False
    """No answer was given for this question at all (`bench grade` without a prediction)."""

    @property
    def truncated(self) -> bool:
        return self.response is not None and self.finish_reason == "length"

    @property
    def gradable(self) -> bool:
        return self.response is not None and not self.missing and not self.truncated


GraderKind = Literal["rules", "llm", "both", "hybrid"]


@dataclass(frozen=True)
class GraderSettings:
    """Which graders to use, and how to reach the LLM judge when one is asked for."""

    kind: GraderKind = "rules"
    judge_backend: str = "openai"
    judge_model: str | None = None
    judge_base_url: str | None = None
    judge_cache: Path | None = None
    """Where judge replies are cached; None: `<results>/.cache/judge`."""
    penalty_k: float = 1.0
    """Cost of an incorrect answer in the penalty score."""
    judge_options: dict[str, Any] = field(default_factory=dict)
    """`--judge-option KEY=VALUE`: `max_tokens` of the judge's reply; every other key is an
    option of the judge's backend (`api_key_env`, `timeout_s`, ...)."""
    judge_template: Path | None = None
    """`--judge-template FILE`: the judge's prompt of one's own (hashed into the grader spec)."""


@dataclass
class Graders:
    """The graders a command asked for: `kind` is rules, llm, both or hybrid (rules first,
    the judge only where the rules are undecided)."""

    kind: GraderKind
    rules: RuleGrader
    judge: Judge | None = None
    questions: Sequence[Question] = ()
    """The question set graded: its `group`s shape the bootstrap intervals."""

    @property
    def spec(self) -> str:
        if self.kind == "rules":
            return RULES_SPEC
        assert self.judge is not None
        if self.kind == "llm":
            return self.judge.spec
        return f"{self.kind}:{RULES_SPEC}+{self.judge.spec}"


def make_graders(settings: GraderSettings, questions: Sequence[Question],
                 results_dir: Path) -> Graders:
    """Build the graders the settings name; the judge's backend is created here."""
    rules = RuleGrader(tuple(questions))
    if settings.kind == "rules":
        return Graders("rules", rules, questions=tuple(questions))
    if settings.judge_backend in BASELINE_BACKENDS:
        raise ConfigError(f"--judge-backend {settings.judge_backend} is a baseline that never "
                          "reads the response, so it cannot judge; use a model backend "
                          "(openai with --judge-model, or local)")
    if not settings.judge_model and settings.judge_backend == "openai":
        raise ConfigError(f"--grader {settings.kind} needs --judge-model NAME (the model that "
                          "grades)")
    template = load_template(settings.judge_template) if settings.judge_template else TEMPLATE
    options = dict(settings.judge_options)
    max_tokens = options.pop("max_tokens", 256)
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        raise ConfigError(f"--judge-option max_tokens={max_tokens!r}: a positive integer")
    if settings.judge_model:
        options["model"] = settings.judge_model
    if settings.judge_base_url:
        options["base_url"] = settings.judge_base_url
    backend = create(settings.judge_backend, options)
    judge_id = f"{settings.judge_backend}/{settings.judge_model or 'default'}"
    cache = settings.judge_cache or results_dir / ".cache" / "judge"
    judge = Judge(backend, judge_id, cache, cache_scope=settings.judge_base_url or "",
                  max_tokens=max_tokens, template=template)
    return Graders(settings.kind, rules, judge, tuple(questions))


def citation_ok(question: Question, cited: tuple[str, ...] | list[str] | None) -> bool | None:
    """Whether a system's cited documents include one the question cites."""
    if cited is None:
        return None
    return bool(set(cited) & {c.doc for c in question.citations})


async def grade_answers(
    answers: Sequence[Answer], graders: Graders, *, concurrency: int = 8
) -> list[Record]:
    """Grade every answer; a failed call stays an `error` record, never graded as text.

    `hybrid` asks the judge only about answers the rule grader is undecided on."""
    # The rules read every answer (cheap): their extracted span is kept even for the judge.
    assessed = {i: graders.rules.assess(a.question, a.response or "")
                for i, a in enumerate(answers) if a.gradable}
    judged: dict[int, Grade] = {}
    if graders.judge is not None:
        sem = asyncio.Semaphore(concurrency)
        judge = graders.judge

        async def one(i: int, a: Answer) -> None:
            async with sem:
                judged[i] = await judge.grade(a.question, a.response or "")

        asked = [(i, a) for i, a in enumerate(answers) if a.gradable
                 and (graders.kind != "hybrid" or not assessed[i].decided)]
        try:
            await asyncio.gather(*(one(i, a) for i, a in asked))
        finally:
            await judge.backend.aclose()
    records = []
    for i, a in enumerate(answers):
        q = a.question
        base: dict[str, Any] = {
            "id": q.id, "sample": a.sample, "response": a.response, "gold": q.answer,
            "answer_type": q.answer_type, "tags": q.tags, "confidence": a.confidence,
            "citations": a.citations, "citation_ok": citation_ok(q, a.citations),
            "latency_s": a.latency_s, "usage": a.usage, "attempts": a.attempts,
            "finish_reason": a.finish_reason, "reasoning": a.reasoning,
        }
        if a.response is None:
            records.append(Record(**base, verdict=Verdict.ERROR, rule="call.error",
                                  reason=a.error or "no response"))
            continue
        if a.truncated:  # a reply cut off mid-way is no answer, and no abstention either
            records.append(Record(**base, verdict=Verdict.TRUNCATED, rule="reply.truncated",
                                  reason="cut off by the token limit (finish_reason length); "
                                  "raise --max-tokens"))
            continue
        if a.missing:  # nothing to grade: no grader, and no judge call, is needed
            records.append(Record(**base, verdict=Verdict.NOT_ATTEMPTED, rule="missing",
                                  reason="no prediction for this question"))
            continue
        if graders.kind == "llm":
            g = judged[i]
            records.append(Record(**base, verdict=g.verdict, rule=g.rule, reason=g.reason,
                                  judge=g, extracted=assessed[i].extracted))
            continue
        r = assessed[i]
        rules = {"decided": r.decided, "extracted": r.extracted}
        if graders.kind == "hybrid" and not r.decided:
            g = judged[i]  # the judge decides; the rules' guess stays in the reason
            records.append(Record(**base, **rules, verdict=g.verdict, rule=g.rule,
                                  reason=f"{g.reason} (rules undecided: {r.verdict.value}, "
                                  f"{r.rule})", judge=g))
            continue
        records.append(Record(**base, **rules, verdict=r.verdict, rule=r.rule, reason=r.reason,
                              judge=judged.get(i)))
    return records


def judge_view(records: Sequence[Record]) -> list[Record]:
    """Records as the judge graded them (for `--grader both`)."""
    return [
        r.model_copy(update={"verdict": r.judge.verdict, "rule": r.judge.rule,
                             "reason": r.judge.reason})
        if r.judge is not None else r
        for r in records
    ]


def agreement_of(records: Sequence[Record]) -> Agreement:
    pairs = [(r, r.judge) for r in records
             if r.judge is not None and r.judge.verdict in GRADED and r.verdict in GRADED]
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
                 penalty_k: float, prices: tuple[float, float] | None = None) -> ResultFile:
    info = RunInfo(
        **run,
        grader=graders.spec,
        bench_version=__version__,
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        penalty_k=penalty_k,
    )
    both = graders.kind == "both"
    groups = {q.id: q.group for q in graders.questions if q.group}
    return ResultFile(
        run=info,
        metrics=compute(records, penalty_k=penalty_k, prices=prices, groups=groups),
        judge_metrics=compute(judge_view(records), penalty_k=penalty_k) if both else None,
        agreement=agreement_of(records) if both else None,
        judge_usage=graders.judge.usage() if graders.judge is not None else None,
        records=records,
    )
