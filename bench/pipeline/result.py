"""From answers to a result file: grade each answer with the chosen grader, then compute the
metrics and assemble the file."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from bench import __version__, defaults
from bench.dataset import Question
from bench.evidence import check_quotes
from bench.grading.graders import Grader
from bench.pipeline.answer import Answer
from bench.records import Agreement, Record, ResultFile, RunInfo
from bench.results.metrics import compute
from bench.results.stats import percent_and_kappa
from bench.verdicts import GRADED, Grade, Verdict


def citation_ok(question: Question, cited: tuple[str, ...] | list[str] | None) -> bool | None:
    """Whether a system's cited documents include one the question cites."""
    if cited is None:
        return None
    return bool(set(cited) & {c.doc for c in question.citations})


async def grade_answers(answers: Sequence[Answer], grader: Grader, *,
                        concurrency: int = defaults.CONCURRENCY,
                        texts: Mapping[str, str] | None = None) -> list[Record]:
    """Grade every answer; a failed call stays an `error` record, never graded as text. With
    the articles' `texts`, the quotes an answer gives are checked against them."""
    sem = asyncio.Semaphore(concurrency)
    grades: dict[int, Grade] = {}

    async def one(i: int, a: Answer) -> None:
        async with sem:
            grades[i] = await grader.grade(a.question, a.graded_text or "")

    try:
        await asyncio.gather(*(one(i, a) for i, a in enumerate(answers) if a.gradable))
    finally:
        await grader.aclose()
    return [record_of(a, grades.get(i), texts) for i, a in enumerate(answers)]


def record_of(a: Answer, grade: Grade | None,
              texts: Mapping[str, str] | None = None) -> Record:
    """The record of one answer: its grade, or why it has none; its quotes checked."""
    q = a.question
    evidence = None
    if a.evidence is not None and a.response is not None and not a.missing:
        # An empty quote is no quote: the evidence it stands for is missing.
        quotes = [e for e in a.evidence if e.quote.strip()]
        evidence = list(check_quotes(quotes, q, texts or {}, a.shown))
    base: dict[str, Any] = {
        "evidence": evidence,
        "id": q.id, "sample": a.sample, "response": a.response, "gold": q.answer,
        "answer_type": q.answer_type, "tags": q.tags, "confidence": a.confidence,
        "citations": a.citations, "citation_ok": citation_ok(q, a.citations),
        "latency_s": a.latency_s, "usage": a.usage, "attempts": a.attempts,
        "finish_reason": a.finish_reason, "reasoning": a.reasoning,
    }
    if a.response is None:
        return Record(**base, verdict=Verdict.ERROR, rule="call.error",
                      reason=a.error or "no response")
    if a.missing:  # nothing to grade: no grader, and no judge call, is needed
        return Record(**base, verdict=Verdict.NOT_ATTEMPTED, rule="missing",
                      reason="no prediction for this question")
    if a.truncated:
        # A reply cut off after it committed to an answer (its complete sentences give one)
        # is that answer. Cut before one, or with only reasoning or a hedge before the cut,
        # it is no answer, and no abstention either.
        if grade is None or grade.verdict not in (Verdict.CORRECT, Verdict.INCORRECT):
            return Record(**base, verdict=Verdict.TRUNCATED, rule="reply.truncated",
                          reason="cut off by the token limit before a complete answer "
                          "(finish_reason length); raise the token limit")
        base["truncated"] = True
    assert grade is not None
    return Record(**base, verdict=grade.verdict, rule=grade.rule, reason=grade.reason,
                  judge=grade.judge, extracted=grade.extracted, decided=grade.rules_decided)


def judge_view(records: Sequence[Record]) -> list[Record]:
    """Records as the judge graded them (for `both`)."""
    return [
        r.model_copy(update={"verdict": r.judge.verdict, "rule": r.judge.rule,
                             "reason": r.judge.reason})
        if r.judge is not None else r
        for r in records
    ]


def agreement_of(records: Sequence[Record]) -> Agreement:
    """How the rules' verdicts and the judge's agree, record by record (for `both`)."""
    pairs = [(r, r.judge) for r in records
             if r.judge is not None and r.judge.verdict in GRADED and r.verdict in GRADED]
    pct, kappa = percent_and_kappa([(r.verdict, j.verdict) for r, j in pairs])
    return Agreement(
        n=len(pairs), percent=pct, kappa=kappa,
        disagreements=[
            {"id": r.id, "sample": r.sample, "rules": r.verdict, "judge": j.verdict,
             "response": r.response}
            for r, j in pairs if r.verdict != j.verdict
        ],
    )


def build_result(run: dict[str, Any], records: list[Record], grader: Grader,
                 questions: Sequence[Question], penalty_k: float,
                 prices: tuple[float, float] | None = None) -> ResultFile:
    """The result file of graded records; `questions` (their groups) shape the intervals."""
    info = RunInfo(
        **run,
        grader=grader.spec,
        bench_version=__version__,
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        penalty_k=penalty_k,
    )
    groups = {q.id: q.group for q in questions if q.group}
    target = info.confidence_target
    return ResultFile(
        run=info,
        metrics=compute(records, penalty_k=penalty_k, prices=prices, groups=groups,
                        target=target),
        judge_metrics=compute(judge_view(records), penalty_k=penalty_k, target=target)
        if grader.compares else None,
        agreement=agreement_of(records) if grader.compares else None,
        judge_usage=grader.usage(),
        records=records,
    )
