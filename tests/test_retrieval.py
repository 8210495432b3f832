"""The retrieval baseline: BM25 sentence choice and typed extraction."""

from __future__ import annotations

import asyncio

import pytest

from bench.backends import Request, create
from bench.dataset import QuestionSet
from bench.grading import RuleGrader


@pytest.mark.parametrize(
    ("qid", "verdict"),
    [
        ("heli-crew-killed", "correct"),
        ("pk-2023-death-toll", "correct"),
        ("war2020-armenian-troops-killed", "correct"),
    ],
)
def test_retrieval_answers(question_set: QuestionSet, qid: str, verdict: str) -> None:
    backend = create("retrieval", {})
    q = question_set.by_id()[qid]
    completion = asyncio.run(backend.complete(Request(messages=[], question=q)))
    assert RuleGrader().grade(q, completion.text).verdict == verdict, completion.text


def test_retrieval_beats_abstaining_overall(question_set: QuestionSet) -> None:
    backend = create("retrieval", {})
    grader = RuleGrader(question_set.questions)

    async def go() -> list[str]:
        return [(await backend.complete(Request(messages=[], question=q))).text
                for q in question_set.questions]

    answers = asyncio.run(go())
    verdicts = [grader.grade(q, t).verdict
                for q, t in zip(question_set.questions, answers, strict=True)]
    assert verdicts.count("correct") / len(verdicts) > 0.4
