"""Reasoning kept apart from the answer: `<think>` blocks in a reply, and the stop sequence a
server would not apply. One function for live replies and for saved predictions alike."""

from __future__ import annotations

import re
from dataclasses import dataclass

# <think>, <thinking> and <reasoning>, the tags reasoning models and their templates use.
_OPEN = re.compile(r"<(think|thinking|reasoning)>", re.IGNORECASE)
_CLOSE = re.compile(r"</(think|thinking|reasoning)>", re.IGNORECASE)


@dataclass(frozen=True)
class Split:
    """A reply split into the answer (graded) and the reasoning (kept, never graded)."""

    answer: str
    reasoning: str | None
    unclosed: bool
    """A reasoning block was opened and never closed: the reply holds no answer."""


def split_reasoning(text: str) -> Split:
    """Take reasoning blocks out of `text`.

    Handles `<think>...</think>` anywhere (several too), a bare leading `...</think>` (recent
    Qwen templates put the opening tag in the prompt), and an opening tag never closed (the
    model was cut off while thinking, or never concluded)."""
    parts: list[str] = []
    answer: list[str] = []
    rest = text
    first_close = _CLOSE.search(rest)
    first_open = _OPEN.search(rest)
    if first_close is not None and (first_open is None or first_close.start() < first_open.start()):
        parts.append(rest[: first_close.start()])
        rest = rest[first_close.end():]
    while True:
        opened = _OPEN.search(rest)
        if opened is None:
            answer.append(rest)
            break
        answer.append(rest[: opened.start()])
        closed = _CLOSE.search(rest, opened.end())
        if closed is None:
            parts.append(rest[opened.end():])
            reasoning = "\n\n".join(p.strip() for p in parts if p.strip()) or None
            return Split("".join(answer).strip(), reasoning, unclosed=True)
        parts.append(rest[opened.end(): closed.start()])
        rest = rest[closed.end():]
    reasoning = "\n\n".join(p.strip() for p in parts if p.strip()) or None
    return Split("".join(answer).strip(), reasoning, unclosed=False)


def apply_stop(text: str, stop: tuple[str, ...]) -> str:
    """Cut `text` at the first stop sequence, as a server would have (leading ones skipped)."""
    body = text.lstrip()
    cut = min((i for s in stop if s and (i := body.find(s)) != -1), default=-1)
    return body if cut == -1 else body[:cut]
