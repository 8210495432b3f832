"""The LLM judge without a model: reply parsing, the disk cache, failures, agreement."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bench.backends import Completion, Request
from bench.dataset import Question
from bench.errors import BackendCallError
from bench.judge import Judge, agreement, judge_prompt, parse_grade
from bench.records import Grade
from bench.retry import RetryPolicy

SHUSHA = Question(id="shusha", question="Which town did Azerbaijan capture?", answer="Shusha",
                  aliases=("Shushi", "Susa"), answer_type="entity",
                  citations=({"doc": "d", "quote": "q"},))  # type: ignore[arg-type]
SECRET = Question(id="secret", question="How many peacekeepers were killed?", answer=None,
                  answer_type="number", citations=({"doc": "d", "quote": "q"},))  # type: ignore[arg-type]


class FakeBackend:
    """Replies from a script, one item per call; an exception in the script is raised."""

    def __init__(self, *script: str | BaseException):
        self.script = list(script)
        self.requests: list[Request] = []

    async def complete(self, request: Request) -> Completion:
        self.requests.append(request)
        item = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(item, BaseException):
            raise item
        return Completion(text=item)


def grade(judge: Judge, q: Question = SHUSHA, response: str = "Shusha") -> Grade:
    return asyncio.run(judge.grade(q, response))


# ------------------------------------------------------------------ parse_grade


@pytest.mark.parametrize(
    ("reply", "verdict"),
    [
        ("The response names Shusha.\nGRADE: A", "correct"),
        ("GRADE: B", "incorrect"),
        ("GRADE: C", "not_attempted"),
        ("The response is correct.", "unscored"),
        ("It is incorrect, so the grade is B.", "unscored"),
        ("GRADE: A\nOn reflection the number differs.\nGRADE: B", "incorrect"),
        ("GRADE: B ... GRADE: C", "not_attempted"),
        ("GRADE: **B**", "incorrect"),
        ("**GRADE: A**", "correct"),
        ("grade: c", "not_attempted"),
        ("Grade = a", "correct"),
        ("GRADE: (B)", "incorrect"),
        ("GRADE: CORRECT", "correct"),
        ("GRADE: Incorrect", "incorrect"),
        ("GRADE: NOT_ATTEMPTED", "not_attempted"),
        ("GRADE: not attempted", "not_attempted"),
        ("GRADE: D", "unscored"),
        ("GRADE: ABC", "unscored"),
        ("GRADE:", "unscored"),
        ("asdf qwer !!", "unscored"),
        ("", "unscored"),
        ("  \n ", "unscored"),
        (None, "unscored"),
    ],
)
def test_parse_grade(reply: str | None, verdict: str) -> None:
    g = parse_grade(reply)
    assert g.verdict == verdict
    assert g.reason


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("GRADE: **b**", "judge: GRADE B"),
        (None, "judge gave an empty reply"),
        ("The response is\n correct.",
         "no GRADE line in the judge's reply: 'The response is correct.'"),
    ],
)
def test_parse_grade_reason(reply: str | None, reason: str) -> None:
    assert parse_grade(reply).reason == reason


# ------------------------------------------------------------------ the prompt


def test_judge_prompt() -> None:
    prompt = judge_prompt(SHUSHA, "  It was Shusha.\n")
    assert prompt.endswith(
        "Question: Which town did Azerbaijan capture?\n"
        "Gold: Shusha (also accepted: Shushi; Susa)\n"
        "Response: It was Shusha.\n"
        "Reasoning:"
    )
    assert "Gold: NOT DISCLOSED\nResponse: Two.\n" in judge_prompt(SECRET, "Two.")


# ------------------------------------------------------------------ Judge and its cache


def test_judge_grades_through_the_backend(tmp_path: Path) -> None:
    backend = FakeBackend("Names the gold.\nGRADE: A")
    judge = Judge(backend, "fake/m1", tmp_path)
    assert grade(judge) == Grade(verdict="correct", rule="judge.grade", reason="judge: GRADE A",
                                 reply="Names the gold.\nGRADE: A")
    [request] = backend.requests
    assert request.messages == [{"role": "user", "content": judge_prompt(SHUSHA, "Shusha")}]
    assert request.temperature == 0.0
    assert judge.spec == "llm-judge-v1:fake/m1"


def test_cache_on_disk(tmp_path: Path) -> None:
    backend = FakeBackend("GRADE: A")
    first = Judge(backend, "fake/m1", tmp_path)
    grade(first)
    [entry] = tmp_path.rglob("*.json")
    assert json.loads(entry.read_text()) == {"judge": "fake/m1", "reply": "GRADE: A"}

    assert grade(first).verdict == "correct"
    again = Judge(backend, "fake/m1", tmp_path)  # a later run reads the same folder
    assert grade(again).verdict == "correct"
    assert len(backend.requests) == 1
    assert (first.calls, first.cache_hits, again.cache_hits) == (1, 1, 1)

    grade(Judge(backend, "fake/m2", tmp_path))  # another judge is asked
    assert len(backend.requests) == 2
    grade(first, response="Shushi")  # another prompt is asked
    assert len(backend.requests) == 3
    assert len(list(tmp_path.rglob("*.json"))) == 3


def test_damaged_cache_entry_is_asked_again(tmp_path: Path) -> None:
    backend = FakeBackend("GRADE: B")
    grade(Judge(backend, "fake/m1", tmp_path))
    [entry] = tmp_path.rglob("*.json")
    entry.write_text("{not json")
    assert grade(Judge(backend, "fake/m1", tmp_path)).verdict == "incorrect"
    assert len(backend.requests) == 2


def test_no_cache_dir_asks_every_time() -> None:
    backend = FakeBackend("GRADE: C")
    judge = Judge(backend, "fake/m1", None)
    grade(judge)
    grade(judge)
    assert len(backend.requests) == 2


def test_failed_call_is_unscored_and_not_cached(tmp_path: Path) -> None:
    backend = FakeBackend(BackendCallError("HTTP 401: bad key", transient=False), "GRADE: A")
    judge = Judge(backend, "fake/m1", tmp_path)
    assert grade(judge) == Grade(verdict="unscored", rule="judge.failed",
                                 reason="judge call failed: HTTP 401: bad key")
    assert len(backend.requests) == 1  # not retried
    assert judge.calls == 0
    assert list(tmp_path.rglob("*.json")) == []
    assert grade(judge).verdict == "correct"  # asked again next time


def test_transient_failure_is_retried(tmp_path: Path) -> None:
    backend = FakeBackend(BackendCallError("HTTP 503", transient=True), "GRADE: B")
    judge = Judge(backend, "fake/m1", tmp_path, policy=RetryPolicy(attempts=3, base_s=0.0))
    assert grade(judge).verdict == "incorrect"
    assert len(backend.requests) == 2


@pytest.mark.parametrize("reply", ["I think the response is correct.", "", "GRADE: E"])
def test_unparseable_reply_is_unscored(tmp_path: Path, reply: str) -> None:
    judge = Judge(FakeBackend(reply), "fake/m1", tmp_path)
    g = grade(judge)
    assert g.verdict == "unscored"
    assert g.reason


# ------------------------------------------------------------------ agreement

OK, NO, NA = "correct", "incorrect", "not_attempted"


@pytest.mark.parametrize(
    ("pairs", "percent", "kappa"),
    [
        # 2x2: (OK,OK) 6, (OK,NO) 2, (NO,OK) 1, (NO,NO) 1. Observed 0.7; A says OK 0.8, B 0.7:
        # expected 0.8*0.7 + 0.2*0.3 = 0.62; kappa = (0.7 - 0.62) / 0.38.
        ([(OK, OK)] * 6 + [(OK, NO)] * 2 + [(NO, OK)] + [(NO, NO)], 70.0, 0.08 / 0.38),
        # Balanced: observed 0.8, expected 0.5, kappa 0.6.
        ([(OK, OK)] * 4 + [(OK, NO)] + [(NO, OK)] + [(NO, NO)] * 4, 80.0, 0.6),
        ([(OK, NO), (NO, OK)], 0.0, -1.0),
        ([(OK, OK), (NA, NA), (NO, NO)], 100.0, 1.0),
        ([(OK, OK), (OK, OK)], 100.0, 1.0),  # one label only: expected agreement 1
    ],
)
def test_agreement(pairs: list[tuple[str, str]], percent: float, kappa: float) -> None:
    assert agreement(pairs) == pytest.approx((percent, kappa))


def test_agreement_of_nothing() -> None:
    assert agreement([]) == (None, None)
