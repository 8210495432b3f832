"""Replies cut off by the token limit: graded on their complete sentences when those commit to
an answer, else `truncated` (not answered, not an abstention)."""

from __future__ import annotations

import asyncio

import pytest

from bench.dataset import QuestionSet
from bench.grading.graders import RulesOnly
from bench.grading.rules import RuleGrader
from bench.pipeline.answer import Answer, complete_part
from bench.pipeline.result import grade_answers
from bench.results.metrics import compute


@pytest.mark.parametrize(("text", "complete"), [
    ("Two. Two. Two. Tw", "Two. Two. Two."),
    ("Answer: Shusha\nShusha\nShu", "Answer: Shusha\nShusha"),
    ('"Two." And then the', '"Two."'),
    ("Yes! It was", "Yes!"),
    ("It was 6.5 km from the", ""),  # a decimal point ends no sentence
    ("Shusha, which was captured on", ""),
    ("", ""),
    # a loop said in full before the cut, with no sentence end
    ("The Ministry of Defense of the Republic (MoD) of the Republic (MoD) of the Rep",
     "The Ministry of Defense of the Republic (MoD)"),
    ("Shusha Shusha Shusha Shu", "Shusha"),
    ("a convoy that the helicopter escorted was a convoy that the", ""),
])
def test_complete_part(text: str, complete: str) -> None:
    assert complete_part(text) == complete


@pytest.mark.parametrize(("qid", "reply", "verdict", "flag"), [
    ("heli-crew-killed", "Two. Two. Two. Tw", "correct", True),  # a loop of the answer
    ("heli-crew-killed", "Three servicemen were killed. The helicopter was", "incorrect", True),
    ("heli-crew-killed", "According to the article, the number of servicemen killed was",
     "truncated", False),  # cut before the answer
    ("heli-crew-killed", "Let's think step by step. The article says that the",
     "truncated", False),  # reasoning, no conclusion
    ("heli-crew-killed", "I am not sure. The article does not", "truncated", False),
    ("heli-crew-killed", "Two.", "correct", False),  # not cut: finish_reason stop
])
def test_a_cut_reply_is_graded_only_after_a_committed_answer(
        question_set: QuestionSet, qid: str, reply: str, verdict: str, flag: bool) -> None:
    q = question_set.by_id()[qid]
    finish = "stop" if reply == "Two." else "length"
    answer = Answer(question=q, sample=0, response=reply, finish_reason=finish)
    [record] = asyncio.run(grade_answers([answer], RulesOnly(RuleGrader([q]))))
    assert (record.verdict, record.truncated, record.finish_reason) == (verdict, flag, finish)
    m = compute([record])
    assert (m.truncated, m.truncated_graded, m.complete) == (
        int(verdict == "truncated"), int(flag), verdict != "truncated")
