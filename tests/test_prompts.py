"""Prompt building per mode and confidence parsing."""

from __future__ import annotations

import pytest

from bench.corpus import Corpus
from bench.dataset import QuestionSet
from bench.prompts import build_messages, split_confidence


@pytest.mark.parametrize(
    ("reply", "answer", "confidence"),
    [
        ("Two.\nConfidence: 0.8", "Two.", 0.8),
        ("Two.\nConfidence: 80%", "Two.", 0.8),
        ("Shusha\n**Confidence:** 0.35", "Shusha\n**", 0.35),
        ("Two.", "Two.", None),
        ("Two. Confidence: 7", "Two.", 0.07),
        ("Two. Confidence: 250", "Two.", None),
        ("Two.\nConfidence: 1.5", "Two.", None),
        ("I have high confidence: 2", "I have high confidence: 2", None),
        ("The answer is 2 (confidence: 0.9 was not asked)", "The answer is 2 (confidence: 0.9 "
         "was not asked)", None),
        ("Shusha.\n\n- Confidence = 0.9", "Shusha.", 0.9),
    ],
)
def test_split_confidence(reply: str, answer: str, confidence: float | None) -> None:
    got_answer, got = split_confidence(reply)
    assert got == (pytest.approx(confidence) if confidence is not None else None)
    assert got_answer.rstrip("*\n ") == answer.rstrip("*\n ")


@pytest.mark.parametrize(("mode", "articles"), [("closed-book", 0), ("open-book", 1),
                                                ("corpus", 5)])
def test_modes_show_the_right_articles(question_set: QuestionSet, corpus: Corpus, mode: str,
                                       articles: int) -> None:
    q = next(q for q in question_set.questions if len({c.doc for c in q.citations}) == 1)
    messages = build_messages(q, mode, corpus, confidence=True)
    system, user = messages[0]["content"], messages[-1]["content"]
    assert system.count("<article") == articles
    assert user.startswith("Question: " + q.question)  # articles first: the shared prefix
    assert "Confidence" in user
    assert "not disclosed" in system
