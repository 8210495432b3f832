"""One question asked once: the raw outcome before grading (a response, or why there is none)."""

from __future__ import annotations

import re
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
    def graded_text(self) -> str | None:
        """What a grader reads: the response, or for a reply cut off by the token limit its
        complete sentences (the fragment the cut left is no part of an answer); None when there
        is nothing to grade."""
        if self.response is None or self.missing:
            return None
        if not self.truncated:
            return self.response
        return complete_part(self.response) or None

    @property
    def gradable(self) -> bool:
        return self.graded_text is not None


_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’)\]*]*(?=\s|$)|\n")


def complete_part(text: str) -> str:
    """`text` up to the end of its last complete sentence or line: "Two. Two. Tw" -> "Two.
    Two."; "" when the cut came inside the first sentence."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    return text[:ends[-1]].strip() if ends else ""
