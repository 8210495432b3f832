"""One question asked once: the raw outcome before grading (a response, or why there is none)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bench.dataset import Question
from bench.evidence.models import Quote
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
    evidence: tuple[Quote, ...] | None = None
    """The quotes given after the answer; None when evidence was neither asked for nor given."""
    shown: tuple[str, ...] = ()
    """The articles the model was shown: where a quote naming no article is looked for."""

    @property
    def truncated(self) -> bool:
        # A reply cut off inside its evidence had finished its answer: the answer is whole.
        return (self.response is not None and self.finish_reason == "length"
                and not self.evidence)

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
    """`text` up to the end of its last complete sentence or line ("Two. Two. Tw" -> "Two.
    Two."), or, cut inside its first sentence, up to the end of a phrase it then repeated
    ("X of Y of Y of" -> "X of Y of Y"): a loop of the same words is said in full before the
    cut. "" when the cut came before anything complete."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    if ends:
        return text[:ends[-1]].strip()
    return _looped(text)


def _looped(text: str) -> str:
    """The words of `text` up to the end of the first saying of a phrase that it then repeats
    until the cut, at least once in full (a single word, twice); "" if there is none. The cut
    may have split the last word: it is left out of the comparison."""
    every = text.split()
    for words in (every, every[:-1]):
        n = len(words)
        for size in range(1, n // 2 + 1):
            i = n - 1 - size
            while i >= 0 and words[i] == words[i + size]:
                i -= 1
            start = i + 1  # where the repetition begins
            if n - start >= max(2 * size, 3):
                return " ".join(words[:start + size])
    return ""
