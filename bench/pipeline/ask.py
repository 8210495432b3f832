"""Asking: every planned item through the model-call layer, concurrently, each outcome
journaled the moment it is known; and the journal read back as answers."""

from __future__ import annotations

import asyncio
from typing import Protocol

from bench.backends.call import Model
from bench.errors import BackendCallError
from bench.evidence import Quote, split_evidence
from bench.pipeline.answer import Answer
from bench.pipeline.journal import Journal, JournalEntry
from bench.pipeline.plan import Item, request_of
from bench.prompts import split_confidence
from bench.records import Usage
from bench.settings import RunSettings


class Progress(Protocol):
    """Where the runner reports progress (the CLI draws a bar; a library caller may ignore it)."""

    def start(self, total: int, done: int) -> None: ...
    def update(self, error: bool) -> None: ...
    def close(self) -> None: ...
    def note(self, message: str) -> None: ...


class NoProgress:
    """Progress that shows nothing."""

    def start(self, total: int, done: int) -> None:
        pass

    def update(self, error: bool) -> None:
        pass

    def close(self) -> None:
        pass

    def note(self, message: str) -> None:
        pass


async def ask_all(items: list[Item], model: Model, journal: Journal, settings: RunSettings,
                  progress: Progress) -> None:
    """Ask every item not yet in the journal; each outcome is journaled as soon as it is known."""
    sem = asyncio.Semaphore(settings.concurrency)

    async def one(item: Item) -> None:
        async with sem:
            try:
                completion, attempts = await model.generate(request_of(item, settings))
            except BackendCallError as exc:
                journal.record(JournalEntry(id=item.question.id, sample=item.sample,
                                            error=str(exc), attempts=exc.attempts))
                progress.update(error=True)
                return
        # A refusal in place of content is the model's answer, graded like any other.
        reply = completion.text or completion.refusal or ""
        text, conf, evidence = parts_of(reply, settings)
        journal.record(JournalEntry(
            id=item.question.id, sample=item.sample, response=text, confidence=conf,
            evidence=evidence,
            latency_s=round(completion.latency_s, 4), prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
            reasoning_tokens=completion.reasoning_tokens, cached_tokens=completion.cached_tokens,
            finish_reason=completion.finish_reason, reasoning=completion.reasoning,
            attempts=attempts, model=completion.model,
        ))
        progress.update(error=False)

    tasks = [asyncio.ensure_future(one(item)) for item in items]
    try:
        await asyncio.gather(*tasks)
    finally:
        for t in tasks:
            t.cancel()
        await model.aclose()


def parts_of(reply: str, settings: RunSettings) -> tuple[str, float | None,
                                                       tuple[Quote, ...] | None]:
    """A reply's answer, stated confidence and evidence, as far as each was asked for: the
    evidence comes off first (a confidence line among it is moved to the end), then the
    confidence."""
    evidence = None
    if settings.cite:
        reply, evidence = split_evidence(reply)
    text, conf = split_confidence(reply) if settings.confidence else (reply, None)
    return text, conf, evidence


def answers_from(journal: Journal, items: list[Item]) -> list[Answer]:
    """The journal's outcomes for `items`, in (question id, sample) order."""
    out = []
    for item in sorted(items, key=lambda it: (it.question.id, it.sample)):
        e = journal.entries.get((item.question.id, item.sample))
        if e is None:
            continue
        usage = None
        if e.response is not None:
            usage = Usage(prompt_tokens=e.prompt_tokens or 0,
                          completion_tokens=e.completion_tokens or 0,
                          reasoning_tokens=e.reasoning_tokens, cached_tokens=e.cached_tokens)
        out.append(Answer(
            question=item.question, sample=item.sample, response=e.response, error=e.error,
            confidence=e.confidence, latency_s=e.latency_s, usage=usage, attempts=e.attempts,
            finish_reason=e.finish_reason, reasoning=e.reasoning, evidence=e.evidence,
            shown=item.shown,
        ))
    return out
