"""`bench run`: ask a backend every question concurrently, journal each answer, grade, write."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Protocol

from bench.backends import Backend, Request
from bench.backends.retry import RetryPolicy, with_retries
from bench.corpus import Corpus
from bench.dataset import Question, QuestionSet
from bench.errors import BackendCallError, UsageError
from bench.pipeline.journal import Journal, JournalEntry
from bench.pipeline.result import Answer
from bench.prompts import (
    DEFAULT_TEMPLATE,
    PromptTemplate,
    build_messages,
    context_docs,
    split_confidence,
)
from bench.records import Usage


@dataclass(frozen=True)
class Item:
    question: Question
    sample: int
    messages: list[dict[str, str]]


def select(qs: QuestionSet, *, ids: list[str] | None, tags: list[str] | None,
           limit: int | None) -> list[Question]:
    questions = list(qs.questions)
    if ids is not None:
        known = {q.id for q in questions}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise UsageError(f"--ids: unknown question ids: {', '.join(unknown)}")
        wanted = set(ids)
        questions = [q for q in questions if q.id in wanted]
    if tags is not None:
        wanted_tags = set(tags)
        questions = [q for q in questions if wanted_tags & set(q.tags)]
        if not questions:
            raise UsageError(f"--tags: no question has any of the tags {', '.join(tags)}")
    if limit is not None:
        if limit < 1:
            raise UsageError("--limit must be at least 1")
        questions = questions[:limit]
    return questions


def plan(questions: list[Question], mode: str, corpus: Corpus, repeats: int,
         confidence: bool, template: PromptTemplate = DEFAULT_TEMPLATE) -> list[Item]:
    """Items ordered so that questions sharing a context run back to back (prompt-cache reuse)."""
    order = sorted(range(len(questions)),
                   key=lambda i: (context_docs(questions[i], mode, corpus), i))
    items: list[Item] = []
    for i in order:
        q = questions[i]
        messages = build_messages(q, mode, corpus, confidence, template)
        items.extend(Item(q, s, messages) for s in range(repeats))
    return items


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


async def ask_all(items: list[Item], backend: Backend, journal: Journal, *, concurrency: int,
                  policy: RetryPolicy, progress: Progress, temperature: float,
                  max_tokens: int, mode: str, confidence: bool,
                  stop: tuple[str, ...] = DEFAULT_TEMPLATE.stop) -> None:
    """Ask every item not yet in the journal; each outcome is journaled as soon as it is known."""
    sem = asyncio.Semaphore(concurrency)
    rng = random.Random()

    async def one(item: Item) -> None:
        request = Request(messages=item.messages, question=item.question, mode=mode,
                          temperature=temperature, max_tokens=max_tokens,
                          seed=item.sample if item.sample else None, stop=stop)
        async with sem:
            try:
                completion, attempts = await with_retries(
                    lambda: backend.complete(request), policy, rng=rng)
            except BackendCallError as exc:
                journal.record(JournalEntry(id=item.question.id, sample=item.sample,
                                            error=str(exc), attempts=exc.attempts))
                progress.update(error=True)
                return
        # A refusal in place of content is the model's answer, graded like any other.
        reply = completion.text or completion.refusal or ""
        text, conf = split_confidence(reply) if confidence else (reply, None)
        journal.record(JournalEntry(
            id=item.question.id, sample=item.sample, response=text, confidence=conf,
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
        await backend.aclose()


def answers_from(journal: Journal, items: list[Item]) -> list[Answer]:
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
            finish_reason=e.finish_reason, reasoning=e.reasoning,
        ))
    return out
