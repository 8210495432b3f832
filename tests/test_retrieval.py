"""The retrieval baseline: BM25 sentence choice and typed extraction."""

from __future__ import annotations

import asyncio

import pytest

from bench.backends import Request, create
from bench.dataset import QuestionSet
from bench.grading.rules import RuleGrader


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
    completion = asyncio.run(backend.complete(Request(messages=[], question=q, mode="corpus")))
    assert RuleGrader().grade(q, completion.text).verdict == verdict, completion.text


@pytest.mark.parametrize(("mode", "abstains"), [("closed-book", True), ("open-book", False),
                                                ("corpus", False)])
def test_retrieval_reads_only_what_the_mode_shows(question_set: QuestionSet, mode: str,
                                                  abstains: bool) -> None:
    backend = create("retrieval", {})
    q = question_set.by_id()["heli-crew-killed"]
    text = asyncio.run(backend.complete(Request(messages=[], question=q, mode=mode))).text
    assert (text == "I don't know.") is abstains


def test_retrieval_beats_abstaining_overall(question_set: QuestionSet) -> None:
    backend = create("retrieval", {})
    grader = RuleGrader(question_set.questions)

    async def go() -> list[str]:
        return [(await backend.complete(Request(messages=[], question=q, mode="corpus"))).text
                for q in question_set.questions]

    answers = asyncio.run(go())
    verdicts = [grader.grade(q, t).verdict
                for q, t in zip(question_set.questions, answers, strict=True)]
    assert verdicts.count("correct") / len(verdicts) > 0.4
