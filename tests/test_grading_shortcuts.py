"""The rule grader's shortcuts for the plainest answers give the full reading's verdict.

A gold variant after a lead-in that adds nothing ("The answer is", "According to the
article,"), in emphasis or quotes, and the stock abstentions skip the reading: these tests
hold the shortcut and the full reading (`Matcher._read`) equal on every question we ship and
on every labelled answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.dataset import Question, load_questions
from bench.grading.rules import _STOCK_ABSTENTIONS, Matcher
from tests.conftest import QUESTIONS

DATA = Path(__file__).resolve().parent / "data"
QUESTION_FILES = [QUESTIONS, *sorted(DATA.glob("general_questions*.jsonl"))]
FORMS = [
    "{a}", "{a}.", "**{a}**", "\"{a}\"", "The answer is {a}.", "the answer is {a}",
    "Answer: {a}", "Final answer: **{a}**", "The final answer is {a}.", "It was {a}.",
    "It's {a}!", "I think it was {a}.", "I believe {a}.", "Probably {a}.", "Most likely `{a}`",
    "According to the article, {a}.", "Based on the sources, {a}.", "ANSWER: {A}",
    "Not {a}.", "not {a}", "The answer is not **{a}**.", "Probably not {a}.",
]
# Near misses: each must be read in full, and the reading decides.
NEAR = ["It was not {a}.", "The answer is {a}?", "I think it was {a}, or maybe not.",
        "Probably {a} and something else.", "According to Moscow, {a}."]


def questions() -> list[Question]:
    return [q for path in QUESTION_FILES for q in load_questions(path, None).questions]


def outcome(m: Matcher, text: str) -> tuple[object, ...]:
    """Verdict, rule and sureness (a reason may quote the text in another case)."""
    a = m.assess(text)
    return a.verdict, a.rule, a.decided


def read(m: Matcher, text: str) -> tuple[object, ...]:
    a = m._read(text)
    return a.verdict, a.rule, a.decided


@pytest.mark.parametrize("q", questions(), ids=lambda q: q.id)
def test_shortcut_equals_the_full_reading(q: Question) -> None:
    m = Matcher(q)
    golds = [q.answer, *q.aliases] if q.answer else ["not disclosed", "Not disclosed"]
    for gold in golds:
        for form in FORMS + NEAR:
            text = form.format(a=gold, A=gold.upper())
            if text.strip().rstrip(".!").strip().lower() in m._exact:
                continue  # the gold itself: correct by definition
            assert outcome(m, text) == read(m, text), text
    for stock in sorted(_STOCK_ABSTENTIONS):
        for text in (stock, stock.capitalize() + ".", f"The answer is {stock}."):
            assert outcome(m, text) == read(m, text), text


def test_every_labelled_answer_reads_the_same_with_and_without_shortcuts() -> None:
    by_id = {q.id: q for q in questions()}
    matchers: dict[str, Matcher] = {}
    checked = 0
    for path in sorted(DATA.glob("*_cases*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            q = by_id.get(row.get("id", ""))
            if q is None or "response" not in row:
                continue
            m = matchers.setdefault(q.id, Matcher(q))
            text = row["response"]
            if text.strip().rstrip(".!").strip().lower() in m._exact:
                continue
            assert outcome(m, text) == read(m, text), (path.name, text)
            checked += 1
    assert checked > 1500


def test_a_shortcut_keeps_the_span_it_graded() -> None:
    q = load_questions(QUESTIONS, None).questions[0]
    m = Matcher(q)
    assert m.assess(f"The answer is **{q.answer}**.").extracted == f"**{q.answer}**."
    assert m.assess("I don't know.").extracted == "I don't know."
