"""One question asked once: the raw outcome before grading (a response, or why there is none)."""

from __future__ import annotations

from dataclasses import dataclass

from bench.dataset import Question
from bench.records import Usage


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
