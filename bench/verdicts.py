"""The one verdict vocabulary, and the one grade every grader returns."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Verdict(StrEnum):
    """What a record's answer was judged to be; the first three are grades, the rest are not."""

    CORRECT = "correct"
    INCORRECT = "incorrect"
    NOT_ATTEMPTED = "not_attempted"
    UNSCORED = "unscored"
    """A grader could not decide (the judge failed or gave no usable grade)."""
    TRUNCATED = "truncated"
    """The reply was cut off by the token limit: not an answer, never graded."""
    ERROR = "error"
    """No answer could be had: the model call failed."""

    @property
    def graded(self) -> bool:
        return self in GRADED


GRADED = frozenset({Verdict.CORRECT, Verdict.INCORRECT, Verdict.NOT_ATTEMPTED})
"""The verdicts a grader gives to an answer; the others mean there was no graded answer."""


class Grade(BaseModel):
    """A grader's verdict on one response: the rule grader's or the LLM judge's."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    verdict: Verdict
    """The verdict; `unscored` only when the grader could not decide."""
    rule: str
    """A short stable identifier of what decided, e.g. `number.value`, `judge.grade`."""
    reason: str
    """Why, in a human sentence: the rule's explanation or the judge's failure."""
    reply: str | None = None
    """The LLM judge's full reply (its answer text), when a judge graded."""
    reasoning: str | None = None
    """What a reasoning judge thought before its reply, kept apart: the grade is read from
    `reply` only."""
    decided: bool = True
    """Whether a rule matched cleanly; False when the rule grader only has a best guess (a
    yes/no with no polarity word, several candidate spans) that a judge should confirm."""
    extracted: str | None = None
    """The final-answer span the rule grader read (reasoning, markup and citation markers
    removed); None when no rule read the response."""
    judge: Grade | None = None
    """The LLM judge's own grade where a judge was asked beside the rules (`hybrid` on an
    undecided answer, `both` on every answer)."""

    @property
    def rules_decided(self) -> bool | None:
        """Whether the rules were sure of this answer; None where only the judge graded it
        (`llm`), so the rules' sureness does not apply."""
        return None if self.rule.startswith("judge.") and self.decided else self.decided
